"""``bots console``: the operator console over the ledger, and ``bots console user add``.

Glue only: the console is ``bots.console``; users live in the ledger, their passwords are
asked for here (never an option: it would stay in the shell's history) and stored hashed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from bots.cli.app import app
from bots.cli.cmd_db import DbOption
from bots.errors import BadInput
from bots.ledger import open_store, resolve_url
from bots.messages import t

console_app = typer.Typer(
    help="Serve the operator console (a web page, in Chinese) over the ledger; manage its users.",
    invoke_without_command=True,
)
app.add_typer(console_app, name="console")
user_app = typer.Typer(help="The console's users.", no_args_is_help=True)
console_app.add_typer(user_app, name="user")


@console_app.callback()
def console(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port; 0 picks a free one.")] = 8600,
    db: DbOption = None,
    runs_root: Annotated[
        Path | None,
        typer.Option(help="Folder `bots work` ran in: where relative run folders are found."),
    ] = None,
    secure_cookies: Annotated[
        bool | None,
        typer.Option(
            "--secure-cookies/--no-secure-cookies",
            help="Mark cookies Secure (default: when the request came over HTTPS).",
        ),
    ] = None,
) -> None:
    """Serve the operator console over the ledger until Ctrl-C."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = db
        return
    from bots.console import ConsoleConfig
    from bots.console.server import serve

    config = ConsoleConfig(
        db_url=resolve_url(db),
        runs_root=runs_root or Path.cwd(),
        secure_cookies=secure_cookies,
    )
    serve(config, host, port)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = typer.prompt(t("密码"), hide_input=True)
    if typer.prompt(t("再输一次密码"), hide_input=True) != first:
        raise BadInput(t("两次输入的密码不一样"))
    return str(first)


@user_app.command("add")
def add_user(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The user's name for signing in.")],
    role: Annotated[str, typer.Option("--role", help="clerk, operator or admin.")],
    db: DbOption = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Add a console user; the password is asked for and stored hashed (Argon2id)."""
    from bots.console.passwords import hash_password
    from bots.ledger.model import ROLES
    from bots.messages.terms import role_name

    if role not in ROLES:
        raise BadInput(t("角色{role}不存在:可选 {roles}", role=role, roles=", ".join(ROLES)))
    hashed = hash_password(_password(password_stdin))
    with open_store(db or ctx.obj) as store:
        user = store.add_user(name, role, hashed)
    typer.echo(t("已添加控制台用户{name}({role})", name=user.name, role=role_name(user.role)))


@user_app.command("list")
def list_users(ctx: typer.Context, db: DbOption = None) -> None:
    """List the console's users and their roles."""
    from bots.messages.terms import role_name

    with open_store(db or ctx.obj, mode="read") as store:
        users = store.users()
    for user in users:
        disabled = t("(已停用)") if user.disabled else ""
        typer.echo(f"{user.name}\t{role_name(user.role)}{disabled}")
    if not users:
        typer.echo(t("还没有控制台用户:bots console user add 名字 --role admin"))
