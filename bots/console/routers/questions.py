"""Questions the flows are asking a person (a 金库 approver's code, a login 验证码), each
with its picture, answered here by an operator as ``bots answer`` would.

It knows the ledger's questions and who may answer them (运维员 and up). It does not know
what a question means or how long a worker waits: the answer goes through the ledger to
the worker that asked, which keeps the order's page meanwhile.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from bots.console.web import Ledger, Operator, Signed, Viewer, back_to, render
from bots.errors import BadInput
from bots.ledger import Store

router = APIRouter()


def _page(
    request: Request, store: Store, viewer: Viewer, *, error: str | None = None, status: int = 200
) -> Response:
    return render(
        request, "questions/list.html.j2", viewer, status=status, questions=store.questions(),
        error=error, answered=request.query_params.get("answered"),
    )  # fmt: skip


@router.get("/questions", response_class=HTMLResponse)
def questions(request: Request, store: Ledger, viewer: Signed) -> Response:
    return _page(request, store, viewer)


@router.post("/questions/answer")
def answer(
    request: Request,
    store: Ledger,
    viewer: Operator,
    reference: str = Form(...),
    value: str = Form(""),
) -> Response:
    try:
        asked = store.answer(reference, value, actor=viewer.actor)
    except BadInput as error:  # no open question (answered meanwhile, timed out), bad form
        return _page(request, store, viewer, error=error.message, status=409)
    return back_to(f"/questions?answered={quote(asked.reference, safe='')}")
