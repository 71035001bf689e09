"""Operator commands over the ledger: ``status``, ``show``, ``cancel``, ``replay``."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bots.cli.app import app
from bots.cli.cmd_db import ActorOption, DbOption, RefArgument
from bots.errors import BadInput, BotsError
from bots.ledger import (
    HistoryEntry,
    IllegalTransition,
    NotFound,
    State,
    Store,
    WorkItem,
    open_store,
)
from bots.ledger.mask import (
    field_shown,
    is_sensitive,
    mask_free_text,
    mask_payload,
    mask_text,
    sensitive_values,
)
from bots.ledger.model import cancel_warning, sent_commits
from bots.messages import local_time, t
from bots.messages.terms import (
    actor_name,
    error_said,
    error_type_name,
    history_kind_name,
    state_name,
)
from bots.report.labels import change_text, in_reading_order, label, leaves, value_text
from bots.worker.presence import any_alive, nobody_works

ATTENTION = (State.FAILED, State.NEEDS_REVIEW)


def _console() -> Console:
    # orders and errors are data, never Rich markup: "[x]" must print as typed
    return Console(highlight=False, soft_wrap=True, markup=False)


def _when(value: datetime | None) -> str:
    return local_time(value, "%m-%d %H:%M:%S")


def _reason(item: WorkItem) -> str:
    return mask_text(item.reason, sensitive_values(item.payload))


def attention_table(store: Store) -> Table:
    """The orders waiting for an operator (failed, needs review), with their reason."""
    attention = Table(title=t("等待操作员处理"))
    for column in (t("业务参考号"), t("状态"), t("尝试次数"), t("原因")):
        attention.add_column(column)
    for item in store.items(states=ATTENTION):
        attention.add_row(item.reference, state_name(item.state), str(item.attempts), _reason(item))
    return attention


def status_tables(store: Store) -> list[Table]:
    counts = Table(title=t("各状态的订单数"))
    counts.add_column(t("状态"))
    counts.add_column(t("订单数"), justify="right")
    for state, n in store.counts().items():
        counts.add_row(state_name(state), str(n))
    attention = attention_table(store)
    # which worker (host, process, context) holds what: two processes never share a name
    working = Table(title=t("处理中"))
    for column in (t("业务参考号"), t("工作进程"), t("最近心跳"), t("租约到期")):
        working.add_column(column)
    for item in store.items(states=[State.RUNNING]):
        working.add_row(
            item.reference, item.lease_owner or "-", _when(item.heartbeat_at),
            _when(item.lease_expires_at),
        )  # fmt: skip
    return [table for table in (counts, working, person_table(store), attention)
            if table.row_count]


def person_table(store: Store) -> Table:
    """What waits for a person: the open questions, and the orders sent back to the queue
    because nobody answered in time (their next run asks again)."""
    waiting = Table(title=t("等待人工回答(bots answer 业务参考号 回答)"))
    for column in (t("业务参考号"), t("问题"), t("回答期限")):
        waiting.add_column(column)
    asked = store.questions()
    for question in asked:
        waiting.add_row(question.reference, question.question, _when(question.expires_at))
    open_refs = {question.reference for question in asked}
    for item in store.items(states=[State.RETRY_WAIT]):
        if item.error_kind == "awaits_person" and item.reference not in open_refs:
            waiting.add_row(item.reference, _reason(item),
                            t("下次运行 {when} 重新提问", when=_when(item.next_attempt_at)))
    return waiting


@app.command(
    help=t("按状态统计订单,列出正在处理的订单和处理它的工作进程,以及等待操作员处理的订单和原因。")
)
def status(
    db: DbOption = None,
    failed: Annotated[
        bool, typer.Option("--failed", help=t("只列出失败和待人工核查的订单及原因"))
    ] = False,
) -> None:
    console = _console()
    with open_store(db, mode="read") as store:
        if failed:
            table = attention_table(store)
            console.print(table if table.row_count else t("没有失败或待人工核查的订单"))
            return
        for table in status_tables(store):
            console.print(table)


def describe(store: Store, ref: str, mask: Callable[[Any], Any] = mask_payload) -> list[Any]:
    """What ``bots show`` prints: the item (its personal fields in part), error, artifacts,
    and one history row per attempt or operator action (their data masked by ``mask``)."""
    item = store.get(ref)
    hidden = sensitive_values(item.payload)
    entries = store.history(ref)
    lines: list[Any] = [
        t("{ref}  {state}  流程 {flow}", ref=item.reference, state=state_name(item.state),
          flow=item.flow)
        + (t(",批次 {batch}", batch=item.batch) if item.batch else "")
        + t(",优先级 {priority}", priority=item.priority),
        t("尝试次数:共{attempts}次,本轮计入{run}次(最多{most}次)", attempts=item.attempts,
          run=item.run_attempts, most=item.max_attempts)
        + (t(";重放:先执行查询防重") if item.replay else ""),
    ]  # fmt: skip
    if item.expiries:
        lines.append(t("租约过期(工作进程中断):{count}次,不计入尝试次数", count=item.expiries))
    if item.lease_owner:
        lines.append(
            t("租约:{owner},到 {until}", owner=item.lease_owner,
              until=_when(item.lease_expires_at))
        )  # fmt: skip
        expires = item.lease_expires_at
        if item.state is State.RUNNING and expires is not None and expires < datetime.now(UTC):
            lines.append(t("租约已过期:这个工作进程可能已中断;取消或重放时账本先收回这张订单"))
    if item.next_attempt_at:
        lines.append(t("下次尝试:{when}", when=_when(item.next_attempt_at)))
    if item.reviewed_by:  # (marked in the console; a replay or an edit clears it)
        lines.append(
            t("已核查:{who},{when}", who=actor_name(item.reviewed_by),
              when=_when(item.reviewed_at))
        )  # fmt: skip
    if item.error_message:
        lines.append(t("失败的步骤:{step}", step=item.step_shown or "-"))
        lines.append(
            t("错误:{reason}({kind})", reason=mask_text(item.error_message, hidden),
              kind=error_type_name(item.error_type) if item.error_type else item.error_kind)
        )  # fmt: skip
    if item.committed_step or item.commit_in_progress:
        lines.append(
            t("提交步骤:已完成 {done},进行中 {running}",
              done=_quoted(item, item.committed_step),
              running=_quoted(item, item.commit_in_progress))
        )  # fmt: skip
    artifacts = sorted({e.artifact_dir for e in entries if e.artifact_dir})
    lines.append(t("运行文件夹:{paths}", paths=", ".join(artifacts) or "-"))
    # the order and what the flow brought back, each field by its name (not as JSON); a
    # personal field in part, as the console shows it
    fields = [f"  {label(path)}: {_field_text(path, value, hidden)}"
              for path, value in leaves(item.payload) if value not in (None, "")]
    lines.append(t("订单:") + "\n" + mask_text("\n".join(fields), hidden))
    if item.outputs:
        outputs = "; ".join(
            f"{label(key)}: {value_text(value)}"
            for key, value in in_reading_order(mask(item.outputs))
        )
        lines.append(t("输出:{outputs}", outputs=mask_text(outputs, hidden)))
    table = Table(title=t("历史"))
    for column in ("#", t("事项"), t("时间"), t("结果")):
        table.add_column(column, no_wrap=True)
    # (at 80 columns the details must keep room: the step's name and the worker's id wrap)
    table.add_column(t("操作人"), overflow="fold", max_width=24)
    table.add_column(t("步骤"), overflow="fold", max_width=20)
    table.add_column(t("详情"), overflow="fold", min_width=24)
    for entry in entries:
        outcome = state_name(entry.outcome) if entry.outcome else ""
        table.add_row(
            str(entry.attempt or ""), history_kind_name(entry.kind), _when(entry.started_at),
            outcome, actor_name(entry.actor),
            item.step_named(entry.error_step or entry.committed_step or ""),
            mask_text(_detail(entry, mask), hidden),
        )  # fmt: skip
    lines.append(table)
    return lines


def _quoted(item: WorkItem, step: str | None) -> str:
    # a step's name may hold a colon or a comma of its own (第二步:存入宽带专款600元)
    return t("“{value}”", value=item.step_named(step)) if step else "-"


def _field_text(path: str, value: Any, hidden: set[str]) -> str:
    if any(is_sensitive(part) for part in path.split(".")):
        return field_shown(path, value)
    # a remark may quote an ID number or a phone a clerk typed into it
    return mask_free_text(value_text(value), hidden) if path == "note" else value_text(value, path)


def _detail(entry: HistoryEntry, mask: Callable[[Any], Any]) -> str:
    parts = [entry.note_shown]
    if entry.error_message:
        parts.insert(0, error_said(entry.error_type, entry.error_message))
    if entry.changes:
        parts.append(change_text(mask(entry.changes)))
    if entry.artifact_dir:
        parts.append(f"[{entry.artifact_dir}]")
    return " ".join(p for p in parts if p)


@app.command(help=t("显示一个订单(个人信息已遮盖)、每次尝试、失败的步骤、错误和运行文件夹。"))
def show(ref: RefArgument, db: DbOption = None) -> None:
    console = _console()
    with open_store(db, mode="read") as store:
        for line in describe(store, ref):
            console.print(line)


@app.command(help=t("取消不在处理中的订单(可以列出几个业务参考号):不会再有工作进程领取它们。"))
def cancel(
    refs: Annotated[list[str], typer.Argument(help=t("要取消的业务参考号"))],
    db: DbOption = None,
    actor: ActorOption = None,
) -> None:
    # each order on its own: one that cannot be cancelled (running, done, unknown) is
    # named with its reason, and the others are cancelled all the same
    refused: list[BotsError] = []
    unique = list(dict.fromkeys(refs))
    with open_store(db, mode="write") as store:
        for ref in unique:
            try:
                before = store.get(ref).state
                store.cancel(ref, actor=actor or getpass.getuser())
            except (NotFound, IllegalTransition) as error:
                if len(unique) == 1:
                    raise
                refused.append(error)
                typer.secho(str(error), err=True)  # (it names the order)
                continue
            typer.echo(t("已取消 {ref}(原为{state})", ref=ref, state=state_name(before)))
            item = store.get(ref)
            if steps := sent_commits(item, store.history(ref)):
                typer.secho(cancel_warning(steps), fg="yellow", err=True)
    if refused:
        raise BadInput(t("有{count}个订单没有取消,原因见上", count=len(refused)))


@app.command(
    help=t("把失败或待人工核查的订单标记为已核查(状态不变),可写下核查结果;重放或修改后标记清除。")
)
def review(
    ref: RefArgument,
    note: Annotated[
        str | None, typer.Option("--note", help=t("核查结果,例如“营账系统里没有这张订单”"))
    ] = None,
    db: DbOption = None,
    actor: ActorOption = None,
) -> None:
    with open_store(db, mode="write") as store:
        store.review(ref, actor=actor or getpass.getuser(), note=(note or "")[:500])
    typer.echo(t("已把 {ref} 标记为已核查", ref=ref))


@app.command(
    help=t("把订单重新置为待处理,并标记重放:工作进程重做提交步骤之前先在营账系统里查一遍。")
)
def replay(
    refs: Annotated[list[str] | None, typer.Argument(help=t("要重放的业务参考号"))] = None,
    failed: Annotated[bool, typer.Option("--failed", help=t("所有失败的订单"))] = False,
    needs_review: Annotated[
        bool, typer.Option("--needs-review", help=t("所有待人工核查的订单"))
    ] = False,
    db: DbOption = None,
    actor: ActorOption = None,
) -> None:
    states = [
        s for s, wanted in ((State.FAILED, failed), (State.NEEDS_REVIEW, needs_review)) if wanted
    ]
    if bool(refs) == bool(states):
        raise BadInput(t("replay:给出业务参考号,或者用 --failed 和/或 --needs-review"))
    who = actor or getpass.getuser()
    with open_store(db, mode="write") as store:
        marked = store.replay(refs or (), actor=who) if refs else []
        for state in states:
            marked += store.replay(state=state, actor=who)
        working = any_alive(store)
    if not marked:
        typer.echo(t("没有要重放的订单"))
        return
    typer.echo(t("已标记重放({count}):{refs}", count=len(marked), refs=", ".join(marked)))
    if not working:
        typer.secho(nobody_works(), fg="yellow", err=True)
