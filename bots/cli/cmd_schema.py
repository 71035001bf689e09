"""``bots schema``: JSON Schemas of flows and selector files, for editors."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from bots.cli.app import app
from bots.flow.schema import flow_schema, selectors_schema
from bots.messages import t


@app.command(help=t("写出 flow.schema.json 和 selectors.schema.json(由模型生成,供编辑器用)。"))
def schema(
    out: Path = typer.Option(Path("schemas"), "--out", help=t("写入结构描述的文件夹")),  # noqa: B008
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, data in (("flow", flow_schema()), ("selectors", selectors_schema())):
        file = out / f"{name}.schema.json"
        file.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        typer.echo(t("已写出 {file}", file=file))
