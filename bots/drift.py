"""``bots check-selectors``: does the selector repository still fit the portal?

The procedures' own flows run against the portal as far as they can without changing
anything: in the browser, every request but a GET is refused (``bots.actions.survey``),
except the login form of the flows' own login. Every commit step's guard runs first, so the
look-ups (业务查询) are walked too; a step that would send a form (下一步, 提交) is refused
and its run stops there — the screens behind it are reached only by entering an order, so
they are reported as not reached, with the step that stopped the way. Each step is tried
once (a dry run reports, it does not insist). After every step, every element of the
selector pages that step used is looked at (once per screen): the whole screen, not only
what the step touched — but never another page's elements on a screen they do not belong to.

Each element gets one verdict: matched by its first candidate; matched only by a later one
(the repository needs fixing before the portal drops the old one); matched by no candidate
exactly once where a step needed it (the portal changed: orders would fail); a marker (it
shows only when the portal answers so); not reached (why); not shown and used by no flow.
It knows flows, the runner, orders and verdicts; the browser only through ``bots.actions``.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bots.actions.survey import Survey, WriteGuard, better
from bots.errors import BusinessException
from bots.flow import Flow
from bots.flow.models import Retry, Step
from bots.intake import FLOWS
from bots.messages import t
from bots.orders.samples import raw_order
from bots.runner import Runner
from bots.runner.screens import CHANGES_SCREEN
from bots.selectors.repository import Repository

ONCE = Retry(attempts=1, delay=0)
REFERENCE = "CHECK-SELECTORS"
# the verdicts; a missing element fails the check
MISSING, HEALED, UNREACHED, MARKER, UNSEEN, OK = (
    "missing", "healed", "unreached", "marker", "unseen", "ok")
# failures that say the element is not on the page as the repository describes it (a
# business refusal or a refused form stops a run without saying anything about selectors)
NOT_FOUND = ("no_candidate_matched", "timeout", "not_unique")


@dataclass(frozen=True)
class Verdict:
    ref: str
    status: str
    candidate: int | None = None  # the 1-based candidate that matched exactly one element
    counts: tuple[int, ...] = ()  # what each candidate matched where the page showed
    detail: str = ""


@dataclass
class Stop:
    """Where one dry run ended, and why (None: it reached its end)."""

    flow: str
    step: str | None = None
    reason: str = ""


@dataclass
class Findings:
    verdicts: list[Verdict]
    stops: list[Stop]
    refused: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.status == MISSING]


def sample_orders() -> dict[str, dict[str, Any]]:
    """An order per procedure on the mock portal's fixtures (nothing of it is entered)."""
    rng = random.Random(0)
    install, renewal = raw_order(0, rng, REFERENCE), raw_order(1, rng, REFERENCE)
    return {install["procedure"]: install, renewal["procedure"]: renewal}


def _refs(step: Step) -> list[str]:
    refs = [getattr(step.args, name, None) for name in type(step.args).targets]
    return [r for r in (*refs, step.if_shown) if isinstance(r, str)]


def _pages(step: Step) -> set[str]:
    return {ref.partition(".")[0] for ref in _refs(step)}


def once(flow: Flow) -> Flow:
    """``flow`` (and the flows it runs) with every step tried once unless it says otherwise."""
    return flow.model_copy(update={
        "defaults": flow.defaults.model_copy(update={"retry": ONCE}),
        "subflows": {path: once(sub) for path, sub in flow.subflows.items()},
    })


def _steps(flow: Flow, seen: set[str] | None = None) -> Iterable[tuple[Flow, Step]]:
    """Every step of ``flow`` and of the flows it runs (sub-flows, guards, its login)."""
    seen = set() if seen is None else seen
    if flow.path in seen:
        return
    seen.add(flow.path)
    for step in flow.steps:
        yield flow, step
    for sub in flow.subflows.values():
        yield from _steps(sub, seen)


