"""Enqueue and the operator's verbs: replay, cancel, edit, review — each leaving an audit
row with who did it."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from bots.errors import BadInput
from bots.ledger.errors import DuplicateReference
from bots.ledger.mask import field_shown, mask_payload, mask_text, sensitive_values
from bots.ledger.model import (
    NewItem,
    State,
    WorkItem,
    edit_note,
    sent_commits,
    sent_warning,
)
from bots.ledger.sqlbase import Cursor, SqlBase, Validator, item_from_row
from bots.ledger.transitions import check
from bots.masking import is_sensitive, personal_shapes, personal_shapes_in
from bots.messages import t
from bots.messages.terms import state_name
from bots.orders.columns import field_name

# the file, the row and how the file counts its rows ("row", or "item" in YAML/JSON) of an
# enqueued item
Source = tuple[str, int | None, str] | None

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
    the block ends (``DuplicateReference``, naming the file and row each item came from when
    ``add`` was told) — or, with ``skip_known``, a reference already in the ledger is only
    listed in ``skipped``. Both are found by looking in the table, which within the
    transaction also holds the chunks inserted so far: this enqueue's rows are those past the
    highest id it found at its start. Rows refused at enqueue are kept too (``reject``), for
    the batch report and the console (``Store.rejects``), with their personal data masked."""

    def __init__(
        self, store: SqlBase, cur: Cursor, now: datetime, skip_known: bool = False
    ) -> None:
        self.store, self.cur, self.now = store, cur, now
        top = cur.one("SELECT COALESCE(MAX(id), 0) AS top FROM work_items")
        self.first_id = int(top["top"] if top else 0)
        self.added = 0
        self.skip_known = skip_known
        self.known: list[tuple[str, Source]] = []
        self.twice: list[tuple[str, Source]] = []
        # what a withdraw may take back: the items and duplicates added since the last one
        self._since_id, self._twice_since = self.first_id, 0
        self.twins: dict[tuple[str, int | None], Any] = {}  # a duplicate's order, by (file, row)
        self.skipped: list[tuple[str, Source]] = []
        self.spelled: dict[str, str] = {}  # a reference → how the ledger already writes it
        self._chunk: list[tuple[NewItem, Source]] = []
        self._keys: list[tuple[str, str, int, str]] = []
        self._keys_table = False

    def add(self, item: NewItem, source: Source = None) -> None:
        """Queue ``item``; ``source`` (file, row) names where it came from in a refusal."""
        self._chunk.append((item, source))
        if len(self._chunk) >= _CHUNK:
            self._flush()

    def reject(
        self,
        file: str,
        row: int | None,
        reason: str,
        *,
        reference: str | None = None,
        field: str | None = None,
        data: Mapping[str, Any] | None = None,
        batch: str | None = None,
    ) -> None:
        """Keep a row refused at enqueue, its data with every sensitive field masked."""
        # by field, and by shape: a row refused for cells under the wrong headers holds its
        # ID number or phone under another field's name
        masked = None if data is None else personal_shapes_in(mask_payload(dict(data)))
        hidden = sensitive_values(dict(data)) if data else []
        self.cur.run(
            "INSERT INTO rejects (batch, file, row_number, reference, field, reason, data,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            batch, file, row, reference, field, personal_shapes(mask_text(reason, hidden)),
            None if masked is None else json.dumps(masked, ensure_ascii=False), self.now,
        )  # fmt: skip

    def payloads(self, refs: Collection[str]) -> dict[str, Any]:
        """The orders this enqueue added under ``refs`` (before they are withdrawn)."""
        self._flush()
        found: dict[str, Any] = {}
        wanted = list(refs)
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            for row in self.cur.all(
                f"SELECT reference, payload FROM work_items WHERE reference IN ({marks})"
                " AND id > ?",
                *chunk, self.first_id,
            ):  # fmt: skip
                found[row["reference"]] = row["payload"]
        return found

    def withdraw(self, refs: Collection[str]) -> None:
        """Take back items added since the last withdraw (one file's: later rows of it
        showed them to be refused), and forget its duplicates of them: the file refused
        those rows itself. Another file's item of the same reference stays."""
        self._flush()
        wanted = list(refs)
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            self.cur.run(
                f"DELETE FROM history WHERE reference IN ({marks}) AND reference IN"
                f" (SELECT reference FROM work_items WHERE id > ?)",
                *chunk, self._since_id,
            )  # fmt: skip
            self.added -= self.cur.run(
                f"DELETE FROM work_items WHERE reference IN ({marks}) AND id > ?",
                *chunk, self._since_id,
            )  # fmt: skip
        keys = {ref.upper() for ref in wanted}
        kept = self.twice[: self._twice_since]
        kept += [(ref, src) for ref, src in self.twice[self._twice_since :]
                 if ref.upper() not in keys]  # fmt: skip
        self.twice, self._twice_since = kept, len(kept)
        top = self.cur.one("SELECT COALESCE(MAX(id), 0) AS top FROM work_items")
        self._since_id = int(top["top"] if top else 0)

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
        # a reference in another letter case is the same order (schema: _REFERENCE_ANY_CASE)
        keys = list(dict.fromkeys(item.reference.upper() for item, _ in chunk))
        rows = self.cur.all(
            f"SELECT reference, id FROM work_items WHERE upper(reference) IN"
            f" ({', '.join('?' * len(keys))})",
            *keys,
        )
        ours = {row["reference"].upper(): row["reference"] for row in rows
                if row["id"] > self.first_id}  # fmt: skip
        known = {row["reference"].upper(): row["reference"] for row in rows
                 if row["id"] <= self.first_id}  # fmt: skip
        fresh: dict[str, NewItem] = {}
        for item, source in chunk:
            ref, key = item.reference, item.reference.upper()
            if key in known:
                (self.skipped if self.skip_known else self.known).append((ref, source))
                self._spelled(ref, known[key])
            elif key in ours or key in fresh:
                self.twice.append((ref, source))
                if source is not None:  # (its own data, should its file refuse the row)
                    self.twins[source[:2]] = dict(item.payload)
                self._spelled(ref, ours[key] if key in ours else fresh[key].reference)
            else:
                fresh[key] = item
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
                for item in fresh.values()
            ],
        )  # fmt: skip
        self.cur.insert(
            "history",
            ("reference", "kind", "started_at", "finished_at", "note"),
            [
                (
                    item.reference, "enqueue", self.now, self.now,
                    t("录入,批次 {batch}", batch=item.batch) if item.batch else t("录入"),
                )
                for item in fresh.values()
            ],
        )  # fmt: skip
        self.added += len(fresh)

    def _spelled(self, ref: str, other: str) -> None:
        if other != ref:
            self.spelled[ref] = other

    def finish(self) -> int:
        self._flush()
        if self._keys_table:
            self.cur.run("DROP TABLE enqueue_keys")
        if self.twice:
            lines = [
                t("{where}业务参考号 {ref} 在这次录入中已经出现过(写作 {other})",
                  where=_where(source), ref=ref, other=self.spelled[ref])
                if ref in self.spelled
                else t("{where}业务参考号 {ref} 在这次录入中已经出现过", where=_where(source),
                       ref=ref)
                for ref, source in self.twice
            ]  # fmt: skip
            raise DuplicateReference(
                "\n".join([*lines, t("什么都没有录入:每单要有自己的业务参考号")]),
                references=sorted({ref for ref, _ in self.twice}),
            )
        if self.known:
            lines = [
                t("{where}业务参考号 {ref} 已在账本中(写作 {other})", where=_where(source), ref=ref,
                  other=self.spelled[ref])
                if ref in self.spelled
                else t("{where}业务参考号 {ref} 已在账本中", where=_where(source), ref=ref)
                for ref, source in self.known
            ]  # fmt: skip
            raise DuplicateReference(
                "\n".join(
                    [*lines, t("什么都没有录入:用 --skip-existing 跳过已在队列中的行,录入其余的")]
                ),
                references=sorted({ref for ref, _ in self.known}),
            )
        return self.added


