"""Registries whose entries may be named "module:attr" until first used, so that loading a
flow does not import every parser and function module."""

from __future__ import annotations

import importlib
from typing import Any


def resolve(registry: dict[str, Any], name: str) -> Any:
    """``registry[name]``, imported (and remembered) if it is still a "module:attr" string."""
    found = registry[name]
    if isinstance(found, str):
        module, _, attr = found.partition(":")
        found = getattr(importlib.import_module(module), attr)
        registry[name] = found
    return found
