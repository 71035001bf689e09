"""The configuration: what the commands use when no option says otherwise, and where it
comes from.

It knows the settings (portal URL, ledger, credentials file, flows and selectors folders,
runs folder, workers, screenshots, trace, language, how long to wait for a lost ledger),
their environment variables, their defaults, the file ``bots.toml`` and the order in which
these override each other:

    a command-line option  >  an environment variable  >  bots.toml  >  the default

``bots.toml`` is the first of: ``--config FILE``, ``BOTS_CONFIG``, ``./bots.toml``, the
user's config folder (``$XDG_CONFIG_HOME/bots/bots.toml``, else ``~/.config/bots/bots.toml``).
Paths in the file are relative to the file's folder; paths given as options or environment
variables are relative to the current folder. The shipped flows, selectors and sample
orders live in the package (``bots/shipped/``), so every command works from any folder.

It does not know what a command does with a setting; no other module reads these
environment variables.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bots.errors import BadInput, DefinitionError, SetupError
from bots.messages import LANGUAGES, normalise, t

FILE_NAME = "bots.toml"
CONFIG_ENV = "BOTS_CONFIG"
SHIPPED = Path(__file__).parent / "shipped"
DEFAULT_DB = "sqlite:///runs/ledger.db"
SCREENSHOTS = ("every_step", "on_failure", "off")
# on_failure: actions, console and network (cheap); full_on_failure adds DOM snapshots. Off
# unless asked for: a trace makes Playwright's client send the stack of every call (about
# 3 % of a run's CPU), and a failure keeps its picture, log and page text without it
TRACES = ("off", "on_failure", "full_on_failure")


def made_folder(path: Path, fix: str) -> Path:
    """``path`` as a folder to write into, made when missing; one that cannot be (a file
    there, no permission, a system folder) is refused with ``fix``, what to change, before
    anything is written."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BadInput(
            t("没法使用文件夹 {path}({reason}):{fix}", path=path,
              reason=error.strerror or error, fix=fix)
        ) from None  # fmt: skip
    return path


def shipped(name: str) -> Path:
    """A folder shipped with the package: ``flows``, ``selectors`` or ``examples``."""
    return SHIPPED / name


# -- what a value may be ----------------------------------------------------------------------


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(t("应是非空的文字"))
    return value.strip()


def _web_address(value: Any) -> str:
    text = _text(value)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(t("应是以 http:// 或 https:// 开头的网址"))
    return text


def _count(value: Any) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(t("应是不小于1的整数"))
    return value


def _choice(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in choices:
            raise ValueError(t("应是 {choices} 之一", choices=" | ".join(choices)))
        return str(value)

    return check


def _language(value: Any) -> str:
    """zh or en, however it is spelt (``EN``, ``zh_CN.UTF-8``, ``en-US``)."""
    found = normalise(str(value))
    if found is None:
        return _choice(LANGUAGES)(value)  # (says which ones there are)
    return found


@dataclass(frozen=True)
class Setting:
    key: str
    env: str
    check: Callable[[Any], Any]
    default: Any = None
    path: bool = False  # a file or folder: relative to where it was given


SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in (
        Setting("portal_url", "BOTS_PORTAL_URL", _web_address),
        Setting("db", "BOTS_DB", _text, DEFAULT_DB),
        Setting("credentials", "BOTS_CREDENTIALS", _text, path=True),
        Setting("flows", "BOTS_FLOWS", _text, shipped("flows"), path=True),
        Setting("selectors", "BOTS_SELECTORS", _text, path=True),
        Setting("runs", "BOTS_RUNS", _text, "runs", path=True),
        Setting("workers", "BOTS_WORKERS", _count, 1),
        Setting("screenshots", "BOTS_SCREENSHOTS", _choice(SCREENSHOTS), "every_step"),
        Setting("trace", "BOTS_TRACE", _choice(TRACES), "off"),
        Setting("lang", "BOTS_LANG", _language, "zh"),
        # a PostgreSQL restart or failover: how long bots work waits for it, in seconds
        Setting("ledger_wait", "BOTS_LEDGER_WAIT", _count, 60),
    )
}


def about(key: str) -> str:
    """What a setting is, in the user's language."""
    return {
        "portal_url": t("营账系统的网址"),
        "db": t("账本(数据库网址或文件)"),
        "credentials": t("工号密码文件(仅本人可读,0600)"),
        "flows": t("流程文件夹"),
        "selectors": t("选择器文件夹(默认:流程旁边的 selectors)"),
        "runs": t("运行记录文件夹"),
        "workers": t("并行的浏览器上下文数"),
        "screenshots": t("截图策略"),
        "trace": t("Playwright 跟踪(trace.zip)"),
        "lang": t("界面语言"),
        "ledger_wait": t("账本连接断开后,bots work 等它恢复的秒数"),
    }[key]


