"""The object repository's typed form: pages → elements → ordered locator candidates."""

from __future__ import annotations

from functools import cache
from typing import Any, Literal, get_args, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bots.flow.problems import did_you_mean
from bots.messages import t

STRATEGIES = ("role", "label", "caption", "text", "test_id", "placeholder", "css")
# a frame chain: CSS selectors of the frames from the window down, outermost first
Chain = tuple[str, ...]


@cache
def aria_roles() -> tuple[str, ...]:
    """The roles Playwright's ``get_by_role`` takes, as its signature lists them (read when
    a selector file first names a role: importing Playwright costs start-up time)."""
    from playwright.sync_api import Page

    return get_args(get_type_hints(Page.get_by_role)["role"])


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Candidate(Strict):
    """One way to find an element. Exactly one strategy; ``name``/``exact`` refine ``role``.

    ``caption`` finds a form field by the text of the table cell beside it, as pages
    without ``<label for>`` lay their forms out (``<td>客户名称</td><td><input></td>``):
    the field in the next cell, else in the cell before, else the only one of the row.
    """

    role: str | None = None
    name: str | None = None
    exact: bool = True
    label: str | None = None
    caption: str | None = None
    text: str | None = None
    test_id: str | None = None
    placeholder: str | None = None
    css: str | None = None

    @model_validator(mode="after")
    def _one_strategy(self) -> Candidate:
        used = [s for s in STRATEGIES if getattr(self, s) is not None]
        if len(used) != 1:
            raise ValueError(
                t("应正好有 {strategies} 中的一个,实际为 {used}",
                  strategies=", ".join(STRATEGIES), used=", ".join(used) or t("无"))  # fmt: skip
            )
        if self.name is not None and self.role is None:
            raise ValueError(t("'name' 只能和 'role' 一起用"))
        if self.role is not None and self.role not in aria_roles():
            raise ValueError(
                t("'{role}' 不是ARIA角色(button、link、textbox、checkbox、combobox……)",
                  role=self.role) + did_you_mean(self.role, aria_roles())
            )  # fmt: skip
        return self

    def describe(self) -> str:
        for strategy in STRATEGIES:
            value = getattr(self, strategy)
            if value is not None:
                extra = f" name={self.name!r}" if strategy == "role" and self.name else ""
                return f"{strategy}={value!r}{extra}"
        return "?"


class Element(Strict):
    """Candidates most robust first. ``sensitive`` masks it on every screenshot."""

    candidates: tuple[Candidate, ...] = Field(min_length=1)
    sensitive: bool = False

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, list):
            return {"candidates": data}
        if isinstance(data, dict) and "candidates" not in data:
            extra = {k: v for k, v in data.items() if k != "sensitive"}
            out: dict[str, Any] = {"candidates": [extra]}
            if "sensitive" in data:
                out["sensitive"] = data["sensitive"]
            return out
        return data


class Marker(Strict):
    """A page state the runner recognises after a failure.

    ``recover``: what to do before the step is retried (busy pages): ``back`` goes back
    in history, ``reload`` reloads, ``none`` just waits for the retry delay.
    """

    element: str
    recover: Literal["none", "back", "reload"] = "none"
    retry_later: dict[str, str] = Field(
        default={},
        description="business_error only: refusal text → why it can pass with time; such a "
        "refusal is a system error (retried later with backoff), not the order's fault",
    )
    after_send: Literal["did_nothing", "unknown"] = Field(
        default="did_nothing",
        description="busy only: what this page says of the request of an action that sends "
        "a commit. did_nothing: the portal's busy page (send again once the form is back); "
        "unknown: a page the portal also answers to a request sent twice (a form token "
        "already spent: Chromium sends a POST again by itself when a connection breaks), "
        "so the first may have been done",
    )
    quote: bool = Field(
        default=False,
        description="busy only: say the element's own text (营账系统显示“页面已过期或重复提交”) "
        "instead of 营账系统繁忙, for a page that is not the portal's busy page",
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"element": data} if isinstance(data, str) else data


class Page(Strict):
    url: str | None = Field(
        default=None, description="glob of the page URL, for documentation and goto"
    )
    frame: Chain = Field(default=(), description="CSS selectors of the iframes, outermost first")
    frames: tuple[Chain, ...] = Field(
        default=(),
        description="instead of 'frame': alternative frame chains, for a screen that one "
        "portal shows in an iframe and another in a frameset; the run uses the one in which "
        "the element (or a marker) shows. [] is the window itself",
    )
    popup: str | None = Field(default=None, description="name given by a step's `opens:`")
    elements: dict[str, Element]
    markers: dict[Literal["busy", "session_lost", "business_error"], Marker] = {}

    @model_validator(mode="before")
    @classmethod
    def _frame_string(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        if isinstance(data.get("frame"), str):
            data = {**data, "frame": [data["frame"]]}
        if isinstance(data.get("frames"), list):
            data = {**data, "frames": [[c] if isinstance(c, str) else c for c in data["frames"]]}
        return data

    @property
    def chains(self) -> tuple[Chain, ...]:
        """The frame chains the page may live in, in the order they are tried."""
        return self.frames or (self.frame,)

    @model_validator(mode="after")
    def _markers_name_elements(self) -> Page:
        if self.frame and self.frames:
            raise ValueError(t("'frame' 和 'frames' 只能写一个,实际两个都写了"))
        for kind, marker in self.markers.items():
            if marker.element not in self.elements:
                raise ValueError(
                    t("标记 '{kind}' 指向元素 '{element}',但这个页面没有这个元素",
                      kind=kind, element=marker.element)  # fmt: skip
                )
            if marker.retry_later and kind != "business_error":
                raise ValueError(
                    t("'retry_later' 只能用在 business_error 标记上,实际用在 '{kind}' 上",
                      kind=kind)  # fmt: skip
                )
            if marker.quote and kind != "busy":
                raise ValueError(
                    t("'quote' 只能用在 busy 标记上,实际用在 '{kind}' 上", kind=kind)
                )
            if marker.after_send != "did_nothing" and kind != "busy":
                raise ValueError(
                    t("'after_send' 只能用在 busy 标记上,实际用在 '{kind}' 上", kind=kind)
                )
        return self


class SelectorFile(Strict):
    pages: dict[str, Page]
