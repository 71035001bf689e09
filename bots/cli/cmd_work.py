"""``bots work``: claim queued orders and enter them, N browser contexts in parallel."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console

from bots.cli.app import app
from bots.errors import BadInput, SystemException
from bots.ledger.store import resolve_url
from bots.worker import credentials as credential_source
from bots.worker.loop import WorkerConfig
from bots.worker.pool import Summary, run_workers

FLOWS_DIR = Path(os.environ.get("BOTS_FLOWS", "flows"))


def print_summary(summary: Summary, console: Console) -> None:
    counts = " · ".join(f"{state} {n}" for state, n in sorted(summary.counts.items()) if n)
    console.print(
        f"finished in {summary.seconds:.1f} s: {counts or 'nothing queued'} "
        f"({summary.per_minute:.1f} orders/min this run)"
    )


@app.command()
def work(
    workers: int = typer.Option(1, "--workers", "-n", help="browser contexts in parallel"),
    until_empty: bool = typer.Option(
        True, "--until-empty/--forever", help="stop when nothing is left to do"
    ),
    db: str | None = typer.Option(None, "--db", help="ledger URL (default: $BOTS_DB or sqlite)"),
    portal: str | None = typer.Option(
        None, "--portal", help="portal base URL (default: $BOTS_PORTAL_URL)"
    ),
    flows: Path = typer.Option(FLOWS_DIR, "--flows", help="folder of the procedure flows"),
    credentials: str | None = typer.Option(
        None, "--credentials", help="0600 file of staff_id:password lines ($BOTS_CREDENTIALS)"
    ),
    worker_id: str | None = typer.Option(
        None, "--worker-id", help="this machine's name in the ledger (default: hostname)"
    ),
    screenshots: str = typer.Option("every_step", "--screenshots"),
    runs_dir: Path = typer.Option(Path("runs"), "--runs-dir"),
    lease: float = typer.Option(120.0, "--lease", help="seconds a claim lasts without heartbeat"),
    max_failures: int = typer.Option(
        5, "--max-consecutive-failures", help="system errors in a row before stopping"
    ),
    headed: bool = typer.Option(False, "--headed"),
) -> None:
    """Work the queue until it is empty (or forever), one staff login per context."""
    portal_url = portal or os.environ.get("BOTS_PORTAL_URL")
    if not portal_url:
        raise BadInput("no portal: pass --portal URL or set BOTS_PORTAL_URL")
    config = WorkerConfig(
        db_url=resolve_url(db),
        flows_dir=flows,
        portal_url=portal_url,
        runs_dir=runs_dir,
        screenshots=screenshots,
        lease_seconds=lease,
        until_empty=until_empty,
        max_consecutive_system=max_failures,
    )
    console = Console(stderr=True, highlight=False)
    summary = run_workers(
        config, credential_source.load(credentials), workers, worker_id, headed, console
    )
    print_summary(summary, console)
    if summary.stop_reason and "system exceptions" in summary.stop_reason:
        raise SystemException(summary.stop_reason, code="portal_down")
    if summary.stop_reason:
        console.print(summary.stop_reason)