@dataclass(frozen=True)
class Value:
    value: Any
    source: str  # option, env, file or default
    where: str = ""  # the option, the variable, file:line

    def shown(self) -> str:
        """Where the value comes from, in words."""
        if self.source == "option":
            return t("命令行选项 {option}", option=self.where)
        if self.source == "env":
            return t("环境变量 {name}", name=self.where)
        if self.source == "file":
            return self.where
        return t("默认值")


@dataclass(frozen=True)
class Config:
    values: Mapping[str, Value]
    file: Path | None = None
    searched: tuple[Path, ...] = field(default_factory=tuple)

    def __getitem__(self, key: str) -> Any:
        return self.values[key].value

    def get(self, key: str, given: Any = None) -> Any:
        """``given`` when a command-line option gave it (not None), else the value in force."""
        return given if given is not None else self[key]

    def path(self, key: str, given: Path | str | None = None) -> Path | None:
        value = self.get(key, given)
        return None if value is None else Path(value)

    def folder(self, key: str) -> Path:
        """The folder ``key`` names, made when missing; one that cannot be (a file there,
        no permission, a system folder) is refused naming where it was set, before any
        browser starts."""
        return made_folder(Path(self[key]), t("请改正{where}", where=self.values[key].shown()))

    def unused_flows_here(self, instead: str) -> str | None:
        """A note when this folder has a ``flows`` folder of its own while the flows in
        force are the shipped ones by default: a QA engineer who edits ./flows would else
        run (and validate) the shipped files without noticing. ``instead``: the command's
        own way to use them (``--flows flows``, a path)."""
        here = Path("flows")
        if self.values["flows"].source != "default" or not here.is_dir():
            return None
        if not any(here.glob("*.yaml")) or here.resolve() == Path(self["flows"]).resolve():
            return None
        return t(
            "注意:这个文件夹有自己的 flows,但用的是随软件安装的流程({shipped});"
            '要用这里的,请在 bots.toml 里写 flows = "flows",或{instead}',
            shipped=self["flows"],
            instead=instead,
        )

    def with_option(self, key: str, value: Any, option: str) -> Config:
        """This configuration with ``key`` given on the command line (when not None)."""
        if value is None:
            return self
        try:
            checked = SETTINGS[key].check(value)
        except ValueError as error:
            # the person's own typing: bad input (4), not a machine lacking something (8)
            raise BadInput(
                t("{option} {reason},实际为“{value}”", option=option, reason=error, value=value)
            ) from None
        values = {**self.values, key: Value(checked, "option", option)}
        return Config(values, self.file, self.searched)


# -- the file ---------------------------------------------------------------------------------


