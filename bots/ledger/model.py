"""What the ledger stores: states, work items, history rows, errors and the backoff rule."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

# the refusals live in bots.ledger.errors; re-exported here, where the worker first met them
from bots.ledger.errors import DuplicateReference as DuplicateReference
from bots.ledger.errors import IllegalTransition as IllegalTransition
from bots.ledger.errors import LeaseLost as LeaseLost
from bots.ledger.errors import NotFound as NotFound
from bots.ledger.errors import SchemaOutOfDate as SchemaOutOfDate
from bots.messages import t
from bots.orders.columns import field_name


class State(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    RETRY_WAIT = "retry_wait"
    NEEDS_REVIEW = "needs_review"
    CANCELLED = "cancelled"


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class NewItem:
    """One order to enqueue. ``priority``: smaller runs first (Solid Queue's rule)."""

    reference: str
    flow: str
    payload: Mapping[str, Any]
    priority: int = 0
    batch: str | None = None
    max_attempts: int | None = None


@dataclass(frozen=True)
class ErrorInfo:
    """Why an attempt ended badly: kept for the operator and for replay (Solid Queue's habit).

    ``message`` is the reason a person reads (``bots status``, the batch report); the
    technical detail of a ``BotsError`` (Playwright's error, the locator, the candidates'
    counts) is kept beside it in ``context["detail"]``, never in the reason."""

    kind: str
    type: str
    message: str
    code: str | None = None
    step: str | None = None
    context: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_exception(
        cls, error: BaseException, *, step: str | None = None, kind: str | None = None
    ) -> ErrorInfo:
        """A ``BotsError`` keeps its kind, code and detail; anything else counts as a system
        exception."""
        context = dict(getattr(error, "context", {}) or {})
        detail = getattr(error, "detail", None)
        if detail:
            context["detail"] = detail
        what = getattr(error, "what", None)
        if what:  # what happened without the advice: the queue may give its own
            context["what"] = what
        return cls(
            kind=kind or str(getattr(error, "kind", "system_exception")),
            type=type(error).__name__,
            message=str(error),
            code=getattr(error, "code", None),
            step=step,
            context=context,
        )


@dataclass(frozen=True)
class Backoff:
    """Delay before retry n (1-based): ``base * factor**(n-1)``, never more than ``cap``."""

    base: float = 30.0
    factor: float = 2.0
    cap: float = 3600.0

    def delay(self, attempt: int) -> timedelta:
        return timedelta(seconds=min(self.cap, self.base * self.factor ** (attempt - 1)))


@dataclass(frozen=True)
class WorkItem:
    reference: str
    flow: str
    payload: dict[str, Any]
    state: State
    priority: int
    batch: str | None
    attempts: int
    run_attempts: int
    max_attempts: int
    expiries: int
    replay: bool
    lease_owner: str | None
    lease_token: str | None
    lease_expires_at: datetime | None
    heartbeat_at: datetime | None
    next_attempt_at: datetime | None
    committed_step: str | None
    commit_in_progress: str | None
    outputs: dict[str, Any] | None
    error_kind: str | None
    error_type: str | None
    error_code: str | None
    error_message: str | None
    error_step: str | None
    error_context: dict[str, Any] | None
    artifact_dir: str | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    # an operator looked at this failed / needs_review item (the console's "mark reviewed"):
    # it no longer heads the queue; a replay or an edit clears it
    reviewed_at: datetime | None = None
    reviewed_by: str | None = None
    # a commit step's name in its flow by its id, as the worker started it (bots show, the
    # console and the ledger's own notes name a step so)
    step_names: dict[str, str] | None = None

    def step_named(self, step: str) -> str:
        """``step`` (an id the ledger keeps) as a person knows it: its name in the flow, or
        the id when no worker recorded one. The failed step of the last error is named by
        the error (any step may fail; only commit steps are named ahead)."""
        named = (self.error_context or {}).get("step_name")
        if named and step == self.error_step:
            return str(named)
        return (self.step_names or {}).get(step) or step

    @property
    def reason(self) -> str:
        """One line for an operator: what went wrong and at which step (the error's class
        and the technical detail stay in the history and the run folder)."""
        if self.error_message is None:
            return ""
        if not self.step_shown:
            return self.error_message
        return t("{message}(步骤 {step})", message=self.error_message, step=self.step_shown)

    @property
    def step_shown(self) -> str | None:
        """The failed step as a person knows it: its name in the flow (``核对客户资格``), kept
        by the worker beside its id; else the id (``enter_order/eligible``)."""
        named = (self.error_context or {}).get("step_name")
        if named:
            return str(named)
        return self.step_named(self.error_step) if self.error_step else None


@dataclass(frozen=True)
class HistoryEntry:
    """An attempt (kind ``attempt``) or an operator action (``enqueue``, ``edit``, ``replay``,
    ``cancel``, ``review``)."""

    kind: str
    reference: str
    actor: str | None
    attempt: int | None
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None
    error_type: str | None
    error_message: str | None
    error_step: str | None
    artifact_dir: str | None
    committed_step: str | None
    note: str | None
    changes: dict[str, Any] | None

    @property
    def note_shown(self) -> str:
        """The note as a history row shows it beside the changes: an edit's plain note
        (修改了 联系电话) only restates them, so it is left out."""
        if self.kind == "edit" and self.changes and self.note == edit_note(self.changes):
            return ""
        return self.note or ""


def edit_note(paths: Iterable[str]) -> str:
    """What the history says of an edit of the fields at ``paths``, by the order sheet's
    names: 修改了 证件号码、联系电话 (in one order whatever order they come in: PostgreSQL
    keeps a JSON object's keys in its own)."""
    return t("修改了 {fields}", fields=t("、").join(field_name(path) for path in sorted(paths)))


def sent_commits(item: WorkItem, history: list[HistoryEntry]) -> list[str]:
    """The commit steps that took (or may have taken) the order's data to the portal in any
    attempt so far, first one first: an edit made now does not reach what they entered, as
    a replay looks first and skips what the portal already has. Named as the flow names
    them where a worker recorded it."""
    steps: list[str | None] = []
    for entry in history:
        if entry.kind != "attempt":
            continue
        steps.append(entry.committed_step)
        if entry.outcome == State.NEEDS_REVIEW.value:  # (reached only inside or after a commit)
            steps.append(entry.error_step)
    steps += [item.committed_step, item.commit_in_progress]
    return list(dict.fromkeys(item.step_named(s) for s in steps if s))


def quoted_steps(steps: list[str]) -> str:
    """Step names as a message lists them: “第一步:点击提交”、“点击收费”."""
    return t("、").join(t("“{value}”", value=step) for step in steps)


def sent_warning(steps: list[str]) -> str:
    """What an operator about to edit (or who edited) an order with ``steps`` sent is told."""
    return t(
        "注意:提交步骤{steps}已经(或可能已经)把原来的数据交给了营账系统;重放时先查询,"
        "已办理的部分会跳过,这次修改到不了那里:请先在营账系统里核实,需要时在那里改正",
        steps=quoted_steps(steps), count=len(steps),
    )


def cancel_warning(steps: list[str]) -> str:
    """What an operator cancelling an order with ``steps`` sent is told: the portal keeps
    what they entered."""
    return t(
        "注意:提交步骤{steps}已经(或可能已经)把订单交给了营账系统;取消只让机器人不再处理它,"
        "营账系统里已办的不会撤销:请到营账系统里处理",
        steps=quoted_steps(steps), count=len(steps),
    )


ROLES = ("clerk", "operator", "admin")  # each may do what the ones before it may


@dataclass(frozen=True)
class ConsoleUser:
    """A person who signs in to the operator console; ``password_hash`` is the password
    hasher's whole string (the password itself is never stored)."""

    name: str
    role: str
    password_hash: str
    language: str | None
    disabled: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ConsoleSession:
    """A signed-in console user: found by the hash of the cookie's token; ``csrf`` is the
    token every form of the session must carry."""

    user: ConsoleUser
    csrf: str
    created_at: datetime
    seen_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Asked:
    """A question a flow put to a person (``bots.ledger.questions``): open until answered."""

    id: int
    reference: str
    step: str
    question: str
    pattern: str | None
    image: str | None  # PNG, base64
    asked_by: str | None
    asked_at: datetime
    expires_at: datetime
    state: str
    answer: str | None
    answered_by: str | None
    answered_at: datetime | None


@dataclass(frozen=True)
class WorkerRecord:
    """One worker (a browser context of a ``bots work`` process) as the process recorded it:
    a heartbeat while the process lives, and how the process stopped."""

    worker: str
    process: str
    host: str
    pid: int
    staff_id: str | None
    started_at: datetime
    heartbeat_at: datetime
    stopped_at: datetime | None
    stop_kind: str | None
    stop_reason: str | None


@dataclass(frozen=True)
class ItemQuery:
    """Which items a page of the queue shows. ``text`` matches part of the reference or of
    the customer's name; ``since``/``before`` bound when the item was enqueued; ``flows``
    stand for procedures. The most urgent come first: needs_review, failed (not yet
    reviewed), retry_wait, running, pending, then the rest; oldest first within each."""

    states: tuple[State, ...] = ()
    batch: str | None = None
    flows: tuple[str, ...] = ()
    since: datetime | None = None
    before: datetime | None = None
    text: str | None = None
    offset: int = 0
    limit: int = 50


@dataclass(frozen=True)
class BatchSummary:
    """A batch: how many items, when the first was enqueued and the last one changed."""

    batch: str
    items: int
    first_enqueued: datetime
    last_change: datetime


@dataclass(frozen=True)
class Reject:
    """A row refused at enqueue: where it was (file, row — None for the whole file), its
    reference if it had a readable one, the field and the reason, and its data as the file
    gave it, sensitive fields masked."""

    batch: str | None
    file: str
    row: int | None
    reference: str | None
    field: str | None
    reason: str
    data: dict[str, Any] | None
    created_at: datetime
