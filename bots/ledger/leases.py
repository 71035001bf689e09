"""A worker's verbs: claim with a lease, heartbeat, commit steps, and how an attempt ends
(done, failed, retry_wait with backoff, needs_review), plus reaping expired leases.

Leases are fenced: a claim hands out a fresh token, and every later write for the item
(heartbeat, commit steps, the end of the attempt) names it and is refused once the item was
reaped, even if it was claimed again by a worker of the same name. A worker learns that it
lost the item at its next write, and stops touching it. The token stays on an item its
worker ended, until the next claim (the reaper clears it): a worker that asks again for an
end whose answer it lost finds that the end was its own (``ended_under``).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bots.errors import BadInput
from bots.ledger.errors import LeaseLost
from bots.ledger.model import ErrorInfo, State, WorkItem
from bots.ledger.sqlbase import Cursor, Row, SqlBase, dump_json, item_from_row
from bots.ledger.transitions import check
from bots.messages import local_time, t
from bots.messages.terms import state_name

# the first term, word for word the condition of the work_items_claimable index, lets
# SQLite (which matches partial indexes by their terms) read that index in claim order
_CLAIMABLE = (
    "state IN ('pending', 'retry_wait')"
    " AND (state = 'pending' OR (state = 'retry_wait' AND next_attempt_at <= ?))"
)
_END_LEASE = "lease_owner = NULL, lease_expires_at = NULL, heartbeat_at = NULL"
_CLEAR_LEASE = f"{_END_LEASE}, lease_token = NULL"
_CLAIM_SET = (
    "state = 'running', attempts = attempts + 1, run_attempts = run_attempts + 1,"
    " lease_owner = ?, lease_token = ?, lease_expires_at = ?, heartbeat_at = ?,"
    " next_attempt_at = NULL, committed_step = NULL, commit_in_progress = NULL, updated_at = ?"
)
_NO_ERROR = (
    "error_kind = NULL, error_type = NULL, error_code = NULL, error_message = NULL,"
    " error_step = NULL, error_context = NULL"
)
# what ``_close_attempt`` writes for an attempt that ended done, read from the changed item
_ATTEMPT_DONE = (
    "finished_at = changed.finished_at, outcome = changed.state, error_type = NULL,"
    " error_message = NULL, error_step = changed.commit_in_progress,"
    " committed_step = changed.committed_step, note = NULL"
)
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
    def claim(
        self, worker: str, *, lease_seconds: float | None = None, token: str | None = None
    ) -> WorkItem | None:
        """Take the most urgent, oldest claimable item (pending, or retry_wait that is due):
        it becomes running, leased to ``worker`` under a new ``lease_token`` (``token``, or
        a random one) that every later write of the worker for it must name. None when
        nothing is claimable."""
        now = self.clock()
        lease = timedelta(seconds=lease_seconds) if lease_seconds else self.lease
        # the row is picked, leased and its attempt opened in one go (on PostgreSQL one
        # statement); only pending and due retry_wait rows are picked, both of which
        # ``transitions`` lets a claim take
        with self.statement() as cur:
            row = self.change_and_follow(
                cur,
                f"UPDATE work_items SET {_CLAIM_SET} WHERE id = (SELECT id FROM work_items"
                f"{self.claim_index} WHERE {_CLAIMABLE} ORDER BY priority, created_at, id"
                f" LIMIT 1{self.skip_locked})",
                (worker, token or secrets.token_hex(16), now + lease, now, now, now),
                "INSERT INTO history (reference, kind, actor, attempt, started_at)"
                " SELECT reference, 'attempt', lease_owner, attempts, heartbeat_at FROM changed",
            )  # fmt: skip
        return None if row is None else item_from_row(row)

    def claimed_under(self, token: str) -> WorkItem | None:
        """The item a claim under ``token`` leased, while it is running under it."""
        with self.tx(write=False) as cur:
            row = cur.one(
                "SELECT * FROM work_items WHERE state = 'running' AND lease_token = ?", token
            )
        return None if row is None else item_from_row(row)

    def ended_under(self, ref: str, token: str | None) -> WorkItem | None:
        """The item, if the attempt claimed under ``token`` has ended (its worker ended it:
        the reaper's end clears the token)."""
        with self.tx(write=False) as cur:
            row = self._row(cur, ref, lock=False)
        ended = token is not None and row["state"] != "running" and row["lease_token"] == token
        return item_from_row(row) if ended else None

    def heartbeat(
        self, ref: str, worker: str, *, token: str | None, lease_seconds: float | None = None
    ) -> bool:
        """Extend the lease granted under ``token``; False once it was lost (the item was
        reaped, and maybe claimed again, since: whoever holds it now is not this claim)."""
        now = self.clock()
        lease = timedelta(seconds=lease_seconds) if lease_seconds else self.lease
        with self.statement() as cur:
            changed = cur.run(
                "UPDATE work_items SET lease_expires_at = ?, heartbeat_at = ?, updated_at = ?"
                " WHERE reference = ? AND state = 'running' AND lease_token = ?",
                now + lease, now, now, ref, token,
            )  # fmt: skip
            return changed == 1

    def _owned(self, cur: Cursor, action: str, ref: str, worker: str, token: str | None) -> Row:
        row = self._row(cur, ref)
        state = State(row["state"])
        if state is not State.RUNNING:
            raise LeaseLost(
                t("{worker}已不再持有{ref}的租约:它现在是{state}", worker=worker, ref=ref,
                  state=state_name(state)),
                reference=ref,
            )  # fmt: skip
        if token is None or row["lease_token"] != token:
            raise LeaseLost(
                t("{worker}已不再持有{ref}的租约:它已由{owner}重新领取", worker=worker, ref=ref,
                  owner=row["lease_owner"]),
                reference=ref,
            )  # fmt: skip
        check(action, ref, state)
        return row

    def commit_started(
        self, ref: str, worker: str, step: str, *, token: str | None,
        artifact_dir: str | None = None, name: str | None = None,
    ) -> None:
        """Record that a step which changes the portal is under way (a crash now is an
        unknown outcome), and where the attempt keeps its run folder: an attempt that never
        ends (a killed worker, reaped) still leads the operator to what it did. ``name`` is
        the step's name in its flow, kept for what people read."""
        with self.tx() as cur:
            row = self._owned(cur, "commit_started", ref, worker, token)
            # the same step again is the runner re-running it after a re-login (its guard
            # ran first): still the one commit in progress
            if row["commit_in_progress"] and row["commit_in_progress"] != step:
                raise BadInput(
                    t("不能开始{ref}的提交步骤{step}:步骤{running}还在进行中", ref=ref, step=step,
                      running=row["commit_in_progress"])
                )  # fmt: skip
            cur.run(
                "UPDATE work_items SET commit_in_progress = ?, step_names = ?,"
                " artifact_dir = COALESCE(?, artifact_dir), updated_at = ? WHERE reference = ?",
                step, _with_name(row, step, name), artifact_dir, self.clock(), ref,
            )  # fmt: skip
            if artifact_dir is not None:
                cur.run(
                    "UPDATE history SET artifact_dir = ?"
                    " WHERE reference = ? AND kind = 'attempt' AND attempt = ?",
                    artifact_dir, ref, row["attempts"],
                )  # fmt: skip

    def commit_done(self, ref: str, worker: str, step: str, *, token: str | None) -> None:
        with self.tx() as cur:
            row = self._owned(cur, "commit_done", ref, worker, token)
            if row["commit_in_progress"] is None and row["committed_step"] == step:
                return  # asked again after a lost connection: the first one was applied
            if row["commit_in_progress"] != step:
                raise BadInput(
                    t("不能结束{ref}的提交步骤{step}:进行中的是{running}", ref=ref, step=step,
                      running=row["commit_in_progress"] or t("无"))
                )  # fmt: skip
            cur.run(
                "UPDATE work_items SET committed_step = ?, commit_in_progress = NULL,"
                " updated_at = ? WHERE reference = ?",
                step, self.clock(), ref,
            )  # fmt: skip

    def complete(
        self,
        ref: str,
        worker: str,
        outputs: Mapping[str, Any],
        *,
        token: str | None,
        artifact_dir: str | None = None,
    ) -> WorkItem:
        """running → done, with the flow's outputs (portal order no., serial no., ...)."""
        # the usual case in one go (on PostgreSQL one statement): still running under this
        # claim's token, so running → done is allowed; otherwise the long way says why not
        now = self.clock()
        with self.statement() as cur:
            row = self.change_and_follow(
                cur,
                f"UPDATE work_items SET state = 'done', {_END_LEASE}, {_NO_ERROR}, outputs = ?,"
                " artifact_dir = COALESCE(?, artifact_dir), next_attempt_at = NULL,"
                " finished_at = ?, replay = ?, updated_at = ?"
                " WHERE reference = ? AND state = 'running' AND lease_token = ?",
                (dump_json(outputs), artifact_dir, now, False, now, ref, token),
                f"UPDATE history SET {_ATTEMPT_DONE},"
                " artifact_dir = COALESCE(?, history.artifact_dir) FROM changed"
                " WHERE history.reference = changed.reference AND history.kind = 'attempt'"
                " AND history.attempt = changed.attempts",
                (artifact_dir,),
            )  # fmt: skip
        if row is not None:
            return item_from_row(row)
        with self.tx() as cur:
            row = self._owned(cur, "complete", ref, worker, token)
            return self._end(cur, row, "complete", State.DONE, None, artifact_dir, outputs=outputs)

    def fail(
        self,
        ref: str,
        worker: str,
        error: ErrorInfo,
        *,
        token: str | None,
        artifact_dir: str | None = None,
    ) -> WorkItem:
        """End the attempt the way the error's kind says (business → failed, system → retry,
        unknown outcome → needs_review)."""
        action = getattr(self, _FAIL_ACTIONS.get(error.kind, "fail_system"))
        ended: WorkItem = action(ref, worker, error, token=token, artifact_dir=artifact_dir)
        return ended

    def fail_business(
        self,
        ref: str,
        worker: str,
        error: ErrorInfo,
        *,
        token: str | None,
        artifact_dir: str | None = None,
    ) -> WorkItem:
        """running → failed: the portal refused; an operator decides."""
        return self._fail_now(
            "fail_business", State.FAILED, ref, worker, token, error, artifact_dir
        )

    def fail_unknown(
        self,
        ref: str,
        worker: str,
        error: ErrorInfo,
        *,
        token: str | None,
        artifact_dir: str | None = None,
    ) -> WorkItem:
        """running → needs_review: a commit step may or may not have reached the portal."""
        return self._fail_now(
            "fail_unknown", State.NEEDS_REVIEW, ref, worker, token, error, artifact_dir
        )

    def _fail_now(
        self,
        action: str,
        target: State,
        ref: str,
        worker: str,
        token: str | None,
        error: ErrorInfo,
        artifact_dir: str | None,
    ) -> WorkItem:
        with self.tx() as cur:
            row = self._owned(cur, action, ref, worker, token)
            return self._end(cur, row, action, target, error, artifact_dir)

    def fail_system(
        self,
        ref: str,
        worker: str,
        error: ErrorInfo,
        *,
        token: str | None,
        artifact_dir: str | None = None,
        answered: bool = False,
    ) -> WorkItem:
        """retry_wait after a backoff delay, or failed once ``max_attempts`` runs were used.
        Inside a commit step the portal may have taken the change: needs_review instead —
        unless the portal ``answered`` the commit's request itself (its busy page, a login
        page) and so took none of it: then the order waits for its next run as any other,
        and that run looks in the portal before it acts (as a replay does)."""
        with self.tx() as cur:
            row = self._owned(cur, "fail_system", ref, worker, token)
            now = self.clock()
            step = row["commit_in_progress"]
            if step and not answered:
                note = t(
                    "提交步骤“{step}”进行中出了系统错误;重放前先到营账系统里查看",
                    step=_named(row, step),
                )
                return self._end(
                    cur, row, "fail_system", State.NEEDS_REVIEW, error, artifact_dir, note=note
                )
            if row["run_attempts"] >= row["max_attempts"]:
                note = t("试了{count}次,放弃", count=row["run_attempts"])
                return self._end(
                    cur, row, "fail_system", State.FAILED, error, artifact_dir, note=note,
                    look_first=bool(step),
                )  # fmt: skip
            due = now + self.backoff.delay(row["run_attempts"])
            what = error.context.get("what")
            if what and not step:
                # the queue tries again by itself: a single run's advice (稍后重放) is not
                # the operator's to follow
                error = replace(error, message=t("{what}:队列会在{time}自动再试", what=what,
                                                 time=local_time(due, "%H:%M:%S")))  # fmt: skip
            note = t(
                "营账系统没有受理提交步骤“{step}”的请求;下次运行先查询再办理",
                step=_named(row, step),
            )
            return self._end(
                cur, row, "fail_system", State.RETRY_WAIT, error, artifact_dir,
                next_attempt_at=due, note=note if step else None, look_first=bool(step),
            )  # fmt: skip

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
        reaped: bool = False,
        look_first: bool = False,
    ) -> WorkItem:
        ref = row["reference"]
        check(action, ref, State(row["state"]), target)
        now = self.clock()
        err = error or ErrorInfo(kind="", type="", message="")
        both = error and note
        message = t("{message}({note})", message=err.message, note=note) if both else None
        message = message or err.message or None
        finished = None if target is State.RETRY_WAIT else now
        # a retry after a committed step must look in the portal first, like a replay
        replay = target is not State.DONE and bool(
            row["replay"] or row["committed_step"] or look_first
        )
        # the failed step's name stays known once a replay clears the error (the history
        # names the step of every attempt)
        names = _with_name(row, err.step, err.context.get("step_name"))
        cur.run(
            f"UPDATE work_items SET state = ?, {_CLEAR_LEASE if reaped else _END_LEASE},"
            " step_names = ?, outputs = ?, error_kind = ?,"
            " error_type = ?, error_code = ?, error_message = ?, error_step = ?,"
            " error_context = ?, artifact_dir = COALESCE(?, artifact_dir), next_attempt_at = ?,"
            " finished_at = ?, replay = ?, updated_at = ? WHERE reference = ?",
            target.value, names, dump_json(outputs), err.kind or None,
            err.type or None, err.code,
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
            " error_step = ?, artifact_dir = COALESCE(?, artifact_dir), committed_step = ?,"
            " note = ?"
            " WHERE reference = ? AND kind = 'attempt' AND attempt = ?",
            now, target.value, err.type or None, message, err.step or row["commit_in_progress"],
            artifact_dir, row["committed_step"], note, row["reference"], row["attempts"],
        )  # fmt: skip

    def release(
        self,
        ref: str,
        worker: str,
        reason: str,
        *,
        token: str | None,
        artifact_dir: str | None = None,
    ) -> WorkItem:
        """Hand an item back unfinished (the worker was asked to stop): pending again, and the
        attempt does not count against ``max_attempts``. Inside a commit step the portal may
        have the change already: needs_review instead."""
        with self.tx() as cur:
            row = self._owned(cur, "release", ref, worker, token)
            if row["commit_in_progress"]:
                error = ErrorInfo(
                    kind="unknown_outcome",
                    type="Released",
                    message=t(
                        "{reason}(在提交步骤“{step}”进行中);重放前先到营账系统里查看",
                        reason=reason,
                        step=_named(row, row["commit_in_progress"]),
                    ),
                    step=row["commit_in_progress"],
                )
                return self._end(cur, row, "release", State.NEEDS_REVIEW, error, artifact_dir)
            note = t("交回队列:{reason}", reason=reason)
            return self._back_to_pending(cur, row, "release", note, artifact_dir)

    def _back_to_pending(
        self,
        cur: Cursor,
        row: Row,
        action: str,
        note: str,
        artifact_dir: str | None,
        *,
        expired: bool = False,
    ) -> WorkItem:
        ref = row["reference"]
        check(action, ref, State(row["state"]), State.PENDING)
        now = self.clock()
        # an attempt handed back before any commit step (the worker was told to stop, or
        # died) spends none of the retry budget; a death is counted apart, in ``expiries``;
        # a step committed in it still makes the next run check guards first
        cur.run(
            f"UPDATE work_items SET state = 'pending', {_CLEAR_LEASE if expired else _END_LEASE},"
            " replay = ?,"
            " run_attempts = run_attempts - 1, expiries = expiries + ?, updated_at = ?"
            " WHERE reference = ?",
            bool(row["replay"] or row["committed_step"]), int(expired), now, ref,
        )  # fmt: skip
        err = ErrorInfo(kind="", type="", message="")
        self._close_attempt(cur, row, State.PENDING, None, err, artifact_dir, note, now)
        return self._get(cur, ref)

    def reap(self) -> list[WorkItem]:
        """Take back items whose lease expired: no commit step begun → pending, the attempt
        not spent but the expiry counted (parked as failed after ``max_expiries`` of them: an
        order that kills its workers); inside or after one → needs_review with the reason.
        Returns the items changed."""
        now = self.clock()
        with self.tx() as cur:
            rows = cur.all(
                "SELECT * FROM work_items WHERE state = 'running' AND lease_expires_at < ?"
                f" ORDER BY id{self.skip_locked}",
                now,
            )
            return [self._reap_one(cur, row) for row in rows]

    def _current(self, cur: Cursor, ref: str) -> Row:
        row = self._row(cur, ref)
        expired = cur.one(
            "SELECT 1 AS x FROM work_items WHERE reference = ? AND state = 'running'"
            " AND lease_expires_at < ?",
            ref, self.clock(),
        )  # fmt: skip
        if expired is None:
            return row
        self._reap_one(cur, row)
        return self._row(cur, ref)

    def _reap_one(self, cur: Cursor, row: Row) -> WorkItem:
        ref, worker = row["reference"], row["lease_owner"]
        step = row["commit_in_progress"] or row["committed_step"]
        if step is None and row["expiries"] + 1 < self.max_expiries:
            note = t("租约过期,没有留下任何改动")
            return self._back_to_pending(cur, row, "reap", note, None, expired=True)
        if step is None:  # a worker dies on this item every time: stop feeding it to them
            error = ErrorInfo(
                kind="system_exception",
                type="LeaseExpired",
                message=t(
                    "租约已过期{count}次(最后由{worker}持有),从未开始提交步骤:这个订单一再让"
                    "工作进程中断,查看日志后再重放",
                    count=row["expiries"] + 1,
                    worker=worker,
                ),
            )
            cur.run("UPDATE work_items SET expiries = expiries + 1 WHERE reference = ?", ref)
            return self._end(cur, row, "reap", State.FAILED, error, None, reaped=True)
        check("reap", ref, State.RUNNING, State.NEEDS_REVIEW)
        message = (
            t("工作进程{worker}在提交步骤“{step}”进行中失去了租约;重放前先到营账系统里查看",
              worker=worker, step=_named(row, step))
            if row["commit_in_progress"]
            else t("工作进程{worker}在提交步骤“{step}”之后失去了租约;重放前先到营账系统里查看",
                   worker=worker, step=_named(row, step))
        )  # fmt: skip
        error = ErrorInfo(kind="unknown_outcome", type="LeaseExpired", message=message, step=step)
        return self._end(cur, row, "reap", State.NEEDS_REVIEW, error, None, reaped=True)


def _with_name(row: Row, step: str | None, name: Any) -> str | None:
    """The row's step names (JSON) with ``step`` named ``name``, when both are given."""
    names = dict(row["step_names"] or {})
    if step and name:
        names[step] = str(name)
    return dump_json(names or None)


def _named(row: Row, step: str) -> str:
    """A commit step as the notes name it: its name in the flow, kept when it started."""
    return str((row["step_names"] or {}).get(step) or step)
