"""Step records (what run.json keeps) and the result handed back to callers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bots.errors import BotsError
from bots.messages import t

NEXT = {
    "definition_error": "fix the flow or selector files; nothing ran",
    "bad_input": "fix the input data and run again",
    "business_exception": "the portal refused: an operator decides (no retry)",
    "system_exception": "it may pass: retry later; if it keeps failing, look at the portal",
    "unknown_outcome": "a commit step was under way: look in the portal before replaying",
}


@dataclass
class RunResult:
    status: str  # passed | failed
    outputs: dict[str, Any]
    error: BotsError | None
    steps: list[dict[str, Any]]
    run_dir: Path | None
    failed_step: str | None = None
    last_commit: str | None = None
    follow_ups: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "passed"


def error_record(error: BaseException, step: str | None) -> dict[str, Any]:
    kind = error.kind if isinstance(error, BotsError) else "system_exception"
    return {
        "type": type(error).__name__,
        "kind": kind,
        "code": getattr(error, "code", kind),
        "message": str(error),
        "step": step,
        "next": _next(kind),
    }


def _next(kind: str) -> str:
    if kind == "selector_error":
        return t("修改选择器文件:按各候选的匹配数改正这个元素;重试无用")
    return NEXT.get(kind, "")


MARKS = {"passed": "✓", "failed": "✗", "already_done": "≡", "interrupted": "↺", "login": "→"}


def step_line(record: dict[str, Any]) -> str:
    """The console line of a finished step: ``✓ 003 fill_user 填写工号 · 41 ms · 1 attempt``."""
    notes = [
        f"{record['ms']} ms",
        f"{record['attempts']} attempt{'s' if record['attempts'] != 1 else ''}",
    ]
    notes += record["healed"]
    if record["status"] not in ("passed", "failed"):
        notes.append(record["status"])
    if record["error"]:
        notes.append(record["error"]["message"])
    mark = MARKS.get(record["status"], "–")
    return f"{mark} {record['n']:03d} {record['id']} {record['name']} · " + " · ".join(notes)
