"""The operator commands, run through typer's CliRunner against a real ledger."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bots.cli import app
from bots.ledger import ErrorInfo, IllegalTransition, NewItem, State, Store, open_store
from bots.ledger.schema import LATEST
from tests.fixtures.ledger import order

ID_NUMBER = "410101199001011234"
EIGHT_HOURS = timedelta(hours=8)


@pytest.fixture
def cli(ledger_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("BOTS_DB", ledger_url)
    monkeypatch.setenv("USER", "wangmin")
    monkeypatch.setenv("COLUMNS", "160")
    return CliRunner()


@pytest.fixture
def ledger(ledger_url: str, cli: CliRunner) -> Store:
    """A ledger with one failed order (whose error quotes the ID number) and one pending."""
    assert cli.invoke(app, ["db", "upgrade"]).exit_code == 0
    store = open_store(ledger_url)
    store.enqueue([order("E9-1", broadband={"bandwidth": "100M"}), order("E9-2")])
    token = store.claim("robot-1").lease_token  # type: ignore[union-attr]
    error = ErrorInfo(
        "business_exception", "BusinessException", f"证件 {ID_NUMBER} 不符合办理条件", step="check"
    )
    store.fail("E9-1", "robot-1", error, token=token, artifact_dir="runs/E9-1/1")
    return store


def test_db_upgrade_then_status(cli: CliRunner, ledger_url: str) -> None:
    first = cli.invoke(app, ["db", "upgrade"])
    assert first.output == f"账本 {ledger_url}:结构版本 {LATEST}(从0升级)\n"
    again = cli.invoke(app, ["db", "upgrade", "--db", ledger_url])
    assert again.output == f"账本 {ledger_url}:结构版本 {LATEST}(已是最新)\n"
    status = cli.invoke(app, ["db", "status"])
    lines = status.output.splitlines()
    assert lines[0] == f"账本 {ledger_url}:结构版本 {LATEST}/{LATEST}"
    assert lines[1].startswith("  1  工作项及其历史(执行于 ")
    assert lines[6].startswith("  6  按领取顺序排列的可领取工作项索引(执行于 ")
    english = cli.invoke(app, ["--lang", "en", "db", "status"]).output.splitlines()
    assert english[0] == f"ledger {ledger_url}: schema version {LATEST} of {LATEST}"
    assert english[1].startswith("  1  work items and their history  (applied ")


def test_db_status_of_an_empty_database_says_what_to_do(
    cli: CliRunner, ledger_url: str, tmp_path: Path
) -> None:
    if ledger_url.startswith("sqlite"):
        (tmp_path / "ledger.db").touch()  # an empty file is an empty SQLite database
    result = cli.invoke(app, ["db", "status"])
    assert result.output == (
        f"账本 {ledger_url}:结构版本 0/{LATEST}\n"
        f"还有{LATEST}个迁移待执行:运行 `bots db upgrade --db {ledger_url}`\n"
    )


def test_status_counts_and_reasons(cli: CliRunner, ledger: Store) -> None:
    result = cli.invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    counts = {
        cells[0]: cells[1]
        for line in lines
        if len(cells := [c.strip() for c in line.strip("│").split("│")]) == 2
    }
    assert (counts["待处理"], counts["失败"], counts["已完成"]) == ("1", "1", "0")
    row = next(line for line in lines if "E9-1" in line)
    assert [cell.strip() for cell in row.strip("│").split("│")] == [
        "E9-1", "失败", "1", "证件 ****** 不符合办理条件(步骤 check)",
    ]  # fmt: skip
    assert ID_NUMBER not in result.output


def test_status_names_the_worker_holding_each_running_order(
    cli: CliRunner, ledger: Store, beijing_clock: None
) -> None:
    claimed = ledger.claim("vm-4242-a1b2c3/0")
    assert claimed is not None and claimed.reference == "E9-2"
    result = cli.invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.strip() == "处理中" for line in lines)
    header = next(line for line in lines if "工作进程" in line)
    assert [cell.strip() for cell in header.strip("│┃").split("┃")] == [
        "业务参考号", "工作进程", "最近心跳", "租约到期",
    ]  # fmt: skip
    row = next(line for line in lines if "vm-4242-a1b2c3/0" in line)
    # on the reader's clock, as the console shows them: 北京时间, eight hours after UTC
    heartbeat = (claimed.heartbeat_at + EIGHT_HOURS).strftime("%m-%d %H:%M:%S")  # type: ignore[operator]
    until = (claimed.lease_expires_at + EIGHT_HOURS).strftime("%m-%d %H:%M:%S")  # type: ignore[operator]
    assert [cell.strip() for cell in row.strip("│").split("│")] == [
        "E9-2", "vm-4242-a1b2c3/0", heartbeat, until,
    ]  # fmt: skip


def test_status_lists_no_workers_when_nothing_runs(cli: CliRunner, ledger: Store) -> None:
    lines = cli.invoke(app, ["status"]).output.splitlines()
    assert "处理中" not in [line.strip() for line in lines]  # the table's title


def test_show_counts_the_leases_that_expired_apart_from_attempts(
    cli: CliRunner, ledger: Store, ledger_url: str
) -> None:
    ledger.claim("vm-1-aaaaaa/0")  # E9-2; the process dies, and the lease runs out
    later = open_store(ledger_url, clock=lambda: ledger.clock() + timedelta(seconds=301))
    assert [i.reference for i in later.reap()] == ["E9-2"]
    later.close()
    lines = cli.invoke(app, ["show", "E9-2"]).output.splitlines()
    assert lines[1:3] == [
        "尝试次数:共1次,本轮计入0次(最多3次)",
        "租约过期(工作进程中断):1次,不计入尝试次数",
    ]


def test_show_names_the_commit_steps_as_the_flow_does(cli: CliRunner, ledger: Store) -> None:
    item = ledger.claim("vm-1-aaaaaa/0")  # E9-2
    assert item is not None
    token = item.lease_token
    ledger.commit_started("E9-2", "vm-1-aaaaaa/0", "collect", token=token, name="点击收费")
    ledger.commit_done("E9-2", "vm-1-aaaaaa/0", "collect", token=token)
    ledger.commit_started("E9-2", "vm-1-aaaaaa/0", "deposit", token=token, name="存入专款")
    out = cli.invoke(app, ["show", "E9-2"]).output
    assert "\n提交步骤:已完成 “点击收费”,进行中 “存入专款”\n" in out
    ledger.release("E9-2", "vm-1-aaaaaa/0", "stopped", token=token)
    out = cli.invoke(app, ["show", "E9-2"]).output
    assert "\n失败的步骤:存入专款\n" in out
    assert "\n错误:stopped(在提交步骤“存入专款”进行中);重放前先到营账系统里查看(" in out


def test_an_order_whose_worker_died_says_so_and_can_be_cancelled(
    cli: CliRunner, ledger: Store, ledger_url: str
) -> None:
    # claimed 400 s ago with a 300 s lease, and no worker left to reap it
    earlier = open_store(ledger_url, clock=lambda: ledger.clock() - timedelta(seconds=400))
    assert earlier.claim("vm-1-aaaaaa/0").reference == "E9-2"  # type: ignore[union-attr]
    earlier.close()
    lines = cli.invoke(app, ["show", "E9-2"]).output.splitlines()
    assert lines[2].startswith("租约:vm-1-aaaaaa/0,到 ")
    assert lines[3] == "租约已过期:这个工作进程可能已中断;取消或重放时账本先收回这张订单"
    result = cli.invoke(app, ["cancel", "E9-2"])
    assert result.exit_code == 0, result.output
    assert ledger.get("E9-2").state is State.CANCELLED


def test_show_masks_the_order_and_lists_attempts(cli: CliRunner, ledger: Store) -> None:
    result = cli.invoke(app, ["show", "E9-1"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert ID_NUMBER not in out
    # each field by its name, not as JSON; a personal one in part, as the console shows it
    assert "\n  证件号码: 410*************34\n" in out
    assert "失败的步骤:check\n" in out
    assert "错误:证件 ****** 不符合办理条件(拒绝办理)\n" in out
    assert "BusinessException" not in out  # (the history too: the kind in words)
    assert "运行文件夹:runs/E9-1/1\n" in out
    attempt = next(line for line in out.splitlines() if "robot-1" in line)
    cells = [c.strip() for c in attempt.strip("│").split("│")]
    assert (cells[0], cells[1], cells[4]) == ("1", "尝试", "robot-1")
    assert "[runs/E9-1/1]" in attempt


def test_show_masks_every_sensitive_field_and_the_edit_history(
    cli: CliRunner, ledger: Store
) -> None:
    ledger.enqueue([order("E9-5", customer={"name": "张三", "contact_phone": "13937100001"})])
    ledger.edit(
        "E9-5", {"customer.contact_phone": "13937100009"}, lambda payload: payload, actor="王敏"
    )
    result = cli.invoke(app, ["show", "E9-5"])
    assert result.exit_code == 0, result.output
    for value in ("13937100001", "13937100009", ID_NUMBER):
        assert value not in result.output
    assert "\n  联系电话: 139******09\n" in result.output
    # in an 80-column terminal the details keep their room (they shrank to nothing)
    narrow = cli.invoke(app, ["show", "E9-5"], env={"COLUMNS": "80"}).output
    assert "联系电话:******→******" in re.sub(r"[\s│]", "", narrow)
    assert max(len(line) for line in narrow.splitlines()) <= 80


def test_show_names_a_failed_step_in_the_history_as_the_flow_does(
    cli: CliRunner, ledger: Store
) -> None:
    token = ledger.claim("robot-1").lease_token  # type: ignore[union-attr]  # E9-2
    error = ErrorInfo(
        "business_exception", "BusinessException", "不是当期到期续费用户",
        step="enter_order/eligible", context={"step_name": "确认当期到期"},
    )  # fmt: skip
    ledger.fail("E9-2", "robot-1", error, token=token)
    out = cli.invoke(app, ["show", "E9-2"]).output
    assert "失败的步骤:确认当期到期\n" in out
    attempt = next(line for line in out.splitlines() if "robot-1" in line)
    assert [c.strip() for c in attempt.strip("│").split("│")][5] == "确认当期到期"
    # a replay clears the error; the history still names the step
    ledger.replay(["E9-2"])
    out = cli.invoke(app, ["show", "E9-2"]).output
    attempt = next(line for line in out.splitlines() if "robot-1" in line)
    assert [c.strip() for c in attempt.strip("│").split("│")][5] == "确认当期到期"


def test_show_says_who_looked_at_an_order(
    cli: CliRunner, ledger: Store, beijing_clock: None
) -> None:
    ledger.review("E9-1", actor="console:王敏", note="营账系统里没有这张订单")
    lines = cli.invoke(app, ["show", "E9-1"]).output.splitlines()
    reviewed = ledger.get("E9-1").reviewed_at + EIGHT_HOURS  # type: ignore[operator]
    assert f"已核查:王敏(控制台),{reviewed:%m-%d %H:%M:%S}" in lines


def test_review_marks_an_order_looked_at_from_the_command_line(
    cli: CliRunner, ledger: Store
) -> None:
    result = cli.invoke(app, ["review", "E9-1", "--note", "营账系统里没有这张订单"])
    assert result.output == "已把 E9-1 标记为已核查\n"
    item = ledger.get("E9-1")
    assert (item.state, item.reviewed_by) == (State.FAILED, "wangmin")
    last = ledger.history("E9-1")[-1]
    assert (last.kind, last.actor, last.note) == ("review", "wangmin", "营账系统里没有这张订单")
    # a pending order has nothing to look at
    refused = cli.invoke(app, ["review", "E9-2"])
    assert type(refused.exception) is IllegalTransition


def test_show_an_unknown_reference(cli: CliRunner, ledger: Store) -> None:
    result = cli.invoke(app, ["show", "E9-404"])
    assert result.exit_code == 1  # CliRunner bypasses bots.cli.main: the error is raised
    assert str(result.exception) == "没有业务参考号为E9-404的订单"
    # typed in another letter case: the order meant is named
    lower = cli.invoke(app, ["show", "e9-1"])
    assert str(lower.exception) == "没有业务参考号为e9-1的订单;是不是 E9-1?"


def test_cancel(cli: CliRunner, ledger: Store) -> None:
    result = cli.invoke(app, ["cancel", "E9-2"])
    assert result.output == "已取消 E9-2(原为待处理)\n"
    assert ledger.get("E9-2").state is State.CANCELLED
    assert ledger.history("E9-2")[-1].actor == "wangmin"


def test_cancel_of_an_order_a_commit_took_to_the_portal_says_the_portal_keeps_it(
    cli: CliRunner, ledger: Store
) -> None:
    item = ledger.claim("w1")
    assert item is not None
    ledger.commit_started(item.reference, "w1", "collect", token=item.lease_token, name="点击收费")
    refusal = ErrorInfo("unknown_outcome", "UnknownOutcome", "连接断开")
    ledger.fail_unknown(item.reference, "w1", refusal, token=item.lease_token)
    result = cli.invoke(app, ["cancel", item.reference])
    assert result.stdout == f"已取消 {item.reference}(原为待人工核查)\n"
    assert result.stderr == (
        "注意:提交步骤“点击收费”已经(或可能已经)把订单交给了营账系统;取消只让机器人不再处理它,"
        "营账系统里已办的不会撤销:请到营账系统里处理\n"
    )


def test_cancel_several_names_each_it_could_not_cancel(cli: CliRunner, ledger: Store) -> None:
    ledger.enqueue([NewItem("E9-3", "renewal", {})])
    assert ledger.claim("w1") is not None  # E9-2 is being entered
    result = cli.invoke(app, ["cancel", "E9-1", "E9-2", "E9-404", "E9-3"])
    # (CliRunner bypasses bots.cli.main: the error is raised, with bots' usage exit code)
    assert result.exception.exit_code == 4  # type: ignore[union-attr]
    assert str(result.exception) == "有2个订单没有取消,原因见上"
    assert result.stdout == "已取消 E9-1(原为失败)\n已取消 E9-3(原为待处理)\n"
    assert result.stderr == (
        "不能取消E9-2:它是处理中(这需要订单是待处理、失败、等待重试或待人工核查)\n"
        "没有业务参考号为E9-404的订单\n"
    )
    assert [ledger.get(r).state for r in ("E9-1", "E9-2", "E9-3")] == [
        State.CANCELLED, State.RUNNING, State.CANCELLED,
    ]  # fmt: skip
    # one order typed twice is one order: its own error, as for a single reference
    again = cli.invoke(app, ["cancel", "E9-3", "E9-3"])
    assert type(again.exception) is IllegalTransition
    assert again.stdout == ""


def test_replay_by_reference_and_by_state(cli: CliRunner, ledger: Store) -> None:
    ledger.enqueue([NewItem("E9-3", "renewal", {})])
    ledger.cancel("E9-3")
    replayed = cli.invoke(app, ["replay", "E9-3"])
    assert replayed.stdout == "已标记重放(1):E9-3\n"
    assert replayed.stderr == "现在没有工作进程在运行:订单要等有人运行 bots work 才会处理\n"
    # with a worker at work nothing more is said; once it stopped, it is said again
    ledger.workers_started("vm-1-aaaaaa", "vm-1", 4242, [("vm-1-aaaaaa/0", "GH1001")])
    ledger.cancel("E9-3")
    assert cli.invoke(app, ["replay", "E9-3"]).stderr == ""
    ledger.workers_stopped("vm-1-aaaaaa", "finished")
    ledger.cancel("E9-3")
    assert cli.invoke(app, ["replay", "E9-3"]).stderr.startswith("现在没有工作进程在运行")
    assert cli.invoke(app, ["replay", "--failed", "--needs-review"]).stdout == (
        "已标记重放(1):E9-1\n"
    )
    assert cli.invoke(app, ["replay", "--failed"]).output == "没有要重放的订单\n"
    english = cli.invoke(app, ["--lang", "en", "replay", "--failed"])
    assert english.output == "nothing to replay\n"
    assert ledger.get("E9-1").replay is True


def test_replay_needs_something_to_replay(cli: CliRunner, ledger: Store) -> None:
    result = cli.invoke(app, ["replay"])
    assert str(result.exception) == "replay:给出业务参考号,或者用 --failed 和/或 --needs-review"
    assert result.exception.exit_code == 4  # type: ignore[union-attr]


def test_status_failed_lists_only_the_orders_waiting_for_an_operator(
    cli: CliRunner, ledger: Store
) -> None:
    result = cli.invoke(app, ["status", "--failed"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].strip() == "等待操作员处理"
    assert "各状态的订单数" not in result.output
    rows = [[c.strip() for c in line.strip("│").split("│")] for line in lines if "E9-" in line]
    assert rows == [["E9-1", "失败", "1", "证件 ****** 不符合办理条件(步骤 check)"]]
    ledger.replay(["E9-1"])
    assert cli.invoke(app, ["status", "--failed"]).output == "没有失败或待人工核查的订单\n"
