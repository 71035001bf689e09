"""Workers: which are alive (id, host, staff id, the order each holds, last heartbeat), which
went silent, and the processes that stopped because the portal looked down."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from bots.console.web import Ledger, Signed, render
from bots.ledger import State, WorkerRecord
from bots.worker.presence import SILENT_AFTER

router = APIRouter()
SILENT = timedelta(seconds=SILENT_AFTER)
SHOWN = timedelta(days=1)


@dataclass(frozen=True)
class Shown:
    record: WorkerRecord
    status: str  # alive, silent, stopped
    holding: str | None
    seconds: int  # since the last heartbeat


def status_of(record: WorkerRecord, now: datetime) -> str:
    if record.stopped_at is not None:
        return "stopped"
    return "silent" if now - record.heartbeat_at > SILENT else "alive"


@router.get("/workers", response_class=HTMLResponse)
def workers(request: Request, store: Ledger, viewer: Signed) -> Response:
    now = datetime.now(UTC)
    holding = {i.lease_owner: i.reference for i in store.items(states=[State.RUNNING])}
    rows = [
        Shown(r, status_of(r, now), holding.get(r.worker),
              int((now - r.heartbeat_at).total_seconds()))
        for r in store.workers(since=now - SHOWN)
    ]  # fmt: skip
    known = {row.record.worker for row in rows}
    stops: dict[str, Any] = {}
    for row in rows:
        if row.record.stop_kind == "portal_down":
            stops.setdefault(row.record.process, row.record)
    return render(
        request, "workers/list.html.j2", viewer,
        alive=[r for r in rows if r.status == "alive"],
        silent=[r for r in rows if r.status == "silent"],
        stopped=[r for r in rows if r.status == "stopped"],
        stops=list(stops.values()),
        unowned=[ref for owner, ref in holding.items() if owner not in known],
    )  # fmt: skip
