"""``SqlStore``: the whole ledger over SQL — the shared base, a worker's verbs and an
operator's — which each backend module specialises."""

from __future__ import annotations

from bots.ledger.leases import Leases
from bots.ledger.operations import Operations
from bots.ledger.sqlbase import Cursor


class SqlStore(Leases, Operations):
    """Every verb of ``bots.ledger.store.Store``, written once for both backends."""


__all__ = ["Cursor", "SqlStore"]
