"""``bots report``: the batch report (HTML + CSV + XLSX) for the back office."""

from __future__ import annotations

import difflib
from pathlib import Path

import typer

from bots.batch import build_batch_report
from bots.cli.app import app, folder
from bots.errors import BadInput
from bots.ledger.store import Store, open_store
from bots.messages import t


def _known(store: Store, batch: str) -> None:
    """A batch the ledger holds (orders, or only refused rows); else which it holds."""
    names = [b.batch for b in store.batches()]
    if batch in names or store.rejects(batch):
        return
    meant = difflib.get_close_matches(batch, names, n=1)
    raise BadInput(
        t("账本里没有批次{batch}:{hint}", batch=batch,
          hint=t("是不是 {meant}?", meant=meant[0]) if meant
          else t("已有的批次:{names}", names=t("、").join(names[:10]) or t("无")))
    )  # fmt: skip


@app.command(help=t("写出批次报告:每单一行,含状态、订单号、流水号、告知内容和后续事项。"))
def report(
    out: Path = typer.Option(Path("reports"), "--out", help=t("报告文件放在哪个文件夹")),
    db: str | None = typer.Option(
        None, "--db", help=t("账本网址(默认:配置的 db:BOTS_DB、bots.toml 或 sqlite)")
    ),
    batch: str | None = typer.Option(None, "--batch", help=t("只要这个批次")),
) -> None:
    store = open_store(db, mode="read")  # (a ledger that is not there: no folder made)
    try:
        if batch is not None:
            _known(store, batch)
        folder(out, "--out")
        paths = build_batch_report(store, out, batch)
    finally:
        store.close()
    kinds = {"html": t("网页(可打开、可转发)"), "csv": t("CSV 表格"), "xlsx": t("Excel 表格")}
    for kind, path in paths.items():
        typer.echo(t("{kind}:{path}", kind=kinds.get(kind, kind), path=path))
