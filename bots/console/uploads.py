"""Order files uploaded through the console: kept in a private folder until the clerk
enqueues their good rows, checked first with the same readers and checks as ``bots
enqueue`` (``bots.orders.readers``, ``bots.intake``).

A check reads the whole file and changes nothing: which rows would go in, which are already
in the ledger (a corrected file holds them again: they are listed and skipped, not a
refusal of the file), and each rejected row with its row number, field, reason and the
row's data as the file has it (personal values partly masked). Enqueueing then streams
the file into one transaction of the ledger, all or nothing, like ``bots enqueue``.

It knows files, rows and the ledger's enqueue; it does not know pages or users beyond the
name an upload belongs to.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from bots.errors import BadInput
from bots.intake import KeptInLedger, keep_rejects, refused_rows, work_item
from bots.ledger import Store
from bots.masking import (
    is_sensitive,
    mask_text,
    not_personal,
    partial,
    personal_shapes,
    sensitive_values,
)
from bots.messages import t
from bots.orders import columns
from bots.orders.readers import READERS, FileProblem, OrderStream, RowError

KEPT = timedelta(hours=6)  # an upload nobody enqueued is forgotten after this
_CHUNK = 1 << 20


@dataclass(frozen=True)
class RejectedRow:
    """A refused row (``row`` None: the whole file) and its data: (header, value shown)."""

    row: int | None
    field: str | None
    reason: str
    data: list[tuple[str, str]] = dataclasses.field(default_factory=list)


@dataclass(frozen=True)
class Checked:
    good: int  # rows that would be enqueued
    skipped: list[tuple[int, str]]  # (row, reference) already in the ledger
    rejected: list[RejectedRow]
    refused: bool  # the file as a whole is refused: nothing of it can go in


@dataclass
class Upload:
    id: str
    owner: str
    filename: str
    path: Path
    batch: str
    created: datetime
    checked: Checked | None = None
    enqueued: int | None = None


class Uploads:
    """The uploads of one console process, each file in ``folder`` (0700, files 0600)."""

    def __init__(self, folder: Path, limit: int) -> None:
        self.folder, self.limit = folder, limit
        self._uploads: dict[str, Upload] = {}
        # enqueued uploads (id → owner, batch, when): a second press of 入队, or the page
        # opened again with the browser's back, finds its batch instead of "no such upload"
        self._enqueued: dict[str, tuple[str, str, datetime]] = {}
        self._lock = threading.Lock()

    def save(self, owner: str, filename: str, data: IO[bytes], batch: str) -> Upload:
        """Keep an uploaded file; refused when its type has no reader or it is too large."""
        suffix = Path(filename).suffix.lower()
        if suffix not in READERS:
            known = ", ".join(sorted(READERS))
            raise BadInput(t("不支持的文件类型{suffix}:请上传 {known}", suffix=suffix or "-",
                             known=known))  # fmt: skip
        self._forget_old()
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        upload_id = secrets.token_urlsafe(12)
        path = self.folder / f"{upload_id}{suffix}"
        written = 0
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            while chunk := data.read(_CHUNK):
                written += len(chunk)
                if written > self.limit:
                    break
                out.write(chunk)
        if written > self.limit:
            path.unlink()
            raise BadInput(t("文件超过{mb}MB:请拆成几个文件上传", mb=self.limit // (1 << 20)))
        upload = Upload(upload_id, owner, Path(filename).name, path, batch, datetime.now(UTC))
        with self._lock:
            self._uploads[upload_id] = upload
        return upload

    def get(self, upload_id: str, owner: str) -> Upload | None:
        """The upload, if it exists and belongs to ``owner``."""
        with self._lock:
            upload = self._uploads.get(upload_id)
        return upload if upload is not None and upload.owner == owner else None

    def enqueued_into(self, upload_id: str, owner: str) -> str | None:
        """The batch an upload of ``owner``'s was enqueued into, if it was."""
        with self._lock:
            done = self._enqueued.get(upload_id)
        return done[1] if done is not None and done[0] == owner else None

    def _forget_old(self) -> None:
        now = datetime.now(UTC)
        with self._lock:
            old = [u for u in self._uploads.values() if now - u.created > KEPT]
            for upload in old:
                del self._uploads[upload.id]
            for upload_id in [i for i, done in self._enqueued.items() if now - done[2] > KEPT]:
                del self._enqueued[upload_id]
        for upload in old:
            upload.path.unlink(missing_ok=True)

    def discard(self, upload: Upload) -> None:
        with self._lock:
            self._uploads.pop(upload.id, None)
            if upload.enqueued is not None:
                self._enqueued[upload.id] = (upload.owner, upload.batch, datetime.now(UTC))
        upload.path.unlink(missing_ok=True)


