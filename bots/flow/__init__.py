"""Flows: YAML files checked into typed, immutable models before anything runs.

Names are imported lazily so that ``bots.flow.problems`` / ``bots.flow.yamlsafe`` can be
used by the selector repository without importing the loader (which imports it back).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bots.flow.inputs import register_type
    from bots.flow.loader import load_flow
    from bots.flow.models import Flow, Step

_WHERE = {
    "register_type": "bots.flow.inputs",
    "load_flow": "bots.flow.loader",
    "Flow": "bots.flow.models",
    "Step": "bots.flow.models",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(name)


__all__ = ["Flow", "Step", "load_flow", "register_type"]
