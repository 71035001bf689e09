"""The ledger's refusals; each is a ``BotsError``, so the CLI's one handler prints it."""

from __future__ import annotations

from bots.errors import BadInput, BotsError, SetupError


class IllegalTransition(BotsError):
    """An action asked of an item in a state that does not allow it."""

    kind = "illegal_transition"


class LeaseLost(BotsError):
    """A worker acted on an item it no longer holds (its lease expired and was reaped)."""

    kind = "lease_lost"


class NotFound(BadInput):
    """No work item has the reference."""


class DuplicateReference(BadInput):
    """An enqueue named a reference the ledger already holds."""


class SchemaOutOfDate(SetupError):
    """The database's schema is older (or newer) than this version of bots."""
