"""``bots db upgrade`` and ``bots db status``: the ledger's schema version."""

from __future__ import annotations

from typing import Annotated

import typer

from bots.cli.app import app
from bots.cli.index import Suggesting
from bots.ledger import open_store
from bots.ledger.mask import redact_url
from bots.ledger.schema import LATEST
from bots.messages import local_time, t
from bots.messages.terms import migration_name

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help=t(
            "账本网址:sqlite:///文件.db、文件路径或 postgresql://…"
            "(默认:配置的 db:BOTS_DB、bots.toml,否则 sqlite:///runs/ledger.db)"
        ),
    ),
]

# who did what an operator's command does, for the ledger's history
ActorOption = Annotated[
    str | None, typer.Option("--actor", help=t("谁做的这件事,记入审计记录(默认:$USER)"))
]
# an order by its business reference, for the commands about one order (its help is what a
# missing one is told: 缺少参数'ref':订单的业务参考号…)
RefArgument = Annotated[str, typer.Argument(help=t("订单的业务参考号,例如 E9-20261127-0001"))]

db_app = typer.Typer(cls=Suggesting, help=t("账本的结构:版本,以及升级。"), no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade", help=t("执行待做的结构迁移,并显示达到的版本。"))
def upgrade(db: DbOption = None) -> None:
    with open_store(db, mode="create", check_schema=False) as store:
        before, after = store.version(), store.upgrade()
    change = t("从{before}升级", before=before) if after != before else t("已是最新")
    typer.echo(
        t("账本 {url}:结构版本 {version}({change})", url=redact_url(store.url), version=after,
          change=change)
    )  # fmt: skip


@db_app.command("status", help=t("显示结构版本和每个已执行的迁移。"))
def status(db: DbOption = None) -> None:
    with open_store(db, mode="read", check_schema=False) as store:
        version, applied = store.version(), store.migrations()
    shown = redact_url(store.url)
    typer.echo(t("账本 {url}:结构版本 {version}/{latest}", url=shown, version=version,
                 latest=LATEST))  # fmt: skip
    for row in applied:
        when = local_time(row["applied_at"])
        typer.echo(
            t("  {version}  {description}(执行于 {when})", version=row["version"],
              description=migration_name(row["version"], row["description"]), when=when)
        )  # fmt: skip
    if version < LATEST:
        typer.echo(
            t("还有{count}个迁移待执行:运行 `bots db upgrade --db {url}`", count=LATEST - version,
              url=shown)
        )  # fmt: skip
