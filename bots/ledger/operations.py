"""Enqueue and the operator's verbs: replay, cancel, edit — each leaving an audit row."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
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


class Operations(SqlBase):
    def enqueue(self, items: Sequence[NewItem]) -> int:
        """Add the items as pending, all or none. A reference already in the ledger (or twice
        in ``items``) is refused by name and nothing is written."""
        refs = [item.reference for item in items]
        twice = sorted({r for r in refs if refs.count(r) > 1})
        if twice:
            raise DuplicateReference(
                f"reference given twice in this batch: {', '.join(twice)}; nothing was enqueued"
            )
        now = self.clock()
        try:
            with self.tx() as cur:
                known: list[str] = []
                for start in range(0, len(refs), _CHUNK):
                    chunk = refs[start : start + _CHUNK]
                    marks = ", ".join("?" * len(chunk))
                    rows = cur.all(
                        f"SELECT reference FROM work_items WHERE reference IN ({marks})", *chunk
                    )
                    known += [r["reference"] for r in rows]
                if known:
                    raise DuplicateReference(
                        f"already in the ledger: {', '.join(sorted(known))}; nothing was enqueued",
                        references=sorted(known),
                    )
                for item in items:
                    self._insert(cur, item, now)
        except self.integrity_errors as error:
            # another enqueuer won a race for one of these references after our check
            raise DuplicateReference(
                f"a reference of this batch was enqueued meanwhile ({error}); nothing was enqueued"
            ) from error
        return len(items)

    def _insert(self, cur: Cursor, item: NewItem, now: datetime) -> None:
        cur.run(
            "INSERT INTO work_items (reference, flow, payload, batch, state, priority,"
            " max_attempts, created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?)",
            item.reference, item.flow, json.dumps(dict(item.payload), ensure_ascii=False),
            item.batch, item.priority, item.max_attempts or self.max_attempts, now, now,
        )  # fmt: skip
        note = f"enqueued in batch {item.batch}" if item.batch else "enqueued"
        self._note(cur, item.reference, "enqueue", None, now, note=note)

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
                    " next_attempt_at = NULL, finished_at = NULL, commit_in_progress = NULL,"
                    f" committed_step = NULL, {_CLEAR_ERROR}, updated_at = ? WHERE reference = ?",
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
                "UPDATE work_items SET payload = ?, updated_at = ? WHERE reference = ?",
                json.dumps(stored, ensure_ascii=False), now, ref,
            )  # fmt: skip
            self._note(
                cur, ref, "edit", actor, now, note=f"edited {', '.join(changes)}",
                changes=json.dumps(diff, ensure_ascii=False),
            )  # fmt: skip
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
