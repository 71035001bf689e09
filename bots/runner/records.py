"""Step records (what run.json keeps) and the result handed back to callers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bots.errors import BotsError
from bots.messages import t
from bots.messages.terms import step_status_name


def _next(kind: str) -> str:
    """What to do next for any error of ``kind`` (its reason says it for this one)."""
    said = {
        "definition_error": lambda: t("修正流程或选择器文件后重放"),
        "selector_error": lambda: t("修改选择器文件:按各候选的匹配数改正这个元素;重试无用"),
        "bad_input": lambda: t("改正输入数据后重放"),
        "business_exception": lambda: t("营账系统或订单规则拒绝了:由操作员决定(不会自动重试)"),
        "system_exception": lambda: t("可能会自行恢复:稍后重放;一直失败请查看营账系统"),
        "unknown_outcome": lambda: t("提交步骤进行中:重放前先在营账系统中核实"),
        "review_needed": lambda: t("款项已变动:由操作员在营账系统中核对"),
    }
    return said[kind]() if kind in said else ""


@dataclass
class RunResult:
    status: str  # passed | failed
    outputs: dict[str, Any]
    error: BotsError | None
    steps: list[dict[str, Any]]
    run_dir: Path | None
    failed_step: str | None = None
    failed_step_name: str | None = None  # its name in the flow, for people
    last_commit: str | None = None
    follow_ups: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "passed"


def error_record(error: BaseException, step: str | None) -> dict[str, Any]:
    """What run.json and log.jsonl keep of an error: the reason a person reads
    (``message``), the technical ``detail`` beside it, and what to do next for its kind."""
    kind = error.kind if isinstance(error, BotsError) else "system_exception"
    record = {
        "type": type(error).__name__,
        "kind": kind,
        "code": getattr(error, "code", kind),
        "message": str(error),
        "detail": getattr(error, "detail", None),
        "step": step,
        "next": _next(kind),
    }
    if isinstance(error, BotsError) and "candidates" in error.context:
        # a selector that matched nothing: each candidate and its count, for the report
        record["candidates"] = error.context["candidates"]
    return record


MARKS = {"passed": "✓", "failed": "✗", "already_done": "≡", "interrupted": "↺", "login": "→"}


def step_line(record: dict[str, Any]) -> str:
    """The console line of a finished step: ``✓ 003 fill_user 填写工号 · 41 毫秒 · 尝试1次``."""
    notes = [
        t("{ms} 毫秒", ms=record["ms"]),
        t("尝试{n}次", n=record["attempts"]),
    ]
    notes += record["healed"]
    if record["status"] not in ("passed", "failed"):
        notes.append(step_status_name(record["status"]))
    if record["error"]:
        notes.append(record["error"]["message"])
    mark = MARKS.get(record["status"], "–")
    return f"{mark} {record['n']:03d} {record['id']} {record['name']} · " + " · ".join(notes)
