"""Questions a flow asks a person, in the ledger: asked by a worker, answered by ``bots
answer``, taken by the worker that waits — or expired when nobody answered in time.

It knows rows, states and times; what a question means and how long a run waits are the
asker's (``bots.worker.asker``). The answer's form (its pattern) is checked here, where
the person gives it, so a typo is refused at once instead of reaching the portal.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta
from typing import Any

from bots.asking import refusal
from bots.errors import BadInput
from bots.ledger.model import Asked
from bots.ledger.sqlbase import Row, SqlBase
from bots.messages import t

_FIELDS = [f.name for f in fields(Asked)]


def _asked(row: Row) -> Asked:
    return Asked(**{name: row[name] for name in _FIELDS})


class Questions(SqlBase):
    def ask(
        self,
        reference: str,
        step: str,
        question: str,
        *,
        wait_seconds: float,
        pattern: str | None = None,
        image: str | None = None,
        worker: str | None = None,
    ) -> int:
        """Open a question; an older open one of the same reference is superseded (its
        worker is gone or has given up: only the newest is answered)."""
        now = self.clock()
        with self.tx() as cur:
            cur.run(
                "UPDATE questions SET state = 'expired' WHERE reference = ? AND state = 'open'",
                reference,
            )
            row = cur.one(
                "INSERT INTO questions (reference, step, question, pattern, image, asked_by,"
                " asked_at, expires_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open')"
                " RETURNING id",
                reference, step, question, pattern, image, worker, now,
                now + timedelta(seconds=wait_seconds),
            )  # fmt: skip
        assert row is not None
        return int(row["id"])

    def questions(self, reference: str | None = None, *, open_only: bool = True) -> list[Asked]:
        """The questions waiting for a person (every one with ``open_only=False``), oldest
        first."""
        where: list[str] = []
        params: list[Any] = []
        if reference is not None:
            where.append("reference = ?")
            params.append(reference)
        if open_only:
            where.append("state = 'open' AND expires_at > ?")
            params.append(self.clock())
        sql = "SELECT * FROM questions"
        sql += f" WHERE {' AND '.join(where)}" if where else ""
        with self.tx(write=False) as cur:
            return [_asked(row) for row in cur.all(f"{sql} ORDER BY id", *params)]

    def answer(self, reference: str, value: str, *, actor: str = "operator") -> Asked:
        """Answer the open question of ``reference``; refused (``BadInput``, nothing written)
        when there is none or the answer has not the asked form."""
        value = value.strip()
        now = self.clock()
        with self.tx() as cur:
            row = cur.one(
                "SELECT * FROM questions WHERE reference = ? AND state = 'open' AND expires_at > ?"
                f" ORDER BY id DESC LIMIT 1{self.lock_row}",
                reference, now,
            )  # fmt: skip
            if row is None:
                raise BadInput(t("{reference}没有等待回答的问题", reference=reference),
                               code="no_question")
            if refused := refusal(row["pattern"], value):
                raise BadInput(refused, code="bad_answer")
            cur.run(
                "UPDATE questions SET state = 'answered', answer = ?, answered_by = ?,"
                " answered_at = ? WHERE id = ?",
                value, actor, now, row["id"],
            )  # fmt: skip
            row.update(state="answered", answer=value, answered_by=actor, answered_at=now)
        return _asked(row)

    def take_answer(self, question_id: int, *, give_up: bool = False) -> str | None:
        """The answer of a question, once (it is then ``taken``); None while there is none.
        ``give_up``: the asker stops waiting — an unanswered question expires (an answer
        that came at this very moment is still taken)."""
        with self.tx() as cur:
            row = cur.one(f"SELECT * FROM questions WHERE id = ?{self.lock_row}", question_id)
            if row is None:
                return None
            if row["state"] == "answered":
                cur.run("UPDATE questions SET state = 'taken' WHERE id = ?", question_id)
                return str(row["answer"])
            if give_up and row["state"] == "open":
                cur.run("UPDATE questions SET state = 'expired' WHERE id = ?", question_id)
            return None
