"""What the console's pages show of an item: a row of the queue, an order's fields under
their Chinese names, its attempts with their steps and pictures, its history with who did
what — with every personal value masked (``bots.masking``'s one list of sensitive
fields), as on ``bots show``.

It knows items, history rows and run records; it does not know requests or templates.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bots.console.artifacts import logged_steps, run_folder, run_record, served
from bots.ledger import HistoryEntry, State, WorkItem
from bots.ledger.mask import (
    field_shown,
    mask_free_text,
    mask_payload,
    mask_text,
    sensitive_values,
)
from bots.ledger.model import cancel_warning, sent_commits, sent_warning
from bots.ledger.transitions import TRANSITIONS
from bots.messages import t
from bots.messages.terms import error_said, procedure_name
from bots.orders.columns import COLUMNS, label_for
from bots.report.labels import change_text, in_reading_order, label, value_text

# a refusal by the portal or the order's own rules: replaying the same data may well be
# refused again, so the console asks first
REFUSALS = ("business_exception", "bad_input")


def _at(data: Any, path: str) -> Any:
    for key in path.split("."):
        data = data.get(key) if isinstance(data, dict) else None
    return data


def shown(path: str, value: Any) -> str:
    """A field's value as a page shows it: personal values only partly."""
    if value is None:
        return ""
    return field_shown(path, value)


def hidden(item: WorkItem) -> set[str]:
    """The item's personal values, to hide wherever a text quotes them."""
    return sensitive_values(item.payload)


@dataclass(frozen=True)
class Row:
    reference: str
    procedure: str
    customer: str
    state: str
    attempts: int
    reason: str
    batch: str | None
    updated: Any
    reviewed_by: str | None


def row_of(item: WorkItem) -> Row:
    customer = item.payload.get("customer") or {}
    name = customer.get("name", "") if isinstance(customer, dict) else ""
    number = shown("customer.id_number", _at(item.payload, "customer.id_number"))
    return Row(
        reference=item.reference,
        procedure=str(item.payload.get("procedure", "")),
        customer=f"{name} {number}".strip(),
        state=item.state.value,
        attempts=item.attempts,
        reason=mask_text(item.error_message, hidden(item)),
        batch=item.batch,
        updated=item.updated_at,
        reviewed_by=item.reviewed_by,
    )


def outputs_shown(item: WorkItem) -> list[tuple[str, str]]:
    """(name, value shown) of what the flow brought back (受理单号, 后续事项, …)."""
    outputs = mask_payload(item.outputs or {})
    return [(label(key), value_text(value)) for key, value in in_reading_order(outputs)]


# free text, where a clerk may have typed the customer's ID number or phone (a remark)
_FREE_TEXT = ("note",)


def order_fields(item: WorkItem) -> list[tuple[str, str, str]]:
    """(field path, Chinese name, value shown) of every column an order file has; in a
    remark, the order's own personal values masked and any other ID or phone in part."""
    found = [(c.path, c.label, shown(c.path, _at(item.payload, c.path))) for c in COLUMNS]
    return [
        (path, label,
         procedure_name(value) if path == "procedure"
         else mask_free_text(value, hidden(item)) if path in _FREE_TEXT
         else value)
        for path, label, value in found
    ]  # fmt: skip


