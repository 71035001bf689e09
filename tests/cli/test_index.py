from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from bots.cli import app
from bots.cli.index import FOLDER, Entry, entries, read_module

ROOT = Path(__file__).resolve().parents[2]
# what `bots --help` must not import: every command's own dependencies
HEAVY = (
    "playwright", "pydantic", "openpyxl", "jinja2", "loguru", "yaml", "psycopg",
    "bots.runner", "bots.flow.models", "bots.ledger", "bots.worker", "bots.batch",
    "bots.intake", "bots.orders.model",
)  # fmt: skip


def python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "100", "TERM": "dumb"}
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True,
        timeout=60, env=env,
    )  # fmt: skip


LOADED = """
import json, sys
from bots.cli import main
sys.argv = ["bots", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print("LOADED " + json.dumps(sorted(sys.modules)))
"""

EAGER = """
import importlib, pathlib, sys
import bots.cli
for path in sorted(pathlib.Path(bots.cli.__file__).parent.glob("cmd_*.py")):
    importlib.import_module("bots.cli." + path.stem)
sys.argv = ["bots", *sys.argv[1:]]
bots.cli.main()
"""


def loaded(out: subprocess.CompletedProcess[str]) -> set[str]:
    line = next(x for x in out.stdout.splitlines() if x.startswith("LOADED "))
    return set(json.loads(line.removeprefix("LOADED ")))


def registered() -> dict[str, object]:
    for path in sorted(FOLDER.glob("cmd_*.py")):
        importlib.import_module(f"bots.cli.{path.stem}")
    return dict(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def test_the_index_names_every_command_the_modules_register_with_its_help():
    real = registered()
    index = entries()
    assert set(index) == set(real)
    for name, entry in index.items():
        command = real[name]
        assert entry.help == command.help, name  # type: ignore[attr-defined]
        assert entry.hidden == command.hidden, name  # type: ignore[attr-defined]


def _helps(command: object, path: str) -> Iterator[tuple[str, str]]:
    """(where, help) of ``command``, each of its options and arguments, and its sub-commands."""
    yield path, getattr(command, "help", None) or ""
    for param in getattr(command, "params", []):
        if param.name != "help":  # (Click's own "Show this message and exit.")
            yield f"{path} {param.name}", getattr(param, "help", None) or ""
    for name, sub in getattr(command, "commands", {}).items():
        yield from _helps(sub, f"{path} {name}")


def test_every_command_and_option_says_what_it_does_in_chinese():
    # the users read Chinese: a help written in English, outside the catalogue, is a defect
    registered()
    english = [
        (where, text) for where, text in _helps(typer.main.get_command(app), "bots")
        if text and not any("\u4e00" <= ch <= "\u9fff" for ch in text)
    ]  # fmt: skip
    assert english == []


def test_help_lists_every_command_without_importing_any_command_module():
    out = python(LOADED, "--help")
    assert out.returncode == 0, out.stderr
    modules = loaded(out)
    assert not [m for m in modules if m.startswith("bots.cli.cmd_")]
    assert not [m for m in modules for h in HEAVY if m == h or m.startswith(h + ".")]
    for name in entries():
        assert f" {name} " in out.stdout


def test_help_reads_the_same_as_with_every_command_module_imported():
    lazy = python(LOADED, "--help")
    eager = python(EAGER, "--help")
    assert eager.returncode == 0, eager.stderr
    assert lazy.stdout.split("LOADED ")[0] == eager.stdout


def test_a_command_imports_its_own_module_only():
    out = python(LOADED, "run", "--help")
    assert out.returncode == 0, out.stderr
    assert "--screenshots" in out.stdout
    modules = loaded(out)
    assert sorted(m for m in modules if m.startswith("bots.cli.cmd_")) == ["bots.cli.cmd_run"]
    for other in ("bots.ledger", "bots.worker", "bots.batch", "bots.intake", "openpyxl"):
        assert other not in modules


def test_a_sub_group_and_its_commands_load_on_use():
    result = CliRunner().invoke(app, ["db", "--help"])
    assert result.exit_code == 0, result.output
    assert "upgrade" in result.output and "status" in result.output


def test_a_misspelt_command_still_gets_a_suggestion():
    result = CliRunner().invoke(app, ["stauts"])
    assert result.exit_code == 2
    assert "没有命令'stauts'。是不是要用'status'?" in result.output  # (tests/cli/test_words.py)


def write(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "cmd_example.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def test_read_module_takes_names_help_and_hidden_as_typer_does(tmp_path):
    path = write(
        tmp_path,
        '''
        import typer
        from bots.cli.app import app

        sub = typer.Typer(help="The sub-commands.")
        app.add_typer(sub, name="things")


        @app.command()
        def do_it() -> None:
            """Do it.

            In detail."""


        @app.command("other", help="Given help.", hidden=True)
        def whatever() -> None:
            """Not this."""


        @sub.command()
        def inner() -> None:
            """Registered on sub, not on app."""
        ''',
    )
    assert read_module(path, "bots.cli.cmd_example") == [
        Entry("things", "bots.cli.cmd_example", "The sub-commands."),
        Entry("do-it", "bots.cli.cmd_example", "Do it.\n\nIn detail."),
        Entry("other", "bots.cli.cmd_example", "Given help.", hidden=True),
    ]


def test_read_module_leaves_help_it_cannot_read_to_the_module(tmp_path):
    path = write(
        tmp_path,
        """
        from bots.cli.app import app
        HELP = "computed"


        @app.command(help=HELP)
        def computed() -> None:
            pass
        """,
    )
    assert read_module(path, "m") == [Entry("computed", "m", None)]


def test_read_module_refuses_a_command_name_it_cannot_read(tmp_path):
    path = write(
        tmp_path,
        """
        from bots.cli.app import app
        NAME = "x"


        @app.command(NAME)
        def named() -> None:
            pass
        """,
    )
    with pytest.raises(ValueError) as error:
        read_module(path, "m")
    assert str(error.value) == f"{path}: the command of named() is not a constant"
