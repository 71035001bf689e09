"""Masks secret and sensitive values in every string the run writes anywhere."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "***"
# shorter values would mangle ordinary text (a "1" in every timing); documented in FLOWS.md
MIN_LENGTH = 3


class Masker:
    def __init__(self, values: Iterable[str] = ()) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self.add(*values)

    def add(self, *values: Any) -> None:
        """Mask these values (nested mappings and lists: every string leaf)."""
        before = len(self._values)
        for value in values:
            for leaf in _leaves(value):
                if len(leaf) >= MIN_LENGTH:
                    # the forms a value takes once written as JSON or HTML
                    self._values.update({leaf, json.dumps(leaf)[1:-1], html.escape(leaf)})
                    self._values.update({json.dumps(leaf, ensure_ascii=False)[1:-1]})
                    # as a form post or URL carries it (traces keep network bodies)
                    self._values.update({quote(leaf, safe=""), quote_plus(leaf)})
        if len(self._values) != before:
            ordered = sorted(self._values, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(v) for v in ordered))

    @property
    def values(self) -> frozenset[str]:
        return frozenset(self._values)

    def text(self, text: str) -> str:
        return self._pattern.sub(MASK, text) if self._pattern is not None else text

    def data(self, value: Any) -> Any:
        """A copy of ``value`` with every string masked."""
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(v) for v in value]
        return value


def _leaves(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield str(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _leaves(item)