def _user_file(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "bots" / FILE_NAME


def find_file(
    given: Path | None, env: Mapping[str, str], cwd: Path
) -> tuple[Path | None, tuple[Path, ...]]:
    """The configuration file in force (or None) and the places looked at."""
    if given is not None:
        if not given.is_file():
            raise SetupError(t("--config {file}:没有这个文件", file=given), code="config")
        return given, (given,)
    named = env.get(CONFIG_ENV)
    if named:
        if not Path(named).is_file():
            raise SetupError(
                t("{name}={file}:没有这个文件", name=CONFIG_ENV, file=named), code="config"
            )
        return Path(named), (Path(named),)
    places = (cwd / FILE_NAME, _user_file(env))
    return next((p for p in places if p.is_file()), None), places


_SYNTAX = re.compile(r"^(?P<reason>.*?) \(at line (?P<line>\d+), column (?P<column>\d+)\)$")
# tomllib's complaints, said for people (its own words follow, to search by): the first
# whose words begin tomllib's speaks
_TOML_SAID: tuple[tuple[str, Callable[[], str]], ...] = (
    ("Illegal character '\\n'", lambda: t("引号没有闭合(行尾少了右引号)")),
    ("Unterminated string", lambda: t("引号没有闭合(少了右引号)")),
    ("Expected \"'\"", lambda: t("引号没有闭合(少了右引号)")),
    ("Expected '\"'", lambda: t("引号没有闭合(少了右引号)")),
    ("Illegal character", lambda: t("有不允许的字符")),
    ("Expected '=' after a key", lambda: t("键后面少了 =")),
    ("Invalid value", lambda: t('值无效:文字要加引号("…"),数字和 true/false 不加')),
    ("Cannot overwrite a value", lambda: t("这个键前面已经设过一次")),
    ("Unclosed array", lambda: t("方括号 [ ] 没有闭合")),
    ("Expected ']' at the end of a table declaration", lambda: t("表头的方括号 [ ] 没有闭合")),
    ("Expected newline or end of document",
     lambda: t("值后面还有别的字:文字(如 30s、100M)要加引号;一行只能写一个设置")),
    ("Invalid statement", lambda: t("这一行不是“键 = 值”")),
)


def _toml_reason(reason: str) -> str:
    said = next((said() for known, said in _TOML_SAID if reason.startswith(known)), None)
    return t("{said}({words})", said=said, words=reason) if said else reason


def _key_line(text: str, key: str) -> int:
    pattern = re.compile(rf"""^\s*["']?{re.escape(key)}["']?\s*=""")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return 1


def read_file(path: Path) -> dict[str, Value]:
    """The settings of ``path``, checked: a problem names ``file:line``, the key and what to
    do (an unknown key with a "did you mean")."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        reason = t("{file}:无法读取:{reason}", file=path, reason=error)
        raise SetupError(reason, code="config") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = _SYNTAX.match(str(error))
        where = f"{path}:{found['line']}:{found['column']}" if found else str(path)
        reason = _toml_reason(found["reason"] if found else str(error))
        raise SetupError(t("{where}:不是有效的 TOML:{reason}", where=where, reason=reason),
                         code="config") from None  # fmt: skip
    values: dict[str, Value] = {}
    for key, raw in data.items():
        where = f"{path}:{_key_line(text, key)}"
        setting = SETTINGS.get(key)
        if setting is None:
            close = difflib.get_close_matches(key, list(SETTINGS), n=1)
            hint = t("(是不是 {key}?)", key=close[0]) if close else ""
            known = ", ".join(SETTINGS)
            raise SetupError(
                t("{where}:未知的设置项 {key}{hint};可用的有:{known}",
                  where=where, key=key, hint=hint, known=known),
                code="config",
            )  # fmt: skip
        value = _checked(setting, raw, where)
        if setting.path:
            value = str(_relative_to(value, path.parent))
        elif key == "db":
            value = _db_relative_to(value, path.parent)
        values[key] = Value(value, "file", where)
    return values


def _checked(setting: Setting, value: Any, where: str) -> Any:
    try:
        return setting.check(value)
    except ValueError as error:
        raise SetupError(
            t("{where}:{key} {reason},实际为 {value!r}",
              where=where, key=setting.key, reason=error, value=value),
            code="config",
        ) from None  # fmt: skip


def _relative_to(value: str, folder: Path) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else folder / path


def _db_relative_to(url: str, folder: Path) -> str:
    """A SQLite ledger named in the file lies relative to the file, like its other paths."""
    if "://" not in url:
        return str(_relative_to(url, folder))
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        return "sqlite:///" + str(_relative_to(url.removeprefix("sqlite:///"), folder))
    return url


# -- putting it together ----------------------------------------------------------------------


def load(
    file: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    lang: str | None = None,
) -> Config:
    """The configuration in force: defaults, then the file, then the environment; ``lang``
    is the ``--lang`` option."""
    env = os.environ if env is None else env
    found, searched = find_file(file, env, cwd or Path.cwd())
    values = {key: Value(s.default, "default") for key, s in SETTINGS.items()}
    if found is not None:
        values.update(read_file(found))
    for key, setting in SETTINGS.items():
        raw = env.get(setting.env)
        if raw:
            values[key] = Value(_checked(setting, raw, setting.env), "env", setting.env)
    config = Config(values, found, searched)
    return config.with_option("lang", lang, "--lang")


_current: list[Config] = []


def configure(file: Path | None = None, lang: str | None = None) -> Config:
    """Load the configuration for this process (the ``bots`` command does, once per call) and
    use its language."""
    from bots import messages

    config = load(file, lang=lang)
    before = _current[0]["selectors"] if _current else None
    _current[:] = [config]
    messages.use(config["lang"])
    if config["selectors"] is not None or before is not None:
        from bots.flow.loader import use_selectors  # the flow engine only when it is needed

        use_selectors(config.path("selectors"))
    return config


def current() -> Config:
    """The configuration of this process; when no command configured it (library use), the
    one in force now (read again each time: the environment may have changed)."""
    return _current[0] if _current else load()


def reset() -> None:
    """Forget the process's configuration (tests; a long-lived caller that reloads)."""
    if _current and _current[0]["selectors"] is not None:
        from bots.flow.loader import use_selectors

        use_selectors(None)
    _current.clear()


def find_flow(name: str | Path, flows: Path | None = None) -> Path:
    """A flow file as given, else the flow of that name in the flows folder (``e9_renewal``
    or ``e9_renewal.yaml``); a name close to one there is refused naming it; else the path as
    given (the loader says nothing is there)."""
    path = Path(name)
    if path.exists():
        return path
    folder = flows or Path(current()["flows"])
    for candidate in (folder / path.name, folder / f"{path.name}.yaml"):
        if candidate.is_file():
            return candidate
    names = sorted(f.stem for f in folder.glob("*.yaml")) if folder.is_dir() else []
    if meant := difflib.get_close_matches(path.stem, names, n=1):
        raise DefinitionError(
            t("没有流程{name}:是不是 {meant}?(流程文件夹 {folder})", name=name,
              meant=t("、").join(meant), folder=folder),
            code="no_such_flow",
        )  # fmt: skip
    if names and path.parent == Path():  # a bare name, like the ones there: list them
        raise DefinitionError(
            t("没有流程{name}(流程文件夹 {folder} 里有:{names})", name=name, folder=folder,
              names=t("、").join(names)),
            code="no_such_flow",
        )  # fmt: skip
    return path
