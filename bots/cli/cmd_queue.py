"""Operator commands over the ledger: ``status``, ``show``, ``cancel``, ``replay``."""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bots.cli.app import app
from bots.cli.cmd_db import DbOption
from bots.errors import BadInput
from bots.ledger import HistoryEntry, State, Store, WorkItem, open_store
from bots.ledger.mask import mask_payload, mask_text, sensitive_values

ATTENTION = (State.FAILED, State.NEEDS_REVIEW)
ActorOption = Annotated[
    str | None, typer.Option("--actor", help="who does this, for the audit trail (default: $USER)")
]


def _console() -> Console:
    # orders and errors are data, never Rich markup: "[x]" must print as typed
    return Console(highlight=False, soft_wrap=True, markup=False)


def _when(value: datetime | None) -> str:
    return value.strftime("%m-%d %H:%M:%S") if value else "-"


def _reason(item: WorkItem) -> str:
    return mask_text(item.reason, sensitive_values(item.payload))


def status_tables(store: Store) -> list[Table]:
    counts = Table(title="work items by state")
    counts.add_column("state")
    counts.add_column("items", justify="right")
    for state, n in store.counts().items():
        counts.add_row(state.value, str(n))
    attention = Table(title="waiting for an operator")
    for column in ("reference", "state", "attempts", "reason"):
        attention.add_column(column)
    for item in store.items(states=ATTENTION):
        attention.add_row(item.reference, item.state.value, str(item.attempts), _reason(item))
    return [counts, attention] if attention.row_count else [counts]


@app.command()
def status(db: DbOption = None) -> None:
    """Count work items by state and list those waiting for an operator, with the reason."""
    store = open_store(db)
    console = _console()
    for table in status_tables(store):
        console.print(table)
    store.close()


def describe(store: Store, ref: str, mask: Callable[[Any], Any] = mask_payload) -> list[Any]:
    """What ``bots show`` prints: the item (order masked by ``mask``), error, artifacts and one
    history row per attempt or operator action."""
    item = store.get(ref)
    hidden = sensitive_values(item.payload)
    entries = store.history(ref)
    lines: list[Any] = [
        f"{item.reference}  {item.state.value}  flow {item.flow}"
        + (f", batch {item.batch}" if item.batch else "")
        + f", priority {item.priority}",
        f"attempts: {item.attempts} (this run {item.run_attempts} of {item.max_attempts})"
        + ("; replay: guards run first" if item.replay else ""),
    ]
    if item.lease_owner:
        lines.append(f"lease: {item.lease_owner} until {_when(item.lease_expires_at)} UTC")
    if item.next_attempt_at:
        lines.append(f"next attempt: {_when(item.next_attempt_at)} UTC")
    if item.error_message:
        lines.append(f"failed step: {item.error_step or '-'}")
        lines.append(f"error: {mask_text(item.reason, hidden)} ({item.error_kind})")
    if item.committed_step or item.commit_in_progress:
        lines.append(
            f"commit steps: done {item.committed_step or '-'}, "
            f"in progress {item.commit_in_progress or '-'}"
        )
    artifacts = sorted({e.artifact_dir for e in entries if e.artifact_dir})
    lines.append("artifacts: " + (", ".join(artifacts) or "-"))
    order = json.dumps(mask(item.payload), ensure_ascii=False, indent=2)
    lines.append("order:\n" + mask_text(order, hidden))
    if item.outputs:
        outputs = json.dumps(mask(item.outputs), ensure_ascii=False)
        lines.append("outputs: " + mask_text(outputs, hidden))
    table = Table(title="history (UTC)")
    for column in ("#", "what", "by", "when", "outcome", "step"):
        table.add_column(column, no_wrap=True)
    table.add_column("detail", overflow="fold")
    for entry in entries:
        table.add_row(
            str(entry.attempt or ""), entry.kind, entry.actor or "",
            _when(entry.started_at), entry.outcome or "",
            entry.error_step or entry.committed_step or "",
            mask_text(_detail(entry, mask), hidden),
        )  # fmt: skip
    lines.append(table)
    return lines


def _detail(entry: HistoryEntry, mask: Callable[[Any], Any]) -> str:
    parts = [entry.note or ""]
    if entry.error_message:
        parts.insert(0, f"{entry.error_type}: {entry.error_message}")
    if entry.changes:
        parts.append(json.dumps(mask(entry.changes), ensure_ascii=False))
    if entry.artifact_dir:
        parts.append(f"[{entry.artifact_dir}]")
    return " ".join(p for p in parts if p)


@app.command()
def show(ref: str, db: DbOption = None) -> None:
    """Show one order (personal data masked), every attempt, the failed step, the error and
    the artifact folders."""
    store = open_store(db)
    console = _console()
    for line in describe(store, ref):
        console.print(line)
    store.close()


@app.command()
def cancel(ref: str, db: DbOption = None, actor: ActorOption = None) -> None:
    """Cancel an order that is not running: no worker will take it."""
    store = open_store(db)
    before = store.get(ref).state
    store.cancel(ref, actor=actor or getpass.getuser())
    store.close()
    typer.echo(f"cancelled {ref} (was {before.value})")


@app.command()
def replay(
    refs: Annotated[list[str] | None, typer.Argument(help="references to replay")] = None,
    failed: Annotated[bool, typer.Option("--failed", help="every failed item")] = False,
    needs_review: Annotated[
        bool, typer.Option("--needs-review", help="every item that needs review")
    ] = False,
    db: DbOption = None,
    actor: ActorOption = None,
) -> None:
    """Mark orders pending again, flagged so a worker checks every commit step's guard in
    the portal before repeating it."""
    states = [
        s for s, wanted in ((State.FAILED, failed), (State.NEEDS_REVIEW, needs_review)) if wanted
    ]
    if bool(refs) == bool(states):
        raise BadInput("replay: name references, or give --failed and/or --needs-review")
    store = open_store(db)
    who = actor or getpass.getuser()
    marked = store.replay(refs or (), actor=who) if refs else []
    for state in states:
        marked += store.replay(state=state, actor=who)
    store.close()
    if not marked:
        typer.echo("nothing to replay")
        return
    typer.echo(f"marked for replay ({len(marked)}): {', '.join(marked)}")
