"""The object repository's typed form: pages → elements → ordered locator candidates."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

STRATEGIES = ("role", "label", "text", "test_id", "placeholder", "css")


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Candidate(Strict):
    """One way to find an element. Exactly one strategy; ``name``/``exact`` refine ``role``."""

    role: str | None = None
    name: str | None = None
    exact: bool = True
    label: str | None = None
    text: str | None = None
    test_id: str | None = None
    placeholder: str | None = None
    css: str | None = None

    @model_validator(mode="after")
    def _one_strategy(self) -> Candidate:
        used = [s for s in STRATEGIES if getattr(self, s) is not None]
        if len(used) != 1:
            raise ValueError(
                f"expected exactly one of {', '.join(STRATEGIES)}, found "
                f"{', '.join(used) if used else 'none'}"
            )
        if self.name is not None and self.role is None:
            raise ValueError("expected 'name' only together with 'role'")
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

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"element": data} if isinstance(data, str) else data


class Page(Strict):
    url: str | None = Field(
        default=None, description="glob of the page URL, for documentation and goto"
    )
    frame: tuple[str, ...] = Field(
        default=(), description="CSS selectors of the iframes, outermost first"
    )
    popup: str | None = Field(default=None, description="name given by a step's `opens:`")
    elements: dict[str, Element]
    markers: dict[Literal["busy", "session_lost", "business_error"], Marker] = {}

    @model_validator(mode="before")
    @classmethod
    def _frame_string(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("frame"), str):
            return {**data, "frame": [data["frame"]]}
        return data

    @model_validator(mode="after")
    def _markers_name_elements(self) -> Page:
        for kind, marker in self.markers.items():
            if marker.element not in self.elements:
                raise ValueError(
                    f"marker '{kind}' names element '{marker.element}', which this page lacks"
                )
            if marker.retry_later and kind != "business_error":
                raise ValueError(
                    f"expected 'retry_later' only on a business_error marker, found it on '{kind}'"
                )
        return self


class SelectorFile(Strict):
    pages: dict[str, Page]
