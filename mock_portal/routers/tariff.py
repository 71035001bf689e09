"""资费变更: open EVDO on a mobile line after completion (the follow-up of the EVDO defect)."""

from __future__ import annotations

import sqlite3
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from mock_portal.web import DB, CurrentStaff, FormData, render

router = APIRouter(prefix="/tariff")


def _service(conn: sqlite3.Connection, number: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM services WHERE kind = 'mobile' AND number = ?"
                       " ORDER BY service_id DESC", (number,)).fetchone()
    return dict(row) if row else None


@router.get("", response_class=HTMLResponse)
def tariff_page(request: Request, number: str | None = None, *,
                staff: CurrentStaff,
                conn: DB) -> Response:
    service, error = None, None
    if number is not None:
        number = number.strip()
        service = _service(conn, number) if number else None
        error = None if service else ("手机号码不能为空" if not number else "号码不存在")
    return render(request, "queries/tariff.html", number=number or "", service=service,
                  error=error)


@router.post("", response_class=HTMLResponse)
def tariff_save(request: Request, form: FormData,
                staff: CurrentStaff,
                conn: DB) -> Response:
    number = form.get("number", "").strip()
    service = _service(conn, number)
    if service is None:
        return render(request, "queries/tariff.html", number=number, service=None,
                      error="号码不存在")
    with conn:
        conn.execute("UPDATE services SET evdo = ? WHERE service_id = ?",
                     (int(form.get("evdo") == "1"), service["service_id"]))
    return render(request, "queries/tariff.html", number=number,
                  service=_service(conn, number), message="变更成功")
