"""Input types: name → parser ``(raw, source) -> (data, sensitive_values)``.

Model types are registered by a dotted string and imported on first use, so loading a
flow never imports the order model (``order`` → ``bots.orders.model:parse_order``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bots.errors import BadInput
from bots.flow.lazy import resolve
from bots.flow.models import InputSpec
from bots.flow.problems import did_you_mean_name, kind_of
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
        close = did_you_mean_name(str(unknown[0]), spec.fields)
        raise BadInput.said(
            t("{source} 有未声明的字段 {field}(声明的字段:{fields})",
              source=source, field=unknown[0], fields=", ".join(spec.fields)),  # fmt: skip
            t("请改为 '{name}' 后重放", name=close) if close else t("请删去或改正这个字段后重放"),
            code="unknown_field",
        )
    parsed: dict[str, Any] = {}
    for name, field in spec.fields.items():
        if data.get(name) is None:
            if field.default is not None:
                parsed[name] = field.default
            elif field.required:
                raise BadInput.said(
                    t("{source} 缺少字段 {field}({type})", source=source, field=name,
                      type=field.type),  # fmt: skip
                    t("请在输入中补上后重放"),
                    code="missing_field",
                )
            else:
                parsed[name] = None
            continue
        parsed[name], inner = parse_value(field, data[name], f"{source}.{name}")
        masked.extend(inner)
    return parsed, masked


def wrong_kind(source: str, expected: str, raw: Any) -> BadInput:
    """An input of the wrong kind: ``in.yaml 的输入 busy 应为数字,实际为文字 'many'``."""
    shown = f" {raw!r}" if isinstance(raw, str | int | float) else ""
    return BadInput.said(
        t("{source} 应为{expected},实际为{kind}{value}",
          source=source, expected=expected, kind=kind_of(raw), value=shown),  # fmt: skip
        t("请改正后重放"),
        code="wrong_kind",
    )


def _typed(kind: type | tuple[type, ...], label: Callable[[], str]) -> Parser:
    def parse(raw: Any, source: str) -> tuple[Any, list[str]]:
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if (isinstance(raw, bool) and bool not in kinds) or not isinstance(raw, kind):
            raise wrong_kind(source, label(), raw)
        return raw, []

    return parse


def _string(raw: Any, source: str) -> tuple[Any, list[str]]:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise wrong_kind(source, t("文字"), raw)
    return str(raw), []


register_type("string", _string)
register_type("number", _typed((int, float), lambda: t("数字")))
register_type("boolean", _typed(bool, lambda: t("true 或 false")))
register_type("object", _typed(dict, lambda: t("映射")))
register_type("list", _typed(list, lambda: t("列表")))
register_type("order", "bots.orders.model:parse_order")
