"""The habits middleware: latency and busy pages (seeded, or the next POSTs to a path),
before anything else happens."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.responses import Response

from mock_portal.config import Habits
from mock_portal.errorpages import fault_page
from mock_portal.web import is_ajax

EXEMPT = ("/qa/", "/static/", "/captcha/")


async def habits_middleware(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    if request.url.path.startswith(EXEMPT) or request.url.path == "/favicon.ico":
        return await call_next(request)
    habits: Habits = request.app.state.habits
    rng: random.Random = request.app.state.fault_rng
    lo, hi = habits.latency_ms
    if hi > 0:
        await asyncio.sleep(rng.uniform(lo, hi) / 1000)
    if habits.busy_share > 0 and rng.random() < habits.busy_share:
        return fault_page(habits.error_pages, is_ajax(request))
    path = request.url.path
    if request.method == "POST" and habits.busy_posts.get(path, 0) > 0:
        habits.busy_posts[path] -= 1
        return fault_page(habits.error_pages, is_ajax(request))
    return await call_next(request)
