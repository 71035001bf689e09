"""Enqueue and the operator's verbs: replay, cancel, edit, review — each leaving an audit
row with who did it."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from bots.errors import BadInput
from bots.ledger.errors import DuplicateReference
from bots.ledger.model import NewItem, State, WorkItem
from bots.ledger.sqlbase import Cursor, SqlBase, Validator
from bots.ledger.transitions import check
from bots.masking import is_sensitive, partial

# the error stays in the history row of the attempt; the item itself starts clean
_CLEAR_ERROR = (
    "error_kind = NULL, error_type = NULL, error_code = NULL, error_message = NULL,"
    " error_step = NULL, error_context = NULL"
)
_CHUNK = 500


class Enqueuing:
    """One enqueue's transaction, fed item by item: items go in a chunk at a time (memory
    stays flat however long the file), items refused later can be taken back, and the
    caller's block ends in one commit — or, on any error, in nothing enqueued at all.
    Values that must be distinct among the rows of a file are kept here too (``note``,
    ``clashes``), in a temporary table, for the same reason.

    A reference already in the ledger, or twice in this enqueue, is kept out and named when
    the block ends (``DuplicateReference``). Both are found by looking in the table, which
    within the transaction also holds the chunks inserted so far: this enqueue's rows are
    those past the highest id it found at its start."""

    def __init__(self, store: SqlBase, cur: Cursor, now: datetime) -> None:
        self.store, self.cur, self.now = store, cur, now
        top = cur.one("SELECT COALESCE(MAX(id), 0) AS top FROM work_items")
        self.first_id = int(top["top"] if top else 0)
        self.added = 0
        self.known: list[str] = []
        self.twice: list[str] = []
        self._chunk: list[NewItem] = []
        self._keys: list[tuple[str, str, int, str]] = []
        self._keys_table = False

    def add(self, item: NewItem) -> None:
        self._chunk.append(item)
        if len(self._chunk) >= _CHUNK:
            self._flush()

    def withdraw(self, refs: Collection[str]) -> None:
        """Take back items added in this enqueue (later rows showed them to be refused)."""
        self._flush()
        wanted = list(refs)
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            self.cur.run(f"DELETE FROM history WHERE reference IN ({marks})", *chunk)
            self.added -= self.cur.run(
                f"DELETE FROM work_items WHERE reference IN ({marks}) AND id > ?",
                *chunk, self.first_id,
            )  # fmt: skip

    def note(self, row: int, reference: str, values: Mapping[str, str]) -> None:
        """Keep values (name → value) of the item from ``row`` that no other row may share,
        in a temporary table of this transaction: the ledger holds them, not memory."""
        self._keys += [(name, value, row, reference) for name, value in values.items()]
        if len(self._keys) >= _CHUNK * 4:
            self._flush_keys()

    def clashes(self) -> list[tuple[str, str, list[int], list[str]]]:
        """The values noted for more than one row since the last call: (name, value, rows,
        references); then starts afresh (one file's rows at a time)."""
        self._flush_keys()
        if not self._keys_table:
            return []
        found: dict[tuple[str, str], tuple[list[int], list[str]]] = {}
        for row in self.cur.all(
            "SELECT k.name, k.value, k.source_row, k.reference FROM enqueue_keys k"
            " JOIN (SELECT name, value FROM enqueue_keys GROUP BY name, value"
            " HAVING COUNT(*) > 1) d ON k.name = d.name AND k.value = d.value"
            " ORDER BY k.name, k.value, k.source_row"
        ):
            rows, refs = found.setdefault((row["name"], row["value"]), ([], []))
            rows.append(row["source_row"])
            refs.append(row["reference"])
        self.cur.run("DELETE FROM enqueue_keys")
        return [(name, value, rows, refs) for (name, value), (rows, refs) in found.items()]

    def _flush_keys(self) -> None:
        keys, self._keys = self._keys, []
        if not keys:
            return
        if not self._keys_table:
            self.cur.run(
                "CREATE TEMP TABLE enqueue_keys (name TEXT NOT NULL, value TEXT NOT NULL,"
                " source_row INTEGER NOT NULL, reference TEXT NOT NULL)"
            )
            self._keys_table = True
        self.cur.insert("enqueue_keys", ("name", "value", "source_row", "reference"), keys)

    def _flush(self) -> None:
        chunk, self._chunk = self._chunk, []
        if not chunk:
            return
        counts = Counter(item.reference for item in chunk)
        self.twice += [ref for ref, n in counts.items() if n > 1]
        marks = ", ".join("?" * len(counts))
        rows = self.cur.all(
            f"SELECT reference, id FROM work_items WHERE reference IN ({marks})",
            *counts,
        )
        for row in rows:
            ours = row["id"] > self.first_id
            (self.twice if ours else self.known).append(row["reference"])
        found = {row["reference"] for row in rows}
        fresh = [item for item in chunk if item.reference not in found]
        fresh = list({item.reference: item for item in fresh}.values())
        self.cur.insert(
            "work_items",
            ("reference", "flow", "payload", "batch", "state", "priority", "max_attempts",
             "created_at", "updated_at"),
            [
                (
                    item.reference, item.flow, json.dumps(dict(item.payload), ensure_ascii=False),
                    item.batch, "pending", item.priority,
                    item.max_attempts or self.store.max_attempts, self.now, self.now,
                )
                for item in fresh
            ],
        )  # fmt: skip
        self.cur.insert(
            "history",
            ("reference", "kind", "started_at", "finished_at", "note"),
            [
                (
                    item.reference, "enqueue", self.now, self.now,
                    f"enqueued in batch {item.batch}" if item.batch else "enqueued",
                )
                for item in fresh
            ],
        )  # fmt: skip
        self.added += len(fresh)

    def finish(self) -> int:
        self._flush()
        if self._keys_table:
            self.cur.run("DROP TABLE enqueue_keys")
        if self.twice:
            twice = ", ".join(sorted(set(self.twice)))
            raise DuplicateReference(
                f"reference given twice in this batch: {twice}; nothing was enqueued"
            )
        if self.known:
            raise DuplicateReference(
                f"already in the ledger: {', '.join(sorted(self.known))}; nothing was enqueued",
                references=sorted(self.known),
            )
        return self.added


class Operations(SqlBase):
    @contextmanager
    def enqueuing(self) -> Iterator[Enqueuing]:
        """``with store.enqueuing() as batch: batch.add(item) ...``: one all-or-nothing
        enqueue fed as the items are read (see ``Enqueuing``)."""
        try:
            with self.tx() as cur:
                batch = Enqueuing(self, cur, self.clock())
                yield batch
                batch.finish()
        except self.integrity_errors as error:
            # another enqueuer won a race for one of these references after our check
            raise DuplicateReference(
                f"a reference of this batch was enqueued meanwhile ({error}); nothing was enqueued"
            ) from error

    def enqueue(self, items: Iterable[NewItem]) -> int:
        """Add the items as pending, all or none. A reference already in the ledger (or twice
        in ``items``) is refused by name and nothing is written."""
        with self.enqueuing() as batch:
            for item in items:
                batch.add(item)
        return batch.added

    def replay(
        self, refs: Sequence[str] = (), *, state: State | None = None, actor: str = "operator"
    ) -> list[str]:
        """Put failed / needs_review / cancelled items back to pending with the replay flag
        (the runner checks every commit step's guard first). Either ``refs`` or ``state``;
        all named items or none."""
        if bool(refs) == (state is not None):
            raise BadInput("replay needs either references or a state (failed or needs_review)")
        if state is not None and state not in (State.FAILED, State.NEEDS_REVIEW):
            raise BadInput(f"replay by state takes failed or needs_review, not {state.value}")
        now = self.clock()
        with self.tx() as cur:
            if state is not None:
                rows = cur.all(
                    f"SELECT * FROM work_items WHERE state = ? ORDER BY id{self.lock_row}", state
                )
            else:
                rows = [self._row(cur, ref) for ref in refs]
            for row in rows:
                check("replay", row["reference"], State(row["state"]))
            for row in rows:
                cur.run(
                    "UPDATE work_items SET state = 'pending', replay = ?, run_attempts = 0,"
                    " expiries = 0, next_attempt_at = NULL, finished_at = NULL,"
                    " reviewed_at = NULL, reviewed_by = NULL,"
                    f" commit_in_progress = NULL, committed_step = NULL, {_CLEAR_ERROR},"
                    " updated_at = ? WHERE reference = ?",
                    True, now, row["reference"],
                )  # fmt: skip
                note = f"replay from {row['state']}: {row['error_message'] or 'no error'}"
                self._note(cur, row["reference"], "replay", actor, now, note=note)
            return [row["reference"] for row in rows]

    def cancel(self, ref: str, *, actor: str = "operator") -> WorkItem:
        now = self.clock()
        with self.tx() as cur:
            row = self._row(cur, ref)
            check("cancel", ref, State(row["state"]))
            cur.run(
                "UPDATE work_items SET state = 'cancelled', next_attempt_at = NULL,"
                " finished_at = ?, updated_at = ? WHERE reference = ?",
                now, now, ref,
            )  # fmt: skip
            self._note(cur, ref, "cancel", actor, now, note=f"cancelled from {row['state']}")
            return self._get(cur, ref)

    def edit(
        self,
        ref: str,
        changes: Mapping[str, Any],
        validator: Validator,
        *,
        actor: str = "operator",
    ) -> WorkItem:
        """Change order fields (dotted paths, e.g. ``broadband.bandwidth``), re-validate the
        whole order with ``validator`` (it returns the order to store or raises ``BadInput``)
        and keep before/after of each changed field in the history."""
        if not changes:
            raise BadInput(f"nothing to change in {ref}")
        now = self.clock()
        with self.tx() as cur:
            row = self._row(cur, ref)
            check("edit", ref, State(row["state"]))
            before = row["payload"]
            edited = json.loads(json.dumps(before))
            for path, value in changes.items():
                _set_path(edited, path, value, ref)
            stored = dict(validator(edited))
            diff = {
                path: {"before": _shown(path, before), "after": _shown(path, stored)}
                for path in changes
            }
            cur.run(
                "UPDATE work_items SET payload = ?, reviewed_at = NULL, reviewed_by = NULL,"
                " updated_at = ? WHERE reference = ?",
                json.dumps(stored, ensure_ascii=False), now, ref,
            )  # fmt: skip
            self._note(
                cur, ref, "edit", actor, now, note=f"edited {', '.join(changes)}",
                changes=json.dumps(diff, ensure_ascii=False),
            )  # fmt: skip
            return self._get(cur, ref)


    def review(self, ref: str, *, actor: str = "operator", note: str | None = None) -> WorkItem:
        """Mark a failed or needs_review item as looked at by ``actor``, with what was found
        (``note``); its state stays. A later edit or replay clears the mark."""
        now = self.clock()
        with self.tx() as cur:
            row = self._row(cur, ref)
            check("review", ref, State(row["state"]))
            cur.run(
                "UPDATE work_items SET reviewed_at = ?, reviewed_by = ?, updated_at = ?"
                " WHERE reference = ?",
                now, actor, now, ref,
            )  # fmt: skip
            self._note(cur, ref, "review", actor, now, note=(note or "").strip() or None)
            return self._get(cur, ref)


def _shown(path: str, data: Mapping[str, Any]) -> Any:
    """A field's value as the history keeps it: a sensitive one only partly (the history is
    read by operators and outlives the order)."""
    value = _get_path(data, path)
    if value is not None and is_sensitive(path):
        return partial(str(value))
    return value


def _get_path(data: Mapping[str, Any], path: str) -> Any:
    node: Any = data
    for key in path.split("."):
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def _set_path(data: dict[str, Any], path: str, value: Any, ref: str) -> None:
    *parents, last = path.split(".")
    node: Any = data
    for key in parents:
        node = node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            raise BadInput(f"{ref} has no field {path}: {key} is not a group of fields")
    node[last] = value
