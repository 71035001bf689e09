"""Legacy mode speaks GBK: pages go out in GBK, and forms and query strings come in GBK.

A browser sends a form in the encoding of the page that holds it, without saying so (no
charset on ``application/x-www-form-urlencoded``), and the query of a GET form the same
way. The application servers of that era were simply told the encoding; this middleware
is that setting: in legacy mode it decodes every query string and form body as GBK and
hands the routers the same UTF-8 the modern mode gets. AJAX calls are left alone: the
portal's scripts send UTF-8 (``encodeURIComponent``), as the script libraries of the time
did. It knows bytes and the ``legacy`` habit, not the screens.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_ENCODING = "gbk"
# the browser's "GBK" encoder is GB18030's: decode with the superset
FORM_ENCODING = "gb18030"
FORM_TYPE = b"application/x-www-form-urlencoded"
EXEMPT = ("/qa/", "/static/")


def gbk_html(html: str, status_code: int = 200) -> Response:
    """A page in GBK; a character GBK lacks becomes a numeric reference, as JSPs wrote it."""
    return Response(html.encode(PAGE_ENCODING, "xmlcharrefreplace"), status_code,
                    media_type="text/html; charset=GBK")


def _utf8_query(raw: bytes) -> bytes:
    pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True,
                      encoding=FORM_ENCODING, errors="replace")
    return urlencode(pairs).encode("ascii")


class LegacyCharset:
    """ASGI middleware: GBK query strings and form bodies as UTF-8, in legacy mode only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._applies(scope):
            await self.app(scope, receive, send)
            return
        scope = dict(scope, query_string=_utf8_query(scope.get("query_string", b"")))
        headers: dict[bytes, bytes] = dict(scope["headers"])
        if scope["method"] != "POST" or not headers.get(b"content-type", b"").startswith(
                FORM_TYPE):
            await self.app(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        body = _utf8_query(body)
        scope["headers"] = [(k, v) for k, v in scope["headers"] if k != b"content-length"] + [
            (b"content-length", str(len(body)).encode())]
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()  # the disconnect, whenever it comes
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    @staticmethod
    def _applies(scope: Scope) -> bool:
        app: Any = scope.get("app")
        if app is None or not app.state.habits.legacy:
            return False
        if str(scope.get("path", "")).startswith(EXEMPT):
            return False
        return not any(key == b"x-requested-with" and value.lower() == b"xmlhttprequest"
                       for key, value in scope["headers"])
