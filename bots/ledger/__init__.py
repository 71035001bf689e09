"""The work-item ledger: a queue of orders in SQL (SQLite or PostgreSQL), claimed with
leases, with a history row per attempt and per operator action."""

from bots.ledger.errors import (
    DuplicateReference,
    IllegalTransition,
    LeaseLost,
    LedgerUnusable,
    NotFound,
    SchemaOutOfDate,
)
from bots.ledger.model import (
    ROLES,
    Backoff,
    BatchSummary,
    ConsoleSession,
    ConsoleUser,
    ErrorInfo,
    HistoryEntry,
    ItemQuery,
    NewItem,
    Reject,
    State,
    WorkerRecord,
    WorkItem,
)
from bots.ledger.store import DEFAULT_URL, Store, open_store, resolve_url

__all__ = [
    "DEFAULT_URL",
    "ROLES",
    "Backoff",
    "BatchSummary",
    "ConsoleSession",
    "ConsoleUser",
    "DuplicateReference",
    "ErrorInfo",
    "HistoryEntry",
    "IllegalTransition",
    "ItemQuery",
    "LeaseLost",
    "LedgerUnusable",
    "NewItem",
    "NotFound",
    "Reject",
    "SchemaOutOfDate",
    "State",
    "Store",
    "WorkItem",
    "WorkerRecord",
    "open_store",
    "resolve_url",
]
