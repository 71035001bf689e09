"""From order files to work items: every row checked by the order model first.

A file with a bad row is enqueued not at all unless ``skip_invalid`` (then the good rows
go in and the rejects are written to a CSV next to nothing else). References already in
the ledger are refused by the ledger itself, all-or-nothing, naming them.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bots.errors import BadInput
from bots.ledger.model import NewItem
from bots.ledger.store import Store
from bots.orders.model import Order
from bots.orders.readers import RowError, read_orders

FLOWS = {"new_install": "e9_new_install.yaml", "renewal": "e9_renewal.yaml"}


def flow_for(order: Order) -> str:
    return FLOWS[str(order.procedure)]


def work_item(order: Order, batch: str | None = None, priority: int = 0) -> NewItem:
    return NewItem(
        reference=order.reference,
        flow=flow_for(order),
        payload=order.model_dump(mode="json"),
        priority=priority,
        batch=batch,
    )


@dataclass
class Intake:
    enqueued: int = 0
    orders: list[Order] = field(default_factory=list)
    rejects: list[RowError] = field(default_factory=list)
    refused_files: list[str] = field(default_factory=list)


def read_files(paths: Sequence[Path], skip_invalid: bool) -> Intake:
    intake = Intake()
    for path in paths:
        result = read_orders(path)
        if result.errors and not skip_invalid:
            intake.refused_files.append(str(path))
            intake.rejects.extend(result.errors)
            continue
        intake.rejects.extend(result.errors)
        intake.orders.extend(result.orders)
    return intake


def enqueue_files(
    store: Store,
    paths: Sequence[Path],
    *,
    skip_invalid: bool = False,
    batch: str | None = None,
    priority: int = 0,
) -> Intake:
    """Check every row, then enqueue in one transaction; raise BadInput listing the rejects
    when a file has a bad row and ``skip_invalid`` is off (nothing is enqueued then)."""
    intake = read_files(paths, skip_invalid)
    if intake.refused_files:
        lines = "\n".join(str(error) for error in intake.rejects)
        files = ", ".join(intake.refused_files)
        raise BadInput(
            f"{lines}\nnothing enqueued: fix the rows above in {files} "
            "(or use --skip-invalid to enqueue the good rows)",
            code="bad_rows",
        )
    seen: set[str] = set()
    for order in intake.orders:
        if order.reference in seen:
            raise BadInput(
                f"reference {order.reference} appears in two files; nothing enqueued",
                code="duplicate_reference",
            )
        seen.add(order.reference)
    intake.enqueued = store.enqueue(
        [work_item(order, batch=batch, priority=priority) for order in intake.orders]
    )
    return intake


def write_rejects(rejects: Sequence[RowError], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(["file", "row", "field", "reason"])
        for error in rejects:
            writer.writerow([error.file, error.row or "", error.field or "", error.reason])
