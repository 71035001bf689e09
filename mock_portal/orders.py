"""Turning a finished wizard draft into an order, its services and its fee lines."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from mock_portal import db, members
from mock_portal.config import Habits
from mock_portal.rules import parse_amount
from mock_portal.web import Staff, now_text

INSTALL_FEES = (("安装调测费", 58.0), ("UIM卡费", 20.0))
RENEWAL_FEES = (("安装调测费", 58.0), ("UIM卡费", 20.0), ("手机费用", 298.0))
PREPAID_LINE = "自由话费"


def new_id(conn: sqlite3.Connection, kind: str) -> str:
    prefix = {"customer": "1", "account": "2", "service": "3"}[kind]
    return f"{prefix}{db.next_counter(conn, kind, 10000001):08d}"


def _order_no(conn: sqlite3.Connection) -> str:
    day = db.business_date(conn)
    return f"371{day:%Y%m%d}{db.next_counter(conn, 'order'):05d}"


def _fees(conn: sqlite3.Connection, order_no: str, lines: tuple[tuple[str, float], ...],
          prepaid: str, changes: dict[str, float | None]) -> None:
    """The order's fee lines; ``changes`` (the fee_changes habit) sets a line's amount, adds
    a line the portal does not normally charge, or (None) leaves a line out."""
    amount = parse_amount(prepaid or "") or 0.0
    usual = dict(list(lines) + ([(PREPAID_LINE, amount)] if amount > 0 else []))
    charged: dict[str, float | None] = {**usual, **changes}  # changed first, extra lines last
    conn.executemany(
        "INSERT INTO fees (order_no, line, original_amount, final_amount) VALUES (?, ?, ?, ?)",
        [(order_no, line, value, value) for line, value in charged.items() if value is not None],
    )


def _mobile_service(conn: sqlite3.Connection, mobile: dict[str, Any], brand: str, plan: str,
                    account_id: str, customer_id: str, order_no: str) -> None:
    conn.execute(
        "INSERT INTO services (service_id, kind, number, brand, plan, evdo, account_id,"
        " customer_id, uim, imei, order_no) VALUES (?, 'mobile', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (new_id(conn, "service"), mobile["number"], brand, plan, int(mobile["evdo"]),
         account_id, customer_id, mobile["uim"], mobile["imei"], order_no),
    )
    members.mark_used(conn, mobile["number"], mobile["uim"])


def install_missing(draft: dict[str, Any]) -> str | None:
    if "customer" not in draft:
        return "请先填写客户信息"
    if not draft.get("plan"):
        return "请先选择品牌和计划"
    if not draft.get("mobile", {}).get("saved"):
        return "请先添加套餐内手机"
    if not draft.get("broadband", {}).get("saved"):
        return "请先添加套餐内宽带"
    return None


def submit_install(conn: sqlite3.Connection, staff: Staff, draft: dict[str, Any],
                   habits: Habits) -> str:
    """Create everything at once; no double-submit protection, as in the real portal."""
    cust, mobile, broadband = draft["customer"], draft["mobile"], draft["broadband"]
    with conn:
        order_no = _order_no(conn)
        customer_id = cust.get("customer_id")  # a customer found by the 证件号码
        if customer_id is None:
            customer_id = new_id(conn, "customer")
            conn.execute(
                "INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?, ?)",
                (customer_id, cust["name"], cust["id_type"], cust["id_number"], cust["phone"],
                 cust["address"], cust["group"]),
            )
        # Drafts name accounts by placeholders; real ids are given out now.
        ids: dict[str, str] = {}
        for placeholder in (mobile["account"], broadband["account"]):
            if placeholder not in ids:
                ids[placeholder] = new_id(conn, "account")
                conn.execute("INSERT INTO accounts VALUES (?, ?, ?)",
                             (ids[placeholder], customer_id, cust["name"]))
        _mobile_service(conn, mobile, draft["brand"], draft["plan"], ids[mobile["account"]],
                        customer_id, order_no)
        access = f"{habits.area_code}{db.next_counter(conn, 'access', 70000001):08d}"
        term_end = db.month_end(db.business_date(conn), 12).isoformat()
        conn.execute(
            "INSERT INTO services (service_id, kind, number, brand, plan, evdo, account_id,"
            " customer_id, term_end, bandwidth, broadband_account, standard_address,"
            " install_address, order_no)"
            " VALUES (?, 'broadband', ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?)",
            (new_id(conn, "service"), access, draft["brand"], draft["plan"],
             ids[broadband["account"]], customer_id, term_end, broadband["bandwidth"],
             broadband["broadband_account"], broadband["standard_address"],
             broadband["install_address"], order_no),
        )
        conn.execute(
            "INSERT INTO orders VALUES (?, '新装', ?, ?, ?, '待收费', ?, ?)",
            (order_no, staff.staff_id, mobile["remark"], now_text(conn), customer_id,
             f"{access},{mobile['number']}"),
        )
        _fees(conn, order_no, INSTALL_FEES, mobile.get("prepaid", ""), habits.fee_changes)
    return order_no


def addon_missing(draft: dict[str, Any]) -> str | None:
    if not draft.get("attrs_done"):
        return "请先完成老宽带用户信息变更"
    if not draft.get("mobile", {}).get("saved"):
        return "请先添加套餐内手机"
    return None


def submit_addon(conn: sqlite3.Connection, staff: Staff, draft: dict[str, Any],
                 habits: Habits) -> str:
    user, mobile = draft["user"], draft["mobile"]
    with conn:
        order_no = _order_no(conn)
        account_id = mobile["account"]
        if account_id == "new":
            account_id = new_id(conn, "account")
            conn.execute("INSERT INTO accounts VALUES (?, ?, ?)",
                         (account_id, user["customer_id"], user["name"]))
        conn.execute(
            "UPDATE services SET brand = ?, plan = ?, attrs = ?, install_address = ?,"
            " order_no = ? WHERE service_id = ?",
            (draft["brand"], draft["pack"], json.dumps(draft["attrs"], ensure_ascii=False),
             draft["attrs"]["install_address"], order_no, user["service_id"]),
        )
        _mobile_service(conn, mobile, draft["brand"], draft["pack"], account_id,
                        user["customer_id"], order_no)
        conn.execute(
            "INSERT INTO orders VALUES (?, '加装', ?, ?, ?, '待收费', ?, ?)",
            (order_no, staff.staff_id, mobile["remark"], now_text(conn), user["customer_id"],
             f"{user['number']},{mobile['number']}"),
        )
        _fees(conn, order_no, RENEWAL_FEES, mobile.get("prepaid", ""), habits.fee_changes)
    return order_no
