"""One immutable class per action (Maestro's habit). ``ACTIONS`` maps the YAML key to it.

A string after the action key is the shorthand of its main field
(``click: login.submit`` = ``click: {target: login.submit}``).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from bots.flow.expressions import EXPR
from bots.messages import t


def _compiles(pattern: str | None) -> str | None:
    """A pattern that cannot compile is refused when the flow is read, not in mid-order
    (an expression inside stands for some text while it is tried)."""
    if pattern is not None:
        try:
            re.compile(EXPR.sub("x", pattern))
        except re.error as error:
            raise ValueError(
                t("应为能编译的正则表达式,实际 '{pattern}' 在第{at}个字符处出错:{error}",
                  pattern=pattern, at=(error.pos or 0) + 1, error=error.msg)  # fmt: skip
            ) from None
    return pattern


Regex = Annotated[str | None, AfterValidator(_compiles)]


class Action(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    shorthand: ClassVar[str] = "target"
    # fields holding selector references, checked against the repository
    targets: ClassVar[tuple[str, ...]] = ("target",)

    @model_validator(mode="before")
    @classmethod
    def _short(cls, data: Any) -> Any:
        if isinstance(data, str | int | float):
            return {cls.shorthand: data}
        return data


class Goto(Action):
    shorthand: ClassVar[str] = "url"
    targets: ClassVar[tuple[str, ...]] = ()
    url: str = Field(description="absolute, or relative to env.portal_url")
    frame_of: str | None = Field(
        default=None,
        description="selector page whose frame chain holds the URL (opens it in that iframe)",
    )


class Click(Action):
    target: str = Field(description="page.element")
    expect: str | None = Field(
        default=None, description="page.element that must be visible afterwards"
    )
    double: bool = False
    keeps_screen: bool = Field(
        default=False,
        description="the click changes its screen in place (a 查询 that lists what it found "
        "under its form, a 校验 that shows its answer, a 增加 that opens a row): the "
        "pictures of the steps before it wait for the next picture, which shows their work "
        "and the click's answer together",
    )
    targets: ClassVar[tuple[str, ...]] = ("target", "expect")


class Fill(Action):
    target: str
    value: Any = Field(description="text to type; an expression is welcome")
    expect: str | None = None
    targets: ClassVar[tuple[str, ...]] = ("target", "expect")


class Select(Action):
    target: str
    value: str | None = None
    label: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Select:
        if (self.value is None) == (self.label is None):
            raise ValueError(t("'value' 和 'label' 应正好写一个"))
        return self


class Check(Action):
    target: str


class Uncheck(Action):
    target: str


class Press(Action):
    shorthand: ClassVar[str] = "key"
    key: str = Field(description="Playwright key name, e.g. Enter")
    target: str | None = None
    expect: str | None = None
    targets: ClassVar[tuple[str, ...]] = ("target", "expect")


class Upload(Action):
    target: str
    files: str | list[str]


class WaitFor(Action):
    target: str
    state: Literal["visible", "hidden", "attached", "detached"] = "visible"


class Assert(Action):
    """A retrying expectation: waits up to the step timeout for it to hold."""

    target: str
    visible: bool | None = None
    text: str | None = None
    contains: str | None = None
    value: str | None = None
    checked: bool | None = None


class Extract(Action):
    """Reads text (or ``attribute``, or the input ``value``) into ``outputs.<into>``."""

    target: str
    into: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    attribute: str | None = None
    source: Literal["text", "value", "attribute"] = "text"
    pattern: Regex = Field(default=None, description="regex; group 1 (or the match) is kept")


class Run(Action):
    shorthand: ClassVar[str] = "flow"
    targets: ClassVar[tuple[str, ...]] = ()
    flow: str = Field(description="path relative to this flow file")
    with_: dict[str, Any] = Field(default_factory=dict, alias="with")
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Screenshot(Action):
    shorthand: ClassVar[str] = "name"
    targets: ClassVar[tuple[str, ...]] = ()
    name: str = "screenshot"
    full_page: bool = False


class Sleep(Action):
    """Fixed waits hide problems, so each one must say why it exists."""

    shorthand: ClassVar[str] = "seconds"
    targets: ClassVar[tuple[str, ...]] = ()
    seconds: float = Field(gt=0, le=60)
    reason: str = Field(min_length=3)


class Fail(Action):
    """Stops the run with a typed error when ``when`` holds (a rule says no); when it does
    not, the check passed and the step says so. (Under ``if:`` alone a check that found
    nothing wrong would read "skipped", like one that was never made.)"""

    shorthand: ClassVar[str] = "message"
    targets: ClassVar[tuple[str, ...]] = ()
    message: str = Field(min_length=1, description="what the operator reads; expressions welcome")
    kind: Literal["business", "system", "review"] = Field(
        default="business",
        description=(
            "business: a refusal, no retry, an operator decides; system: may pass;"
            " review: money has moved, an operator must look (needs_review)"
        ),
    )
    when: Any = Field(
        default=True,
        description="fail only when this holds (an expression: the rule broken); else the"
        " check passed",
    )


class Ask(Action):
    """Puts a question to a person and waits for the answer (``outputs.<into>``): a 金库
    approver's SMS code, a login page's 验证码. Nothing is typed until it comes; when none
    comes within ``wait`` seconds the run ends as waiting for a person (the order goes back
    to the queue, and a later run starts over and asks again)."""

    shorthand: ClassVar[str] = "question"
    targets: ClassVar[tuple[str, ...]] = ("image",)
    question: str = Field(min_length=1, description="what the person reads; expressions welcome")
    into: str = Field(default="answer", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    image: str | None = Field(
        default=None, description="page.element whose picture goes with the question (验证码)"
    )
    pattern: Regex = Field(
        default=None, description="regex the whole answer must match (else it is refused)"
    )
    wait: float = Field(default=300, gt=0, le=3600, description="seconds to wait for the answer")


ACTIONS: dict[str, type[Action]] = {
    "goto": Goto,
    "click": Click,
    "fill": Fill,
    "select": Select,
    "check": Check,
    "uncheck": Uncheck,
    "press": Press,
    "upload": Upload,
    "wait_for": WaitFor,
    "assert": Assert,
    "extract": Extract,
    "run": Run,
    "screenshot": Screenshot,
    "sleep": Sleep,
    "fail": Fail,
    "ask": Ask,
}