def check(upload: Upload, store: Store) -> Checked:
    """Read the file with the readers of ``bots enqueue``; nothing is written anywhere."""
    stream = OrderStream(upload.path)
    stream.name = upload.filename
    found = [(row, order.reference) for row, order in stream]
    # refused whole: as bots enqueue refuses it (not readable, its header, broken part-way),
    # or with no orders at all (a problem without a row number)
    refused = stream.refused or any(error.row is None for error in stream.errors)
    known = store.existing(ref for _row, ref in found)
    skipped = [(row, ref) for row, ref in found if ref in known]
    good = 0 if refused else len({ref for _row, ref in found} - known - stream.withdrawn)
    upload.checked = Checked(good, skipped, rejected(upload.path, stream.errors), refused)
    return upload.checked


def enqueue(upload: Upload, store: Store) -> int:
    """Enqueue the good rows of a checked upload into its batch, skipping the rows already
    in the ledger, in one transaction; how many went in."""
    if upload.checked is None or upload.checked.refused:
        raise BadInput(t("这个文件不能入队:请先修正文件"))
    skip = {ref for _row, ref in upload.checked.skipped}
    with store.enqueuing() as adding:
        stream = OrderStream(upload.path, KeptInLedger(adding))
        stream.name = upload.filename
        for _row, order in stream:
            if order.reference not in skip:
                adding.add(work_item(order, batch=upload.batch))
        if stream.broken:
            raise BadInput(t("文件在读取中途被拒绝,没有入队任何订单:{reason}",
                             reason=stream.errors[-1].reason))  # fmt: skip
        # kept as bots enqueue --skip-invalid keeps them: the upload goes once enqueued
        keep_rejects(adding, refused_rows(stream, adding), upload.batch)
        # only rows this enqueue added are taken back: a skipped row is another's item
        adding.withdraw(stream.withdrawn - skip)
    upload.enqueued = adding.added
    return adding.added


def rejected(path: Path, errors: Iterable[RowError]) -> list[RejectedRow]:
    """Each refused row with its data, read again from the file."""
    found = list(errors)
    data = row_data(path, {error.row for error in found if error.row is not None})
    out = []
    for error in found:
        shown = data.get(error.row or 0, ([], set()))
        reason = mask_text(error.reason, shown[1])
        out.append(RejectedRow(error.row, error.field, reason, shown[0]))
    return out


def row_data(path: Path, rows: set[int]) -> dict[int, tuple[list[tuple[str, str]], set[str]]]:
    """The cells of ``rows`` as (header as written, value shown), and the personal values
    among them (to hide wherever a reason quotes them)."""
    if not rows:
        return {}
    try:
        source = READERS[path.suffix.lower()](path)
    except FileProblem:  # the header is what is wrong: there are no rows to show
        return {}
    found: dict[int, tuple[list[tuple[str, str]], set[str]]] = {}
    for row in source.rows:
        if row.number in rows:
            found[row.number] = _cells(row.values, source.labels, nested=source.nested)
            if len(found) == len(rows):
                break
    close = getattr(source.rows, "close", None)
    if close is not None:
        close()  # the reader's file or archive
    return found


def _cells(
    values: dict[str, Any], labels: dict[str, str], *, nested: bool
) -> tuple[list[tuple[str, str]], set[str]]:
    if nested:  # a YAML/JSON item: its fields, named by the sample files' headers
        flat = columns.flatten(values) if isinstance(values, dict) else {}
        by_path = {c.path: flat.get(c.name) for c in columns.COLUMNS}
        labels = {c.path: c.label for c in columns.COLUMNS}
    else:
        by_path = values
    personal = sensitive_values(columns.nest({k: v for k, v in by_path.items() if v is not None}))
    cells = []
    for path, label in labels.items():
        value = by_path.get(path)
        text = "" if value is None else str(value)
        # a cell under another column's header may hold an ID number or a phone
        if text and is_sensitive(path):
            shown = partial(text)
        else:
            shown = text if not_personal(path) else personal_shapes(text)
        cells.append((label, shown))
    return cells, personal
