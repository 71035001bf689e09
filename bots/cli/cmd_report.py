"""``bots report``: the batch report (HTML + CSV + XLSX) for the back office."""

from __future__ import annotations

from pathlib import Path

import typer

from bots.batch import build_batch_report
from bots.cli.app import app
from bots.ledger.store import open_store
from bots.messages import t


@app.command(help=t("写出批次报告:每单一行,含状态、订单号、流水号、告知内容和后续事项。"))
def report(
    out: Path = typer.Option(Path("reports"), "--out", help=t("报告文件放在哪个文件夹")),
    db: str | None = typer.Option(
        None, "--db", help=t("账本网址(默认:配置的 db:BOTS_DB、bots.toml 或 sqlite)")
    ),
    batch: str | None = typer.Option(None, "--batch", help=t("只要这个批次")),
) -> None:
    store = open_store(db, mode="read")
    try:
        paths = build_batch_report(store, out, batch)
    finally:
        store.close()
    kinds = {"html": t("网页(可打开、可转发)"), "csv": t("CSV 表格"), "xlsx": t("Excel 表格")}
    for kind, path in paths.items():
        typer.echo(t("{kind}:{path}", kind=kinds.get(kind, kind), path=path))
