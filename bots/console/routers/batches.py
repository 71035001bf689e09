"""Batches: upload an order file, see what its check found (rejected rows with their data,
rows already queued), enqueue the good rows, follow a batch live, download its report."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.background import BackgroundTask

from bots.batch import build_batch_report
from bots.console import uploads
from bots.console.progress import progress_of
from bots.console.uploads import Uploads
from bots.console.views import row_of
from bots.console.web import Ledger, Signed, back_to, render
from bots.errors import BadInput
from bots.ledger import DuplicateReference, ItemQuery
from bots.masking import personal_shapes
from bots.messages import t

router = APIRouter()
REPORTS = {"html": "text/html; charset=utf-8", "xlsx": "application/vnd.openxmlformats-"
           "officedocument.spreadsheetml.sheet"}  # fmt: skip
NAME_LIMIT = 60


def _uploads(request: Request) -> Uploads:
    found: Uploads = request.app.state.uploads
    return found


def batch_name(given: str, filename: str) -> str:
    """The batch a file goes into: as given, else the file's name and today's date."""
    name = " ".join(given.split())
    if not name:
        name = f"{Path(filename).stem}-{datetime.now().strftime('%Y%m%d')}"
    if len(name) > NAME_LIMIT or "/" in name or "\\" in name:
        raise BadInput(t("批次名最多{n}个字符,不能含斜杠", n=NAME_LIMIT))
    return name


@router.get("/batches", response_class=HTMLResponse)
def batches(request: Request, store: Ledger, viewer: Signed) -> Response:
    return render(request, "batches/list.html.j2", viewer, batches=store.batches(), error=None)


@router.post("/batches/upload")
def upload(
    request: Request,
    store: Ledger,
    viewer: Signed,
    file: Annotated[UploadFile, File()],
    batch: str = Form(""),
) -> Response:
    filename = file.filename or ""
    try:
        name = batch_name(batch, filename)
        saved = _uploads(request).save(viewer.name, filename, file.file, name)
    except BadInput as error:
        return render(
            request, "batches/list.html.j2", viewer, status=400, batches=store.batches(),
            error=error.message, batch=batch,
        )  # fmt: skip
    uploads.check(saved, store)
    return back_to(f"/uploads/{saved.id}")


def _upload(request: Request, upload_id: str, owner: str) -> uploads.Upload:
    found = _uploads(request).get(upload_id, owner)
    if found is None or found.checked is None:
        raise HTTPException(404, t("没有这个上传文件(上传的文件6小时后作废)"))
    return found


def _enqueued(request: Request, upload_id: str, owner: str) -> Response | None:
    """The batch page, for an upload already enqueued (入队 pressed twice, the page opened
    again from the browser's history): it went in once, and that is where it is."""
    batch = _uploads(request).enqueued_into(upload_id, owner)
    return None if batch is None else back_to(f"/batches/{quote(batch, safe='')}")


@router.get("/uploads/{upload_id}", response_class=HTMLResponse)
def checked(request: Request, viewer: Signed, upload_id: str) -> Response:
    if (done := _enqueued(request, upload_id, viewer.name)) is not None:
        return done
    found = _upload(request, upload_id, viewer.name)
    return render(request, "batches/checked.html.j2", viewer, upload=found, error=None)


@router.post("/uploads/{upload_id}/enqueue")
def enqueue(request: Request, store: Ledger, viewer: Signed, upload_id: str) -> Response:
    if (done := _enqueued(request, upload_id, viewer.name)) is not None:
        return done
    found = _upload(request, upload_id, viewer.name)
    try:
        added = uploads.enqueue(found, store)
    except (BadInput, DuplicateReference) as error:
        # e.g. someone enqueued some of these references since the check: check again. The
        # ledger's own words for this point at the command line; a clerk gets the console's.
        uploads.check(found, store)
        refs = error.context.get("references") if isinstance(error, DuplicateReference) else None
        message = (
            t("检查之后,这些业务参考号已被入队:{refs};这次什么都没有入队。下面是重新检查的结果。",
              refs="、".join(refs))
            if refs else error.message
        )  # fmt: skip
        return render(
            request, "batches/checked.html.j2", viewer, status=409, upload=found, error=message
        )
    skipped = len(found.checked.skipped) if found.checked else 0
    _uploads(request).discard(found)
    return back_to(f"/batches/{quote(found.batch, safe='')}?added={added}&skipped={skipped}")


@router.post("/uploads/{upload_id}/discard")
def discard(request: Request, viewer: Signed, upload_id: str) -> Response:
    _uploads(request).discard(_upload(request, upload_id, viewer.name))
    return back_to("/batches")


@router.get("/batches/{batch}", response_class=HTMLResponse)
def batch_page(
    request: Request, store: Ledger, viewer: Signed, batch: str, added: int | None = None,
    skipped: int | None = None,
) -> Response:  # fmt: skip
    progress = progress_of(store, batch, datetime.now(UTC))
    if not progress.total:
        raise HTTPException(404, t("没有这个批次:{batch}", batch=batch))
    items, total = store.page(ItemQuery(batch=batch, limit=20))
    # the rows refused at its enqueue stay beside it: the clerk fixes them and uploads again
    # (a ledger's older reasons are masked here by their shape, as the batch report does)
    refused = [
        (r.file, r.row, r.field, personal_shapes(r.reason)) for r in store.rejects(batch)
    ]
    return render(
        request, "batches/show.html.j2", viewer, batch=batch, progress=progress,
        rows=[row_of(item) for item in items], total=total, added=added, skipped=skipped,
        refused=refused,
    )  # fmt: skip


@router.get("/batches/{batch}/progress")
def batch_progress(store: Ledger, viewer: Signed, batch: str) -> JSONResponse:
    return JSONResponse(progress_of(store, batch, datetime.now(UTC)).as_json())


@router.get("/batches/{batch}/report.{kind}")
def report(store: Ledger, viewer: Signed, batch: str, kind: str) -> Response:
    if kind not in REPORTS:
        raise HTTPException(404)
    if not sum(store.counts(batch=batch).values()):
        raise HTTPException(404, t("没有这个批次:{batch}", batch=batch))
    folder = Path(tempfile.mkdtemp(prefix="bots-console-report-"))
    paths = build_batch_report(store, folder, batch)
    return FileResponse(
        paths[kind], media_type=REPORTS[kind], filename=f"{batch}-batch_report.{kind}",
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )  # fmt: skip
