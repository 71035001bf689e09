"""``bots report``: the batch report (HTML + CSV + XLSX) for the back office."""

from __future__ import annotations

from pathlib import Path

import typer

from bots.batch import build_batch_report
from bots.cli.app import app
from bots.ledger.store import open_store


@app.command()
def report(
    out: Path = typer.Option(Path("reports"), "--out", help="folder for the report files"),
    db: str | None = typer.Option(None, "--db", help="ledger URL (default: $BOTS_DB or sqlite)"),
    batch: str | None = typer.Option(None, "--batch", help="only this batch"),
) -> None:
    """Write one row per order: state, order number, serial number, notice, follow-ups."""
    store = open_store(db, mode="read")
    try:
        paths = build_batch_report(store, out, batch)
    finally:
        store.close()
    for kind, path in paths.items():
        typer.echo(f"{kind}: {path}")
