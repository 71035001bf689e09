"""业务查询 (orders by ID number, access number or remark) and 缴费记录查询 (special funds)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from mock_portal.web import DB, CurrentStaff, render

router = APIRouter(prefix="/queries")


@router.get("/orders", response_class=HTMLResponse)
def orders(request: Request, id_number: str | None = None, number: str | None = None,
           remark: str | None = None, *, staff: CurrentStaff,
           conn: DB) -> Response:
    asked = {"id_number": (id_number or "").strip(), "number": (number or "").strip(),
             "remark": (remark or "").strip()}
    searched = any(value is not None for value in (id_number, number, remark))
    rows, error = None, None
    if searched and not any(asked.values()):
        error = "请至少输入一个查询条件"
    elif searched:
        where, params = [], []
        if asked["id_number"]:
            where.append("c.id_number = ?")
            params.append(asked["id_number"])
        if asked["number"]:
            where.append("(',' || o.numbers || ',') LIKE ?")
            params.append(f"%,{asked['number']},%")
        if asked["remark"]:
            where.append("instr(o.remark, ?) > 0")
            params.append(asked["remark"])
        rows = [dict(r) for r in conn.execute(
            "SELECT o.order_no, o.kind, o.status, o.numbers, o.remark, o.time, c.name"
            " FROM orders o LEFT JOIN customers c ON c.customer_id = o.customer_id"
            f" WHERE {' AND '.join(where)} ORDER BY o.time, o.order_no", params)]
    return render(request, "queries/orders.html", q=asked, rows=rows, error=error)


@router.get("/payments", response_class=HTMLResponse)
def payments(request: Request, access_number: str | None = None, *,
             staff: CurrentStaff,
             conn: DB) -> Response:
    rows, error = None, None
    if access_number is not None:
        access_number = access_number.strip()
        if not access_number:
            error = "接入号码不能为空"
        else:
            rows = [dict(r) for r in conn.execute(
                "SELECT * FROM special_funds WHERE access_number = ? ORDER BY time, serial_no",
                (access_number,))]
    return render(request, "queries/payments.html", access_number=access_number or "",
                  rows=rows, error=error)
