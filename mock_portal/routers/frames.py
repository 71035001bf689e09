"""Legacy mode's frameset shell: the banner, the menu tree and the tabbed work frame.

``/`` (routers/auth.py) answers the frameset in legacy mode; these are its frames. In the
modern mode they do not exist (404): its shell is one page with an iframe.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from mock_portal.web import CurrentStaff, legacy, render

router = APIRouter(prefix="/frame")


def _frame(request: Request, name: str, **context: object) -> Response:
    if not legacy(request):
        raise HTTPException(404)
    return render(request, f"shell/{name}.html", **context)


@router.get("/top", response_class=HTMLResponse)
def top(request: Request, staff: CurrentStaff) -> Response:
    return _frame(request, "top", staff=staff)


@router.get("/menu", response_class=HTMLResponse)
def menu(request: Request, staff: CurrentStaff, notice: int = 0) -> Response:
    return _frame(request, "menu", staff=staff, notice=bool(notice))


@router.get("/tabs", response_class=HTMLResponse)
def tabs(request: Request, staff: CurrentStaff) -> Response:
    return _frame(request, "tabs", staff=staff)
