"""The ledger's tables, as ordered migrations written once with per-backend type names.

A migration is (version, description, statements). ``schema_version`` holds one row per
applied migration, so ``bots db status`` can say what was applied and when.
"""

from __future__ import annotations

from collections.abc import Mapping

TYPES: dict[str, Mapping[str, str]] = {
    "sqlite": {
        "pk": "INTEGER PRIMARY KEY AUTOINCREMENT",
        "ts": "TEXT",
        "json": "TEXT",
    },
    "postgresql": {
        "pk": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        "ts": "TIMESTAMPTZ",
        "json": "JSONB",
    },
}

STATES = "'pending', 'running', 'done', 'failed', 'retry_wait', 'needs_review', 'cancelled'"

VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at {ts} NOT NULL
)"""

_INITIAL = [
    f"""
CREATE TABLE work_items (
    id {{pk}},
    reference TEXT NOT NULL UNIQUE,
    flow TEXT NOT NULL,
    payload {{json}} NOT NULL,
    batch TEXT,
    state TEXT NOT NULL CHECK (state IN ({STATES})),
    priority INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    run_attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    replay BOOLEAN NOT NULL DEFAULT FALSE,
    lease_owner TEXT,
    lease_expires_at {{ts}},
    heartbeat_at {{ts}},
    next_attempt_at {{ts}},
    committed_step TEXT,
    commit_in_progress TEXT,
    outputs {{json}},
    error_kind TEXT,
    error_type TEXT,
    error_code TEXT,
    error_message TEXT,
    error_step TEXT,
    error_context {{json}},
    artifact_dir TEXT,
    created_at {{ts}} NOT NULL,
    updated_at {{ts}} NOT NULL,
    finished_at {{ts}}
)""",
    "CREATE INDEX work_items_claim ON work_items (state, priority, created_at, id)",
    "CREATE INDEX work_items_batch ON work_items (batch)",
    """
CREATE TABLE history (
    id {pk},
    reference TEXT NOT NULL REFERENCES work_items (reference) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    actor TEXT,
    attempt INTEGER,
    started_at {ts} NOT NULL,
    finished_at {ts},
    outcome TEXT,
    error_type TEXT,
    error_message TEXT,
    error_step TEXT,
    artifact_dir TEXT,
    committed_step TEXT,
    note TEXT,
    changes {json}
)""",
    "CREATE INDEX history_reference ON history (reference, id)",
]

# Each claim gets its own token, and every write of the worker that claimed names it: a
# worker whose lease was reaped (and the item claimed again) finds out at its next write,
# even with the same worker id. Expiries are counted apart from attempts, because a lease
# that runs out before any commit step says "the worker died", not "the order failed".
_FENCED_LEASES = [
    "ALTER TABLE work_items ADD COLUMN lease_token TEXT",
    "ALTER TABLE work_items ADD COLUMN expiries INTEGER NOT NULL DEFAULT 0",
]

# The operator console (bots/console/) keeps its users and their sessions in the ledger, so
# every console over one ledger knows the same people and what they did stays beside the
# items; an item an operator has looked at is marked reviewed (it no longer heads the
# queue). Worker processes record themselves and a heartbeat, and how they stopped (the
# portal looked down), for the console's workers page. Sessions are found by a hash of
# their token: the token itself is only ever in the user's cookie.
_CONSOLE = [
    """
CREATE TABLE console_users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('clerk', 'operator', 'admin')),
    password_hash TEXT NOT NULL,
    language TEXT,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
)""",
    """
CREATE TABLE console_sessions (
    token_hash TEXT PRIMARY KEY,
    user_name TEXT NOT NULL REFERENCES console_users (name) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at {ts} NOT NULL,
    seen_at {ts} NOT NULL,
    expires_at {ts} NOT NULL
)""",
    "CREATE INDEX console_sessions_user ON console_sessions (user_name)",
    "ALTER TABLE work_items ADD COLUMN reviewed_at {ts}",
    "ALTER TABLE work_items ADD COLUMN reviewed_by TEXT",
    "CREATE INDEX work_items_created ON work_items (created_at, id)",
    """
