"""From order files to work items: every row checked by the order model first.

A file with a bad row is enqueued not at all unless ``skip_invalid`` (then the good rows
go in, and the rejects are kept in the ledger and can be written to a CSV the clerk fixes
and enqueues as it is). A reference already in the ledger is refused by the ledger itself,
all-or-nothing, naming the file and row — unless ``skip_existing``: then such rows are
listed in ``Intake.skipped`` and the rest go in (re-enqueueing a corrected spreadsheet).

Rows stream from the file into one open enqueue of the ledger (``Store.enqueuing``) and
are forgotten: however many rows, memory holds one chunk of them. A file refused at its
end (a bad row found late) makes the whole enqueue roll back, so nothing half-read is ever
queued; rows handed on and later found to be duplicates are taken back.
"""

from __future__ import annotations

import csv
import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bots.errors import BadInput
from bots.ledger.model import NewItem
from bots.ledger.operations import Enqueuing
from bots.ledger.store import Store
from bots.messages import t
from bots.orders import columns
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


@dataclass(frozen=True)
class Skipped:
    """A row left out because its reference is already in the ledger (``skip_existing``)."""

    file: str
    row: int | None
    reference: str
    unit: str = "row"

    def __str__(self) -> str:
        where = RowError(self.file, self.row, None, "", self.unit).where
        return t("{where}:{ref} 已在账本中,跳过", where=where, ref=self.reference)


@dataclass
class Intake:
    enqueued: int = 0
    rejects: list[RowError] = field(default_factory=list)
    refused_files: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def enqueue_files(
    store: Store,
    paths: Sequence[Path],
    *,
    skip_invalid: bool = False,
    skip_existing: bool = False,
    batch: str | None = None,
    priority: int = 0,
) -> Intake:
    """Check every row and enqueue in one transaction; raise BadInput listing the rejects
    when a file has a bad row and ``skip_invalid`` is off, or a file is refused as a whole
    (not readable, its header; ``skip_invalid`` cannot take it in): nothing is enqueued
    then. With ``skip_existing``, rows whose reference is already in the ledger are skipped
    and listed (``Intake.skipped``) instead of refusing the enqueue. The rejects of an
    enqueue that goes in are kept in the ledger too (``Store.rejects``)."""
    intake = Intake()
    unread: list[str] = []  # files refused as a whole
    with store.enqueuing(skip_known=skip_existing) as adding:
        for path in paths:
            stream = OrderStream(path, KeptInLedger(adding))
            for row, order in stream:
                item = work_item(order, batch=batch, priority=priority)
                adding.add(item, (stream.name, row, stream.unit))
            intake.rejects.extend(refused_rows(stream, adding))
            adding.withdraw(stream.withdrawn)
            if stream.refused:
                unread.append(str(path))
            if stream.refused or (stream.errors and not skip_invalid):
                intake.refused_files.append(str(path))
        if intake.refused_files:
            lines = "\n".join(str(error) for error in intake.rejects)
            files = ", ".join(intake.refused_files)
            advice = (
                # its orders are in no rejects file: only the file fixed can bring them
                t("什么都没有录入:{files} 整个文件无法录入,其中的订单都没有录入;改正后重新录入",
                  files=", ".join(unread))  # fmt: skip
                if unread
                else t("什么都没有录入:改正 {files} 中上面这些行"
                       "(或用 --skip-invalid 先录入没问题的行)", files=files)  # fmt: skip
            )
            raise BadInput(lines + "\n" + advice, code="bad_rows")
        keep_rejects(adding, intake.rejects, batch)
    intake.enqueued = adding.added
    intake.skipped = [
        Skipped(source[0], source[1], ref, source[2])
        for ref, source in adding.skipped
        if source is not None
    ]
    return intake


def refused_rows(stream: OrderStream, adding: Enqueuing) -> list[RowError]:
    """The rows ``stream`` refused, once read, with their data (before its withdrawn orders,
    duplicates it had handed on, are taken back)."""
    return _with_data(stream.errors, adding.payloads(stream.withdrawn), adding.twins)


def keep_rejects(adding: Enqueuing, rejects: Sequence[RowError], batch: str | None) -> None:
    """The refused rows, kept in the ledger beside the enqueue (the batch report, the
    console): where each was, why, and its data."""
    for error in rejects:
        adding.reject(
            error.file, error.row, error.reason, reference=error.reference,
            field=error.field, data=error.data, batch=batch,
        )  # fmt: skip


def _with_data(
    errors: list[RowError], payloads: Mapping[str, Any], twins: Mapping[tuple[str, int | None], Any]
) -> list[RowError]:
    """The errors, those of rows the stream had handed on (duplicates) with their order: a
    row whose reference an earlier row had, with its own (the ledger kept it aside)."""
    found = []
    for e in errors:
        data = e.data
        if data is None and e.reference is not None:
            data = twins.get((e.file, e.row), payloads.get(e.reference))
        found.append(e if data is e.data else dataclasses.replace(e, data=data))
    return found


def _new_file(path: Path) -> tuple[int, Path]:
    """``path`` created for writing, 0600 — or, when a file is there, ``name-2.csv``,
    ``name-3.csv``, …: an earlier enqueue's rejects are the only full copy of its rows (and
    may be the file being enqueued), so they are never written over."""
    for n in range(1, 10_000):
        candidate = path if n == 1 else path.with_name(f"{path.stem}-{n}{path.suffix}")
        try:
            return os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), candidate
        except FileExistsError:
            continue
    raise BadInput(t("{path}旁边的拒收文件太多了:请先整理这个文件夹", path=path))


def write_rejects(rejects: Sequence[RowError], path: Path) -> Path:
    """A CSV of the refused rows that a clerk fixes and enqueues as it is: where each row
    was and why it was refused (columns the readers skip), then the order's columns under
    their Chinese headers, one line per row. It holds ID numbers and phones in full (they
    go back into the queue), so only its owner may read it (0600), like the ledger.
    Returns where it went: ``path``, or beside it when ``path`` is taken (``_new_file``)."""
    rows: dict[tuple[str, int | None], list[RowError]] = {}
    for error in rejects:
        rows.setdefault((error.file, error.row), []).append(error)
    descriptor, written = _new_file(path)
    os.fchmod(descriptor, 0o600)  # (whatever the umask)
    with open(descriptor, "w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow([*columns.REJECT_HEADERS, *(c.label for c in columns.COLUMNS)])
        for (file, row), errors in rows.items():
            where = file if row is None else f"{file}:{row}"
            reasons = "; ".join(
                f"{e.field}: {e.reason}" if e.field else e.reason for e in errors
            )
            data = next((e.data for e in errors if e.data is not None), None)
            values = columns.flatten(dict(data)) if data is not None else {}
            writer.writerow(
                [where, reasons, *(_cell(values.get(c.name)) for c in columns.COLUMNS)]
            )
    return written


def _cell(value: Any) -> str:
    return "" if value is None else str(value)
