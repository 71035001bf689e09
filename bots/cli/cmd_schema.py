"""``bots schema``: JSON Schemas of flows and selector files, for editors."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from bots.cli.app import app
from bots.flow.schema import flow_schema, selectors_schema


@app.command()
def schema(
    out: Path = typer.Option(Path("schemas"), "--out", help="Folder to write the schemas into."),  # noqa: B008
) -> None:
    """Write flow.schema.json and selectors.schema.json (generated from the models)."""
    out.mkdir(parents=True, exist_ok=True)
    for name, data in (("flow", flow_schema()), ("selectors", selectors_schema())):
        file = out / f"{name}.schema.json"
        file.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        typer.echo(f"wrote {file}")
