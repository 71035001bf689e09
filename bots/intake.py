"""From order files to work items: every row checked by the order model first.

A file with a bad row is enqueued not at all unless ``skip_invalid`` (then the good rows
go in and the rejects are written to a CSV next to nothing else). References already in
the ledger are refused by the ledger itself, all-or-nothing, naming them.

Rows stream from the file into one open enqueue of the ledger (``Store.enqueuing``) and
are forgotten: however many rows, memory holds one chunk of them. A file refused at its
end (a bad row found late) makes the whole enqueue roll back, so nothing half-read is ever
queued; rows handed on and later found to be duplicates are taken back.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bots.errors import BadInput
from bots.ledger.model import NewItem
from bots.ledger.operations import Enqueuing
from bots.ledger.store import Store
from bots.orders.model import Order
from bots.orders.readers import Clash, OrderStream, RowError

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


class KeptInLedger:
    """The values each order of a file must not share with another (``Distinct``), kept
    by the open enqueue in the ledger rather than in memory."""

    def __init__(self, adding: Enqueuing) -> None:
        self.adding = adding

    def note(self, row: int, reference: str, values: Mapping[str, str]) -> None:
        self.adding.note(row, reference, values)

    def clashes(self) -> list[Clash]:
        return [Clash(*found) for found in self.adding.clashes()]


@dataclass
class Intake:
    enqueued: int = 0
    rejects: list[RowError] = field(default_factory=list)
    refused_files: list[str] = field(default_factory=list)


def enqueue_files(
    store: Store,
    paths: Sequence[Path],
    *,
    skip_invalid: bool = False,
    batch: str | None = None,
    priority: int = 0,
) -> Intake:
    """Check every row and enqueue in one transaction; raise BadInput listing the rejects
    when a file has a bad row and ``skip_invalid`` is off (nothing is enqueued then)."""
    intake = Intake()
    with store.enqueuing() as adding:
        for path in paths:
            stream = OrderStream(path, KeptInLedger(adding))
            for _row, order in stream:
                adding.add(work_item(order, batch=batch, priority=priority))
            adding.withdraw(stream.withdrawn)
            intake.rejects.extend(stream.errors)
            if stream.broken or (stream.errors and not skip_invalid):
                intake.refused_files.append(str(path))
        if intake.refused_files:
            lines = "\n".join(str(error) for error in intake.rejects)
            files = ", ".join(intake.refused_files)
            raise BadInput(
                f"{lines}\nnothing enqueued: fix the rows above in {files} "
                "(or use --skip-invalid to enqueue the good rows)",
                code="bad_rows",
            )
    intake.enqueued = adding.added
    return intake


def write_rejects(rejects: Sequence[RowError], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(["file", "row", "field", "reason"])
        for error in rejects:
            writer.writerow([error.file, error.row or "", error.field or "", error.reason])
