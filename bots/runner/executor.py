"""The executor: steps in order, hooks around them, typed errors out.

It knows steps, hooks, the browser session and the run folder — not files of the ledger,
not SQL. Each step: evaluate ``if`` → (guard) → act with retries → screenshot → one log
line → record. ``Runner`` (runner.py) sets a run up and turns its end into a result.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bots.actions import HANDLERS, BrowserSession, Call
from bots.errors import (
    BotsError,
    BusinessException,
    SelectorError,
    SystemException,
)
from bots.flow.expressions import ExpressionError, evaluate
from bots.flow.functions import FUNCTIONS
from bots.flow.models import Flow, Step
from bots.masking import MASK, Masker
from bots.messages import t
from bots.runner import fault, screens
from bots.runner.answers import Answers
from bots.runner.commits import CommitScope, Where, classify, scope_for
from bots.runner.hooks import Hooks
from bots.runner.records import error_record
from bots.runner.recovery import (
    RECOVERS,
    SessionLost,
    after,
    login_refused,
    screen_of,
    still_lost,
    went_through,
)
from bots.runner.retry import can_pass, gave_up, policy, retry_for
from bots.runner.runfolder import RunFolder
from bots.runner.scope import Secrets, StepArgs, expression_failure, parse_inputs, typed_args

# what an action's failure can be: the portal's answer, a glitch, or a wrong selector
ACTION_FAILURES = (SystemException, BusinessException, SelectorError)
REFUSED_FOR_NOW = "refused_for_now"
# logins in a row a run makes when the portal refuses them for now (a wrong 验证码)
LOGIN_TRIES = 3
# steps that leave nothing to lose when the portal asks for a login after them
NOTHING_DONE = ("goto", "screenshot", *screens.READ_ONLY)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Executor:
    """One run's steps: the state a run keeps between them (records, the commit under way,
    whether guards must look first) and everything that happens to one step."""

    def __init__(
        self,
        flow: Flow,
        session: BrowserSession,
        folder: RunFolder,
        masker: Masker,
        *,
        secrets: Secrets,
        env: dict[str, Any],
        screenshots: str,
        hooks: Hooks,
        replay: bool,
        guard_policy: str,
    ) -> None:
        self.flow, self.session, self.folder, self.masker = flow, session, folder, masker
        self.secrets, self.env = secrets, env
        self.screenshots, self.hooks = screenshots, hooks
        self.replay, self.guard_policy = replay, guard_policy
        self.records: list[dict[str, Any]] = []
        self.last_commit: str | None = None
        self._args = StepArgs()
        self._fault = fault.from_env()
        self._force_guard = False
        self._commit_started = False
        self._logged_in = False  # a login flow ran in this run
        # the page a login just left the main window on, for the next step alone (a goto
        # there is done already: BrowserSession.landed)
        self._landed: str | None = None
        self._commit: CommitScope | None = None
        self._path: list[int] = []  # the run steps under way, outermost first
        self._went_out: dict[Where, str] = {}  # the run's sends that went out
        self._doubts: set[Where] = set()  # the run's commits whose change may have gone out
        self._started: set[Where] = set()  # commit steps whose change began to go out
        self.pictures = screens.Pending(session, folder, masker)
        self.answers = Answers(session, masker)

    # ---- flows and steps ----------------------------------------------------------
    def run_flow(self, flow: Flow, values: dict[str, Any], prefix: str) -> dict[str, Any]:
        scope: dict[str, Any] = {
            **values,
            "env": self.env,
            "secrets": self.secrets,
            "steps": {},
            "fn": FUNCTIONS,
        }
        relogins = 0
        redos: dict[str, int] = {}
        i = 0
        if self._logs_in_first(flow):
            self._relogin(flow, scope, prefix)
        while i < len(flow.steps):
            step = flow.steps[i]
            try:
                try:
                    self._step(flow, step, scope, prefix)
                    i += 1
                except SystemException as error:
                    # (the redo's own look at the page can find the session gone too)
                    again = (
                        None
                        if isinstance(error, SessionLost)
                        else self._redo(flow, step, error, redos, scope)
                    )
                    if again is None:
                        raise
                    i = again
            except SessionLost as lost:
                if flow.session is None or relogins >= flow.session.max_relogins:
                    still_lost(lost, relogins)
                    last = self.records[-1]
                    if last["status"] in ("interrupted", "login"):
                        last.update(status="failed", error=error_record(lost, last["id"]))
                        last["error"]["message"] = self.masker.text(lost.message)
                    raise
                relogins += 1
                self.answers.lost()
                self._relogin(flow, scope, prefix)
                if flow.session.resume is not None:
                    i = flow.step_index(flow.session.resume)
        try:
            return evaluate(flow.outputs, scope) if flow.outputs else {}
        except ExpressionError as error:
            raise expression_failure(flow, error, None) from None

    def _redo(
        self,
        flow: Flow,
        step: Step,
        error: SystemException,
        redos: dict[str, int],
        scope: dict[str, Any],
    ) -> int | None:
        """A form's submit failed in a way that can pass (e.g. a busy page answered it): go
        again from the screen's first step (``redo_from``), since the browser need not keep
        what was typed — once the portal shows that screen again. Returns the index of the
        step to go on with, or None when the step has no redo left (the error stands)."""
        if step.redo_from is None:
            return None
        # a refusal that passes with time (e.g. a mobile number another order took a moment
        # ago) gets one fresh look at its screen: an "any number" order picks another, and
        # the search names a number that is taken for good
        refused = error.code == REFUSED_FOR_NOW and not redos.get(step.id)
        if not (error.context.get("retryable") or refused):
            return None
        attempts = (step.retry or flow.defaults.retry).attempts
        done = redos.get(step.id, 0) + 1
        if done >= attempts:
            gave_up(error, attempts)
            return None
        redos[step.id] = done
        if error.code == REFUSED_FOR_NOW:
            self.answers.refused(error)
        record = self.records[-1]
        self.folder.event(
            "WARNING",
            t("↻ {step}:第{n}/{total}次尝试失败({reason}),从步骤 {redo} 起重做这一屏",
              step=record["id"], n=done, total=attempts, reason=error.message,
              redo=step.redo_from),  # fmt: skip
            event="retry",
            step=record["id"],
            attempt=done,
            code=error.code,
            detail=error.detail,
        )
        redo_at = flow.step_index(step.redo_from)
        if self._went_through(flow, step, error, screen_of(flow, redo_at)):
            # the submit went through; only the next screen's load was busy
            expect = step.args.expect  # type: ignore[attr-defined]
            self._went_before(step, record, self._shown_after(expect, after(error)))
            record["status"] = "passed"
            scope["steps"][step.id] = {"outputs": {}, "status": "passed"}
            return flow.step_index(step.id) + 1
        record["status"] = "redone"
        return redo_at

    def _logs_in_first(self, flow: Flow) -> bool:
        """A fresh browser has no session: when the login flow opens its own page, it runs
        first, instead of opening the portal only to find its login page and open that
        again. Only the run's own flow, before its first step."""
        if flow is not self.flow or flow.session is None:
            return False
        login = flow.subflows[flow.session.login]
        return bool(login.steps) and login.steps[0].action == "goto" and self.session.fresh()

    def _relogin(self, flow: Flow, scope: dict[str, Any], prefix: str) -> None:
        assert flow.session is not None
        login = flow.subflows[flow.session.login]
        values, sensitive = parse_inputs(
            login, evaluate(flow.session.with_, scope), flow.session.login
        )
        self.masker.add(*sensitive)
        first = not self.records or self.records[-1]["status"] == "login"
        if first:
            self.folder.event("INFO", t("登录 {who}", who=self._who(login, values)), event="login")
        else:
            self.folder.event(
                "WARNING",
                t("↺ 会话已失效:重新运行 {login}", login=flow.session.login),
                event="relogin",
            )
        self._logged_in = True
        for tries in range(1, LOGIN_TRIES + 1):
            try:
                self.run_flow(login, values, f"{prefix}{'login' if first else 'relogin'}/")
                break
            except SessionLost as refused:
                login_refused(refused)
                raise
            except SystemException as refused:
                # a 验证码 misread or answered too late: the login page asks a new one
                if refused.code != REFUSED_FOR_NOW or tries == LOGIN_TRIES:
                    raise
                self._login_again(refused, tries)
        # steps repeated after a re-login may have committed already: look before acting
        # (a re-login before any commit step started, e.g. the first login, needs no look)
        self._force_guard = self._force_guard or (not first and self._commit_started)
        self._landed = self.session.page(None).url

    def _login_again(self, refused: SystemException, tries: int) -> None:
        """The login is done again after the portal refused it for now (a wrong 验证码): the
        refused step stays in the report as done again, and the person is told why they are
        asked again."""
        self.answers.refused(refused)
        record = self.records[-1]
        record["status"] = "redone"
        self.folder.event(
            "WARNING",
            t("↻ 登录没有通过({reason}):重新登录({n}/{total})",
              reason=refused.what or refused.message, n=tries + 1, total=LOGIN_TRIES),  # fmt: skip
            event="retry",
            step=record["id"],
            attempt=tries,
            code=refused.code,
            detail=refused.detail,
        )

    def _who(self, login: Flow, values: dict[str, Any]) -> str:
        """Whom a login logs in: the login flow's first readable text input (the staff id),
        else the staff id among the secrets, else the login flow's name."""
        shown = [
            v for k, v in values.items() if isinstance(v, str) and not login.inputs[k].sensitive
        ]
        return shown[0] if shown else self.secrets.get("staff_id") or Path(login.path).stem

    def _first_login(self) -> bool:
        """The portal asks for a login before this run logged in or did anything (typed,
        chose, clicked): that is where the run starts, not an interruption."""
        return not self._logged_in and not any(
            r["status"] in ("passed", "already_done") and r["action"] not in NOTHING_DONE
            for r in self.records
        )

    def _step(self, flow: Flow, step: Step, scope: dict[str, Any], prefix: str) -> None:
        record: dict[str, Any] = {
            "n": len(self.records) + 1,
            "id": prefix + step.id,
            "name": step.name,
            "action": step.action,
            "status": "running",
            "start": _now(),
            "ms": 0,
            "attempts": 0,
            "healed": [],
            "candidates": {},
            "outputs": {},
            "screenshot": None,
            "error": None,
        }
        self.records.append(record)
        self.session.landed, self._landed = self._landed, None
        if screens.leaves_screen(step):
            self.pictures.take()  # the pictures of the steps before, while their screen shows
        self.hooks.on_step_start(step, record)
        t0 = time.perf_counter()
        outputs: dict[str, Any] = {}
        try:
            if step.if_ is not None and not evaluate(step.if_, scope):
                # (the condition itself stays in run.json for whoever wrote the flow)
                record.update(status="skipped", reason=t("按订单数据不需要这一步"),
                              condition=step.if_)  # fmt: skip
            elif step.if_shown is not None and not self.session.visible_now(step.if_shown):
                # one look at a page already complete: costs nothing when the element is absent
                record.update(
                    status="optional_skipped" if step.is_optional else "skipped",
                    reason=t("没有显示 {ref}", ref=step.if_shown),
                )
                if step.is_optional:
                    record["follow_up"] = step.follow_up
            elif (
                step.commit
                and (self.replay or self._force_guard or self._again(step))
                and ((done := self._guard(flow, step, scope, prefix, record)) is not None)
            ):
                outputs = done
                record.update(
                    status="already_done", reason=t("营账系统中已办理(查询确认),没有重复办理")
                )
                self.last_commit = record["id"]
                self.hooks.on_commit_done(step, outputs)
            else:
                outputs = self._committing(flow, step, scope, record)
                record["status"] = "passed"
                self.answers.passed(step)
        except ACTION_FAILURES as error:
            if (
                step.is_optional
                and not isinstance(error, SessionLost)
                and error.context.get("from_action")
            ):
                record.update(
                    status="optional_skipped",
                    follow_up=step.follow_up,
                    reason=self.masker.text(str(error)),
                )
            else:
                self._failed(step, record, error, t0)
                raise
        except BotsError as error:
            self._failed(step, record, error, t0)
            raise
        except ExpressionError as error:
            failure = expression_failure(flow, error, step.id)
            self._failed(step, record, failure, t0)
            raise failure from None
        record["outputs"] = outputs if not step.sensitive else {k: MASK for k in outputs}
        if step.sensitive:  # what a sensitive step read (an owner's ID number) is masked too
            self.masker.add(*(v for v in outputs.values() if isinstance(v, str)))
        scope["steps"][step.id] = {"outputs": outputs, "status": record["status"]}
        if step.action == "screenshot":
            self._screenshot(step, record)
        elif self.screenshots == "every_step" and screens.changed_page(step, record):
            self.pictures.add(step, record, self._page_of(step))
        record["ms"] = round((time.perf_counter() - t0) * 1000)
        self.folder.step(record)
        self.hooks.on_step_complete(step, record)

    def _where(self, step: Step) -> Where:
        return (*self._path, id(step))

    def _again(self, step: Step) -> bool:
        """Whether commit ``step``'s guard looks first: always under that policy, and
        when the step is reached again after its change began to go out in this run (a
        retry or a redo around it), as after a re-login."""
        return self.guard_policy == "always" or self._where(step) in self._started

    def _failed(self, step: Step, record: dict[str, Any], error: BotsError, t0: float) -> None:
        if isinstance(error, SessionLost) and self._first_login():
            # the login page before anything was done: the run logs in (a "login" step)
            record.update(status="login", reason=t("营账系统要求先登录"))
            record["ms"] = round((time.perf_counter() - t0) * 1000)
            self.folder.step(record)
            self.hooks.on_step_failed(step, record, error)
            return
        # a lost session is "interrupted" until the re-login fails too (then: failed)
        status = "interrupted" if isinstance(error, SessionLost) else "failed"
        record.update(status=status, error=error_record(error, record["id"]))
        for key in ("message", "detail"):
            if record["error"][key] is not None:
                record["error"][key] = self.masker.text(record["error"][key])
        if self.screenshots != "off":
            if screens.keeps_screen(step):
                # the steps before a click that was to keep its screen were to be pictured
                # after it; it failed, and what shows now (a busy page, the login page) is
                # not their work: they say so rather than take the failure's picture
                self.pictures.drop(t("之后的点击失败时画面已改变,见失败步骤的截图"))
            self._screenshot(step, record)
        record["ms"] = round((time.perf_counter() - t0) * 1000)
        self.folder.step(record)
        self.hooks.on_step_failed(step, record, error)

    def _guard(
        self, flow: Flow, step: Step, scope: dict[str, Any], prefix: str, record: dict[str, Any]
    ) -> dict[str, Any] | None:
        assert step.guard is not None
        sub = flow.subflows[step.guard.run]
        values, sensitive = parse_inputs(sub, evaluate(step.guard.with_, scope), step.guard.run)
        self.masker.add(*sensitive)
        # a guard only looks, though it may click to (a 查询): inside an outer commit's
        # wizard that marks no sends, its clicks would pass for that change going out
        held, self._commit = self._commit, None
        try:
            found = self.run_flow(sub, values, f"{prefix}{step.id}.guard/")
        finally:
            self._commit = held
        done = evaluate(step.guard.skip_if, {**scope, "guard": {"outputs": found}})
        record["guard"] = {"outputs": found, "skip": bool(done)}
        return found if done else None

    # ---- one step's attempts --------------------------------------------------------
    def _committing(
        self, flow: Flow, step: Step, scope: dict[str, Any], record: dict[str, Any]
    ) -> dict[str, Any]:
        """A commit step's attempts, with what its change has done so far (a commit
        inside a commit's sub-flow belongs to the outer one)."""
        if not step.commit or self._commit is not None:
            return self._attempts(flow, step, scope, record)
        commit = scope_for(
            flow, step, record["id"], self._where(step), self._went_out, self._doubts
        )
        self._commit = commit
        try:
            return self._attempts(flow, step, scope, record)
        except SystemException as error:
            # for the ledger: an order whose commit the portal answered itself every time
            # waits for its next run, not for an operator
            error.context["took_nothing"] = commit.took_nothing()
            raise
        finally:
            self._commit = None

    def _attempts(
        self, flow: Flow, step: Step, scope: dict[str, Any], record: dict[str, Any]
    ) -> dict[str, Any]:
        retry = retry_for(step, flow.defaults.retry)
        timeout_ms = (step.timeout or flow.defaults.timeout) * 1000
        target = getattr(step.args, "target", None)
        after_retry: dict[str, Any] = {"went_through": False, "error": None, "met": None}

        def before_retry(number: int, error: BaseException) -> None:
            line = t(
                "↻ {step}:第{n}/{total}次尝试失败({reason}),再试一次",
                step=record["id"], n=number, total=retry.attempts, reason=str(error),
            )  # fmt: skip
            self.folder.event(
                "WARNING",
                line,
                event="retry",
                step=record["id"],
                attempt=number,
                code=getattr(error, "code", None),
                detail=getattr(error, "detail", None),
            )
            after_retry["error"] = None  # (a recovery that failed before: this one may pass)
            if isinstance(error, SystemException) and error.code in RECOVERS:
                after_retry["met"] = error
                try:
                    after_retry["went_through"] = self._went_through(flow, step, error, target)
                except BotsError as lost:
                    after_retry["error"] = lost  # raised in the attempt: tenacity stops on it

        try:
            for attempt in policy(retry, before_retry):
                with attempt:
                    failed = after_retry["error"]
                    if failed is not None:
                        # a recovery that met the busy page again was a try; one that found
                        # the outcome unknown ends the step where it stands
                        record["attempts"] += can_pass(failed)
                        raise failed
                    record["attempts"] += 1
                    if after_retry["went_through"]:
                        expect = getattr(step.args, "expect", "")
                        met = after(after_retry["met"])
                        return self._went_before(step, record, self._shown_after(expect, met))
                    return self._once(flow, step, scope, record, timeout_ms)
        except SystemException as error:
            raise gave_up(error, record["attempts"]) from None
        raise AssertionError("unreachable: tenacity re-raises the last error")

    @staticmethod
    def _shown_after(expect: str, met: str) -> str:
        return t("{met}后已显示 {expect}", met=met, expect=expect)

    def _went_before(self, step: Step, record: dict[str, Any], reason: str) -> dict[str, Any]:
        """An earlier attempt's request went through (only the next screen was answered
        busy): the step is done, and a commit step is committed."""
        record["reason"] = reason
        if self._commit is not None and self._commit.sends(step):
            self._commit.went(self._where(step), record["id"])
        elif self._commit is None and step.commit and step.action != "run":
            # a commit step's own click redone from its screen (``_redo``, after its scope
            # ended): what it sent stays known to the run, so a later pass never sends it
            self._went_out[self._where(step)] = record["id"]
        if step.commit:
            self.last_commit = record["id"]
            self.hooks.on_commit_done(step, {})
        return {}

    def _once(
        self,
        flow: Flow,
        step: Step,
        scope: dict[str, Any],
        record: dict[str, Any],
        timeout_ms: float,
    ) -> dict[str, Any]:
        args = self._args.of(step, scope)
        if (
            record["attempts"] > 1
            and args.get("expect")
            and self.session.visible_now(args["expect"])
        ):
            # the earlier attempt's request went through (e.g. only its redirect was answered
            # busy, and the recovery loaded the next screen): its effect is on screen
            return self._went_before(
                step,
                record,
                t("第{n}次尝试前已显示 {expect}:上一次的请求已生效",
                  n=record["attempts"], expect=args["expect"]),  # fmt: skip
            )
        if step.sensitive:
            self.masker.add(*typed_args(args).values())
        commit = self._commit
        sending = commit is not None and commit.sends(step)
        call = Call(step, args, timeout_ms, sends=sending)
        fault.maybe_kill(self._fault, step.id, "before", self.folder)
        if commit is not None and sending:
            again = commit.again(self._where(step), record["id"])
            if again is not None:
                raise again  # one click is one submission
        if commit is not None and sending and not commit.started:
            # the ledger hears of the commit when its change is about to go out, not when
            # the wizard before it starts: a failure before that changed nothing
            commit.started = self._commit_started = True
            self._started.add(commit.where)
            self.hooks.on_commit_start(commit.step)
        if commit is not None and sending:
            fault.maybe_kill(self._fault, record["id"], "sending", self.folder)
            # the last moment to find the item is no longer this run's (a worker frozen
            # since its commit started, its order reaped and replayed by another)
            self.hooks.before_send(step, record)
        try:
            with self.session.dialog_mode(step.on_dialog) as dialogs:
                outputs = self._dispatch(flow, step, call)
        except ACTION_FAILURES as error:
            record["dialogs"] = dialogs
            record["healed"] = call.healed
            record["candidates"] = call.acted
            failure = classify(self.session, self._commit, step, call, error)
            if failure.code == "session_lost" and not isinstance(failure, SessionLost):
                # the portal answered the login page instead of doing anything: safe to
                # resume, and the re-login forces every later commit's guard to look first
                failure = SessionLost.of(failure)
            if commit is not None and sending and call.sent:
                commit.met(failure)
            failure.context["from_action"] = True  # (hook errors are never "optional")
            failure.context["sent"] = call.sent
            failure.context["stale"] = sorted(call.stale)  # (a recovery's look passes them)
            raise failure from None
        if commit is not None and sending:
            commit.went(self._where(step), record["id"])
        record["dialogs"] = dialogs
        record["healed"] = call.healed
        record["candidates"] = call.acted
        for note in call.healed:
            self.folder.event(
                "WARNING", f"⚠ {record['id']}: {note}", event="healed", step=record["id"]
            )
        if dialogs and step.on_dialog:
            outputs = {**outputs, "dialog": dialogs[-1]["message"]}
        fault.maybe_kill(self._fault, step.id, "after", self.folder)
        if step.commit:
            self.last_commit = record["id"]
            self.hooks.on_commit_done(step, outputs)
        return outputs

    def _dispatch(self, flow: Flow, step: Step, call: Call) -> dict[str, Any]:
        if step.action == "run":
            call.sent = True
            return self._run_sub(flow, step, call)
        handler = HANDLERS[step.action]
        if step.opens:
            opener = self._page_of(step)
            return self.session.expect_popup(
                step.opens, opener, lambda: handler(self.session, call), call.timeout_ms
            )
        return handler(self.session, call)

    def _run_sub(self, flow: Flow, step: Step, call: Call) -> dict[str, Any]:
        ref = call.args["flow"]
        sub = flow.subflows[ref]
        values, sensitive = parse_inputs(
            sub, call.args.get("with", {}), f"{Path(flow.path).name} step '{step.id}'"
        )
        self.masker.add(*sensitive)
        self._path.append(id(step))
        try:
            return self.run_flow(sub, values, f"{step.id}/")
        finally:
            self._path.pop()

    def _page_of(self, step: Step) -> str | None:
        target = getattr(step.args, "target", None)
        if target and self.flow.repository is not None:
            return self.session.target(target).page.popup
        return step.page

    # ---- artifacts and logs -------------------------------------------------------
    def _screenshot(self, step: Step, record: dict[str, Any]) -> None:
        full_page = bool(getattr(step.args, "full_page", False))
        page = step.opens or self._page_of(step)
        extra = screens.sensitive_target(step)
        screens.capture(self.session, self.folder, self.masker, record, page, extra, full_page)
        self.pictures.share(record)

    def _went_through(
        self, flow: Flow, step: Step, error: SystemException, again: str | None
    ) -> bool:
        timeout_ms = (step.timeout or flow.defaults.timeout) * 1000
        return went_through(self.session, self._commit, step, error, again, timeout_ms)
