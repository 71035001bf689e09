"""The mock portal with a stopwatch: ``python -m mock_portal`` as it is, plus one outer
middleware that notes when the first portal request of a run arrives and when the last
answer leaves, so the peer bench times every tool by the same outside clock.

    python bench/peer/clocked_portal.py [the options of python -m mock_portal]

``GET /bench/clock`` returns ``{"first": t, "last": t, "requests": n}`` (``time.time()`` of
this machine) for the requests since the previous call, and starts counting afresh. The QA
interface and the clock itself are not counted; pages, static files and AJAX calls are.
The portal's own code is not touched: ``mock_portal.server.create_app`` is wrapped here.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from fastapi import FastAPI, Request, Response  # noqa: E402

from mock_portal import server  # noqa: E402
from mock_portal.config import PortalConfig  # noqa: E402

NOT_COUNTED = ("/qa/", "/bench/")


def clocked(create_app: Callable[[PortalConfig], FastAPI]) -> Callable[[PortalConfig], FastAPI]:
    def create(config: PortalConfig) -> FastAPI:
        app = create_app(config)
        clock: dict[str, Any] = {"first": None, "last": None, "requests": 0}

        async def stamp(
            request: Request, call_next: Callable[[Request], Awaitable[Response]]
        ) -> Response:
            if request.url.path.startswith(NOT_COUNTED):
                return await call_next(request)
            if clock["first"] is None:
                clock["first"] = time.time()
            response = await call_next(request)
            clock["last"] = time.time()
            clock["requests"] += 1
            return response

        # added last, so outermost: it sees a request before the habits (latency) do
        app.middleware("http")(stamp)

        @app.get("/bench/clock")
        def read_clock() -> dict[str, Any]:
            taken = dict(clock)
            clock.update(first=None, last=None, requests=0)
            return taken

        return app

    return create


if __name__ == "__main__":
    server.create_app = clocked(server.create_app)  # type: ignore[assignment]
    server.main()
