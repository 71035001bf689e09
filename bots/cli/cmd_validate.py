"""``bots validate [PATHS]``: check flows (with their selectors and sub-flows) before a run."""

from __future__ import annotations

from pathlib import Path

import typer

from bots.cli.app import app
from bots.errors import DefinitionError
from bots.flow import load_flow
from bots.flow.loader import display_path
from bots.flow.problems import DefinitionProblems
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
    return "selectors" in path.resolve().parent.parts[-1:]


@app.command()
def validate(
    paths: list[Path] = typer.Argument(
        None, help="Flow/selector files or folders (default: flows/ selectors/)."
    ),  # noqa: B008
) -> None:
    """Check every flow and selector file; exit non-zero on any problem."""
    targets = _files(paths or [p for p in (Path("flows"), Path("selectors")) if p.exists()])
    if not targets:
        raise DefinitionError("nothing to validate: give flow files or folders (no flows/ here)")
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
        typer.echo(f"ok  {display_path(path)}")
    if problems:
        # one unwrapped line per problem, so editors and terminals can jump to file:line:col
        for problem in problems:
            typer.echo(problem)
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        raise DefinitionError(f"{count} in the flow/selector files; nothing was run")
