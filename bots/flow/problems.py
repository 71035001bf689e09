"""Definition problems: one located message per mistake, pre-commit style.

Every message reads ``file:line:col: ==> At step 'id' ==> At key: k =====> what is wrong``
so an editor can jump to it and a person knows what to type instead.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from bots.errors import DefinitionError


@dataclass(frozen=True)
class Mark:
    line: int  # 1-based
    column: int  # 1-based


@dataclass(frozen=True)
class Problem:
    file: str
    mark: Mark
    message: str
    step: str | None = None
    key: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.mark.line}:{self.mark.column}:"
        parts = [where]
        if self.step:
            parts.append(f"At step '{self.step}'")
        if self.key:
            parts.append(f"At key: {self.key}")
        return " ==> ".join(parts) + f" =====> {self.message}"


def did_you_mean(found: str, choices: Iterable[str]) -> str:
    """'; did you mean 'x'?' when a near name exists, else ''."""
    close = did_you_mean_name(found, choices)
    return f"; did you mean '{close}'?" if close else ""


def did_you_mean_name(found: str, choices: Iterable[str]) -> str | None:
    """The nearest of ``choices`` to ``found``, when one is near enough."""
    close = difflib.get_close_matches(found, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


class DefinitionProblems(DefinitionError):
    """A DefinitionError carrying every problem found in one pass."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems), code="definition_error")
