"""The runner: sets one run up (inputs, secrets, masking, run folder, browser session,
trace), has the executor run the flow, and turns the end into run.json, report.html and a
``RunResult``. The steps themselves are the executor's (executor.py)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bots.actions import BrowserSession
from bots.asking import Asker, Masked, Nobody
from bots.config import SCREENSHOTS as POLICIES
from bots.config import TRACES
from bots.errors import BadInput, BotsError, DefinitionError
from bots.flow.expressions import ExpressionError
from bots.flow.models import Flow
from bots.masking import MASK, Masker
from bots.messages import t
from bots.report import write_report
from bots.runner.executor import Executor
from bots.runner.hooks import Hooks, HookSet
from bots.runner.records import RunResult, error_record
from bots.runner.runfolder import RunFolder
from bots.runner.scope import (
    PUBLIC_SECRETS,
    Secrets,
    parse_inputs,
    secrets_from_env,
    sensitive_ahead,
)

GUARDS = ("replay", "always")


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
        trace: str = "off",
        hooks: Any = None,
        replay: bool = False,
        guard: str = "replay",
        input_source: str = "inputs",
        asker: Asker | None = None,
    ) -> None:
        for option, value, choices in (
            ("screenshots", screenshots, POLICIES),
            ("trace", trace, TRACES),
            ("guard", guard, GUARDS),
        ):
            if value not in choices:
                raise BadInput.said(
                    t("{option} 不能是 '{value}'", option=option, value=value),
                    t("请从 {choices} 中选一个", choices=", ".join(choices)),
                )
        self.flow = flow
        self.target = page_or_context
        self.secrets = Secrets({**secrets_from_env(), **(secrets or {})})
        self.masker = Masker(v for k, v in self.secrets.items() if k not in PUBLIC_SECRETS)
        self.values, sensitive = parse_inputs(flow, inputs or {}, input_source)
        self.masker.add(*sensitive)
        self.env = {"portal_url": portal_url, **(env or {})}
        # masked from the first byte: what sensitive steps will type, before any step ran
        self.masker.add(*sensitive_ahead(flow, self.values, self.env, self.secrets))
        self.screenshots = screenshots
        self.trace = trace
        self.hooks: Hooks = HookSet(_as_list(hooks))
        self.replay = replay
        self.asker = asker
        self.guard_policy = guard
        self.run_id = (
            f"{Path(flow.path).stem}-{datetime.now(UTC):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
        )
        self.run_dir = Path(run_dir) if run_dir is not None else Path(runs_dir) / self.run_id

    # ---- the whole run ------------------------------------------------------------
    def run(self) -> RunResult:
        started, t0 = _now(), time.perf_counter()
        self.folder = RunFolder(self.run_dir, self.masker, self.run_id)
        # whatever happens from here (even a bug or a hook's own exception), the caller's
        # page and the global logger are left as they were
        try:
            asker = Masked(self.asker or Nobody(), self.masker.text)
            self.session = BrowserSession(
                self.target, self.flow.repository, self.env.get("portal_url"), asker
            )
            try:
                if self.trace in TRACES[1:]:
                    self.session.start_trace(snapshots=self.trace == "full_on_failure")
                self.executor = Executor(
                    self.flow,
                    self.session,
                    self.folder,
                    self.masker,
                    secrets=self.secrets,
                    env=self.env,
                    screenshots=self.screenshots,
                    hooks=self.hooks,
                    replay=self.replay,
                    guard_policy=self.guard_policy,
                )
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
                return self._execute(header, t0)
            finally:
                self.session.close()
        finally:
            self.folder.close()

    def _execute(self, header: dict[str, Any], t0: float) -> RunResult:
        error: BotsError | None = None
        outputs: dict[str, Any] = {}
        try:
            outputs = self.executor.run_flow(self.flow, self.values, "")
        except BotsError as failure:
            error = failure
        except ExpressionError as failure:
            error = DefinitionError.said(
                t("{flow} 的表达式无法计算", flow=Path(self.flow.path).name),
                t("请按运行文件夹中的详情修正流程后重放"),
                code="expression_error",
                detail=str(failure),
            )
        except BaseException:
            self._finish_trace(True)
            raise
        self.executor.pictures.take()  # the last screen's pictures
        status = "passed" if error is None else "failed"
        trace_file = self._finish_trace(error is not None)
        masked_error = None
        if error is not None:
            # masked in place: the caller keeps the class (and attributes) it may test for
            error.mask(self.masker.text)
            masked_error = error_record(error, self._failed_step())
        run = {
            **header,
            "status": status,
            "ms": round((time.perf_counter() - t0) * 1000),
            "outputs": self.masker.data(outputs),
            "error": masked_error,
            "trace": trace_file,
            "steps": self.masker.data(self.executor.records),
        }
        self.folder.write_json(run)
        write_report(self.run_dir, run, self.masker.text)
        self.folder.event(
            "INFO" if error is None else "ERROR",
            t("✓ 运行成功:{folder}", folder=self.run_dir)
            if error is None
            else t("✗ 运行失败:{folder}", folder=self.run_dir),
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
            failed_step_name=self._failed_step("name"),
            last_commit=self.executor.last_commit,
            # the follow-up as the flow wrote it: it is addressed to a person, not a step id
            follow_ups=[r["follow_up"] for r in run["steps"] if r.get("follow_up")],
        )

    def _masked_inputs(self) -> dict[str, Any]:
        shown = {k: MASK if self.flow.inputs[k].sensitive else v for k, v in self.values.items()}
        return self.masker.data(shown)

    def _failed_step(self, key: str = "id") -> str | None:
        records = self.executor.records
        return next((r.get(key) for r in reversed(records) if r["status"] == "failed"), None)

    def _finish_trace(self, failed: bool) -> str | None:
        try:
            if failed and self.session.stop_trace(str(self.run_dir / "trace.zip")):
                self.folder.sanitize_zip(self.run_dir / "trace.zip")
                return "trace.zip"
            self.session.stop_trace(None)
        except Exception as error:  # noqa: BLE001 - artifact capture must not hide the run's result
            self.folder.event(
                "WARNING",
                t("没能保存 trace.zip"),
                event="trace",
                detail=f"{type(error).__name__}: {error}".splitlines()[0],
            )
        return None
