"""A worker's verbs: claim with a lease, heartbeat, commit steps, and how an attempt ends
(done, failed, retry_wait with backoff, needs_review), plus reaping expired leases."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from bots.errors import BadInput
from bots.ledger.errors import LeaseLost
from bots.ledger.model import ErrorInfo, State, WorkItem
from bots.ledger.sqlbase import Cursor, Row, SqlBase, dump_json
from bots.ledger.transitions import check

_CLAIMABLE = "(state = 'pending' OR (state = 'retry_wait' AND next_attempt_at <= ?))"
_CLEAR_LEASE = "lease_owner = NULL, lease_expires_at = NULL, heartbeat_at = NULL"
_FAIL_ACTIONS = {
    "business_exception": "fail_business",
    "bad_input": "fail_business",
    "definition_error": "fail_business",
    "selector_error": "fail_business",
    "system_exception": "fail_system",
    "unknown_outcome": "fail_unknown",
    # money moved and the portal shows something else than the order: an operator looks
    "review_needed": "fail_unknown",
}


class Leases(SqlBase):
    def claim(self, worker: str, *, lease_seconds: float | None = None) -> WorkItem | None:
        """Take the most urgent, oldest claimable item (pending, or retry_wait that is due):
        it becomes running, leased to ``worker``. None when nothing is claimable."""
        now = self.clock()
        lease = timedelta(seconds=lease_seconds) if lease_seconds else self.lease
        with self.tx() as cur:
            row = cur.one(
                f"SELECT reference, state, attempts FROM work_items WHERE {_CLAIMABLE}"
                f" ORDER BY priority, created_at, id LIMIT 1{self.skip_locked}",
                now,
            )
            if row is None:
                return None
            ref = row["reference"]
            check("claim", ref, State(row["state"]))
            attempt = row["attempts"] + 1
            cur.run(
                "UPDATE work_items SET state = 'running', attempts = ?,"
                " run_attempts = run_attempts + 1, lease_owner = ?, lease_expires_at = ?,"
                " heartbeat_at = ?, next_attempt_at = NULL, committed_step = NULL,"
                " commit_in_progress = NULL, updated_at = ? WHERE reference = ?",
                attempt, worker, now + lease, now, now, ref,
            )  # fmt: skip
            cur.run(
                "INSERT INTO history (reference, kind, actor, attempt, started_at)"
                " VALUES (?, 'attempt', ?, ?, ?)",
                ref, worker, attempt, now,
            )  # fmt: skip
            return self._get(cur, ref)

    def heartbeat(self, ref: str, worker: str, *, lease_seconds: float | None = None) -> bool:
        """Extend the lease if ``worker`` still holds it; False when it was lost."""
        now = self.clock()
        lease = timedelta(seconds=lease_seconds) if lease_seconds else self.lease
        with self.tx() as cur:
            changed = cur.run(
                "UPDATE work_items SET lease_expires_at = ?, heartbeat_at = ?, updated_at = ?"
                " WHERE reference = ? AND state = 'running' AND lease_owner = ?",
                now + lease, now, now, ref, worker,
            )  # fmt: skip
            return changed == 1

    def _owned(self, cur: Cursor, action: str, ref: str, worker: str) -> Row:
        row = self._row(cur, ref)
        state = State(row["state"])
        if state is not State.RUNNING or row["lease_owner"] != worker:
            holder = f" held by {row['lease_owner']}" if state is State.RUNNING else ""
            raise LeaseLost(
                f"{worker} no longer holds the lease on {ref}: it is {state.value}{holder}",
                reference=ref,
            )
        check(action, ref, state)
        return row

    def commit_started(self, ref: str, worker: str, step: str) -> None:
        """Record that a step which changes the portal is under way (a crash now is an
        unknown outcome)."""
        with self.tx() as cur:
            row = self._owned(cur, "commit_started", ref, worker)
            # the same step again is the runner re-running it after a re-login (its guard
            # ran first): still the one commit in progress
            if row["commit_in_progress"] and row["commit_in_progress"] != step:
                raise BadInput(
                    f"cannot start commit step {step} of {ref}: step "
                    f"{row['commit_in_progress']} is still in progress"
                )
            cur.run(
                "UPDATE work_items SET commit_in_progress = ?, updated_at = ? WHERE reference = ?",
                step, self.clock(), ref,
            )  # fmt: skip

    def commit_done(self, ref: str, worker: str, step: str) -> None:
        with self.tx() as cur:
            row = self._owned(cur, "commit_done", ref, worker)
            if row["commit_in_progress"] != step:
                raise BadInput(
                    f"cannot finish commit step {step} of {ref}: the step in progress is "
                    f"{row['commit_in_progress'] or 'none'}"
                )
            cur.run(
                "UPDATE work_items SET committed_step = ?, commit_in_progress = NULL,"
                " updated_at = ? WHERE reference = ?",
                step, self.clock(), ref,
            )  # fmt: skip

    def complete(
        self, ref: str, worker: str, outputs: Mapping[str, Any], *, artifact_dir: str | None = None
    ) -> WorkItem:
        """running → done, with the flow's outputs (portal order no., serial no., ...)."""
        with self.tx() as cur:
            row = self._owned(cur, "complete", ref, worker)
            return self._end(cur, row, "complete", State.DONE, None, artifact_dir, outputs=outputs)

    def fail(
        self, ref: str, worker: str, error: ErrorInfo, *, artifact_dir: str | None = None
    ) -> WorkItem:
        """End the attempt the way the error's kind says (business → failed, system → retry,
        unknown outcome → needs_review)."""
        action = getattr(self, _FAIL_ACTIONS.get(error.kind, "fail_system"))
        ended: WorkItem = action(ref, worker, error, artifact_dir=artifact_dir)
        return ended

    def fail_business(
        self, ref: str, worker: str, error: ErrorInfo, *, artifact_dir: str | None = None
    ) -> WorkItem:
        """running → failed: the portal refused; an operator decides."""
        return self._fail_now("fail_business", State.FAILED, ref, worker, error, artifact_dir)

    def fail_unknown(
        self, ref: str, worker: str, error: ErrorInfo, *, artifact_dir: str | None = None
    ) -> WorkItem:
        """running → needs_review: a commit step may or may not have reached the portal."""
        return self._fail_now("fail_unknown", State.NEEDS_REVIEW, ref, worker, error, artifact_dir)

    def _fail_now(
        self,
        action: str,
        target: State,
        ref: str,
        worker: str,
        error: ErrorInfo,
        artifact_dir: str | None,
    ) -> WorkItem:
        with self.tx() as cur:
            row = self._owned(cur, action, ref, worker)
            return self._end(cur, row, action, target, error, artifact_dir)

    def fail_system(
        self, ref: str, worker: str, error: ErrorInfo, *, artifact_dir: str | None = None
    ) -> WorkItem:
        """retry_wait after a backoff delay, or failed once ``max_attempts`` runs were used.
        Inside a commit step the portal may have taken the change: needs_review instead."""
        with self.tx() as cur:
            row = self._owned(cur, "fail_system", ref, worker)
            now = self.clock()
            if row["commit_in_progress"]:
                note = (
                    f"system error during commit step {row['commit_in_progress']}; "
                    "check the portal before replay"
                )
                return self._end(
                    cur, row, "fail_system", State.NEEDS_REVIEW, error, artifact_dir, note=note
                )
            if row["run_attempts"] >= row["max_attempts"]:
                note = f"gave up after {row['run_attempts']} attempts"
                return self._end(
                    cur, row, "fail_system", State.FAILED, error, artifact_dir, note=note
                )
            due = now + self.backoff.delay(row["run_attempts"])
            return self._end(
                cur, row, "fail_system", State.RETRY_WAIT, error, artifact_dir, next_attempt_at=due
            )

    def _end(
        self,
        cur: Cursor,
        row: Row,
        action: str,
        target: State,
        error: ErrorInfo | None,
        artifact_dir: str | None,
        *,
        outputs: Mapping[str, Any] | None = None,
        note: str | None = None,
        next_attempt_at: datetime | None = None,
    ) -> WorkItem:
        ref = row["reference"]
        check(action, ref, State(row["state"]), target)
        now = self.clock()
        err = error or ErrorInfo(kind="", type="", message="")
        message = f"{err.message} ({note})" if error and note else err.message or None
        finished = None if target is State.RETRY_WAIT else now
        # a retry after a committed step must look in the portal first, like a replay
        replay = target is not State.DONE and bool(row["replay"] or row["committed_step"])
        cur.run(
            f"UPDATE work_items SET state = ?, {_CLEAR_LEASE}, outputs = ?, error_kind = ?,"
            " error_type = ?, error_code = ?, error_message = ?, error_step = ?,"
            " error_context = ?, artifact_dir = COALESCE(?, artifact_dir), next_attempt_at = ?,"
            " finished_at = ?, replay = ?, updated_at = ? WHERE reference = ?",
            target.value, dump_json(outputs), err.kind or None, err.type or None, err.code,
            message, err.step or row["commit_in_progress"] if error else None,
            dump_json(err.context) if error else None, artifact_dir, next_attempt_at, finished,
            replay, now, ref,
        )  # fmt: skip
        self._close_attempt(cur, row, target, message, err, artifact_dir, note, now)
        return self._get(cur, ref)

    def _close_attempt(
        self,
        cur: Cursor,
        row: Row,
        target: State,
        message: str | None,
        err: ErrorInfo,
        artifact_dir: str | None,
        note: str | None,
        now: datetime,
    ) -> None:
        cur.run(
            "UPDATE history SET finished_at = ?, outcome = ?, error_type = ?, error_message = ?,"
            " error_step = ?, artifact_dir = ?, committed_step = ?, note = ?"
            " WHERE reference = ? AND kind = 'attempt' AND attempt = ?",
            now, target.value, err.type or None, message, err.step or row["commit_in_progress"],
            artifact_dir, row["committed_step"], note, row["reference"], row["attempts"],
        )  # fmt: skip

    def release(
        self, ref: str, worker: str, reason: str, *, artifact_dir: str | None = None
    ) -> WorkItem:
        """Hand an item back unfinished (the worker was asked to stop): pending again, and the
        attempt does not count against ``max_attempts``. Inside a commit step the portal may
        have the change already: needs_review instead."""
        with self.tx() as cur:
            row = self._owned(cur, "release", ref, worker)
            if row["commit_in_progress"]:
                error = ErrorInfo(
                    kind="unknown_outcome",
                    type="Released",
                    message=f"{reason} during commit step {row['commit_in_progress']}; "
                    "check the portal before replay",
                    step=row["commit_in_progress"],
                )
                return self._end(cur, row, "release", State.NEEDS_REVIEW, error, artifact_dir)
            return self._back_to_pending(cur, row, "release", f"released: {reason}", artifact_dir)

    def _back_to_pending(
        self,
        cur: Cursor,
        row: Row,
        action: str,
        note: str,
        artifact_dir: str | None,
        *,
        refund: bool = True,
    ) -> WorkItem:
        ref = row["reference"]
        check(action, ref, State(row["state"]), State.PENDING)
        now = self.clock()
        # a released attempt (the worker was told to stop) spends none of the retry budget;
        # a step committed in it still makes the next run check guards first
        cur.run(
            f"UPDATE work_items SET state = 'pending', {_CLEAR_LEASE}, replay = ?,"
            " run_attempts = run_attempts - ?, updated_at = ? WHERE reference = ?",
            bool(row["replay"] or row["committed_step"]), int(refund), now, ref,
        )  # fmt: skip
        err = ErrorInfo(kind="", type="", message="")
        self._close_attempt(cur, row, State.PENDING, None, err, artifact_dir, note, now)
        return self._get(cur, ref)

    def reap(self) -> list[WorkItem]:
        """Take back items whose lease expired: no commit step begun → pending (failed once
        ``max_attempts`` runs died that way); inside or after one → needs_review with the
        reason. Returns the items changed."""
        now = self.clock()
        with self.tx() as cur:
            rows = cur.all(
                "SELECT * FROM work_items WHERE state = 'running' AND lease_expires_at < ?"
                f" ORDER BY id{self.skip_locked}",
                now,
            )
            return [self._reap_one(cur, row) for row in rows]

    def _reap_one(self, cur: Cursor, row: Row) -> WorkItem:
        ref, worker = row["reference"], row["lease_owner"]
        step = row["commit_in_progress"] or row["committed_step"]
        if step is None and row["run_attempts"] < row["max_attempts"]:
            note = "lease expired, no side effects"
            return self._back_to_pending(cur, row, "reap", note, None, refund=False)
        if step is None:  # a worker dies on this item every time: stop feeding it to them
            error = ErrorInfo(
                kind="system_exception",
                type="LeaseExpired",
                message=f"the lease expired {row['run_attempts']} times running this item "
                f"(last held by {worker}), no commit step started; check the logs before replay",
            )
            return self._end(cur, row, "reap", State.FAILED, error, None)
        check("reap", ref, State.RUNNING, State.NEEDS_REVIEW)
        during = "during" if row["commit_in_progress"] else "after"
        error = ErrorInfo(
            kind="unknown_outcome",
            type="LeaseExpired",
            message=(
                f"worker {worker} lost its lease {during} commit step {step}; "
                "check the portal before replay"
            ),
            step=step,
        )
        return self._end(cur, row, "reap", State.NEEDS_REVIEW, error, None)
