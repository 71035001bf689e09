"""Input types: name → parser ``(raw, source) -> (data, sensitive_values)``.

Model types are registered by a dotted string and imported on first use, so loading a
flow never imports the order model (``order`` → ``bots.orders.model:parse_order``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bots.errors import BadInput
from bots.flow.lazy import resolve

Parser = Callable[[Any, str], tuple[Any, list[str]]]

_REGISTRY: dict[str, Parser | str] = {}


def register_type(name: str, parser: Parser | str) -> None:
    """Register a parser, or a ``"module:function"`` string imported lazily."""
    _REGISTRY[name] = parser


def known_types() -> list[str]:
    return sorted(_REGISTRY)


def parser_for(name: str) -> Parser:
    found: Parser = resolve(_REGISTRY, name)
    return found


def _typed(kind: type | tuple[type, ...], label: str) -> Parser:
    def parse(raw: Any, source: str) -> tuple[Any, list[str]]:
        if isinstance(raw, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise BadInput(f"{source}: expected {label}, found {raw!r}")
        if not isinstance(raw, kind):
            raise BadInput(f"{source}: expected {label}, found {type(raw).__name__} {raw!r}")
        return raw, []

    return parse


def _string(raw: Any, source: str) -> tuple[Any, list[str]]:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise BadInput(f"{source}: expected a string, found {type(raw).__name__}")
    return str(raw), []


register_type("string", _string)
register_type("number", _typed((int, float), "a number"))
register_type("boolean", _typed(bool, "true or false"))
register_type("object", _typed(dict, "a mapping"))
register_type("list", _typed(list, "a list"))
register_type("order", "bots.orders.model:parse_order")
