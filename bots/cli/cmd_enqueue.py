"""``bots enqueue FILE...``: check every order row, then queue them all or none."""

from __future__ import annotations

from pathlib import Path

import typer

from bots.cli.app import app
from bots.cli.app import console as cli_console
from bots.intake import enqueue_files, write_rejects
from bots.ledger.store import open_store


@app.command()
def enqueue(
    files: list[Path] = typer.Argument(..., help="CSV, XLSX, YAML or JSON order files"),
    db: str | None = typer.Option(None, "--db", help="ledger URL (default: $BOTS_DB or sqlite)"),
    skip_invalid: bool = typer.Option(
        False, "--skip-invalid", help="enqueue the good rows, write the bad ones to --rejects"
    ),
    rejects: Path = typer.Option(Path("rejects.csv"), "--rejects", help="where bad rows go"),
    batch: str | None = typer.Option(None, "--batch", help="a batch name for reports"),
    priority: int = typer.Option(0, "--priority", help="smaller runs first"),
) -> None:
    """Queue orders for the workers. A bad row is named by file, row, field and reason."""
    console = cli_console()
    store = open_store(db)
    try:
        intake = enqueue_files(
            store, files, skip_invalid=skip_invalid, batch=batch, priority=priority
        )
    finally:
        store.close()
    if intake.rejects:
        write_rejects(intake.rejects, rejects)
        for error in intake.rejects:
            console.print(f"[yellow]skipped[/] {error}")
        console.print(f"{len(intake.rejects)} bad row(s) written to {rejects}")
    console.print(f"enqueued {intake.enqueued} order(s)")
