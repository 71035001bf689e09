"""The plumbing every router shares: the ledger for one request, who is signed in, what a
role may do, the CSRF check, and rendering a page in the user's language.

Permissions are checked here, in one place: ``Signed`` (any signed-in user) and
``role_at_least(…)``; every POST passes ``check_csrf``, which the app applies to every
route. It knows cookies, sessions and roles; it does not know what a page shows.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from loguru import logger

from bots.console.config import ConsoleConfig
from bots.errors import BotsError
from bots.ledger import ROLES, ConsoleSession, Store, open_store
from bots.messages import current, local_time, money, t
from bots.messages.terms import (
    CONSOLE_ACTOR,
    actor_name,
    history_kind_name,
    procedure_name,
    role_name,
    state_name,
    step_status_name,
    stop_name,
)

# a page waits this long for a ledger whose connection broke (bots work waits longer)
LEDGER_WAIT = 5.0
SESSION_COOKIE = "bots_console"
SIGN_IN_COOKIE = "bots_console_signin"  # the CSRF token of the sign-in form (no session yet)
LANGUAGE_COOKIE = "bots_console_lang"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


def colon() -> str:
    """The colon after a label, as the language writes it (``批次:``, ``batch: ``)."""
    return t(":")


def counted(n: object) -> str:
    """A count after a heading, as the language writes it (``运行中(2)``, ``running (2)``)."""
    return t("({n})", n=n)


templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
# every template is HTML (``.html.j2``): escape everything an order or a user wrote, always
templates.env.autoescape = True
templates.env.globals.update(
    t=t,
    state_name=state_name,
    procedure_name=procedure_name,
    role_name=role_name,
    history_kind_name=history_kind_name,
    actor_name=actor_name,
    stop_name=stop_name,
    step_status_name=step_status_name,
    money=money,
    language=current,
    colon=colon,
    counted=counted,
)


templates.env.filters["when"] = local_time


def token_hash(token: str) -> str:
    """What the ledger keeps of a session token: its SHA-256 (the token is in the cookie)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


class LoginRequired(Exception):
    """No live session: the page sends the user to sign in (and back afterwards)."""


class Forbidden(Exception):
    """Signed in, but not allowed: the role is too low, or the CSRF token is missing."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def config_of(request: Request) -> ConsoleConfig:
    config: ConsoleConfig = request.app.state.config
    return config


def get_store(request: Request) -> Iterator[Store]:
    """The ledger for one request, closed when the response is sent."""
    store = open_store(
        config_of(request).db_url, mode="write", check_schema=False,
        reconnect_seconds=LEDGER_WAIT,
    )  # fmt: skip
    try:
        yield store
    finally:
        store.close()


Ledger = Annotated[Store, Depends(get_store)]


@dataclass(frozen=True)
class Viewer:
    """The signed-in user as a page needs them."""

    name: str
    role: str
    csrf: str
    language: str | None

    def can(self, role: str) -> bool:
        """Whether this user's role is ``role`` or above it (clerk < operator < admin)."""
        return ROLES.index(self.role) >= ROLES.index(role)

    @property
    def actor(self) -> str:
        """Who did it, as the item's history says (and ``bots show`` prints)."""
        return f"{CONSOLE_ACTOR}{self.name}"


def session_of(request: Request, store: Ledger) -> ConsoleSession | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    return store.session(token_hash(token), idle=config_of(request).session_idle)


Session = Annotated[ConsoleSession | None, Depends(session_of)]


def signed_in(session: Session) -> Viewer:
    if session is None:
        raise LoginRequired()
    user = session.user
    return Viewer(user.name, user.role, session.csrf, user.language)


Signed = Annotated[Viewer, Depends(signed_in)]


def role_at_least(role: str) -> Any:
    """A dependency: the signed-in user, whose role must be ``role`` or above (403 else)."""

    def check(viewer: Signed) -> Viewer:
        if not viewer.can(role):
            raise Forbidden(t("需要{role}权限", role=role_name(role)))
        return viewer

    return Depends(check)


Operator = Annotated[Viewer, role_at_least("operator")]
Admin = Annotated[Viewer, role_at_least("admin")]


