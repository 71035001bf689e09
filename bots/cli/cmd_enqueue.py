"""``bots enqueue FILE...``: check every order row, then queue them all or none (or, as
asked, the good rows, and the rows whose reference is not queued yet)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.text import Text

from bots.cli.app import app
from bots.cli.app import console as cli_console
from bots.errors import BadInput
from bots.intake import enqueue_files, write_rejects
from bots.ledger.mask import redact_url
from bots.ledger.store import open_store, resolve_url, would_create
from bots.messages import t
from bots.worker.presence import any_alive, nobody_works


@app.command(help=t("把订单排进队列给工作进程处理。有问题的行按文件、行、字段和原因指出。"))
def enqueue(
    files: list[Path] = typer.Argument(..., help=t("订单文件:CSV、XLSX、YAML 或 JSON")),
    db: str | None = typer.Option(
        None, "--db", help=t("账本网址(默认:配置的 db:BOTS_DB、bots.toml 或 sqlite)")
    ),
    skip_invalid: bool = typer.Option(
        False, "--skip-invalid", help=t("录入没问题的行,有问题的行写进 --rejects 文件")
    ),
    skip_existing: bool = typer.Option(
        False,
        "--skip-existing",
        help=t("业务参考号已在队列中的行列出并跳过,其余的照常录入(改正后重新录入整张表时用)"),
    ),
    rejects: Path | None = typer.Option(
        None,
        "--rejects",
        help=t("有问题的行写到哪里:每行带来源、原因和整行数据,改正后可直接录入这个文件"),
    ),
    batch: str | None = typer.Option(None, "--batch", help=t("批次名,用于报告")),
    priority: int = typer.Option(0, "--priority", help=t("优先级:数字小的先处理")),
) -> None:
    console = cli_console()
    if rejects is not None and not skip_invalid:
        # without it nothing goes in when a row is bad, and no rejects file is written
        raise BadInput(
            t("--rejects 只和 --skip-invalid 一起用:加上 --skip-invalid,或去掉 --rejects"),
            code="rejects_without_skip",
        )
    target = rejects or Path("rejects.csv")
    if skip_invalid:
        # the good rows go in first: the refused ones must have somewhere to go, or they
        # would be written nowhere while the rest is already queued
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as refused:
            raise BadInput(
                t("没法把有问题的行写到 {path}({reason}):换一个 --rejects 路径;什么都没有录入",
                  path=target, reason=refused.strerror or refused),
                code="rejects_path",
            ) from None  # fmt: skip
    fresh = would_create(db)
    with open_store(db) as store:
        intake = enqueue_files(
            store,
            files,
            skip_invalid=skip_invalid,
            skip_existing=skip_existing,
            batch=batch,
            priority=priority,
        )
        working = any_alive(store)
    for skipped in intake.skipped:
        console.print(Text(str(skipped)))
    if intake.skipped:
        console.print(Text(t("已在队列中、跳过的行:{count}", count=len(intake.skipped))))
    if intake.rejects:
        written = write_rejects(intake.rejects, target)
        for error in intake.rejects:
            console.print(Text(t("拒收 {error}", error=error)), style="yellow")
        rows = len({(e.file, e.row) for e in intake.rejects})
        console.print(
            Text(
                t(
                    "{count}行有问题,已写入 {path}:改正后可直接录入这个文件",
                    count=rows,
                    path=written,
                )
            )
        )
    shown = redact_url(resolve_url(db))
    console.print(Text(t("已录入{count}单到 {db}", count=intake.enqueued, db=shown)))
    if fresh:
        console.print(
            Text(t("这是新建的账本:要录入已有的账本,请检查 --db(或配置的 db)")), style="yellow"
        )
    if intake.enqueued and not working:
        console.print(Text(nobody_works()), style="yellow")
