"""QA fault injection: ``BOTS_FAULT_KILL=<step-id>:before|after`` makes the runner SIGKILL
its own process just before / just after that step's action (crash tests of the worker);
``BOTS_FAULT_KILL=<record id>:sending`` (e.g. ``deposit/submit``) freezes it (SIGSTOP) as
that sending action is about to go out, its commit's start already recorded (a paused
machine: the tests of a worker frozen past its lease)."""

from __future__ import annotations

import os
import signal
import threading
from typing import Protocol

from bots.messages import t

FAULT_ENV = "BOTS_FAULT_KILL"
Fault = tuple[str, str] | None


class Events(Protocol):
    def event(self, level: str, message: str, **event: object) -> None: ...


def from_env() -> Fault:
    step, _, when = os.environ.get(FAULT_ENV, "").partition(":")
    return (step, when) if step and when in ("before", "after", "sending") else None


def maybe_kill(fault: Fault, step_id: str, when: str, log: Events) -> None:
    if fault == (step_id, when) and when == "sending":
        log.event("WARNING", t("{env}:在步骤 {step} 发出之前暂停本进程", env=FAULT_ENV,
                               step=step_id), event="fault")  # fmt: skip
        # to this thread: sent to the process, another thread may take the stop while
        # this one runs on for a few milliseconds (into the click the test wants held)
        signal.pthread_kill(threading.get_ident(), signal.SIGSTOP)
        return
    if fault == (step_id, when):
        said = (
            t("{env}:在步骤 {step} 之前结束本进程", env=FAULT_ENV, step=step_id)
            if when == "before"
            else t("{env}:在步骤 {step} 之后结束本进程", env=FAULT_ENV, step=step_id)
        )
        log.event("WARNING", said, event="fault")
        os.kill(os.getpid(), signal.SIGKILL)