def seen(item: WorkItem) -> str:
    """What an operator's form was made from, in short: the state, the attempts, the data,
    the review and the reason (a worker's heartbeat changes none of them). A form posted
    from a page the order has changed since acts on nothing (``stale``)."""
    made_from = [
        item.state.value, item.attempts, item.run_attempts, item.payload,
        item.reviewed_at and item.reviewed_at.isoformat(), item.error_message,
    ]  # fmt: skip
    text = json.dumps(made_from, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def stale(item: WorkItem, posted: str) -> bool:
    """Whether a form posted with ``posted`` (its ``seen``) was made before the order last
    changed. A form without one (a script's post) is taken as it comes."""
    return bool(posted) and posted != seen(item)


def allowed(item: WorkItem) -> set[str]:
    """The operator's actions the item's state takes (the ledger's transition table)."""
    actions = ("edit", "replay", "cancel", "review")
    return {action for action in actions if item.state in TRANSITIONS[action].sources}


@dataclass
class Attempt:
    number: int
    worker: str | None
    started: Any
    finished: Any
    outcome: str | None
    error: str
    step: str | None
    folder: Path | None = None
    files: dict[str, str] = field(default_factory=dict)  # report / trace → name in the folder
    steps: list[dict[str, Any]] = field(default_factory=list)
    picture: str | None = None  # the failing step's screenshot (else the last one)
    cut: bool = False  # its run stopped without finishing its run.json (a worker killed)


def attempts_of(item: WorkItem, history: list[HistoryEntry], runs_root: Path) -> list[Attempt]:
    """Every attempt, the newest first, with what its run folder holds."""
    secret = hidden(item)
    found = []
    for entry in history:
        if entry.kind != "attempt" or entry.attempt is None:
            continue
        attempt = Attempt(
            entry.attempt, entry.actor, entry.started_at, entry.finished_at, entry.outcome,
            mask_text(entry.error_message, secret),
            item.step_named(entry.error_step) if entry.error_step else None,
        )  # fmt: skip
        folder = run_folder(runs_root, entry.artifact_dir)
        record = run_record(folder) if folder else None
        if folder is not None and record is not None:
            attempt.folder = folder
            attempt.files = {
                key: name for key, name in (("report", "report.html"), ("trace", "trace.zip"))
                if served(folder, name)
            }  # fmt: skip
            steps = record.get("steps", [])
            if record.get("status") == "running":
                # run.json is written as a run starts and ends: under way, or killed, the
                # log holds every step it finished
                steps = logged_steps(folder)
                attempt.cut = entry.outcome is not None
            attempt.steps = [_step(step, secret) for step in steps]
            attempt.picture = _picture(folder, attempt.steps)
        found.append(attempt)
    return sorted(found, key=lambda a: a.number, reverse=True)


def _step(step: dict[str, Any], secret: set[str]) -> dict[str, Any]:
    error = step.get("error")
    message = error.get("message") if isinstance(error, dict) else error
    return {
        "id": step.get("id"),
        "name": step.get("name") or step.get("id"),
        "status": step.get("status"),
        "attempts": step.get("attempts"),
        "ms": step.get("ms"),
        "error": mask_text(str(message), secret) if message else "",
        "screenshot": step.get("screenshot"),
    }


def _picture(folder: Path, steps: list[dict[str, Any]]) -> str | None:
    failed = [s["screenshot"] for s in steps if s["status"] == "failed" and s["screenshot"]]
    shots = failed or [s["screenshot"] for s in steps if s["screenshot"]]
    for name in shots:
        if served(folder, name):
            return str(name)
    return None


@dataclass(frozen=True)
class Entry:
    kind: str
    actor: str | None
    when: Any
    outcome: str | None
    detail: str


def history_of(item: WorkItem, history: list[HistoryEntry]) -> list[Entry]:
    """Every row of the item's history, oldest first: what, who, when, and what changed."""
    secret = hidden(item)
    rows = []
    for entry in history:
        parts = [entry.note_shown]
        if entry.error_message:
            parts.insert(0, error_said(entry.error_type, entry.error_message))
        if entry.changes:
            parts.append(change_text(mask_payload(entry.changes), label_for))
        detail = mask_text(" ".join(p for p in parts if p), secret)
        rows.append(Entry(entry.kind, entry.actor, entry.started_at, entry.outcome, detail))
    return rows


def sent(item: WorkItem, history: list[HistoryEntry]) -> str:
    """The warning an edit form opens with when a commit step already took the order's
    data to the portal ("" when none did)."""
    steps = sent_commits(item, history)
    return sent_warning(steps) if steps else ""


def cancel_question(steps: list[str]) -> str:
    """What the 取消订单 button asks first: with commit ``steps`` already sent (as
    :func:`sent_commits` names them), that the portal keeps what they entered."""
    question = t("确定取消这个订单?取消后机器人不会再处理它。")
    return f"{question}\n{cancel_warning(steps)}" if steps else question


def edited_since_failure(history: list[HistoryEntry]) -> HistoryEntry | None:
    """The last edit made after the last attempt ended, if any."""
    last_attempt = max(
        (e.finished_at or e.started_at for e in history if e.kind == "attempt"), default=None
    )
    edits = [e for e in history if e.kind == "edit"]
    if not edits or (last_attempt and edits[-1].started_at < last_attempt):
        return None
    return edits[-1]


def needs_confirmation(item: WorkItem) -> bool:
    """A replay of a business refusal is confirmed first."""
    return item.state is State.FAILED and item.error_kind in REFUSALS
