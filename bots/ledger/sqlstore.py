"""``SqlStore``: the whole ledger over SQL — the shared base, a worker's verbs, an
operator's, the console's people, worker processes and the queue's pages — which each
backend module specialises."""

from __future__ import annotations

from bots.ledger.accounts import Accounts
from bots.ledger.browse import Browsing
from bots.ledger.leases import Leases
from bots.ledger.operations import Operations
from bots.ledger.presence import Presence
from bots.ledger.questions import Questions
from bots.ledger.sqlbase import Cursor


class SqlStore(Leases, Operations, Accounts, Presence, Browsing, Questions):
    """Every verb of ``bots.ledger.store.Store``, written once for both backends."""


__all__ = ["Cursor", "SqlStore"]
