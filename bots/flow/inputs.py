"""Input types: name → parser ``(raw, source) -> (data, sensitive_values)``.

Model types are registered by a dotted string and imported on first use, so loading a
flow never imports the order model (``order`` → ``bots.orders.model:parse_order``).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from typing import Any

from bots.errors import BadInput
from bots.flow.lazy import resolve
from bots.flow.models import InputSpec
from bots.messages import t

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


def parse_value(spec: InputSpec, raw: Any, source: str) -> tuple[Any, list[Any]]:
    """``raw`` parsed by ``spec``'s type, and then, for an object that declares its fields,
    each field by its own spec. Returns (value, values to mask): a field marked sensitive
    is masked whether or not a step ever uses it."""
    data, found = parser_for(spec.type)(raw, source)
    masked: list[Any] = list(found)
    if spec.sensitive and data is not None:
        masked.append(data)  # (every string and number inside it)
    if spec.fields is None or not isinstance(data, Mapping):
        return data, masked
    unknown = [key for key in data if key not in spec.fields]
    if unknown:
        close = difflib.get_close_matches(str(unknown[0]), list(spec.fields), n=1)
        raise BadInput(
            t(
                "{source}:未声明的字段{field}(声明的字段:{fields}){hint}",
                source=source,
                field=unknown[0],
                fields=", ".join(spec.fields),
                hint=t(";是否应为{name}?", name=close[0]) if close else "",
            ),
            code="unknown_field",
        )
    parsed: dict[str, Any] = {}
    for name, field in spec.fields.items():
        if data.get(name) is None:
            if field.default is not None:
                parsed[name] = field.default
            elif field.required:
                raise BadInput(
                    t("{source}:缺少字段{field}({type})", source=source, field=name,
                      type=field.type),  # fmt: skip
                    code="missing_field",
                )
            else:
                parsed[name] = None
            continue
        parsed[name], inner = parse_value(field, data[name], f"{source}.{name}")
        masked.extend(inner)
    return parsed, masked


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
