"""Popup windows (选号, 标准化地址) and the 选卡 check, used from the wizards' pages."""

from __future__ import annotations

import sqlite3

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from mock_portal import members
from mock_portal.web import DB, CurrentStaff, render

router = APIRouter(prefix="/popups")
PAGE_SIZE = 20


@router.get("/numbers", response_class=HTMLResponse)
def numbers(request: Request, prefix: str = "", page: int = 1, *,
            staff: CurrentStaff,
            conn: DB) -> Response:
    """Free numbers (and the ones this session already holds) starting with ``prefix``.
    A whole number that cannot be had says why: taken or unknown is final; held by another
    live session lists nothing (它可能稍后释放: the order is tried again later)."""
    prefix = prefix.strip()
    page = max(page, 1)
    offered = "(status = 'free' OR (status = 'reserved' AND holder = ?)) AND number LIKE ?"
    args = (staff.token, prefix + "%")
    total = conn.execute(f"SELECT count(*) FROM numbers WHERE {offered}", args).fetchone()[0]
    rows = [r["number"] for r in conn.execute(
        f"SELECT number FROM numbers WHERE {offered} ORDER BY number LIMIT ? OFFSET ?",
        (*args, PAGE_SIZE, (page - 1) * PAGE_SIZE))]
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    refusal = members.unavailable(conn, prefix) if not rows else None
    return render(request, "popups/numbers.html", prefix=prefix, rows=rows, page=page,
                  pages=pages, total=total, refusal=refusal)


@router.get("/addresses", response_class=HTMLResponse)
def addresses(request: Request, q: str | None = None, *, staff: CurrentStaff,
              conn: DB) -> Response:
    tree: dict[str, dict[str, list[sqlite3.Row]]] = {}
    for row in conn.execute("SELECT * FROM addresses ORDER BY code"):
        tree.setdefault(row["district"], {}).setdefault(row["street"], []).append(row)
    results, error = None, None
    if q is not None:
        q = q.strip()
        if not q:
            error = "请输入地址编码或名称"
        else:
            results = list(conn.execute(
                "SELECT * FROM addresses WHERE code = ? OR instr(name, ?) > 0 ORDER BY code",
                (q, q)))
    return render(request, "popups/addresses.html", tree=tree, q=q or "", results=results,
                  error=error)


@router.get("/card-check")
def card_check(iccid: str = "", *, staff: CurrentStaff,
               conn: DB) -> Response:
    iccid = iccid.strip()
    if not iccid:
        return JSONResponse({"error": "UIM卡号不能为空"})
    error = members.card_error(conn, staff.token, iccid)
    if error:
        return JSONResponse({"error": error})
    return JSONResponse({"message": "选卡成功,卡号可用"})
