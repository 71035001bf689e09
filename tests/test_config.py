"""``bots.config``: defaults, bots.toml (this folder, then the user's), environment, options,
in that order of strength; a bad file named by file:line and key; shipped flows by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots import config
from bots.errors import DefinitionError, SetupError
from tests.fixtures.settings import user_config


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load(cwd: Path, env: dict[str, str] | None = None, **kwargs) -> config.Config:
    return config.load(env={"XDG_CONFIG_HOME": str(cwd / "home"), **(env or {})}, cwd=cwd,
                       **kwargs)  # fmt: skip


def test_the_defaults_need_no_file_and_find_the_shipped_flows(tmp_path: Path) -> None:
    found = load(tmp_path)
    assert found.file is None
    assert found.searched == (tmp_path / "bots.toml", user_config(tmp_path / "home"))
    assert {key: value.source for key, value in found.values.items()} == dict.fromkeys(
        config.SETTINGS, "default"
    )
    assert found["db"] == "sqlite:///runs/ledger.db"
    assert found["flows"] == config.shipped("flows")
    assert (config.shipped("flows") / "e9_new_install.yaml").is_file()
    assert (config.shipped("selectors") / "shell.yaml").is_file()
    assert (config.shipped("examples") / "orders.csv").is_file()
    assert (found["workers"], found["screenshots"], found["trace"], found["lang"]) == (
        1, "every_step", "off", "zh",
    )  # fmt: skip


def test_a_file_in_this_folder_its_paths_relative_to_it(tmp_path: Path) -> None:
    write(tmp_path / "bots.toml", (
        'portal_url = "http://portal.example/"\n'
        "# the ledger beside this file\n"
        'db = "sqlite:///data/ledger.db"\n'
        'credentials = "staff"\n'
        "workers = 3\n"
        'lang = "en"\n'
    ))  # fmt: skip
    found = load(tmp_path)
    assert found.file == tmp_path / "bots.toml"
    assert found["portal_url"] == "http://portal.example/"
    assert found["db"] == f"sqlite:///{tmp_path / 'data' / 'ledger.db'}"
    assert found["credentials"] == str(tmp_path / "staff")
    assert (found["workers"], found["lang"]) == (3, "en")
    assert found.values["db"].where == f"{tmp_path / 'bots.toml'}:3"
    assert found.values["db"].shown() == f"{tmp_path / 'bots.toml'}:3"
    assert found.values["runs"].shown() == "默认值"



@pytest.mark.parametrize("spelt", ["EN", "en_US.UTF-8", "en-us"])
def test_a_language_is_known_however_it_is_spelt(tmp_path: Path, spelt: str) -> None:
    assert load(tmp_path, env={"BOTS_LANG": spelt})["lang"] == "en"

def test_the_environment_beats_the_file_and_an_option_beats_both(tmp_path: Path) -> None:
    write(tmp_path / "bots.toml", 'portal_url = "http://file/"\ndb = "postgresql://h/db"\n')
    found = load(tmp_path, {"BOTS_PORTAL_URL": "http://env/"})
    assert (found["portal_url"], found.values["portal_url"].shown()) == (
        "http://env/", "环境变量 BOTS_PORTAL_URL",
    )  # fmt: skip
    assert found["db"] == "postgresql://h/db"
    given = found.with_option("portal_url", "http://option/", "--portal")
    assert (given["portal_url"], given.values["portal_url"].shown()) == (
        "http://option/", "命令行选项 --portal",
    )  # fmt: skip
    assert found.with_option("portal_url", None, "--portal") is found


def test_the_users_file_when_this_folder_has_none(tmp_path: Path) -> None:
    write(user_config(tmp_path / "home"), 'runs = "/srv/runs"\n')
    assert load(tmp_path)["runs"] == "/srv/runs"
    write(tmp_path / "bots.toml", 'runs = "here"\n')
    assert load(tmp_path)["runs"] == str(tmp_path / "here")  # this folder's wins


def test_a_named_file_and_one_that_does_not_exist(tmp_path: Path) -> None:
    named = write(tmp_path / "conf" / "robot.toml", "workers = 2\n")
    assert load(tmp_path, file=named)["workers"] == 2
    assert load(tmp_path, {"BOTS_CONFIG": str(named)})["workers"] == 2
    with pytest.raises(SetupError) as caught:
        load(tmp_path, file=tmp_path / "nope.toml")
    assert str(caught.value) == f"--config {tmp_path / 'nope.toml'}:没有这个文件"


def test_an_unknown_key_is_named_by_file_and_line_with_a_suggestion(tmp_path: Path) -> None:
    file = write(tmp_path / "bots.toml", 'lang = "zh"\nportal = "http://x/"\n')
    with pytest.raises(SetupError) as caught:
        load(tmp_path)
    assert str(caught.value) == (
        f"{file}:2:未知的设置项 portal(是不是 portal_url?);可用的有:"
        "portal_url, db, credentials, flows, selectors, runs, workers, screenshots, trace, lang,"
        " ledger_wait"
    )
    assert caught.value.exit_code == 8


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('workers = "four"', "workers 应是不小于1的整数,实际为 'four'"),
        ("workers = 0", "workers 应是不小于1的整数,实际为 0"),
        ('screenshots = "all"', "screenshots 应是 every_step | on_failure | off 之一,实际为 'all'"),
        ('lang = "fr"', "lang 应是 zh | en 之一,实际为 'fr'"),
        ('portal_url = ""', "portal_url 应是非空的文字,实际为 ''"),
        ('portal_url = "htp://10.1.1.1/"',
         "portal_url 应是以 http:// 或 https:// 开头的网址,实际为 'htp://10.1.1.1/'"),
        ('portal_url = "10.1.1.1:8080"',
         "portal_url 应是以 http:// 或 https:// 开头的网址,实际为 '10.1.1.1:8080'"),
    ],
)
def test_a_bad_value_is_named_by_file_line_and_key(tmp_path: Path, line: str, message: str) -> None:
    file = write(tmp_path / "bots.toml", f"# robot 7\n{line}\n")
    with pytest.raises(SetupError) as caught:
        load(tmp_path)
    assert str(caught.value) == f"{file}:2:{message}"


def test_a_file_that_is_not_toml_names_line_and_column(tmp_path: Path) -> None:
    file = write(tmp_path / "bots.toml", 'lang = "zh"\nworkers = = 2\n')
    with pytest.raises(SetupError) as caught:
        load(tmp_path)
    assert str(caught.value) == (
        f'{file}:2:11:不是有效的 TOML:值无效:文字要加引号("…"),数字和 true/false 不加'
        "(Invalid value)"
    )


@pytest.mark.parametrize("text,said", [
    ('portal_url = "http://x\n', '1:23:不是有效的 TOML:引号没有闭合(行尾少了右引号)'
     "(Illegal character '\\n')"),
    ("workers 2\n",
     "1:9:不是有效的 TOML:键后面少了 =(Expected '=' after a key in a key/value pair)"),
    ("workers = 1\nworkers = 2\n",
     "2:12:不是有效的 TOML:这个键前面已经设过一次(Cannot overwrite a value)"),
    ("ledger_wait = 30s\n", "1:17:不是有效的 TOML:值后面还有别的字:文字(如 30s、100M)要加引号;"
     "一行只能写一个设置(Expected newline or end of document after a statement)"),
    ('portal_url = "http://x', "不是有效的 TOML:引号没有闭合(少了右引号)(Unterminated string "
     "(at end of document))"),
])  # fmt: skip
def test_usual_toml_mistakes_are_said_in_words(tmp_path: Path, text: str, said: str) -> None:
    file = write(tmp_path / "bots.toml", text)
    with pytest.raises(SetupError) as caught:
        load(tmp_path)
    assert str(caught.value) == f"{file}:{said}"


def test_a_bad_environment_value_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(SetupError) as caught:
        load(tmp_path, {"BOTS_WORKERS": "many"})
    assert str(caught.value) == "BOTS_WORKERS:workers 应是不小于1的整数,实际为 'many'"


def test_a_flow_by_its_name_in_the_flows_folder(tmp_path: Path) -> None:
    shipped = config.shipped("flows")
    assert config.find_flow("e9_renewal", shipped) == shipped / "e9_renewal.yaml"
    assert config.find_flow("e9_renewal.yaml", shipped) == shipped / "e9_renewal.yaml"
    own = write(tmp_path / "mine.yaml", "name: mine\n")
    assert config.find_flow(str(own), shipped) == own
    assert config.find_flow(str(tmp_path / "nothing_like_it"), shipped) == (
        tmp_path / "nothing_like_it"
    )  # (a path: the loader says nothing is there)
    with pytest.raises(DefinitionError) as unknown:
        config.find_flow("e9_nope", shipped)
    assert str(unknown.value) == (
        f"没有流程e9_nope(流程文件夹 {shipped} 里有:approval、choose_plan、e9_new_install、"
        "e9_renewal、fee_status、login、lookup_deposit、lookup_order、lookup_payment、"
        "new_install_order、renewal_order、special_fund)"
    )  # (it was e9_nope:1:1: 应为流程文件,实际这个路径下什么都没有)
    with pytest.raises(DefinitionError) as typo:
        config.find_flow("e9_new_instal", shipped)
    assert str(typo.value) == f"没有流程e9_new_instal:是不是 e9_new_install?(流程文件夹 {shipped})"
    assert typo.value.exit_code == 3


def test_a_folder_with_flows_of_its_own_is_told_the_shipped_ones_are_in_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert load(tmp_path).unused_flows_here("加 --flows flows") is None  # no flows here
    write(tmp_path / "flows" / "e9_new_install.yaml", "name: x\nsteps: []\n")
    assert load(tmp_path).unused_flows_here("加 --flows flows") == (
        f"注意:这个文件夹有自己的 flows,但用的是随软件安装的流程({config.shipped('flows')});"
        '要用这里的,请在 bots.toml 里写 flows = "flows",或加 --flows flows'
    )
    # configured (file, variable or option): the choice was made, nothing to say
    assert load(tmp_path, env={"BOTS_FLOWS": "flows"}).unused_flows_here("") is None
    write(tmp_path / "bots.toml", f'flows = "{config.shipped("flows")}"\n')
    assert load(tmp_path).unused_flows_here("加 --flows flows") is None
