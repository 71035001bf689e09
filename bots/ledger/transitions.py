"""The state machine of a work item, as one table: which states an action accepts and which
states it may lead to. Every change of state in the stores goes through ``check``."""

from __future__ import annotations

from dataclasses import dataclass

from bots.ledger.errors import IllegalTransition
from bots.ledger.model import State
from bots.messages import t
from bots.messages.terms import action_name, state_name

P, R, D, F, W, N, C = (
    State.PENDING,
    State.RUNNING,
    State.DONE,
    State.FAILED,
    State.RETRY_WAIT,
    State.NEEDS_REVIEW,
    State.CANCELLED,
)


@dataclass(frozen=True)
class Transition:
    sources: frozenset[State]
    targets: frozenset[State]


def _t(sources: set[State], targets: set[State]) -> Transition:
    return Transition(frozenset(sources), frozenset(targets))


TRANSITIONS: dict[str, Transition] = {
    "claim": _t({P, W}, {R}),
    "heartbeat": _t({R}, {R}),
    "commit_started": _t({R}, {R}),
    "commit_done": _t({R}, {R}),
    "complete": _t({R}, {D}),
    "fail_business": _t({R}, {F}),
    # a system error inside a commit step is an unknown outcome, so needs_review is a target
    "fail_system": _t({R}, {W, F, N}),
    "fail_unknown": _t({R}, {N}),
    "reap": _t({R}, {P, N, F}),
    # a worker told to stop hands its item back between steps; inside a commit step it can't
    "release": _t({R}, {P, N}),
    "replay": _t({F, N, C}, {P}),
    "cancel": _t({P, W, F, N}, {C}),
    # an edit keeps the state; a running or finished order is not edited under a worker's feet
    "edit": _t({P, F, N, C}, {P, F, N, C}),
    # an operator looked at an item that waits for one (and may say what was found): the
    # state stays, the item no longer heads the queue
    "review": _t({F, N}, {F, N}),
}

ORDER = list(State)


def _names(states: frozenset[State]) -> str:
    ordered = [state_name(s) for s in ORDER if s in states]
    if len(ordered) == 1:
        return ordered[0]
    return t("{some}或{last}", some=t("、").join(ordered[:-1]), last=ordered[-1])


def check(action: str, reference: str, state: State, target: State | None = None) -> State:
    """Raise ``IllegalTransition`` unless ``action`` accepts ``state`` and, when ``target`` is
    given, may lead to it. Returns the target (by default the action's only one, if it has
    one, else ``state``)."""
    rule = TRANSITIONS[action]
    verb = action_name(action).lower()  # in a sentence (English labels are capitalised)
    if state not in rule.sources:
        raise IllegalTransition(
            t("不能{verb}{ref}:它是{state}(这需要订单是{needs})", ref=reference, verb=verb,
              state=state_name(state), needs=_names(rule.sources)),
            reference=reference,
        )  # fmt: skip
    if target is None:
        return next(iter(rule.targets)) if len(rule.targets) == 1 else state
    if target not in rule.targets:
        raise IllegalTransition(
            t("“{verb}”之后{ref}不能是{target},只能是{leads}", ref=reference, verb=verb,
              target=state_name(target), leads=_names(rule.targets))
        )  # fmt: skip
    return target
