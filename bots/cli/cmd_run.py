"""``bots run FLOW --input FILE``: one flow, one live line per step, the run folder at the end."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer
from loguru import logger

from bots.cli.app import app
from bots.errors import BadInput, DefinitionError
from bots.flow import Flow, load_flow
from bots.flow.problems import DefinitionProblems
from bots.flow.yamlsafe import load_yaml
from bots.runner import Runner
from bots.runner.runner import POLICIES

SCALAR_TYPES = ("string", "number", "boolean", "list")


def read_inputs(flow: Flow, file: Path | None) -> dict[str, Any]:
    """With one mapping-typed input (an order), the file is that input; else name → value."""
    if file is None:
        return {}
    try:
        data, _ = load_yaml(file)
    except DefinitionProblems as error:
        raise BadInput(str(error)) from None
    whole = [name for name, spec in flow.inputs.items() if spec.type not in SCALAR_TYPES]
    if len(flow.inputs) == 1 and whole:
        return {whole[0]: data}
    if not isinstance(data, dict):
        raise BadInput(
            f"{file}: expected a mapping of input names to values, found {type(data).__name__}"
        )
    return data


@app.command()
def run(
    flow: Path = typer.Argument(..., help="The flow file to run."),  # noqa: B008
    input: Path | None = typer.Option(None, "--input", "-i", help="Input file (YAML or JSON)."),  # noqa: A002, B008
    portal: str | None = typer.Option(None, "--portal", help="Portal base URL (env.portal_url)."),
    headed: bool = typer.Option(False, "--headed", help="Show the browser window."),
    screenshots: str = typer.Option("every_step", "--screenshots", help=" | ".join(POLICIES)),
    runs_dir: Path = typer.Option(Path("runs"), "--runs-dir", help="Where run folders go."),  # noqa: B008
) -> None:
    """Run one flow in a fresh Chromium; exit code says how it ended."""
    if screenshots not in POLICIES:
        raise BadInput(f"--screenshots must be one of {', '.join(POLICIES)}, found '{screenshots}'")
    loaded = load_flow(flow)
    inputs = read_inputs(loaded, input)
    from bots.actions.launch import open_page  # Playwright loads only when something runs

    logger.remove()
    logger.add(sys.stdout, format="{message}", level="INFO", colorize=False)
    source = str(input) if input else "inputs"
    with open_page(headed) as page:
        runner = Runner(
            page,
            loaded,
            inputs,
            portal_url=portal,
            runs_dir=runs_dir,
            screenshots=screenshots,
            input_source=source,
        )
        result = runner.run()
    typer.echo(f"run folder: {result.run_dir}")
    if result.error is not None:
        raise result.error
    if not result.ok:
        raise DefinitionError("the run did not finish")
