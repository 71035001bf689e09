"""``bots edit REF --set field=value``: correct an order before replaying it.

The whole order is validated again by the order model, so an edit can never store an order
a worker would refuse; the ledger keeps before/after of each changed field in the history.
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from typing import Annotated, Any

import typer

from bots.cli.app import app
from bots.cli.cmd_db import ActorOption, DbOption, RefArgument
from bots.errors import BadInput
from bots.ledger import open_store
from bots.ledger.mask import field_shown
from bots.ledger.model import sent_commits, sent_warning
from bots.messages import t
from bots.orders.columns import column_for, field_name
from bots.orders.model import load_order

SetOption = Annotated[
    list[str],
    typer.Option(
        "--set",
        help=t("字段=值;订单字段(phone.imei)或列名(imei、赠机串号);可以重复"),
    ),
]


def field_path(name: str) -> str:
    """A dotted order field as given, or the field a flat column name stands for."""
    if "." in name:
        return name
    column = column_for(name)
    return column.path if column is not None else name


def parse_changes(ref: str, assignments: list[str]) -> dict[str, str]:
    changes: dict[str, str] = {}
    for text in assignments:
        name, sep, value = text.partition("=")
        if not sep or not name.strip():
            raise BadInput(t("--set {text}:应为 字段=值,例如 --set phone.imei=86…", text=text))
        path = field_path(name.strip())
        if path == "reference":
            # the reference is the item's key in the ledger and in the portal's remark
            raise BadInput(
                t(
                    "--set {text}:{ref}的业务参考号不能改;"
                    "取消它,再用新的业务参考号录入改正后的订单",
                    text=text,
                    ref=ref,
                )
            )
        changes[path] = value
    return changes


def validator(ref: str) -> Any:
    def check(edited: dict[str, Any]) -> Mapping[str, Any]:
        return load_order(edited, t("{ref}(修改后)", ref=ref)).model_dump(mode="json")

    return check


def shown(path: str, value: Any) -> str:
    return "-" if value is None else field_shown(path, value)


@app.command(
    help=t(
        "修改不在处理中的订单(待处理、失败、待人工核查或已取消)的字段;"
        "整个订单重新检查,有问题就什么都不改。"
    )
)
def edit(
    ref: RefArgument,
    assignments: SetOption,
    db: DbOption = None,
    actor: ActorOption = None,
) -> None:
    changes = parse_changes(ref, assignments)
    store = open_store(db, mode="write")
    try:
        before = store.get(ref).payload
        edited = store.edit(ref, changes, validator(ref), actor=actor or getpass.getuser())
        sent = sent_commits(edited, store.history(ref))
    finally:
        store.close()
    typer.echo(t("已修改 {ref}:", ref=ref))
    for path in changes:
        old, new = _at(before, path), _at(edited.payload, path)
        typer.echo(f"  {field_name(path)}: {shown(path, old)} -> {shown(path, new)}")
    if sent:
        typer.secho(sent_warning(sent), fg="yellow", err=True)


def _at(data: Mapping[str, Any], path: str) -> Any:
    node: Any = data
    for key in path.split("."):
        node = node.get(key) if isinstance(node, Mapping) else None
    return node