CREATE TABLE workers (
    worker TEXT PRIMARY KEY,
    process TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    staff_id TEXT,
    started_at {ts} NOT NULL,
    heartbeat_at {ts} NOT NULL,
    stopped_at {ts},
    stop_kind TEXT,
    stop_reason TEXT
)""",
    "CREATE INDEX workers_process ON workers (process)",
    "CREATE INDEX workers_heartbeat ON workers (heartbeat_at)",
]

# Rows refused at enqueue, kept for the batch report and the console: which file and row,
# the reference if it had one, the field and the reason, and the row's data with its
# sensitive fields masked (bots.masking) — the clerk's own file keeps the real values.
_REJECTS = [
    """
CREATE TABLE rejects (
    id {pk},
    batch TEXT,
    file TEXT NOT NULL,
    row_number INTEGER,
    reference TEXT,
    field TEXT,
    reason TEXT NOT NULL,
    data {json},
    created_at {ts} NOT NULL
)""",
    "CREATE INDEX rejects_batch ON rejects (batch, id)",
]

# Questions a flow put to a person (an `ask` step: a 金库 approval code, a login 验证码),
# answered by `bots answer REF VALUE` while the worker that asked keeps the order's page
# and waits. ``reference`` is the order's, or "login:<staff id>" for a worker's own login (no
# work item: no foreign key). The picture travels as base64 text so that any host can
# show it. A question is open until answered (then taken by the worker that waits),
# expired (nobody answered in time, the order went back to the queue), or superseded by a
# newer one of the same reference.
_QUESTIONS = [
    """
CREATE TABLE questions (
    id {pk},
    reference TEXT NOT NULL,
    step TEXT NOT NULL,
    question TEXT NOT NULL,
    pattern TEXT,
    image TEXT,
    asked_by TEXT,
    asked_at {ts} NOT NULL,
    expires_at {ts} NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'answered', 'taken', 'expired')),
    answer TEXT,
    answered_by TEXT,
    answered_at {ts}
)""",
    "CREATE INDEX questions_reference ON questions (reference, state, id)",
]

# A claim wants the first claimable item in (priority, created_at, id) order. Claimable is
# "pending, or retry_wait and due": an OR the (state, ...) index cannot serve in that order,
# so every claim read and sorted every waiting item (1.3 ms at 1,000 of them, growing with
# the queue). Only pending and retry_wait items are in this index, already in claim order:
# a claim reads from its start and stops at the first due one.
_CLAIM_ORDER = [
    "CREATE INDEX work_items_claimable ON work_items (priority, created_at, id)"
    " WHERE state IN ('pending', 'retry_wait')",
]

# A reference typed in another letter case (e9-… for E9-…) is the same order: an enqueue
# looks for it as upper(reference), and this index serves that look.
_REFERENCE_ANY_CASE = [
    "CREATE INDEX work_items_reference_upper ON work_items (upper(reference))",
]

# A commit step's name in its flow (``第二步:存入宽带专款600元``), kept by id when the
# worker starts it: the notes the ledger writes later (a reap, a failure inside the commit)
# and what an operator reads name the step as the clerk knows it, not by its id.
_STEP_NAMES = [
    "ALTER TABLE work_items ADD COLUMN step_names {json}",
]

MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (1, "work items and their history", _INITIAL),
    (2, "a lease token per claim; lease expiries counted apart from attempts", _FENCED_LEASES),
    (3, "console users and sessions, reviewed items, worker processes", _CONSOLE),
    (4, "rows refused at enqueue, their data masked", _REJECTS),
    (5, "questions a flow asks a person, and their answers", _QUESTIONS),
    (6, "an index of claimable items in claim order", _CLAIM_ORDER),
    (7, "an index of references in any letter case", _REFERENCE_ANY_CASE),
    (8, "the names of an item's commit steps", _STEP_NAMES),
]

LATEST = MIGRATIONS[-1][0]


def statements(dialect: str, migration: list[str]) -> list[str]:
    return [sql.format(**TYPES[dialect]) for sql in migration]
