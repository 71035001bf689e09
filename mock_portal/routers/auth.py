"""Login, the shell (top bar, menu, iframe work area), logout."""

from __future__ import annotations

import secrets
import sqlite3
import time
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mock_portal import approvals
from mock_portal.rules import first_missing
from mock_portal.web import COOKIE, DB, LOGIN_REASONS, CurrentStaff, render

router = APIRouter()


def _login_page(request: Request, conn: sqlite3.Connection, **context: Any) -> Response:
    """The login form; with the login_captcha habit, a fresh 验证码 picture on each."""
    captcha = approvals.new_captcha(conn) if request.app.state.habits.login_captcha else None
    return render(request, "auth/login.html", captcha=captcha, **context)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, conn: DB, reason: str = "") -> Response:
    return _login_page(request, conn, error=LOGIN_REASONS.get(reason), staff_id="")


@router.get("/captcha/{key}.svg")
def captcha_picture(key: str, conn: DB) -> Response:
    picture = approvals.captcha_svg(conn, key)
    if picture is None:
        return Response(status_code=404)
    return Response(picture, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


@router.post("/login")
def login(
    request: Request,
    staff_id: str = Form(""),
    password: str = Form(""),
    captcha_key: str = Form(""),
    captcha: str = Form(""), *,
    conn: DB) -> Response:
    staff_id = staff_id.strip()
    error = first_missing([("工号", staff_id), ("密码", password)])
    if error is None and request.app.state.habits.login_captcha:
        error = approvals.captcha_refusal(conn, captcha_key, captcha.strip())
    if error is None:
        row = conn.execute(
            "SELECT password FROM staff WHERE staff_id = ?", (staff_id,)
        ).fetchone()
        if row is None or row["password"] != password:
            error = "工号或密码错误"
    if error:
        return _login_page(request, conn, error=error, staff_id=staff_id)
    token = secrets.token_hex(16)
    now = time.time()
    with conn:
        # One live session per staff id: the newest login wins.
        conn.execute(
            "UPDATE sessions SET ended = 'kicked' WHERE staff_id = ? AND ended IS NULL",
            (staff_id,),
        )
        conn.execute(
            "INSERT INTO sessions (token, staff_id, created, last_seen, notice_pending)"
            " VALUES (?, ?, ?, ?, ?)",
            (token, staff_id, now, now, int(request.app.state.habits.notice)),
        )
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="lax", path="/")
    return response


@router.get("/", response_class=HTMLResponse)
def shell(
    request: Request,
    staff: CurrentStaff,
    conn: DB) -> Response:
    row = conn.execute(
        "SELECT notice_pending FROM sessions WHERE token = ?", (staff.token,)
    ).fetchone()
    notice = bool(row["notice_pending"])
    if notice:
        with conn:
            conn.execute("UPDATE sessions SET notice_pending = 0 WHERE token = ?", (staff.token,))
    return render(request, "shell/shell.html", staff=staff, notice=notice)


@router.get("/welcome", response_class=HTMLResponse)
def welcome(request: Request, staff: CurrentStaff) -> Response:
    return render(request, "shell/welcome.html", staff=staff)


@router.get("/logout")
def logout(
    request: Request,
    staff: CurrentStaff,
    conn: DB) -> Response:
    with conn:
        conn.execute("UPDATE sessions SET ended = 'logout' WHERE token = ?", (staff.token,))
    response = RedirectResponse("/login?reason=logout", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
