"""Definition problems: one located message per mistake, pre-commit style.

Every message reads ``file:line:col: ==> 步骤 'id' ==> 键 k =====> what is wrong`` so an
editor can jump to it and a person knows what to type instead: what was expected, what
was found (``应为…,实际为…``) and, for a near miss, ``是否想写 'x'?``. The schema's own
complaints (pydantic's) are said the same way (:func:`explain`).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from bots.errors import DefinitionError
from bots.messages import t


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
            parts.append(t("步骤 '{step}'", step=self.step))
        if self.key:
            parts.append(t("键 {key}", key=self.key))
        return " ==> ".join(parts) + f" =====> {self.message}"


def did_you_mean(found: str, choices: Iterable[str]) -> str:
    """``;是否想写 'x'?`` when a near name exists, else ''."""
    close = did_you_mean_name(found, choices)
    return suggest(close) if close else ""


def suggest(name: str) -> str:
    """``;是否想写 'name'?``"""
    return t(";是否想写 '{name}'?", name=name)


def did_you_mean_name(found: str, choices: Iterable[str]) -> str | None:
    """The nearest of ``choices`` to ``found``, when one is near enough."""
    close = difflib.get_close_matches(found, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def kind_of(value: Any) -> str:
    """What a value is, in words: 文字, 整数, 布尔值, …"""
    kinds: dict[type, Callable[[], str]] = {
        str: lambda: t("文字"),
        int: lambda: t("整数"),
        float: lambda: t("小数"),
        bool: lambda: t("布尔值"),
        dict: lambda: t("映射"),
        list: lambda: t("列表"),
        type(None): lambda: t("空值"),
    }
    said = kinds.get(type(value))
    return said() if said is not None else type(value).__name__


def shown(value: Any) -> str:
    """A value found where another was expected: a scalar as written, else its kind."""
    if isinstance(value, str | int | float) or value is None:
        return repr(value)
    return kind_of(value)


def _choices(ctx: Mapping[str, Any]) -> str:
    # pydantic writes "'a', 'b' or 'c'"
    return str(ctx.get("expected", "")).replace(" or ", ", ")


# what pydantic's error types expect, in words (the type → a phrase from its context)
EXPECTED: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "string_type": lambda ctx: t("文字"),
    "int_type": lambda ctx: t("整数"),
    "int_parsing": lambda ctx: t("整数"),
    "int_from_float": lambda ctx: t("整数"),
    "float_type": lambda ctx: t("数字"),
    "float_parsing": lambda ctx: t("数字"),
    "bool_type": lambda ctx: t("true 或 false"),
    "bool_parsing": lambda ctx: t("true 或 false"),
    "dict_type": lambda ctx: t("映射"),
    "model_type": lambda ctx: t("映射"),
    "model_attributes_type": lambda ctx: t("映射"),
    "list_type": lambda ctx: t("列表"),
    "tuple_type": lambda ctx: t("列表"),
    "greater_than": lambda ctx: t("大于 {n} 的数", n=ctx.get("gt")),
    "greater_than_equal": lambda ctx: t("不小于 {n} 的数", n=ctx.get("ge")),
    "less_than": lambda ctx: t("小于 {n} 的数", n=ctx.get("lt")),
    "less_than_equal": lambda ctx: t("不大于 {n} 的数", n=ctx.get("le")),
    "literal_error": lambda ctx: t("{choices} 之一", choices=_choices(ctx)),
    "enum": lambda ctx: t("{choices} 之一", choices=_choices(ctx)),
    "too_short": lambda ctx: t("至少 {n} 项", n=ctx.get("min_length")),
    "string_too_short": lambda ctx: t("至少 {n} 个字的文字", n=ctx.get("min_length")),
    "string_pattern_mismatch": lambda ctx: t("符合 {pattern} 的文字", pattern=ctx.get("pattern")),
}


def keys_at(model: type[BaseModel], loc: Sequence[Any]) -> list[str]:
    """The keys the mapping at ``loc`` inside ``model`` may have, as written in YAML (for a
    did-you-mean); none when the way there is not one of models, lists and mappings."""
    here: Any = model
    for part in loc:
        here = _part(here, part)
        if here is None:
            return []
    found = _part(here, None)
    return [f.alias or name for name, f in found.model_fields.items()] if found else []


def _part(annotation: Any, part: Any) -> Any:
    """What ``part`` of a value of ``annotation`` holds (``None``: the model itself)."""
    origin = get_origin(annotation)
    if origin in (Union, UnionType):
        return next((r for a in get_args(annotation) if (r := _part(a, part)) is not None), None)
    if origin in (list, tuple, dict):
        return get_args(annotation)[-1] if part is not None and get_args(annotation) else None
    if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        return None
    if part is None:
        return annotation
    fields = annotation.model_fields
    field = fields.get(part) or next((f for f in fields.values() if f.alias == part), None)
    return field.annotation if field is not None else None


def explain(item: Mapping[str, Any], model: type[BaseModel] | None = None) -> str:
    """One of pydantic's errors (``ValidationError.errors()``) in the user's words; with the
    ``model`` validated, an unknown key gets the nearest known one."""
    kind = item["type"]
    loc = item.get("loc") or ("?",)
    if kind == "extra_forbidden":
        known = keys_at(model, loc[:-1]) if model is not None else []
        return t("不认识的键 '{key}'", key=loc[-1]) + did_you_mean(str(loc[-1]), known)
    if kind == "missing":
        return t("应有键 '{key}',实际没有", key=loc[-1])
    if kind == "value_error":
        # the models' own checks, already in the user's words
        return str(item["msg"]).removeprefix("Value error, ")
    expected = EXPECTED.get(kind)
    found = item.get("input")
    if expected is None:
        return t("{problem},实际为 {found}", problem=item["msg"], found=shown(found))
    return t("应为{expected},实际为 {found}", expected=expected(item.get("ctx") or {}),
             found=shown(found))  # fmt: skip


class DefinitionProblems(DefinitionError):
    """A DefinitionError carrying every problem found in one pass."""

    def __init__(self, problems: list[Problem]) -> None:
        # line by line within each file, the files in the order they were met: an editor's
        # list reads like the file (problems of one line keep their order: the cause first)
        files = {p.file: i for i, p in reversed(list(enumerate(problems)))}
        problems = sorted(problems, key=lambda p: (files[p.file], p.mark.line))
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems), code="definition_error")