def _where(source: Source) -> str:
    """``file:row N:`` (or nothing) before a refusal of one row."""
    if source is None:
        return ""
    file, row, unit = source
    if row is None:
        return f"{file}:"
    return f"{file}:{t('第{row}行', row=row) if unit == 'row' else t('第{n}项', n=row)}:"


class Operations(SqlBase):
    @contextmanager
    def enqueuing(self, skip_known: bool = False) -> Iterator[Enqueuing]:
        """``with store.enqueuing() as batch: batch.add(item) ...``: one all-or-nothing
        enqueue fed as the items are read (see ``Enqueuing``); with ``skip_known``, items
        whose reference is already in the ledger are skipped and listed, not refused."""
        try:
            with self.tx() as cur:
                self._lock_for_enqueue(cur)
                batch = Enqueuing(self, cur, self.clock(), skip_known)
                yield batch
                batch.finish()
        except self.integrity_errors as error:
            # another enqueuer won a race for one of these references after our check
            raise DuplicateReference(
                t("这次录入的一个业务参考号刚被别人录入了({error});什么都没有录入", error=error)
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
            raise BadInput(t("重放要么给业务参考号,要么给状态(failed 或 needs_review)"))
        if state is not None and state not in (State.FAILED, State.NEEDS_REVIEW):
            raise BadInput(
                t("按状态重放只能是 failed 或 needs_review,不能是{state}", state=state.value)
            )
        now = self.clock()
        with self.tx() as cur:
            if state is not None:
                rows = cur.all(
                    f"SELECT * FROM work_items WHERE state = ? ORDER BY id{self.lock_row}", state
                )
            else:
                rows = [self._current(cur, ref) for ref in refs]
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
                note = t(
                    "从{state}重放:{error}",
                    state=state_name(row["state"]),
                    error=row["error_message"] or t("无错误"),
                )
                self._note(cur, row["reference"], "replay", actor, now, note=note)
            return [row["reference"] for row in rows]

    def cancel(self, ref: str, *, actor: str = "operator") -> WorkItem:
        now = self.clock()
        with self.tx() as cur:
            row = self._current(cur, ref)
            check("cancel", ref, State(row["state"]))
            cur.run(
                "UPDATE work_items SET state = 'cancelled', next_attempt_at = NULL,"
                " finished_at = ?, updated_at = ? WHERE reference = ?",
                now, now, ref,
            )  # fmt: skip
            note = t("从{state}取消", state=state_name(row["state"]))
            self._note(cur, ref, "cancel", actor, now, note=note)
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
            raise BadInput(t("{ref}没有要改的内容", ref=ref))
        now = self.clock()
        with self.tx() as cur:
            row = self._current(cur, ref)
            check("edit", ref, State(row["state"]))
            before = row["payload"]
            edited = json.loads(json.dumps(before))
            for path, value in changes.items():
                _set_path(edited, path, value, ref)
            stored = dict(validator(edited))
            # a field set to the value it had is no change (the history would say it was)
            changed = [p for p in changes if _get_path(before, p) != _get_path(stored, p)]
            if not changed:
                raise BadInput(t("{ref}没有改动:填的值和原来的一样", ref=ref), code="no_change")
            diff = {
                path: {"before": _shown(path, before), "after": _shown(path, stored)}
                for path in changed
            }
            cur.run(
                "UPDATE work_items SET payload = ?, reviewed_at = NULL, reviewed_by = NULL,"
                " updated_at = ? WHERE reference = ?",
                json.dumps(stored, ensure_ascii=False), now, ref,
            )  # fmt: skip
            fields = t("、").join(field_name(path) for path in changed)
            sent = sent_commits(item_from_row(row), self._history(cur, ref))
            note = (
                t("修改了 {fields};{warning}", fields=fields, warning=sent_warning(sent))
                if sent  # said again where the edit is read later: the history
                else edit_note(changed)
            )
            self._note(
                cur, ref, "edit", actor, now, note=note,
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
        return field_shown(path, value)
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
            raise BadInput(t("{ref}没有字段{path}:{key}不是一组字段", ref=ref, path=path, key=key))
    node[last] = value
