"""费用收取: fee lines of an order, 下调 (lower with a reason), 收费 and the receipt."""

from __future__ import annotations

import sqlite3
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mock_portal import approvals
from mock_portal.rules import first_missing, parse_amount
from mock_portal.web import DB, CurrentStaff, FormData, render

router = APIRouter(prefix="/fees")
SURCHARGE_LINE = "手续费"


def _order(conn: sqlite3.Connection, order_no: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM orders WHERE order_no = ?", (order_no,)).fetchone()
    if row is None:
        return None
    order = dict(row)
    order["fees"] = [dict(r) for r in conn.execute(
        "SELECT * FROM fees WHERE order_no = ? ORDER BY fee_id", (order_no,))]
    order["total"] = sum(fee["final_amount"] for fee in order["fees"])
    return order


def _missing(request: Request, order_no: str) -> Response:
    return render(request, "fees/fees.html", order=None, error=f"受理单{order_no}不存在")


@router.get("/{order_no}", response_class=HTMLResponse)
def fee_page(request: Request, order_no: str, staff: CurrentStaff,
             conn: DB) -> Response:
    order = _order(conn, order_no)
    if order is None:
        return _missing(request, order_no)
    if order["status"] == "已收费":
        return RedirectResponse(f"/fees/{order_no}/receipt", status_code=303)
    return render(request, "fees/fees.html", order=order)


@router.get("/{order_no}/lower/{fee_id}", response_class=HTMLResponse)
def lower_page(request: Request, order_no: str, fee_id: int,
               staff: CurrentStaff,
               conn: DB) -> Response:
    order = _order(conn, order_no)
    fee = next((f for f in order["fees"] if f["fee_id"] == fee_id), None) if order else None
    if order is None or fee is None:
        return _missing(request, order_no)
    return _lower_form(request, conn, order, fee)


def _lower_form(request: Request, conn: sqlite3.Connection, order: dict[str, Any],
                fee: dict[str, Any], **context: Any) -> Response:
    """The 下调 form; with the 金库 rows while the order's approval is still needed."""
    habits = request.app.state.habits
    return render(request, "fees/lower.html", order=order, fee=fee,
                  approval=approvals.needed(conn, habits, order["order_no"]),
                  ttl_minutes=round(habits.approval_ttl_s / 60),
                  **{"amount": "", "reason": "", "approver": "", **context})


def lower_refusal(order: dict[str, Any], fee: dict[str, Any], amount_text: str,
                  reason: str) -> str | None:
    """Why a 下调 is refused, checked before anything is written (the 金库 approval, when
    needed, is checked after these, in ``lower``: until it is given, nothing is lowered)."""
    error = first_missing([("下调后金额", amount_text), ("下调原因", reason)])
    amount = parse_amount(amount_text)
    if error is None and amount is None:
        error = "金额格式不正确"
    if error is None and amount is not None and amount > fee["original_amount"]:
        error = "下调后金额不能大于原金额"
    if error is None and order["status"] == "已收费":
        error = "该受理单已收费,不能下调"
    return error


@router.post("/{order_no}/lower/{fee_id}")
def lower(request: Request, order_no: str, fee_id: int,
          form: FormData, staff: CurrentStaff,
          conn: DB) -> Response:
    order = _order(conn, order_no)
    fee = next((f for f in order["fees"] if f["fee_id"] == fee_id), None) if order else None
    if order is None or fee is None:
        return _missing(request, order_no)
    amount_text, reason = form.get("amount", "").strip(), form.get("reason", "").strip()
    approver = form.get("approver", "").strip()
    typed = {"amount": amount_text, "reason": reason, "approver": approver}
    habits = request.app.state.habits
    needed = approvals.needed(conn, habits, order_no)
    if needed and form.get("action") == "send_code":
        error = approvals.send_code(conn, order_no, approver, staff.staff_id,
                                    habits.approval_ttl_s)
        return _lower_form(request, conn, order, fee, sent=error is None, error=error, **typed)
    amount = parse_amount(amount_text)
    error = lower_refusal(order, fee, amount_text, reason)
    if error is None and needed:
        error = approvals.approve(conn, order_no, approver, form.get("sms_code", "").strip())
    if error or amount is None:
        return _lower_form(request, conn, order, fee, error=error, **typed)
    with conn:
        conn.execute(
            "UPDATE fees SET final_amount = ?, lowered_by = ?, lower_reason = ? WHERE fee_id = ?",
            (amount, staff.staff_id, reason, fee_id),
        )
    return RedirectResponse(f"/fees/{order_no}?lowered=1", status_code=303)


@router.post("/{order_no}/collect")
def collect(request: Request, order_no: str, staff: CurrentStaff,
            conn: DB) -> Response:
    order = _order(conn, order_no)
    if order is None:
        return _missing(request, order_no)
    if order["status"] == "已收费":
        return render(request, "fees/receipt.html", order=order, error="该受理单已收费")
    with conn:
        surcharge = request.app.state.habits.collect_surcharge
        if surcharge:  # the collect_surcharge habit: a line the fee page never showed
            conn.execute(
                "INSERT INTO fees (order_no, line, original_amount, final_amount)"
                " VALUES (?, ?, ?, ?)", (order_no, SURCHARGE_LINE, surcharge, surcharge))
        conn.execute("UPDATE fees SET collected = 1 WHERE order_no = ?", (order_no,))
        conn.execute("UPDATE orders SET status = '已收费' WHERE order_no = ?", (order_no,))
    return RedirectResponse(f"/fees/{order_no}/receipt", status_code=303)


@router.get("/{order_no}/receipt", response_class=HTMLResponse)
def receipt(request: Request, order_no: str, staff: CurrentStaff,
            conn: DB) -> Response:
    order = _order(conn, order_no)
    if order is None:
        return _missing(request, order_no)
    if order["status"] != "已收费":
        return RedirectResponse(f"/fees/{order_no}", status_code=303)
    return render(request, "fees/receipt.html", order=order, message="收费成功")