class Watcher:
    """The runner's hooks during a dry run: opens the guard for the login's own steps,
    looks after every step that changed the screen, notes what a failed step needed."""

    def __init__(self, survey: Survey, guard: WriteGuard, login: Flow | None) -> None:
        self.survey = survey
        self.guard = guard
        self.login_steps = {id(s) for s in login.steps} if login is not None else set()
        self.seen: dict[str, list[int]] = {}
        self.acted: dict[str, int] = {}  # ref → the candidate a step acted through
        self.ran: set[str] = set()  # refs of steps that ran (passed or failed)
        self.failed: dict[str, str] = {}  # ref → the step that needed it and failed
        self.refused_at: dict[str, list[str]] = {}  # step id → requests it had refused
        self._refused = 0
        self._looked: set[str] = set()  # pages looked at on the screen that shows

    def _look(self, step: Step) -> None:
        if step.action in CHANGES_SCREEN:  # keeps_screen or not: what shows may be new
            self._looked.clear()
        pages = _pages(step) - self._looked
        self._looked |= pages
        for ref, counts in self.survey.look(pages).items():
            if ref not in self.seen or better(counts, self.seen[ref]):
                self.seen[ref] = counts

    def on_step_start(self, step: Step, record: dict[str, Any]) -> None:
        if self.refused_at:
            # a screen done again after its form was refused would only be refused again
            raise BusinessException(t("只读检查:表单未发送,试运行到此为止"), code="read_only")
        self.guard.open = id(step) in self.login_steps  # the login form is the one form sent
        self._refused = len(self.guard.refused)

    def on_step_complete(self, step: Step, record: dict[str, Any]) -> None:
        if record["status"] in ("passed", "failed"):
            self.ran.update(_refs(step))
        self.acted.update(record.get("candidates") or {})
        if record["status"] == "passed":
            self._look(step)

    def on_step_failed(self, step: Step, record: dict[str, Any], error: Exception) -> None:
        self.ran.update(_refs(step))
        self.acted.update(record.get("candidates") or {})
        refused = self.guard.refused[self._refused:]
        if refused:
            self.refused_at[record["id"]] = refused
        elif step.action != "run" and getattr(error, "code", "") in NOT_FOUND:
            # (a sub-flow's own failing step has said it already)
            for ref in _refs(step):
                self.failed.setdefault(ref, record["id"])
        self._looked.clear()  # the step may have left any screen: look again
        self._look(step)


def dry_run(page: Any, flow: Flow, order: Mapping[str, Any], watcher: Watcher, *,
            portal_url: str, secrets: Mapping[str, str], runs_dir: Path) -> Stop:
    """Run ``flow`` for ``order`` with the writes refused; where it stopped and why."""
    watcher.refused_at.clear()
    result = Runner(page, once(flow), {"order": dict(order)}, secrets=secrets,
                    portal_url=portal_url, runs_dir=runs_dir, screenshots="off", trace="off",
                    guard="always", hooks=watcher).run()
    name = Path(flow.path).name
    if result.ok:
        return Stop(name)
    failed = next(iter(watcher.refused_at), None) or result.failed_step or "?"
    refused = watcher.refused_at.get(failed)
    if refused:
        return Stop(name, failed, t("该步骤会提交表单({requests}),只读检查不发送",
                                    requests="、".join(dict.fromkeys(refused))))
    return Stop(name, failed, str(result.error))


def verdicts(repository: Repository, flows: list[Flow], watcher: Watcher) -> list[Verdict]:
    users: dict[str, list[tuple[Flow, Step]]] = {}
    for flow in flows:
        for owner, step in _steps(flow):
            for ref in _refs(step):
                users.setdefault(ref, []).append((owner, step))
    markers = {m.target.ref for m in repository.markers}
    out = []
    for ref in repository.refs():
        counts = tuple(watcher.seen.get(ref, ()))
        unique = next((i + 1 for i, n in enumerate(counts) if n == 1), None)
        acted = watcher.acted.get(ref)
        candidate = min(c for c in (unique, acted) if c is not None) if (unique or acted) else None
        if candidate is not None:
            out.append(Verdict(ref, OK if candidate == 1 else HEALED, candidate, counts))
        elif ref in watcher.failed:
            out.append(Verdict(ref, MISSING, None, counts,
                               t("步骤{step}需要它", step=watcher.failed[ref])))
        elif ref in markers:
            out.append(Verdict(ref, MARKER, None, counts))
        elif ref in users:
            out.append(Verdict(ref, UNREACHED, None, counts))
        else:
            out.append(Verdict(ref, UNSEEN, None, counts))
    return out


def check(page: Any, flows_dir: Path, portal_url: str, secrets: Mapping[str, str],
          runs_dir: Path, orders: Mapping[str, Mapping[str, Any]] | None = None) -> Findings:
    """Dry-run every procedure's flow in ``page`` and judge every element of its repository."""
    from bots.flow import load_flow

    orders = {**sample_orders(), **(orders or {})}
    flows = [load_flow(flows_dir / FLOWS[procedure]) for procedure in FLOWS]
    repository: Repository = flows[0].repository
    login = flows[0].subflows.get(flows[0].session.login) if flows[0].session else None
    guard = WriteGuard(page.context)
    watcher = Watcher(Survey(page, repository), guard, login)
    stops = [dry_run(page, flow, orders[procedure], watcher, portal_url=portal_url,
                     secrets=secrets, runs_dir=runs_dir)
             for procedure, flow in zip(FLOWS, flows, strict=True)]
    return Findings(verdicts(repository, flows, watcher), stops,
                    list(dict.fromkeys(guard.refused)))
