"""QA fault injection: ``BOTS_FAULT_KILL=<step-id>:before|after`` makes the runner SIGKILL
its own process just before / just after that step's action (crash tests of the worker)."""

from __future__ import annotations

import os
import signal
from typing import Protocol

from bots.messages import t

FAULT_ENV = "BOTS_FAULT_KILL"
Fault = tuple[str, str] | None


class Events(Protocol):
    def event(self, level: str, message: str, **event: object) -> None: ...


def from_env() -> Fault:
    step, _, when = os.environ.get(FAULT_ENV, "").partition(":")
    return (step, when) if step and when in ("before", "after") else None


def maybe_kill(fault: Fault, step_id: str, when: str, log: Events) -> None:
    if fault == (step_id, when):
        said = (
            t("{env}:在步骤 {step} 之前结束本进程", env=FAULT_ENV, step=step_id)
            if when == "before"
            else t("{env}:在步骤 {step} 之后结束本进程", env=FAULT_ENV, step=step_id)
        )
        log.event("WARNING", said, event="fault")
        os.kill(os.getpid(), signal.SIGKILL)
