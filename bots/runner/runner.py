"""The executor: steps in order, hooks around them, typed errors out.

It knows steps, hooks and the run folder — not files of the ledger, not SQL. Each step:
evaluate ``if`` → (guard) → act with retries → screenshot → one log line → record.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bots.actions import HANDLERS, BrowserSession, Call
from bots.errors import (
    BadInput,
    BotsError,
    BusinessException,
    DefinitionError,
    SystemException,
    UnknownOutcome,
)
from bots.flow.expressions import ExpressionError, evaluate, has_expression
from bots.flow.functions import FUNCTIONS
from bots.flow.models import Flow, Retry, Step
from bots.report import write_report
from bots.runner.hooks import Hooks, HookSet
from bots.runner.masking import MASK, Masker
from bots.runner.records import RunResult, error_record
from bots.runner.retry import policy
from bots.runner.runfolder import RunFolder
from bots.runner.scope import Secrets, parse_inputs, secrets_from_env

POLICIES = ("every_step", "on_failure", "off")
# on_failure: actions, console and network (cheap); full_on_failure adds DOM snapshots
TRACES = ("off", "on_failure", "full_on_failure")
FAULT_ENV = "BOTS_FAULT_KILL"
NO_RETRY = Retry(attempts=1, delay=0)


class SessionLost(SystemException):
    """The portal shows its login page: re-login, then resume (handled by the runner)."""


def _as_list(hooks: Any) -> list[Any]:
    if hooks is None:
        return []
    return list(hooks) if isinstance(hooks, list | tuple) else [hooks]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Runner:
    """Runs one flow in a page (or context) the caller owns; ``run()`` never raises BotsError."""

    def __init__(
        self,
        page_or_context: Any,
        flow: Flow,
        inputs: Mapping[str, Any] | None = None,
        *,
        secrets: Mapping[str, str] | None = None,
        env: Mapping[str, Any] | None = None,
        portal_url: str | None = None,
        run_dir: str | Path | None = None,
        runs_dir: str | Path = "runs",
        screenshots: str = "every_step",
        trace: str = "on_failure",
        hooks: Any = None,
        replay: bool = False,
        guard: str = "replay",
        input_source: str = "inputs",
    ) -> None:
        if screenshots not in POLICIES:
            raise BadInput(
                f"screenshots must be one of {', '.join(POLICIES)}, found '{screenshots}'"
            )
        if trace not in TRACES:
            raise BadInput(f"trace must be one of {', '.join(TRACES)}, found '{trace}'")
        if guard not in ("replay", "always"):
            raise BadInput(f"guard must be 'replay' or 'always', found '{guard}'")
        self.flow = flow
        self.target = page_or_context
        self.secrets = Secrets({**secrets_from_env(), **(secrets or {})})
        self.masker = Masker(self.secrets.values())
        self.values, sensitive = parse_inputs(flow, inputs or {}, input_source)
        self.masker.add(*sensitive)
        self.env = {"portal_url": portal_url, **(env or {})}
        self.screenshots = screenshots
        self.trace = trace
        self.hooks: Hooks = HookSet(_as_list(hooks))
        self.replay = replay
        self.guard_policy = guard
        self.run_id = (
            f"{Path(flow.path).stem}-{datetime.now(UTC):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
        )
        self.run_dir = Path(run_dir) if run_dir is not None else Path(runs_dir) / self.run_id
        self.records: list[dict[str, Any]] = []
        self._raw_args: dict[int, tuple[dict[str, Any], bool]] = {}
        self._fault = self._parse_fault(os.environ.get(FAULT_ENV, ""))
        self._force_guard = False
        self._commit_started = False
        self._last_commit: str | None = None

    # ---- the whole run ------------------------------------------------------------
    def run(self) -> RunResult:
        started, t0 = _now(), time.perf_counter()
        self.folder = RunFolder(self.run_dir, self.masker, self.run_id)
        self.session = BrowserSession(self.target, self.flow.repository, self.env.get("portal_url"))
        if self.trace in TRACES[1:]:
            self.session.start_trace(snapshots=self.trace == "full_on_failure")
        header = {
            "run_id": self.run_id,
            "flow": self.flow.path,
            "flow_name": self.flow.name or Path(self.flow.path).stem,
            "started": started,
            "replay": self.replay,
            "screenshots": self.screenshots,
            "inputs": self._masked_inputs(),
        }
        self.folder.write_json({**header, "status": "running", "steps": []})
        try:
            return self._execute(header, t0)
        finally:
            # whatever happened (even a bug or a hook's own exception), leave the caller's
            # page and the global logger as they were
            self.folder.close()
            self.session.close()

    def _execute(self, header: dict[str, Any], t0: float) -> RunResult:
        error: BotsError | None = None
        outputs: dict[str, Any] = {}
        try:
            outputs = self._run_flow(self.flow, self.values, "")
        except BotsError as failure:
            error = failure
        except ExpressionError as failure:
            error = DefinitionError(str(failure), code="expression_error")
        except BaseException:
            self._finish_trace(True)
            raise
        status = "passed" if error is None else "failed"
        trace_file = self._finish_trace(error is not None)
        masked_error = None
        if error is not None:
            # masked in place: the caller keeps the class (and attributes) it may test for
            error.message = self.masker.text(error.message)
            error.args = (error.message,)
            masked_error = error_record(error, self._failed_step())
        run = {
            **header,
            "status": status,
            "ms": round((time.perf_counter() - t0) * 1000),
            "outputs": self.masker.data(outputs),
            "error": masked_error,
            "trace": trace_file,
            "steps": self.masker.data(self.records),
        }
        self.folder.write_json(run)
        write_report(self.run_dir, run, self.masker.text)
        self.folder.event(
            "INFO" if error is None else "ERROR",
            f"{'✓' if error is None else '✗'} run {status}: {self.run_dir}",
            event="run",
            status=status,
            run_dir=str(self.run_dir),
        )
        return RunResult(
            status,
            run["outputs"],
            error,
            run["steps"],
            self.run_dir,
            failed_step=self._failed_step(),
            last_commit=self._last_commit,
            # the follow-up as the flow wrote it: it is addressed to a person, not a step id
            follow_ups=[r["follow_up"] for r in run["steps"] if r.get("follow_up")],
        )

    def _masked_inputs(self) -> dict[str, Any]:
        shown = {k: MASK if self.flow.inputs[k].sensitive else v for k, v in self.values.items()}
        return self.masker.data(shown)

    def _failed_step(self) -> str | None:
        return next((r["id"] for r in reversed(self.records) if r["status"] == "failed"), None)

    def _finish_trace(self, failed: bool) -> str | None:
        try:
            if failed and self.session.stop_trace(str(self.run_dir / "trace.zip")):
                self.folder.sanitize_zip(self.run_dir / "trace.zip")
                return "trace.zip"
            self.session.stop_trace(None)
        except Exception as error:  # noqa: BLE001 - artifact capture must not hide the run's result
            self.folder.event("WARNING", f"could not keep the trace: {type(error).__name__}")
        return None

    # ---- flows and steps ----------------------------------------------------------
    def _run_flow(self, flow: Flow, values: dict[str, Any], prefix: str) -> dict[str, Any]:
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
        while i < len(flow.steps):
            step = flow.steps[i]
            try:
                self._step(flow, step, scope, prefix)
                i += 1
            except SessionLost:
                if flow.session is None or relogins >= flow.session.max_relogins:
                    if self.records[-1]["status"] == "interrupted":
                        self.records[-1]["status"] = "failed"
                    raise
                relogins += 1
                self._relogin(flow, scope, prefix)
                if flow.session.resume is not None:
                    i = flow.step_index(flow.session.resume)
            except SystemException as error:
                if not self._redo(flow, step, error, redos):
                    raise
                if self._expect_shown(flow, step, scope):
                    # the submit went through; only the next screen's load was busy
                    self.records[-1]["status"] = "passed"
                    scope["steps"][step.id] = {"outputs": {}, "status": "passed"}
                    i += 1
                else:
                    i = flow.step_index(step.redo_from or step.id)
        return evaluate(flow.outputs, scope) if flow.outputs else {}

    def _redo(
        self, flow: Flow, step: Step, error: SystemException, redos: dict[str, int]
    ) -> bool:
        """A form's submit failed in a way that can pass (e.g. a busy page answered it):
        go again from the screen's first step (``redo_from``), since the browser need not
        keep what was typed. Returns False when the step has no redo left."""
        if step.redo_from is None or not error.context.get("retryable"):
            return False
        attempts = (step.retry or flow.defaults.retry).attempts
        done = redos.get(step.id, 0) + 1
        if done >= attempts:
            return False
        redos[step.id] = done
        record = self.records[-1]
        record["status"] = "redone"
        self.folder.event(
            "WARNING",
            f"↻ {record['id']}: attempt {done}/{attempts} failed ({error.code}: {error}); "
            f"doing the screen again from '{step.redo_from}'",
            event="retry",
            step=record["id"],
            attempt=done,
        )
        if error.code == "busy":
            self.session.recover("busy")
        return True

    def _expect_shown(self, flow: Flow, step: Step, scope: dict[str, Any]) -> bool:
        expected = getattr(step.args, "expect", None)
        return isinstance(expected, str) and self.session.visible_now(expected)

    def _relogin(self, flow: Flow, scope: dict[str, Any], prefix: str) -> None:
        assert flow.session is not None
        self.folder.event(
            "WARNING", f"↺ session lost: running {flow.session.login} again", event="relogin"
        )
        login = flow.subflows[flow.session.login]
        values, sensitive = parse_inputs(
            login, evaluate(flow.session.with_, scope), flow.session.login
        )
        self.masker.add(*sensitive)
        self._run_flow(login, values, f"{prefix}relogin/")
        # steps repeated after a re-login may have committed already: look before acting
        # (a re-login before any commit step started, e.g. the first login, needs no look)
        self._force_guard = self._force_guard or self._commit_started

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
            "outputs": {},
            "screenshot": None,
            "error": None,
        }
        self.records.append(record)
        self.hooks.on_step_start(step, record)
        t0 = time.perf_counter()
        outputs: dict[str, Any] = {}
        try:
            if step.if_ is not None and not evaluate(step.if_, scope):
                record.update(status="skipped", reason=f"if: {step.if_} was false")
            elif (
                step.commit
                and (self.replay or self._force_guard or self.guard_policy == "always")
                and ((done := self._guard(flow, step, scope, prefix, record)) is not None)
            ):
                outputs = done
                record.update(
                    status="already_done", reason="the guard found the effect already in the portal"
                )
                self._last_commit = record["id"]
                self.hooks.on_commit_done(step, outputs)
            else:
                outputs = self._attempts(flow, step, scope, record)
                record["status"] = "passed"
        except (SystemException, BusinessException) as error:
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
            failure = DefinitionError(f"step '{step.id}': {error}", code="expression_error")
            self._failed(step, record, failure, t0)
            raise failure from None
        record["outputs"] = outputs if not step.sensitive else {k: MASK for k in outputs}
        scope["steps"][step.id] = {"outputs": outputs, "status": record["status"]}
        if (
            self.screenshots == "every_step"
            and record["status"] != "skipped"
            or step.action == "screenshot"
        ):
            self._screenshot(step, record)
        record["ms"] = round((time.perf_counter() - t0) * 1000)
        self._log(record)
        self.hooks.on_step_complete(step, record)

    def _failed(self, step: Step, record: dict[str, Any], error: BotsError, t0: float) -> None:
        # a lost session is "interrupted" until the re-login fails too (then: failed)
        status = "interrupted" if isinstance(error, SessionLost) else "failed"
        record.update(status=status, error=error_record(error, record["id"]))
        record["error"]["message"] = self.masker.text(record["error"]["message"])
        if self.screenshots != "off":
            self._screenshot(step, record)
        record["ms"] = round((time.perf_counter() - t0) * 1000)
        self._log(record)
        self.hooks.on_step_failed(step, record, error)

    def _guard(
        self, flow: Flow, step: Step, scope: dict[str, Any], prefix: str, record: dict[str, Any]
    ) -> dict[str, Any] | None:
        assert step.guard is not None
        sub = flow.subflows[step.guard.run]
        values, sensitive = parse_inputs(sub, evaluate(step.guard.with_, scope), step.guard.run)
        self.masker.add(*sensitive)
        found = self._run_flow(sub, values, f"{prefix}{step.id}.guard/")
        done = evaluate(step.guard.skip_if, {**scope, "guard": {"outputs": found}})
        record["guard"] = {"outputs": found, "skip": bool(done)}
        return found if done else None

    # ---- one step's attempts --------------------------------------------------------
    def _attempts(
        self, flow: Flow, step: Step, scope: dict[str, Any], record: dict[str, Any]
    ) -> dict[str, Any]:
        if step.redo_from is not None:
            retry = NO_RETRY  # the whole screen is done again instead (see _redo)
        elif step.retry is not None:
            retry = step.retry
        elif step.is_optional or step.action in ("run", "sleep", "screenshot"):
            retry = NO_RETRY
        else:
            retry = flow.defaults.retry
        timeout_ms = (step.timeout or flow.defaults.timeout) * 1000

        def before_retry(number: int, error: BaseException) -> None:
            line = (
                f"↻ {record['id']}: attempt {number}/{retry.attempts} failed "
                f"({getattr(error, 'code', '?')}: {error}); retrying"
            )
            self.folder.event("WARNING", line, event="retry", step=record["id"], attempt=number)
            if getattr(error, "code", "") == "busy":
                self.session.recover("busy")

        for attempt in policy(retry, before_retry):
            with attempt:
                record["attempts"] += 1
                return self._once(flow, step, scope, record, timeout_ms)
        raise AssertionError("unreachable: tenacity re-raises the last error")

    def _args(self, step: Step, scope: dict[str, Any]) -> dict[str, Any]:
        cached = self._raw_args.get(id(step))
        if cached is None:
            raw = step.args.model_dump(by_alias=True, exclude_none=True)
            cached = (
                raw,
                any(has_expression(v) or isinstance(v, dict | list) for v in raw.values()),
            )
            self._raw_args[id(step)] = cached
        raw, dynamic = cached
        return evaluate(raw, scope) if dynamic else raw

    def _once(
        self,
        flow: Flow,
        step: Step,
        scope: dict[str, Any],
        record: dict[str, Any],
        timeout_ms: float,
    ) -> dict[str, Any]:
        args = self._args(step, scope)
        if record["attempts"] > 1 and args.get("expect") and self.session.visible_now(
            args["expect"]
        ):
            # the earlier attempt's request went through (e.g. only its redirect was answered
            # busy, and the recovery loaded the next screen): its effect is on screen
            record["reason"] = f"{args['expect']} already shown before attempt {record['attempts']}"
            return {}
        if step.sensitive:
            self.masker.add(*(v for k, v in args.items() if k not in ("target", "expect")))
        call = Call(step, args, timeout_ms)
        self._maybe_kill(step.id, "before")
        if step.commit:
            self._commit_started = True
            self.hooks.on_commit_start(step)
        try:
            with self.session.dialog_mode(step.on_dialog) as dialogs:
                outputs = self._dispatch(flow, step, call)
        except (SystemException, BusinessException) as error:
            record["dialogs"] = dialogs
            record["healed"] = call.healed
            failure = self._classify(step, call, error)
            failure.context["from_action"] = True  # (hook errors are never "optional")
            raise failure from None
        record["dialogs"] = dialogs
        record["healed"] = call.healed
        for note in call.healed:
            self.folder.event(
                "WARNING", f"⚠ {record['id']}: {note}", event="healed", step=record["id"]
            )
        if dialogs and step.on_dialog:
            outputs = {**outputs, "dialog": dialogs[-1]["message"]}
        self._maybe_kill(step.id, "after")
        if step.commit:
            self._last_commit = record["id"]
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

    def _classify(self, step: Step, call: Call, error: BotsError) -> BotsError:
        """After a failure, the page may say why: a login page, a busy page, a red message."""
        if not isinstance(error, BusinessException) and error.code not in (
            "session_lost",
            "busy",
            "business_error",
        ):
            try:
                self.session.raise_marker()
            except BotsError as marker:
                error = marker
        if isinstance(error, BusinessException):
            return error
        if error.code == "session_lost":
            # the portal answered the login page instead of doing anything: safe to resume,
            # and the re-login forces every later commit's guard to look first
            return SessionLost(error.message, code="session_lost")
        # a busy page is the portal saying it did nothing: even a commit may be sent again
        if step.commit and call.sent and error.code != "busy":
            return UnknownOutcome(
                f"step '{step.id}' (commit) failed after its action was sent: {error.message}; "
                "look in the portal before replaying",
                code="commit_interrupted",
            )
        return error

    def _run_sub(self, flow: Flow, step: Step, call: Call) -> dict[str, Any]:
        ref = call.args["flow"]
        sub = flow.subflows[ref]
        values, sensitive = parse_inputs(
            sub, call.args.get("with", {}), f"{Path(flow.path).name} step '{step.id}'"
        )
        self.masker.add(*sensitive)
        return self._run_flow(sub, values, f"{step.id}/")

    def _page_of(self, step: Step) -> str | None:
        target = getattr(step.args, "target", None)
        if target and self.flow.repository is not None:
            return self.session.target(target).page.popup
        return step.page

    # ---- artifacts and logs -------------------------------------------------------
    def _screenshot(self, step: Step, record: dict[str, Any]) -> None:
        path = self.folder.screen_path(record["n"], record["id"].replace("/", "__"))
        page_name = step.opens or self._page_of(step)
        extra: tuple[str, ...] = ()
        target = getattr(step.args, "target", None)
        if step.sensitive and target:
            extra = (target,)
        try:
            self.session.screenshot(
                str(path), page_name, extra, bool(getattr(step.args, "full_page", False))
            )
            record["screenshot"] = str(path.relative_to(self.run_dir))
        except Exception as error:  # noqa: BLE001 - a missing picture must not change the run's result
            record["screenshot_error"] = self.masker.text(
                f"{type(error).__name__}: {error}".splitlines()[0]
            )

    def _log(self, record: dict[str, Any]) -> None:
        mark = {"passed": "✓", "failed": "✗", "already_done": "≡", "interrupted": "↺"}.get(
            record["status"], "–"
        )
        notes = [
            f"{record['ms']} ms",
            f"{record['attempts']} attempt{'s' if record['attempts'] != 1 else ''}",
        ]
        notes += record["healed"]
        if record["status"] not in ("passed", "failed"):
            notes.append(record["status"])
        if record["error"]:
            notes.append(record["error"]["message"])
        line = f"{mark} {record['n']:03d} {record['id']} {record['name']} · " + " · ".join(notes)
        level = "ERROR" if record["status"] == "failed" else "INFO"
        self.folder.event(
            level, line, event="step", **{k: v for k, v in record.items() if k != "outputs"}
        )

    # ---- QA fault injection -------------------------------------------------------
    @staticmethod
    def _parse_fault(value: str) -> tuple[str, str] | None:
        step, _, when = value.partition(":")
        return (step, when) if step and when in ("before", "after") else None

    def _maybe_kill(self, step_id: str, when: str) -> None:
        if self._fault == (step_id, when):
            self.folder.event(
                "WARNING",
                f"{FAULT_ENV}: killing this process {when} step '{step_id}'",
                event="fault",
            )
            os.kill(os.getpid(), signal.SIGKILL)
