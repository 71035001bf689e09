"""``bots work``: claim queued orders and enter them, N browser contexts in parallel.

Exit codes: 0 when the queue was worked (or a signal stopped it cleanly: every item under
way was handed back); 6 (SystemException, code portal_down) after too many system errors
in a row; 5 when a staff login was refused; 1 when a worker stopped on an unexpected error.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console

from bots.cli.app import app
from bots.cli.app import console as cli_console
from bots.errors import BadInput, BotsError, BusinessException, SystemException
from bots.ledger.model import Backoff
from bots.ledger.store import resolve_url
from bots.worker import credentials as credential_source
from bots.worker.loop import WorkerConfig
from bots.worker.pool import Summary, run_workers

FLOWS_DIR = Path(os.environ.get("BOTS_FLOWS", "flows"))
STOPS: dict[str, tuple[type[BotsError], str]] = {
    "portal_down": (SystemException, "portal_down"),
    "login": (BusinessException, "login_failed"),
    "crash": (BotsError, "worker_crashed"),
}


def print_summary(summary: Summary, console: Console) -> None:
    counts = " · ".join(f"{state} {n}" for state, n in sorted(summary.counts.items()) if n)
    console.print(f"this run: {summary.snapshot.line()}")
    console.print(f"finished in {summary.seconds:.1f} s; ledger: {counts or 'empty'}")


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
    login_flow: str = typer.Option(
        "login.yaml", "--login-flow", help="flow in --flows each context runs once to log in"
    ),
    credentials: str | None = typer.Option(
        None, "--credentials", help="0600 file of staff_id:password lines ($BOTS_CREDENTIALS)"
    ),
    worker_id: str | None = typer.Option(
        None, "--worker-id", help="this machine's name in the ledger (default: hostname)"
    ),
    screenshots: str = typer.Option("every_step", "--screenshots"),
    runs_dir: Path = typer.Option(Path("runs"), "--runs-dir"),
    lease: float = typer.Option(120.0, "--lease", help="seconds a claim lasts without heartbeat"),
    retry_base: float = typer.Option(
        30.0, "--retry-delay", help="seconds before the first retry after a system error"
    ),
    retry_cap: float = typer.Option(3600.0, "--retry-cap", help="longest wait between retries"),
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
        login_flow=login_flow,
        backoff=Backoff(base=retry_base, cap=retry_cap),
    )
    console = cli_console(stderr=True)
    summary = run_workers(
        config, credential_source.load(credentials), workers, worker_id, headed, console
    )
    finish(summary, console)


def finish(summary: Summary, console: Console) -> None:
    """Print the summary; a stop that needs a person (portal down, login refused, a worker
    crashed) becomes the error the CLI's handler turns into its exit code."""
    print_summary(summary, console)
    if summary.stop_kind in STOPS:
        error, code = STOPS[summary.stop_kind]
        raise error(summary.stop_reason or summary.stop_kind, code=code)
    if summary.stop_reason:
        console.print(summary.stop_reason, markup=False)
