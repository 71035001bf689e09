"""What needs a person at the portal: the 金库 approval of a 下调/免收 and the login 验证码.

金库 (4A) approval: with the ``approval`` habit, an order's first 下调 asks for an approver's
工号; 发送验证码 "sends" a 6-digit code to the approver's phone — here it is only written
down, and shown to QA at ``/qa/approvals`` — valid ``approval_ttl_s`` seconds. 确定 with the
right, fresh code approves every 下调 of that order; a wrong or expired code is refused and
nothing is lowered. Login 验证码 (habit ``login_captcha``): each login page gets a 4-digit
code drawn as a picture; its text is shown to QA at ``/qa/captchas``; a login is refused
without it. It knows these tables and the clock, not the screens.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from html import escape
from typing import Any

# the people who may approve (their phones get the codes)
APPROVERS = {"JK0001": "李建国", "JK0002": "周慧"}
CAPTCHA_TTL_S = 300.0


def needed(conn: sqlite3.Connection, habits: Any, order_no: str) -> bool:
    """Whether a 下调 of this order still needs its approval."""
    if not habits.approval:
        return False
    row = conn.execute(
        "SELECT 1 FROM approvals WHERE order_no = ? AND status = 'approved'", (order_no,)
    ).fetchone()
    return row is None


def send_code(conn: sqlite3.Connection, order_no: str, approver: str, staff_id: str,
              ttl: float) -> str | None:
    """Issue a code for ``approver``; the refusal's text, or None when sent."""
    if not approver:
        return "审批工号不能为空"
    if approver not in APPROVERS:
        return "审批工号不存在"
    now = time.time()
    with conn:
        conn.execute(
            "INSERT INTO approvals (order_no, approver, code, staff_id, issued, expires, status)"
            " VALUES (?, ?, ?, ?, ?, ?, 'sent')",
            (order_no, approver, f"{secrets.randbelow(10**6):06d}", staff_id, now, now + ttl),
        )
    return None


def approve(conn: sqlite3.Connection, order_no: str, approver: str, code: str) -> str | None:
    """Check the code given for the order's latest code sent to ``approver``; the refusal's
    text, or None when approved (then every 下调 of the order is)."""
    if not approver or not code:
        return "请填写审批工号和短信验证码"
    row = conn.execute(
        "SELECT * FROM approvals WHERE order_no = ? AND approver = ? AND status = 'sent'"
        " ORDER BY approval_id DESC LIMIT 1", (order_no, approver),
    ).fetchone()
    if row is None:
        return "请先发送审批验证码"
    if time.time() > row["expires"]:
        return "审批验证码已过期"
    if code != row["code"]:
        with conn:
            conn.execute("UPDATE approvals SET wrong = wrong + 1 WHERE approval_id = ?",
                         (row["approval_id"],))
        return "审批验证码错误"
    with conn:
        conn.execute("UPDATE approvals SET status = 'approved', approved = ? WHERE approval_id = ?",
                     (time.time(), row["approval_id"]))
    return None


def approvals(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every code sent, newest last, as QA sees them (the approver's phone)."""
    now = time.time()
    rows = [dict(r) for r in conn.execute("SELECT * FROM approvals ORDER BY approval_id")]
    for row in rows:
        row["valid"] = row["status"] == "sent" and now <= row["expires"]
    return rows


def new_captcha(conn: sqlite3.Connection) -> str:
    """A fresh 验证码 for one login page; its key."""
    key = secrets.token_hex(8)
    with conn:
        conn.execute("INSERT INTO captchas (key, code, issued) VALUES (?, ?, ?)",
                     (key, f"{secrets.randbelow(10**4):04d}", time.time()))
    return key


def captcha_refusal(conn: sqlite3.Connection, key: str, code: str) -> str | None:
    """Spend the login page's 验证码 (one try each, as a refused login shows a new one);
    the refusal's text, or None when right."""
    row = conn.execute("SELECT * FROM captchas WHERE key = ?", (key,)).fetchone()
    if row is None or row["used"] or time.time() - row["issued"] > CAPTCHA_TTL_S:
        return "验证码已失效,请重新输入"
    with conn:
        conn.execute("UPDATE captchas SET used = 1 WHERE key = ?", (key,))
    if not code:
        return "验证码不能为空"
    return None if code == row["code"] else "验证码错误"


def captcha_svg(conn: sqlite3.Connection, key: str) -> str | None:
    """The picture of a 验证码: its digits, tilted, over a few lines."""
    row = conn.execute("SELECT code FROM captchas WHERE key = ?", (key,)).fetchone()
    if row is None:
        return None
    digits = "".join(
        f'<text x="{8 + 18 * i}" y="{24 + (i % 2) * 4}" transform="rotate({(-12, 9, -6, 14)[i]}'
        f' {12 + 18 * i} 20)">{escape(d)}</text>'
        for i, d in enumerate(row["code"])
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="84" height="32" viewBox="0 0 84 32">'
        '<rect width="84" height="32" fill="#eef3e6"/>'
        '<path d="M0 9 L84 25 M0 27 L84 5" stroke="#9ab" stroke-width="1"/>'
        '<g font-family="monospace" font-size="20" font-weight="bold" fill="#335">'
        f"{digits}</g></svg>"
    )


def captchas(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every 验证码 shown, newest last, as QA sees them."""
    return [dict(r) for r in conn.execute("SELECT key, code, issued, used FROM captchas"
                                          " ORDER BY rowid")]
