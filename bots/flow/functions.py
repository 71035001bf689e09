"""Python functions flows may call in expressions as ``fn.<name>(...)``.

Business rules stay in Python (a flow asks ``fn.renewal_due(term_end, business_date)``
instead of doing date arithmetic in YAML). Registered by a ``"module:function"`` string and
imported on first call, like the input types, so loading a flow imports no rules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bots.flow.lazy import resolve
from bots.messages import t

_REGISTRY: dict[str, Callable[..., Any] | str] = {}


def register_function(name: str, function: Callable[..., Any] | str) -> None:
    """Register a callable, or a ``"module:function"`` string imported lazily."""
    _REGISTRY[name] = function


def known_functions() -> list[str]:
    return sorted(_REGISTRY)


def function(name: str) -> Callable[..., Any]:
    found: Callable[..., Any] = resolve(_REGISTRY, name)
    return found


class Functions:
    """What ``fn`` is inside an expression: attribute access yields the function."""

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_") or name not in _REGISTRY:
            raise AttributeError(
                t("没有函数 '{name}'(已有:{known})", name=name, known=", ".join(known_functions()))
            )
        return function(name)


FUNCTIONS = Functions()

register_function("renewal_due", "bots.orders.rules:renewal_due")
register_function("renewal_problem", "bots.orders.rules:renewal_problem")
# the checks around money: each returns the operator's reason, or None when all is well
register_function("fee_problems", "bots.orders.rules:fee_problems")
register_function("receipt_problem", "bots.orders.rules:receipt_problem")
register_function("owner_problem", "bots.orders.rules:owner_problem")
register_function("deposit_problem", "bots.orders.rules:deposit_problem")
register_function("deposit_serial", "bots.orders.rules:deposit_serial")
register_function("access_number_pattern", "bots.orders.areas:access_number_pattern")
