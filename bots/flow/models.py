"""The typed flow: a Flow holds Steps; a Step holds its metadata and one Action."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bots.flow.actions import ACTIONS, Action
from bots.messages import t

STEP_ID = r"^[A-Za-z_][A-Za-z0-9_-]*$"
# the actions that can send something to the portal (submit a form, fire a request)
SENDING_ACTIONS = ("click", "press")


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class InputSpec(Frozen):
    type: str = "string"
    required: bool = True
    sensitive: bool = False
    description: str = ""
    default: Any = None
    fields: dict[str, InputSpec] | None = Field(
        default=None,
        description="an object's fields (each an input spec): checked when the flow is "
        "validated (a misspelt customer.segmnt) and when the input is read (a missing or "
        "unknown field); a field marked sensitive is masked from the run's first byte",
    )


class Retry(Frozen):
    attempts: int = Field(default=3, ge=1, le=10)
    delay: float = Field(
        default=0.5, ge=0, le=60, description="seconds before the 2nd attempt; doubles"
    )


class Guard(Frozen):
    """A read-only check run before a commit step: when ``skip_if`` holds, the effect exists."""

    run: str = Field(description="look-up sub-flow, relative to this flow file")
    with_: dict[str, Any] = Field(default_factory=dict, alias="with")
    skip_if: str = Field(
        description="expression over guard.outputs, e.g. ${{ guard.outputs.found }}"
    )


class Optional_(Frozen):
    follow_up: str = Field(description="what a person must do when this step was skipped")

    @model_validator(mode="before")
    @classmethod
    def _short(cls, data: Any) -> Any:
        return {"follow_up": data} if isinstance(data, str) else data


class StepMeta(Frozen):
    id: str = Field(pattern=STEP_ID)
    name: str = ""
    if_: str | None = Field(default=None, alias="if")
    if_shown: str | None = Field(
        default=None,
        description="page.element: the step runs only when it shows right now (one look, "
        "no wait); otherwise skipped, or optional_skipped with the follow-up",
    )
    timeout: float | None = Field(default=None, gt=0, le=600, description="seconds")
    retry: Retry | None = None
    redo_from: str | None = Field(
        default=None,
        description="an earlier step id: on a failure that can pass, do the steps again from "
        "there (a form whose submit was answered busy is filled in again)",
    )
    optional: Optional_ | bool = False
    sensitive: bool = False
    opens: str | None = Field(default=None, description="name of the popup window the action opens")
    page: str | None = Field(default=None, description="popup name for target-less actions")
    on_dialog: Literal["accept", "dismiss"] | None = None
    commit: bool = False
    guard: Guard | None = None
    sends: bool = Field(
        default=False,
        description="inside a commit step's sub-flow: this click/press sends the change "
        "(e.g. 提交); never repeated unless the portal proves it did nothing",
    )

    @model_validator(mode="after")
    def _commit_needs_guard(self) -> StepMeta:
        if self.commit and self.guard is None:
            raise ValueError(t("提交步骤应有 'guard'(一个只读的查询,重放时不会重复办理)"))
        if self.guard is not None and not self.commit:
            raise ValueError(t("只有 'commit: true' 的步骤才能有 'guard'"))
        return self


class Step(StepMeta):
    action: str
    args: Action

    @model_validator(mode="after")
    def _sends_is_a_click(self) -> Step:
        if self.sends and self.action not in SENDING_ACTIONS:
            raise ValueError(
                t("'sends' 只能用在 {actions} 步骤上,实际用在 '{action}' 上",
                  actions=", ".join(SENDING_ACTIONS), action=self.action)  # fmt: skip
            )
        if (self.sends or self.commit) and getattr(self.args, "double", False):
            # one click is one submission: a double click on 提交 sends it twice
            raise ValueError(t("发出更改的点击不能是双击(双击会提交两次):去掉 'double'"))
        return self

    @property
    def follow_up(self) -> str:
        return self.optional.follow_up if isinstance(self.optional, Optional_) else ""

    @property
    def is_optional(self) -> bool:
        return bool(self.optional)


class Session(Frozen):
    login: str = Field(description="login flow, relative to this flow file")
    with_: dict[str, Any] = Field(default_factory=dict, alias="with")
    resume: str | None = Field(default=None, description="step id to restart from after a re-login")
    max_relogins: int = Field(default=2, ge=0, le=10)


class Defaults(Frozen):
    timeout: float = Field(default=10, gt=0, le=600)
    retry: Retry = Retry()


class FlowHeader(Frozen):
    name: str = ""
    description: str = ""
    selectors: list[str] | None = Field(
        default=None,
        description="selector files relative to the selectors root; default: all of them",
    )
    inputs: dict[str, InputSpec] = {}
    outputs: dict[str, Any] = {}
    session: Session | None = None
    defaults: Defaults = Defaults()


class Flow(FlowHeader):
    path: str
    steps: tuple[Step, ...]
    # filled by the loader: the sub-flows this flow runs, by the path written in YAML
    subflows: dict[str, Flow] = {}
    repository: Any = Field(default=None, exclude=True)

    def step_index(self, step_id: str) -> int:
        return next(i for i, s in enumerate(self.steps) if s.id == step_id)

    def run_by(self, step: Step) -> Iterator[Step]:
        """Every step the ``run`` step ``step`` of this flow runs, sub-flows of sub-flows
        included (not guards); nothing for a sub-flow the loader did not find."""
        sub = self.subflows.get(step.args.flow)  # type: ignore[attr-defined]
        if sub is None:
            return
        for inner in sub.steps:
            yield inner
            if inner.action == "run":
                yield from sub.run_by(inner)


def action_key(raw: dict[str, Any]) -> list[str]:
    return [k for k in raw if k in ACTIONS]
