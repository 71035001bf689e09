"""``bots questions`` and ``bots answer REF VALUE``: what the flows are asking a person, and
the person's answer (a 金库 approver's SMS code, a login 验证码).

A worker that asked keeps the order's page and waits; the answer reaches it through the
ledger, so it may be given on any host that reaches the ledger.
"""

from __future__ import annotations

import base64
import getpass
from pathlib import Path
from typing import Annotated

import typer

from bots.cli.app import app
from bots.cli.cmd_db import DbOption
from bots.ledger import open_store
from bots.messages import local_time, t

ImagesOption = Annotated[
    Path | None,
    typer.Option("--images", help=t("把问题附带的图片(验证码)存到这个文件夹")),
]
ActorOption = Annotated[
    str | None, typer.Option("--actor", help=t("谁回答的,记入问题记录(默认:$USER)"))
]


@app.command(help=t("列出流程正在等待人工回答的问题(金库审批验证码、登录验证码)。"))
def questions(db: DbOption = None, images: ImagesOption = None) -> None:
    store = open_store(db, mode="read")
    try:
        waiting = store.questions()
    finally:
        store.close()
    if not waiting:
        typer.echo(t("没有等待回答的问题"))
        return
    for asked in waiting:
        # (the question says what is asked; the step's id, "code", told a person nothing)
        line = t("{reference}  {question}({until}前回答)", reference=asked.reference,
                 question=asked.question, until=local_time(asked.expires_at, "%H:%M:%S"))
        if asked.image and images is not None:
            images.mkdir(parents=True, exist_ok=True)
            path = images / f"question-{asked.id}.png"
            path.write_bytes(base64.b64decode(asked.image))
            line += "  " + t("图片:{path}", path=path)
        typer.echo(line)


@app.command(
    help=t("回答订单(或工作进程登录 login:工号)等待的问题,例如 bots answer E9-0001 123456。")
)
def answer(
    ref: Annotated[str, typer.Argument(help=t("业务参考号,或工作进程登录时的 login:工号"))],
    value: Annotated[str, typer.Argument(help=t("回答"))],
    db: DbOption = None,
    actor: ActorOption = None,
) -> None:
    store = open_store(db, mode="write")
    try:
        asked = store.answer(ref, value, actor=actor or getpass.getuser())
    finally:
        store.close()
    typer.echo(t("已回答 {reference}:{question}", reference=asked.reference,
                 question=asked.question))
