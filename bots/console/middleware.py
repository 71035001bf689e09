"""What every response of the console gets: the user's language for the whole request,
headers that keep its pages out of frames, sniffing and other sites' scripts, and an answer
to HEAD wherever GET has one (a monitor's "is it up?").

It knows ASGI messages and cookies; it does not know pages or users.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any

from bots.messages import language_of

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),  # pages hold customers' data: not for shared caches
]
# the console's own pages: its own scripts and styles only, nothing inline
PAGE_POLICY = (
    b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
    b" object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class Language:
    """Run the request in the language its cookie names (else the process's: Chinese)."""

    def __init__(self, app: Any, cookie: str) -> None:
        self.app, self.cookie = app, cookie

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        jar = SimpleCookie(headers.get(b"cookie", b"").decode("latin-1"))
        chosen = jar[self.cookie].value if self.cookie in jar else None
        with language_of(chosen):
            await self.app(scope, receive, send)


class SecurityHeaders:
    """Add ``SECURITY_HEADERS``, and ``PAGE_POLICY`` unless the response set its own policy
    (a run report, which is shown sandboxed)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                names = {name.lower() for name, _ in headers}
                headers += [(n, v) for n, v in SECURITY_HEADERS if n not in names]
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", PAGE_POLICY))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class Head:
    """Answer a HEAD request as its GET, without the body: the routes declare GET only, and
    an uptime check's HEAD / got 405 Method Not Allowed."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Any) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
