"""Worker processes in the ledger: which workers a ``bots work`` process runs (host, pid,
staff id), its heartbeat, and how it stopped (the portal looked down, a signal, the queue
was empty) — what the console's workers page shows.

It knows rows and times. Which order a worker holds is not kept here: the item's lease
says it (``work_items.lease_owner``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bots.ledger.model import WorkerRecord
from bots.ledger.sqlbase import Row, SqlBase

# rows of processes that stopped (or went silent) longer ago than this are swept when a
# process starts: the page is about now, not a log
KEPT = timedelta(days=7)
_FIELDS = ("worker", "process", "host", "pid", "staff_id", "started_at", "heartbeat_at",
           "stopped_at", "stop_kind", "stop_reason")  # fmt: skip


def _record(row: Row) -> WorkerRecord:
    return WorkerRecord(**{name: row[name] for name in _FIELDS})


class Presence(SqlBase):
    def workers_started(
        self, process: str, host: str, pid: int, workers: Sequence[tuple[str, str | None]]
    ) -> None:
        """Record the workers (id, staff id) of a process that starts now."""
        now = self.clock()
        with self.tx() as cur:
            cur.run("DELETE FROM workers WHERE heartbeat_at < ?", now - KEPT)
            for worker, _staff in workers:
                cur.run("DELETE FROM workers WHERE worker = ?", worker)
            cur.insert(
                "workers",
                ("worker", "process", "host", "pid", "staff_id", "started_at", "heartbeat_at"),
                [(worker, process, host, pid, staff, now, now) for worker, staff in workers],
            )

    def workers_beat(self, process: str) -> None:
        """The process is alive: its workers' heartbeat is now."""
        with self.tx() as cur:
            cur.run(
                "UPDATE workers SET heartbeat_at = ? WHERE process = ? AND stopped_at IS NULL",
                self.clock(), process,
            )  # fmt: skip

    def workers_stopped(self, process: str, kind: str, reason: str | None = None) -> None:
        """The process stopped: ``kind`` is finished, signal, portal_down, login or crash."""
        now = self.clock()
        with self.tx() as cur:
            cur.run(
                "UPDATE workers SET stopped_at = ?, heartbeat_at = ?, stop_kind = ?,"
                " stop_reason = ? WHERE process = ? AND stopped_at IS NULL",
                now, now, kind, reason, process,
            )  # fmt: skip

    def workers(self, *, since: datetime) -> list[WorkerRecord]:
        """Workers heard from since ``since``, the most recent first."""
        with self.tx(write=False) as cur:
            rows = cur.all(
                "SELECT * FROM workers WHERE heartbeat_at >= ?"
                " ORDER BY heartbeat_at DESC, worker LIMIT 500",
                since,
            )
        return [_record(row) for row in rows]
