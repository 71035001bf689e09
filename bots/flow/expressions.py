"""``${{ expr }}`` expressions, evaluated in Jinja2's sandbox with StrictUndefined.

Never ``eval``: an unknown name or attribute fails loudly instead of becoming empty.
A value that is exactly one ``${{ }}`` keeps its type (a number stays a number);
text around expressions makes a string.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Undefined, nodes
from jinja2.exceptions import TemplateError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from bots.flow.problems import did_you_mean
from bots.messages import t

EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.S)

_ENV = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


@dataclass(frozen=True)
class Missing:
    """A field an expression reads that its value does not have: ``customer.segmnt``."""

    root: str  # the name the chain starts from (an input, steps, env, …)
    path: str  # where the field was looked for, e.g. ``customer``
    field: str
    known: tuple[str, ...]  # the fields that are there


class ExpressionError(Exception):
    """An expression that cannot be parsed or evaluated; the caller adds file and step.
    ``missing`` says which field was not there when that is what went wrong."""

    def __init__(self, message: str, missing: Missing | None = None) -> None:
        super().__init__(message)
        self.missing = missing


def has_expression(value: Any) -> bool:
    return isinstance(value, str) and "${{" in value


def unclosed(text: str) -> bool:
    """A ``${{`` that no ``}}`` closes: left as typed, it would be used as literal text."""
    return "${{" in EXPR.sub("", text)


def expressions_in(value: Any) -> Iterator[str]:
    """Every expression source inside a (possibly nested) value."""
    if isinstance(value, str):
        for match in EXPR.finditer(value):
            yield match.group(1).strip()
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from expressions_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from expressions_in(item)


@lru_cache(maxsize=4096)
def _compiled(source: str) -> Any:
    try:
        return _ENV.compile_expression(source, undefined_to_none=False)
    except TemplateError as error:
        raise ExpressionError(t("无法解析表达式 {expr}:{error}", expr=_shown(source),
                                error=error)) from None  # fmt: skip


def parse(source: str) -> nodes.Expr:
    try:
        template = _ENV.parse("{{ " + source + " }}")
    except TemplateError as error:
        raise ExpressionError(t("无法解析表达式 {expr}:{error}", expr=_shown(source),
                                error=error)) from None  # fmt: skip
    output = template.body[0]
    assert isinstance(output, nodes.Output)
    expr = output.nodes[0]
    assert isinstance(expr, nodes.Expr)
    return expr


def _all(expr: nodes.Node, kinds: Any) -> list[Any]:
    """``find_all`` plus the root node itself (Jinja skips the root)."""
    found = [expr] if isinstance(expr, kinds) else []
    return found + list(expr.find_all(kinds))


def references(source: str) -> list[tuple[str, tuple[str, ...]]]:
    """Each name used, with the attribute chain after it: ``steps.a.outputs.x`` →
    ('steps', ('a', 'outputs', 'x'))."""
    expr = parse(source)
    chains = _all(expr, (nodes.Getattr, nodes.Getitem))
    inner = {id(n.node) for n in chains if isinstance(n.node, nodes.Getattr | nodes.Getitem)}
    found: list[tuple[str, tuple[str, ...]]] = []
    for outer in chains:
        if id(outer) in inner:
            continue
        chain: list[str] = []
        current: nodes.Node = outer
        while isinstance(current, nodes.Getattr | nodes.Getitem):
            if isinstance(current, nodes.Getattr):
                chain.append(current.attr)
            elif isinstance(current.arg, nodes.Const) and isinstance(current.arg.value, str):
                chain.append(current.arg.value)
            else:
                chain.clear()
            current = current.node
        if isinstance(current, nodes.Name):
            found.append((current.name, tuple(reversed(chain))))
    for name in _all(expr, nodes.Name):
        if name.ctx == "load" and not any(name.name == n for n, _ in found):
            found.append((name.name, ()))
    return found


def evaluate(value: Any, scope: Mapping[str, Any]) -> Any:
    """Resolve every expression inside ``value`` (strings, lists, mappings) against ``scope``."""
    if isinstance(value, str):
        if "${{" not in value:
            return value
        whole = EXPR.fullmatch(value.strip())
        if whole:
            return _run(whole.group(1).strip(), scope)
        return EXPR.sub(lambda m: _text(_run(m.group(1).strip(), scope)), value)
    if isinstance(value, Mapping):
        return {k: evaluate(v, scope) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [evaluate(v, scope) for v in value]
    return value


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _run(source: str, scope: Mapping[str, Any]) -> Any:
    try:
        value = _compiled(source)(**scope)
        if _undefined(value):
            # Jinja hands back a placeholder for a field that is not there and fails only
            # when it is used: fail here, where the expression is known
            raise UndefinedError(str(source))
        return value
    except ExpressionError:
        raise
    except UndefinedError as error:
        missing = _missing(source, scope)
        if missing is None:
            raise _failed(source, error.message) from None
        raise ExpressionError(_missing_message(source, missing), missing) from None
    except TemplateError as error:
        raise _failed(source, error.message) from None
    except (TypeError, ValueError, ZeroDivisionError, AttributeError, KeyError) as error:
        raise _failed(source, error) from None


def _shown(source: str) -> str:
    return f"'${{{{ {source} }}}}'"


def _failed(source: str, error: object) -> ExpressionError:
    return ExpressionError(t("表达式 {expr} 无法计算:{error}", expr=_shown(source), error=error))


def _undefined(value: Any) -> bool:
    if isinstance(value, Undefined):
        return True
    if isinstance(value, Mapping):
        return any(_undefined(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_undefined(v) for v in value)
    return False


def _missing(source: str, scope: Mapping[str, Any]) -> Missing | None:
    """The first field along the expression's name chains that the values lack."""
    for name, chain in references(source):
        if name not in scope:
            continue  # (a name the checks know; not a field of a value)
        node: Any = scope[name]
        for depth, key in enumerate(chain):
            if not isinstance(node, Mapping):
                break
            if key not in node:
                path = ".".join((name, *chain[:depth]))
                return Missing(name, path, key, tuple(str(k) for k in node))
            node = node[key]
    return None


def _missing_message(source: str, missing: Missing) -> str:
    return t(
        "{expr} 读取的字段 {field} 在 {path} 中不存在(已有字段:{known}){hint}",
        expr=_shown(source),
        field=missing.field,
        path=missing.path,
        known=", ".join(missing.known) or "-",
        hint=did_you_mean(missing.field, missing.known),
    )
