"""The edit form of an order: its fields under their Chinese names, what the operator
changed, and the order model's verdict on the result, each problem next to its field.

The validation is the order model's, as for ``bots edit`` and ``bots enqueue``. Personal
fields are never put back into the page: their box is empty (the current value is shown
partly masked beside it) and only a value typed in changes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bots.errors import BadInput
from bots.ledger import WorkItem
from bots.masking import is_sensitive, partial
from bots.orders.columns import COLUMNS
from bots.orders.model import load_order

FIXED = ("reference",)  # the item's key in the ledger and in the portal's remark


@dataclass(frozen=True)
class FormField:
    path: str
    label: str
    value: str  # what the box holds
    masked: str | None  # a personal field's current value, partly masked
    error: str | None
    fixed: bool


def _current(payload: Mapping[str, Any], path: str) -> str:
    node: Any = payload
    for key in path.split("."):
        node = node.get(key) if isinstance(node, Mapping) else None
    return "" if node is None else str(node)


def fields(
    item: WorkItem,
    posted: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> list[FormField]:
    posted, errors = posted or {}, errors or {}
    out = []
    for column in COLUMNS:
        current = _current(item.payload, column.path)
        sensitive = is_sensitive(column.path)
        if sensitive:
            value, masked = "", partial(current) if current else ""
        else:
            value, masked = posted.get(column.path, current), None
        out.append(FormField(column.path, column.label, value, masked,
                             errors.get(column.path), column.path in FIXED))  # fmt: skip
    return out


def changes(item: WorkItem, posted: Mapping[str, str]) -> dict[str, str]:
    """The fields the operator changed: a personal one only when something was typed."""
    found = {}
    for column in COLUMNS:
        if column.path in FIXED or column.path not in posted:
            continue
        new = posted[column.path].strip()
        if is_sensitive(column.path):
            if new:
                found[column.path] = new
        elif new != _current(item.payload, column.path):
            found[column.path] = new
    return found


def validator(ref: str) -> Any:
    """The order model's check of the edited order (as ``bots edit`` runs it)."""

    def check(edited: dict[str, Any]) -> Mapping[str, Any]:
        return load_order(edited, f"{ref} (edited)").model_dump(mode="json")

    return check


def problems(error: BadInput) -> tuple[dict[str, str], list[str]]:
    """The model's problems by field of the form, and those no field of it stands for."""
    by_field: dict[str, str] = {}
    other: list[str] = []
    known = {column.path for column in COLUMNS}
    for path, reason in error.context.get("problems") or []:
        if path in known:
            by_field.setdefault(path, reason)
        else:
            other.append(f"{path}: {reason}")
    if not by_field and not other:
        other.append(error.message)
    return by_field, other
