"""One order: its data (masked), attempts with their steps, the failing step's picture and
reason up front, run reports and traces, its history with who did what; and the
operator's buttons — edit, replay (a business refusal is confirmed first), cancel, mark
reviewed — each through the ledger's own verbs, as the command line uses them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from bots.console import forms, views
from bots.console.artifacts import REPORT_POLICY, TYPES, run_folder, served
from bots.console.web import Ledger, Operator, Signed, Viewer, back_to, config_of, render
from bots.errors import BadInput
from bots.ledger import IllegalTransition, NotFound, Store, WorkItem
from bots.ledger.mask import mask_text
from bots.ledger.model import quoted_steps, sent_commits
from bots.masking import is_sensitive
from bots.messages import t
from bots.messages.terms import state_name

router = APIRouter()


def _item(store: Store, ref: str) -> WorkItem:
    try:
        return store.get(ref)
    except NotFound:
        raise HTTPException(404, t("没有这个订单:{ref}", ref=ref)) from None


def _page(
    request: Request, store: Store, viewer: Viewer, ref: str, error: str | None = None,
    status: int = 200, saved: bool = False,
) -> Response:  # fmt: skip
    item = _item(store, ref)
    history = store.history(ref)
    attempts = views.attempts_of(item, history, config_of(request).runs_root)
    # what reached the portal: listed beside why it failed (so what is not), and in the
    # question 取消订单 asks first
    sent = sent_commits(item, history)
    return render(
        request, "orders/show.html.j2", viewer, status=status, item=item,
        row=views.row_of(item), fields=views.order_fields(item),
        outputs=views.outputs_shown(item), attempts=attempts,
        failed=next((a for a in attempts if a.picture or a.error), None),
        history=views.history_of(item, history), allowed=views.allowed(item), error=error,
        reason=mask_text(item.error_message, views.hidden(item)), seen=views.seen(item),
        cancel_question=views.cancel_question(sent), sent_steps=quoted_steps(sent),
        saved=saved,
    )  # fmt: skip


def _changed(request: Request, store: Store, viewer: Viewer, item: WorkItem) -> Response:
    """The order's page as it is now, saying the operator's form was made before it changed."""
    return _page(
        request, store, viewer, item.reference, status=409,
        error=t("订单在您打开页面之后已有变化(现在是{state}):请看过最新情况后再操作",
                state=state_name(item.state.value)),
    )  # fmt: skip


@router.get("/orders/{ref}", response_class=HTMLResponse)
def order(request: Request, store: Ledger, viewer: Signed, ref: str) -> Response:
    # (saved=1: the page the operator's saved edit leads to says it was saved)
    return _page(request, store, viewer, ref, saved=request.query_params.get("saved") == "1")


@router.get("/orders/{ref}/edit", response_class=HTMLResponse)
def edit_form(request: Request, store: Ledger, viewer: Operator, ref: str) -> Response:
    item = _item(store, ref)
    return render(request, "orders/edit.html.j2", viewer, item=item,
                  fields=forms.fields(item), other=[], seen=views.seen(item),
                  sent=views.sent(item, store.history(ref)))  # fmt: skip


@router.post("/orders/{ref}/edit", response_class=HTMLResponse)
async def edit(request: Request, store: Ledger, viewer: Operator, ref: str) -> Response:
    # the form's fields are the order's, so it is read whole; the ledger's work then runs
    # in the thread pool, like every other page's
    form = await request.form()
    posted = {key: value for key, value in form.items() if isinstance(value, str)}
    return await run_in_threadpool(_save_edit, request, store, viewer, ref, posted)


def _save_edit(
    request: Request, store: Store, viewer: Viewer, ref: str, posted: dict[str, str]
) -> Response:
    item = _item(store, ref)
    sent = views.sent(item, store.history(ref))
    if views.stale(item, posted.get("seen", "")):
        if "edit" not in views.allowed(item):
            return _changed(request, store, viewer, item)  # e.g. a worker took it meanwhile
        # e.g. another operator's save came between: saved over it, it would be undone unseen
        return render(
            request, "orders/edit.html.j2", viewer, sent=sent, status=409, item=item,
            fields=forms.fields(item), seen=views.seen(item),
            other=[t("订单在您打开修改页之后已有变化(现在是{state}):下面是现在的数据,请看过后重新修改",
                     state=state_name(item.state.value))],
        )  # fmt: skip
    changes = forms.changes(item, posted)
    if not changes:
        return render(request, "orders/edit.html.j2", viewer, sent=sent, status=400, item=item,
                      fields=forms.fields(item, posted), other=[t("没有改动任何字段")],
                      seen=views.seen(item))  # fmt: skip
    try:
        store.edit(ref, changes, forms.validator(ref), actor=viewer.actor)
    except BadInput as error:
        if error.code == "no_change":  # typed again as it was (full-width digits, say)
            return render(request, "orders/edit.html.j2", viewer, sent=sent, status=400, item=item,
                          fields=forms.fields(item, posted), other=[t("没有改动任何字段")],
                          seen=views.seen(item))  # fmt: skip
        # a reason may quote what was typed: a personal value typed in is hidden there too
        typed = {v for path, v in changes.items() if is_sensitive(path)} | views.hidden(item)
        by_field, other = forms.problems(error)
        by_field = {path: mask_text(reason, typed) for path, reason in by_field.items()}
        return render(
            request, "orders/edit.html.j2", viewer, sent=sent, status=400, item=item,
            fields=forms.fields(item, posted, by_field),
            other=[mask_text(line, typed) for line in other], seen=views.seen(item),
        )  # fmt: skip
    except IllegalTransition as error:
        return _page(request, store, viewer, ref, error=error.message, status=409)
    return back_to(f"/orders/{ref}?saved=1")


@router.post("/orders/{ref}/replay")
def replay(
    request: Request, store: Ledger, viewer: Operator, ref: str, confirm: str = Form(""),
    seen: str = Form(""),
) -> Response:  # fmt: skip
    item = _item(store, ref)
    if views.stale(item, seen):
        return _changed(request, store, viewer, item)
    if views.needs_confirmation(item) and confirm != "yes":
        return render(
            request, "orders/replay.html.j2", viewer, item=item,
            reason=mask_text(item.error_message, views.hidden(item)),
            edit=views.edited_since_failure(store.history(ref)), seen=views.seen(item),
        )  # fmt: skip
    try:
        store.replay([ref], actor=viewer.actor)
    except IllegalTransition as error:
        return _page(request, store, viewer, ref, error=error.message, status=409)
    return back_to(f"/orders/{ref}")


@router.post("/orders/{ref}/cancel")
def cancel(
    request: Request, store: Ledger, viewer: Operator, ref: str, seen: str = Form("")
) -> Response:
    return _button(request, store, viewer, ref, seen,
                   lambda: store.cancel(ref, actor=viewer.actor))  # fmt: skip


@router.post("/orders/{ref}/review")
def review(
    request: Request, store: Ledger, viewer: Operator, ref: str, note: str = Form(""),
    seen: str = Form(""),
) -> Response:  # fmt: skip
    return _button(request, store, viewer, ref, seen,
                   lambda: store.review(ref, actor=viewer.actor, note=note[:500]))  # fmt: skip


def _button(
    request: Request, store: Store, viewer: Viewer, ref: str, seen: str, verb: Callable[[], Any]
) -> Response:
    """An operator's button: nothing when its page was made before the order changed, else
    the ledger's verb, a refusal of it shown on the order's page."""
    item = _item(store, ref)
    if views.stale(item, seen):
        return _changed(request, store, viewer, item)
    try:
        verb()
    except IllegalTransition as error:
        return _page(request, store, viewer, ref, error=error.message, status=409)
    return back_to(f"/orders/{ref}")


@router.get("/orders/{ref}/attempts/{number}/{name:path}")
def artifact(
    request: Request, store: Ledger, viewer: Signed, ref: str, number: int, name: str
) -> Response:
    entry = next(
        (e for e in store.history(ref) if e.kind == "attempt" and e.attempt == number), None
    ) if _item(store, ref) else None  # fmt: skip
    folder = run_folder(config_of(request).runs_root, entry.artifact_dir if entry else None)
    target = served(folder, name) if folder else None
    if target is None:
        raise HTTPException(404, t("没有这个文件"))
    headers = {"Content-Security-Policy": REPORT_POLICY} if name == "report.html" else {}
    download = f"{ref}-attempt-{number}-trace.zip" if name == "trace.zip" else None
    return FileResponse(target, media_type=TYPES[target.suffix], headers=headers,
                        filename=download)  # fmt: skip
