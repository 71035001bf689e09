"""The run report's screens: a run's steps cut into the groups a person looks at one by one.

With ``every_step`` pictures, a screen is what one picture shows: the steps that filled it
in (they share the picture, ``bots.runner.screens``), with the looks and sub-flow headers
that came before them. Without them (``on_failure``, ``off``) there is nothing to cut at but
the procedure's own parts, so a screen is a top-level step with its sub-flow's steps.

It knows step records (run.json's ``steps``); it does not read picture files or write HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Screen:
    n: int
    steps: list[dict[str, Any]] = field(default_factory=list)
    picture: str | None = None  # its path in the run folder

    @property
    def failed(self) -> bool:
        """A step of its own failed (a sub-flow's header fails with the step inside it)."""
        return any(s["status"] == "failed" and not _header(s) for s in self.steps)

    @property
    def ms(self) -> int:
        # a sub-flow's header counts the time of its steps: only leaves add up
        return sum(int(s.get("ms") or 0) for s in self.steps if not _header(s))

    @property
    def title(self) -> str:
        """A sub-flow's name (the procedure's sentence), or its first and last step's."""
        if _header(self.steps[0]):
            return _name(self.steps[0])
        named = [s for s in self.steps if not _header(s)]
        first, last = named[0], named[-1]
        return _name(first) if first is last else f"{_name(first)} … {_name(last)}"


def _name(step: dict[str, Any]) -> str:
    return str(step.get("name") or step["id"])


def _header(step: dict[str, Any]) -> bool:
    return step.get("action") == "run"


def _pictures(steps: list[dict[str, Any]]) -> list[str | None]:
    """Each step's picture; a failed sub-flow header's is dropped when a step after it (one
    of its own) failed with a picture: both show the same screen, the step's is the one."""
    pictures: list[str | None] = [s.get("screenshot") or None for s in steps]
    later_failure = False
    for n in range(len(steps) - 1, -1, -1):
        step = steps[n]
        if _header(step) and later_failure:
            pictures[n] = None
        if step["status"] == "failed" and pictures[n] is not None:
            later_failure = True
    return pictures


def by_picture(steps: list[dict[str, Any]]) -> list[Screen]:
    """Steps without a picture of their own (looks, sub-flow headers) go with the next
    picture: they read or open the screen it shows. The last ones go with the last."""
    screens: list[Screen] = []
    waiting: list[dict[str, Any]] = []
    for step, picture in zip(steps, _pictures(steps), strict=True):
        if picture is None:
            waiting.append(step)
            continue
        if not screens or screens[-1].picture != picture:
            screens.append(Screen(len(screens) + 1, picture=picture))
        screens[-1].steps += [*waiting, step]
        waiting = []
    if waiting:
        if not screens:
            screens.append(Screen(1))
        screens[-1].steps += waiting
    return screens


def by_part(steps: list[dict[str, Any]]) -> list[Screen]:
    """A top-level sub-flow with every step under it, or a stretch of loose top-level steps.
    A sub-flow's steps are named ``<its id>/<step>`` after its own last id part
    (``enter_order/product`` runs ``product/brand``)."""
    screens: list[Screen] = []
    tops: dict[str, str] = {}  # a sub-flow's name → the top-level step it runs under
    part: str | None = None
    for step, picture in zip(steps, _pictures(steps), strict=True):
        sid = str(step["id"])
        head, _, rest = sid.partition("/")
        top = tops.get(head, head) if rest else (sid if _header(step) else None)
        if _header(step):
            tops[sid.rsplit("/", 1)[-1]] = top or sid
        if not screens or top != part:
            screens.append(Screen(len(screens) + 1))
            part = top
        screens[-1].steps.append(step)
        if picture is not None:
            screens[-1].picture = picture
    return screens


def screens_of(run: dict[str, Any]) -> list[Screen]:
    """The run's steps in screens, in the order they ran."""
    steps = run.get("steps") or []
    if run.get("screenshots") == "every_step":
        return by_picture(steps)
    return by_part(steps)


def failure_of(screens: list[Screen]) -> Screen | None:
    """The screen of the step that failed (the deepest one: its sub-flow's header failed
    because of it)."""
    failed = [screen for screen in screens if screen.failed] or [
        screen for screen in screens if any(s["status"] == "failed" for s in screen.steps)
    ]
    return failed[-1] if failed else None
