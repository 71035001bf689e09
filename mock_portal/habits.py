"""The habits middleware: latency and busy pages, seeded, before anything else happens."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from mock_portal.config import Habits
from mock_portal.web import is_ajax

BUSY_TEXT = "系统繁忙,请稍后再试"
BUSY_PAGE = (
    '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>系统提示</title>'
    '<link rel="stylesheet" href="/static/portal.css"></head><body class="page">'
    f'<div class="busy error" role="alert">{BUSY_TEXT}</div></body></html>'
)
EXEMPT = ("/qa/", "/static/")


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
        if is_ajax(request):
            return JSONResponse({"error": BUSY_TEXT, "busy": True})
        return HTMLResponse(BUSY_PAGE)
    return await call_next(request)
