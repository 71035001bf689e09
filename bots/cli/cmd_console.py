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
from bots.cli.index import Suggesting
from bots.errors import BadInput
from bots.ledger import open_store, resolve_url
from bots.messages import t

console_app = typer.Typer(
    cls=Suggesting,
    help=t("在账本之上运行运维控制台(网页,简体中文或英文);管理它的用户。"),
    invoke_without_command=True,
)
app.add_typer(console_app, name="console")
user_app = typer.Typer(cls=Suggesting, help=t("控制台的用户。"), no_args_is_help=True)
console_app.add_typer(user_app, name="user")


@console_app.callback()
def console(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help=t("监听的地址"))] = "127.0.0.1",
    port: Annotated[int, typer.Option(help=t("端口;0 表示任选一个空闲的"))] = 8600,
    db: DbOption = None,
    runs_root: Annotated[
        Path | None,
        typer.Option(help=t("bots work 运行时所在的文件夹:相对的运行文件夹从这里找")),
    ] = None,
    secure_cookies: Annotated[
        bool | None,
        typer.Option(
            "--secure-cookies/--no-secure-cookies",
            help=t("给 Cookie 加 Secure 标记(默认:请求经 HTTPS 而来时)"),
        ),
    ] = None,
) -> None:
    """运行运维控制台,直到 Ctrl-C。"""
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


@user_app.command("add", help=t("添加控制台用户;密码会询问两次,只存它的哈希(Argon2id)。"))
def add_user(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help=t("用户登录用的名字"))],
    role: Annotated[
        str, typer.Option("--role", help=t("clerk(录入员)、operator(运维员)或 admin(管理员)"))
    ],
    db: DbOption = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help=t("从标准输入读密码"))
    ] = False,
) -> None:
    from bots.console.passwords import hash_password
    from bots.ledger.model import ROLES
    from bots.messages import language_of
    from bots.messages.terms import role_name

    # a role by its key or by its name in either language (运维员, as the console says it)
    named: dict[str, str] = {}
    for lang in ("zh", "en"):
        with language_of(lang):
            named |= {role_name(r).lower(): r for r in ROLES}
    role = role if role in ROLES else named.get(role.strip().lower(), role)
    if role not in ROLES:
        choices = t("、").join(f"{r}({role_name(r)})" if role_name(r) != r else r for r in ROLES)
        raise BadInput(t("角色{role}不存在:可选 {roles}", role=role, roles=choices))
    hashed = hash_password(_password(password_stdin))
    with open_store(db or ctx.obj) as store:
        user = store.add_user(name, role, hashed)
    typer.echo(t("已添加控制台用户{name}({role})", name=user.name, role=role_name(user.role)))


@user_app.command("list", help=t("列出控制台的用户和他们的角色。"))
def list_users(ctx: typer.Context, db: DbOption = None) -> None:
    from bots.messages.terms import role_name

    with open_store(db or ctx.obj, mode="read") as store:
        users = store.users()
    for user in users:
        disabled = t("(已停用)") if user.disabled else ""
        typer.echo(f"{user.name}\t{role_name(user.role)}{disabled}")
    if not users:
        typer.echo(t("还没有控制台用户:bots console user add 名字 --role admin"))
