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
    Backoff,
    ErrorInfo,
    HistoryEntry,
    NewItem,
    Reject,
    State,
    WorkItem,
)
from bots.ledger.store import DEFAULT_URL, Store, open_store, resolve_url

__all__ = [
    "DEFAULT_URL",
    "Backoff",
    "DuplicateReference",
    "ErrorInfo",
    "HistoryEntry",
    "IllegalTransition",
    "LeaseLost",
    "LedgerUnusable",
    "NewItem",
    "NotFound",
    "Reject",
    "SchemaOutOfDate",
    "State",
    "Store",
    "WorkItem",
    "open_store",
    "resolve_url",
]
