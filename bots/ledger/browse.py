"""The queue as the console reads it: a page of items by filters, most urgent first, with
the total; batches; counts and finishes per batch; which references exist.

It knows SQL over the work items; it does not know procedures (the caller maps them to
flows) nor how a page is drawn.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bots.ledger.model import BatchSummary, ItemQuery, State, WorkItem
from bots.ledger.sqlbase import SqlBase, item_from_row

_CHUNK = 500
# what needs a person first: an item that waits for an operator and nobody looked at yet
URGENCY = (
    "CASE WHEN state = 'needs_review' AND reviewed_at IS NULL THEN 0"
    " WHEN state = 'failed' AND reviewed_at IS NULL THEN 1"
    " WHEN state = 'retry_wait' THEN 2 WHEN state = 'running' THEN 3"
    " WHEN state = 'pending' THEN 4 WHEN state = 'needs_review' THEN 5"
    " WHEN state = 'failed' THEN 6 ELSE 7 END"
)
FINISHED = ("done", "failed", "needs_review", "cancelled")


def _like(text: str) -> str:
    """A LIKE pattern for ``text`` anywhere, its own % and _ taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class Browsing(SqlBase):
    def json_text(self, column: str, *keys: str) -> str:
        """SQL for the text at ``keys`` inside a JSON column (each backend spells it)."""
        raise NotImplementedError

    def page(self, query: ItemQuery) -> tuple[list[WorkItem], int]:
        """The items of one page of ``query`` and how many match it in all."""
        where: list[str] = ["1 = 1"]
        params: list[Any] = []
        if query.states:
            where.append(f"state IN ({', '.join('?' * len(query.states))})")
            params += [state.value for state in query.states]
        if query.batch is not None:
            where.append("batch = ?")
            params.append(query.batch)
        if query.flows:
            where.append(f"flow IN ({', '.join('?' * len(query.flows))})")
            params += list(query.flows)
        if query.since is not None:
            where.append("created_at >= ?")
            params.append(query.since)
        if query.before is not None:
            where.append("created_at < ?")
            params.append(query.before)
        if query.text:
            name = self.json_text("payload", "customer", "name")
            where.append(
                f"(LOWER(reference) LIKE ? ESCAPE '\\' OR LOWER({name}) LIKE ? ESCAPE '\\')"
            )
            params += [_like(query.text)] * 2
        condition = " AND ".join(where)
        with self.tx(write=False) as cur:
            total = cur.one(f"SELECT COUNT(*) AS n FROM work_items WHERE {condition}", *params)
            rows = cur.all(
                f"SELECT * FROM work_items WHERE {condition}"
                f" ORDER BY {URGENCY}, created_at, id LIMIT ? OFFSET ?",
                *params, max(1, query.limit), max(0, query.offset),
            )  # fmt: skip
        return [item_from_row(row) for row in rows], int(total["n"] if total else 0)

    def batches(self) -> list[BatchSummary]:
        """Every named batch, the newest first."""
        with self.tx(write=False) as cur:
            rows = cur.all(
                "SELECT batch, COUNT(*) AS items, MIN(created_at) AS first_enqueued,"
                " MAX(updated_at) AS last_change FROM work_items WHERE batch IS NOT NULL"
                " GROUP BY batch ORDER BY MIN(created_at) DESC, batch"
            )
        return [BatchSummary(**row) for row in rows]

    def finished_since(self, since: datetime, *, batch: str | None = None) -> int:
        """Items (of ``batch``, if given) that reached an end state since ``since``."""
        marks = ", ".join("?" * len(FINISHED))
        sql = f"SELECT COUNT(*) AS n FROM work_items WHERE state IN ({marks}) AND finished_at >= ?"
        params: list[Any] = [*FINISHED, since]
        if batch is not None:
            sql += " AND batch = ?"
            params.append(batch)
        with self.tx(write=False) as cur:
            row = cur.one(sql, *params)
        return int(row["n"] if row else 0)

    def first_attempt(self, batch: str) -> datetime | None:
        """When the first attempt at an order of ``batch`` began; None before any."""
        with self.tx(write=False) as cur:
            row = cur.one(
                "SELECT MIN(h.started_at) AS first_attempt FROM history h JOIN work_items w"
                " ON w.reference = h.reference WHERE w.batch = ? AND h.kind = 'attempt'",
                batch,
            )  # fmt: skip
        first: datetime | None = row["first_attempt"] if row else None
        return first

    def existing(self, refs: Iterable[str]) -> set[str]:
        """Those of ``refs`` that are in the ledger, in any letter case (as an enqueue finds
        them: E9-1 is in the ledger for e9-1 when E9-1 is)."""
        wanted = list(dict.fromkeys(refs))
        keys = list(dict.fromkeys(ref.upper() for ref in wanted))
        found: set[str] = set()
        with self.tx(write=False) as cur:
            for start in range(0, len(keys), _CHUNK):
                chunk = keys[start : start + _CHUNK]
                marks = ", ".join("?" * len(chunk))
                rows = cur.all(
                    f"SELECT reference FROM work_items WHERE upper(reference) IN ({marks})",
                    *chunk,
                )  # fmt: skip
                found.update(row["reference"].upper() for row in rows)
        return {ref for ref in wanted if ref.upper() in found}


__all__ = ["URGENCY", "Browsing", "State"]
