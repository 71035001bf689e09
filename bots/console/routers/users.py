"""Users (管理员 only): who may sign in, with which role; add one, change a role, disable an
account, set a new password. A change of role or password signs the user out."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from bots.console import passwords
from bots.console.web import Admin, Ledger, Viewer, back_to, render
from bots.errors import BadInput
from bots.ledger import ROLES, Store
from bots.messages import t

router = APIRouter()


def _page(
    request: Request, store: Store, viewer: Viewer, error: str | None = None, status: int = 200
) -> Response:
    return render(request, "users/list.html.j2", viewer, status=status, users=store.users(),
                  roles=ROLES, error=error)  # fmt: skip


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, store: Ledger, viewer: Admin) -> Response:
    return _page(request, store, viewer)


@router.post("/users")
def add(
    request: Request,
    store: Ledger,
    viewer: Admin,
    name: str = Form(""),
    role: str = Form(""),
    password: str = Form(""),
) -> Response:
    try:
        store.add_user(name, role, passwords.hash_password(password))
    except BadInput as error:
        return _page(request, store, viewer, error.message, status=400)
    return back_to("/users")


@router.post("/users/{name}")
def change(
    request: Request,
    store: Ledger,
    viewer: Admin,
    name: str,
    role: str = Form(""),
    password: str = Form(""),
    disabled: str = Form(""),
) -> Response:
    try:
        if name == viewer.name and (disabled == "yes" or (role and role != viewer.role)):
            raise BadInput(t("不能停用自己或改自己的角色:请另一位管理员来改"))
        store.update_user(
            name,
            role=role or None,
            password_hash=passwords.hash_password(password) if password else None,
            disabled={"yes": True, "no": False}.get(disabled),
        )
    except BadInput as error:
        return _page(request, store, viewer, error.message, status=400)
    return back_to("/users")
