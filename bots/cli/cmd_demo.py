"""``bots demo``: the README's main command."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from bots.batch import write_batch_report
from bots.cli.app import app
from bots.cli.app import console as cli_console
from bots.cli.cmd_work import finish
from bots.demo import demo_staff, mock_portal, write_credentials
from bots.intake import enqueue_files, write_rejects
from bots.ledger.store import open_store
from bots.worker import credentials
from bots.worker.loop import WorkerConfig
from bots.worker.pool import run_workers

EXAMPLES = Path("examples/orders.csv")


@app.command()
def demo(
    orders: Path = typer.Option(EXAMPLES, "--orders", help="the batch to enter"),
    workers: int = typer.Option(4, "--workers", "-n"),
    out: Path | None = typer.Option(None, "--out", help="demo folder (default: demo/<time>)"),
    flows: Path = typer.Option(Path("flows"), "--flows"),
    screenshots: str = typer.Option("every_step", "--screenshots"),
) -> None:
    """Start the mock portal, enqueue the sample orders, work them, write the batch report."""
    console = cli_console()
    folder = out or Path("demo") / datetime.now().strftime("%Y%m%d-%H%M%S")
    folder.mkdir(parents=True, exist_ok=True)
    db_url = f"sqlite:///{folder / 'ledger.db'}"
    store = open_store(db_url)
    try:
        intake = enqueue_files(store, [orders], skip_invalid=True, batch="demo")
    finally:
        store.close()
    if intake.rejects:
        write_rejects(intake.rejects, folder / "rejects.csv")
        for error in intake.rejects:
            console.print(f"[yellow]refused at enqueue[/] {error}")
    console.print(f"enqueued {intake.enqueued} order(s) into {db_url}")
    creds = credentials.read_file(write_credentials(folder / "credentials", demo_staff(workers)))
    with mock_portal(folder / "portal.sqlite") as url:
        console.print(f"mock portal at {url}")
        config = WorkerConfig(
            db_url=db_url,
            flows_dir=flows,
            portal_url=url,
            runs_dir=folder / "runs",
            screenshots=screenshots,
        )
        summary = run_workers(config, creds, workers, "demo", console=console)
    store = open_store(db_url)
    try:
        paths = write_batch_report(store.items(), folder / "report")
    finally:
        store.close()
    console.print(f"batch report: {paths['html']}")
    finish(summary, console)