async def check_csrf(request: Request, session: Session) -> None:
    """Every POST carries the session's CSRF token (the sign-in form: its own cookie's)."""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    if session is None and request.url.path != "/login":
        raise LoginRequired()
    form = await request.form()
    sent = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    expected = session.csrf if session else request.cookies.get(SIGN_IN_COOKIE, "")
    if not (isinstance(sent, str) and sent and expected):
        raise Forbidden(t("表单缺少安全校验码:请刷新页面后重试"))
    if not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden(t("表单的安全校验码不对:请刷新页面后重试"))


def secure(request: Request) -> bool:
    chosen = config_of(request).secure_cookies
    return request.url.scheme == "https" if chosen is None else chosen


def set_cookie(request: Request, response: Response, name: str, value: str, **extra: Any) -> None:
    """Every cookie of the console: HttpOnly, SameSite=Strict, Secure over HTTPS."""
    response.set_cookie(
        name, value, httponly=True, samesite="strict", secure=secure(request), path="/", **extra
    )


def render(
    request: Request,
    template: str,
    viewer: Viewer | None = None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        template,
        {"viewer": viewer, "path": request.url.path, "here": here(request), **context},
        status_code=status,
    )


def here(request: Request) -> str:
    """Where the language switch leads back to: this page — or, for a page that answered a
    form (its address takes only a POST), the page the form was on."""
    if request.method == "GET":
        query = request.url.query
        return request.url.path + (f"?{query}" if query else "")
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.url.netloc and referer.path:
        return local_path(referer.path + (f"?{referer.query}" if referer.query else ""))
    return local_path(request.url.path.rsplit("/", 1)[0] or "/")


def back_to(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def sign_in_redirect(request: Request, error: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    where = "/login" if request.method != "GET" or target == "/" else f"/login?next={quote(target)}"
    return RedirectResponse(where, status_code=303)


def forbidden_page(request: Request, error: Exception) -> Response:
    reason = error.reason if isinstance(error, Forbidden) else t("不允许")
    return render(request, "errors/forbidden.html.j2", status=403, reason=reason)


def ledger_away(request: Request, error: Exception) -> Response:
    """The ledger cannot serve this page: what to do, in the console's own page, and the
    whole line (the ledger's address, the driver's words) in the console's log only — the
    page may be anyone's who reaches the console, signed in or not."""
    logger.warning(str(error))
    if isinstance(error, BotsError) and error.code == "ledger_lost" and error.context["sent"]:
        said = t("与账本的连接在写入时断了:这次改动可能已经生效,也可能没有;"
                 "先查看订单现在的状态,再决定是否重做")  # fmt: skip
    else:
        said = t("账本暂时连不上:稍后再试;一直如此请联系管理员(原因写在控制台的日志里)")
    return render(request, "errors/error.html.j2", status=503, code=503, detail=said)


def _said(status: int) -> str:
    """What a status the framework raised by itself means for the person who met it (its
    own detail is the English reason phrase)."""
    said = {
        404: t("没有这个页面:网址可能写错了,或这一项已经不在了"),
        405: t("这个网址不能直接打开:请回到订单页面,用页面上的按钮操作"),
    }
    return said.get(status, t("请求没有完成(HTTP {status}):请回到首页重试", status=status))


def error_page(request: Request, error: Exception) -> Response:
    status = getattr(error, "status_code", 500)
    detail = getattr(error, "detail", "") or ""
    if not detail or detail == HTTPStatus(status).phrase:
        detail = _said(status)
    return render(request, "errors/error.html.j2", status=status, code=status, detail=detail)


def bad_parameters(request: Request, error: Exception) -> Response:
    """A page asked for with parameters it cannot take (``?page=abc``): the console's page,
    naming them, instead of the framework's JSON."""
    found = error.errors() if isinstance(error, RequestValidationError) else []
    names = {str(e["loc"][-1]) for e in found if e.get("loc")}
    detail = t("网址里的参数不对:{names};请回到首页重新打开这个页面",
               names=t("、").join(sorted(names)) or "-")  # fmt: skip
    return render(request, "errors/error.html.j2", status=400, code=400, detail=detail)


def local_path(target: str | None, default: str = "/") -> str:
    """``target`` if it is a path of this console (never another site), else ``default``."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return default
