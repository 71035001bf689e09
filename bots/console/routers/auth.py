"""Sign-in and sign-out, the language switch, and the front page (which sends each role
where its work is)."""

from __future__ import annotations

import math

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from bots.console import passwords, web
from bots.console.throttle import Throttle
from bots.console.web import Ledger, Signed, Viewer, back_to, render
from bots.messages import normalise, t

router = APIRouter()


def _sign_in_page(
    request: Request, error: str | None = None, name: str = "", status: int = 200
) -> Response:
    token = request.cookies.get(web.SIGN_IN_COOKIE) or web.new_token()
    response = render(
        request, "auth/login.html.j2", status=status, error=error, name=name,
        csrf=token, next=web.local_path(request.query_params.get("next"), ""),
    )  # fmt: skip
    web.set_cookie(request, response, web.SIGN_IN_COOKIE, token)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return _sign_in_page(request)


@router.post("/login")
def login(
    request: Request,
    store: Ledger,
    name: str = Form(""),
    password: str = Form(""),
    next: str = Form(""),  # noqa: A002 - the form field's name
) -> Response:
    throttle: Throttle = request.app.state.throttle
    name = name.strip()
    keys = (f"name:{name}", f"address:{request.client.host if request.client else '-'}")
    wait = throttle.wait(*keys)
    if wait > 0:
        minutes = max(1, math.ceil(wait / 60))
        error = t("登录失败次数过多:请{minutes}分钟后再试", minutes=minutes)
        return _sign_in_page(request, error, name, status=429)
    user = store.user(name) if name else None
    if user is None or user.disabled or not passwords.verify(user.password_hash, password):
        if user is None:
            passwords.verify(None, password)  # the same time for a name that does not exist
        throttle.failed(*keys)
        return _sign_in_page(request, t("用户名或密码错误"), name, status=401)
    throttle.succeeded(keys[0])
    if passwords.needs_rehash(user.password_hash):
        store.update_user(user.name, password_hash=passwords.hash_password(password))
    token, csrf = web.new_token(), web.new_token()
    config = web.config_of(request)
    store.open_session(web.token_hash(token), user.name, csrf, lifetime=config.session_lifetime)
    response = back_to(web.local_path(next, "/"))
    lifetime = int(config.session_lifetime.total_seconds())
    web.set_cookie(request, response, web.SESSION_COOKIE, token, max_age=lifetime)
    if user.language:
        web.set_cookie(request, response, web.LANGUAGE_COOKIE, user.language, max_age=lifetime)
    response.delete_cookie(web.SIGN_IN_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, store: Ledger, viewer: Signed) -> Response:
    token = request.cookies.get(web.SESSION_COOKIE)
    if token:
        store.close_session(web.token_hash(token))
    response = back_to("/login")
    response.delete_cookie(web.SESSION_COOKIE, path="/")
    return response


@router.post("/language")
def language(
    request: Request,
    store: Ledger,
    viewer: Signed,
    lang: str = Form(""),
    next: str = Form(""),  # noqa: A002 - the form field's name
) -> Response:
    chosen = normalise(lang)
    if chosen is None:  # only the switch's own buttons post here: nothing to explain
        return back_to(web.local_path(next))
    store.update_user(viewer.name, language=chosen)
    response = back_to(web.local_path(next))
    lifetime = int(web.config_of(request).session_lifetime.total_seconds())
    web.set_cookie(request, response, web.LANGUAGE_COOKIE, chosen, max_age=lifetime)
    return response


def home_of(viewer: Viewer) -> str:
    return "/queue" if viewer.can("operator") else "/batches"


@router.get("/")
def home(viewer: Signed) -> Response:
    return back_to(home_of(viewer))
