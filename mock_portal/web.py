"""Shared plumbing for the routers: templates, the db and session dependencies.

Two template sets share the screens: the modern one, and legacy mode's, which looks in
``templates/legacy/`` first (its shell, base page and form macros) and falls back to the
modern screens, so a screen is written once and only its frame differs.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, pass_context
from markupsafe import Markup

from mock_portal import db
from mock_portal.charset import gbk_html
from mock_portal.rules import mask_id
from mock_portal.tokens import EXEMPT as TOKEN_EXEMPT
from mock_portal.tokens import FIELD as TOKEN_FIELD
from mock_portal.tokens import StaleForm

COOKIE = "YZSESSIONID"
LOGIN_REASONS = {
    "timeout": "会话已超时,请重新登录",
    "kicked": "您的工号已在别处登录",
    "logout": "您已安全退出",
}

TEMPLATES = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES))
legacy_templates = Jinja2Templates(env=Environment(
    loader=ChoiceLoader([FileSystemLoader(TEMPLATES / "legacy"), FileSystemLoader(TEMPLATES)]),
    autoescape=True))


@pass_context
def eid(ctx: Any, name: str) -> str:
    """An element id; with the random-ids habit a fresh ext-gen id per page load."""
    request: Request = ctx["request"]
    if not request.app.state.habits.random_ids:
        return name
    ids: dict[str, str] = request.state.__dict__.setdefault("eids", {})
    if name not in ids:
        rng: random.Random = request.app.state.id_rng
        taken = set(ids.values())
        candidate = f"ext-gen{rng.randrange(1000, 100000)}"
        while candidate in taken:
            candidate = f"ext-gen{rng.randrange(1000, 100000)}"
        ids[name] = candidate
    return ids[name]


@pass_context
def form_token(ctx: Any) -> Markup:
    """Legacy mode: the hidden token of a POST form (nothing in the modern mode)."""
    request: Request = ctx["request"]
    if not request.app.state.habits.legacy:
        return Markup("")
    token = request.app.state.form_tokens.issue(request.cookies.get(COOKIE, ""))
    return Markup('<input type="hidden" name="{}" value="{}">').format(TOKEN_FIELD, token)


@pass_context
def caption(ctx: Any, text: str) -> str:
    """A field's caption as this release of the portal words it (habit renamed_captions)."""
    request: Request = ctx["request"]
    return str(request.app.state.habits.renamed_captions.get(text, text))


def money(value: float) -> str:
    return f"{value:.2f}"


for _env in (templates.env, legacy_templates.env):
    _env.globals.update(eid=eid, form_token=form_token)
    _env.filters.update(mask=mask_id, money=money, caption=caption)


def legacy(request: Request) -> bool:
    return bool(request.app.state.habits.legacy)


def render(request: Request, name: str, **context: Any) -> Response:
    if legacy(request):
        page = legacy_templates.env.get_template(name).render(request=request, **context)
        return gbk_html(page)
    return templates.TemplateResponse(request, name, context)


async def check_form_token(request: Request) -> None:
    """Legacy mode: a POST form must carry a fresh, unused token of this session."""
    path = request.url.path
    if (request.method != "POST" or not legacy(request) or path.startswith("/qa/")
            or path in TOKEN_EXEMPT):
        return
    form = await request.form()
    token = form.get(TOKEN_FIELD)
    habits = request.app.state.habits
    if not isinstance(token, str) or not request.app.state.form_tokens.spend(
            token, request.cookies.get(COOKIE, ""), habits.form_token_ttl_s):
        raise StaleForm()


def is_ajax(request: Request) -> bool:
    return request.headers.get("x-requested-with") == "XMLHttpRequest"


def get_db(request: Request) -> Iterator[sqlite3.Connection]:
    """One connection per request, requests serialised: the mock favours simple over fast."""
    lock = request.app.state.db_lock
    lock.acquire()
    conn = db.connect(request.app.state.db_path)
    try:
        yield conn
    finally:
        conn.close()
        lock.release()


@dataclass(frozen=True)
class Staff:
    token: str
    staff_id: str
    name: str


class LoginRequired(Exception):
    """The request has no live session; ``reason`` is a key of LOGIN_REASONS or ''."""

    def __init__(self, reason: str = "") -> None:
        super().__init__(reason)
        self.reason = reason


def login_redirect(request: Request, exc: Exception) -> Response:
    reason = exc.reason if isinstance(exc, LoginRequired) else ""
    url = f"/login?reason={reason}" if reason else "/login"
    if is_ajax(request):
        return JSONResponse({"error": LOGIN_REASONS.get(reason, "请先登录"), "login": url}, 401)
    return RedirectResponse(url, status_code=303)


def current_staff(
    request: Request, conn: Annotated[sqlite3.Connection, Depends(get_db)]
) -> Staff:
    token = request.cookies.get(COOKIE)
    row = conn.execute(
        "SELECT s.token, s.staff_id, s.last_seen, s.ended, t.name FROM sessions s"
        " JOIN staff t ON t.staff_id = s.staff_id WHERE s.token = ?",
        (token or "",),
    ).fetchone()
    if row is None:
        raise LoginRequired()
    if row["ended"]:
        raise LoginRequired(row["ended"])
    now = time.time()
    expiry = request.app.state.habits.session_expiry_s
    with conn:
        if expiry and now - row["last_seen"] > expiry:
            conn.execute("UPDATE sessions SET ended = 'timeout' WHERE token = ?", (row["token"],))
            ended = True
        else:
            conn.execute("UPDATE sessions SET last_seen = ? WHERE token = ?", (now, row["token"]))
            ended = False
    if ended:
        raise LoginRequired("timeout")
    return Staff(row["token"], row["staff_id"], row["name"])


def now_text(conn: sqlite3.Connection) -> str:
    """Business date with the wall-clock time of day."""
    return f"{db.business_date(conn).isoformat()} {time.strftime('%H:%M:%S')}"


async def form_fields(request: Request) -> dict[str, str]:
    """The posted form as plain strings (the portal has no file uploads)."""
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


DB = Annotated[sqlite3.Connection, Depends(get_db)]
CurrentStaff = Annotated[Staff, Depends(current_staff)]
FormData = Annotated[dict[str, str], Depends(form_fields)]
