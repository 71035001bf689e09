"""``bots validate [PATHS]``: check flows (with their selectors and sub-flows) before a run."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from bots import config
from bots.cli.app import app
from bots.errors import DefinitionError
from bots.flow import load_flow
from bots.flow.loader import display_path, find_selectors_root
from bots.flow.problems import DefinitionProblems
from bots.messages import t
from bots.selectors.repository import load_selector_file


def _files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
        else:
            found.append(path)
    return found


def _is_selector_file(path: Path) -> bool:
    """In a folder named ``selectors`` or the configured one, or, wherever it is kept, a
    file whose top level has ``pages:`` and no ``steps:`` (a flow's keys)."""
    folder = path.resolve().parent
    configured = config.current().path("selectors")
    if folder.name == "selectors" or (configured and folder == configured.resolve()):
        return True
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False  # loading it as a flow says what is wrong with the file
    return bool(_TOP_PAGES.search(text)) and not _TOP_STEPS.search(text)


_TOP_PAGES = re.compile(r"^pages\s*:", re.M)
_TOP_STEPS = re.compile(r"^steps\s*:", re.M)


def _configured() -> list[Path]:
    """The flows folder in force and its selectors (the configured folder, else beside it)."""
    settings = config.current()
    flows = Path(settings["flows"])
    selectors = settings.path("selectors") or find_selectors_root(flows / "any.yaml")
    return [p for p in (flows, selectors) if p is not None and p.exists()]


@app.command(help=t("检查每个流程文件和选择器文件;有任何问题就以非零退出。"))
def validate(
    paths: list[Path] = typer.Argument(
        None,
        help=t("流程或选择器文件、文件夹(默认:配置的流程文件夹和它的选择器)"),
    ),  # noqa: B008
) -> None:
    if not paths and (note := config.current().unused_flows_here(t("运行 bots validate flows"))):
        typer.secho(note, fg="yellow", err=True)
    targets = _files(paths or _configured())
    if not targets:
        raise DefinitionError(t("没有可检查的文件:给出流程文件或文件夹"))
    problems: list[str] = []
    for path in targets:
        try:
            if _is_selector_file(path):
                load_selector_file(path, display_path(path))
            else:
                load_flow(path)
        except DefinitionProblems as error:
            problems += [str(p) for p in error.problems if str(p) not in problems]
            continue
        typer.echo(t("通过  {path}", path=display_path(path)))
    if problems:
        # one unwrapped line per problem, so editors and terminals can jump to file:line:col
        for problem in problems:
            typer.echo(problem)
        raise DefinitionError(
            t("流程或选择器文件里有{count}个问题;什么都没有运行", count=len(problems))
        )
