"""``bots run FLOW --input FILE``: one flow, one live line per step, then what the flow found
(its outputs), whether the portal already had the order, and the run folder.

It runs every commit step's guard first, as a replay does: an operator running an order by
hand must never enter it twice (``--no-guards`` skips the look-ups, for QA timing)."""

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
from bots.messages import t
from bots.runner import Runner
from bots.runner.records import RunResult
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
    guards: bool = typer.Option(
        True,
        "--guards/--no-guards",
        help="Look in the portal before every commit step (default) so an order already "
        "there is never entered again; --no-guards skips the look-ups (QA timing only).",
    ),
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
            guard="always" if guards else "replay",
        )
        result = runner.run()
    for line in summary(result):
        typer.echo(line)
    typer.echo(f"run folder: {result.run_dir}")
    if result.error is not None:
        raise result.error
    if not result.ok:
        raise DefinitionError("the run did not finish")


def summary(result: RunResult) -> list[str]:
    """What the run found (its outputs) and, when the portal already had the order, that
    nothing was entered again."""
    lines: list[str] = []
    found = [s["id"] for s in result.steps if s["status"] == "already_done" and "/" not in s["id"]]
    if found:
        lines.append(
            t(
                "≡ already_done:营账系统中已有{steps}的结果,未再提交",
                steps="、".join(found),
            )
        )
    if result.outputs:
        lines.append(t("流程输出:"))
        lines += [f"  {name}: {value}" for name, value in result.outputs.items()]
    return lines
