"""``bots questions`` and ``bots answer`` through typer's CliRunner on a real ledger."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bots.cli import app
from bots.ledger import ErrorInfo, Store, open_store
from tests.fixtures.ledger import order


@pytest.fixture
def cli(ledger_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("BOTS_DB", ledger_url)
    monkeypatch.setenv("USER", "wangmin")
    monkeypatch.setenv("COLUMNS", "160")
    return CliRunner()


@pytest.fixture
def ledger(ledger_url: str, cli: CliRunner) -> Store:
    assert cli.invoke(app, ["db", "upgrade"]).exit_code == 0
    return open_store(ledger_url)


def test_questions_lists_what_waits_and_keeps_the_pictures(
        cli: CliRunner, ledger: Store, tmp_path: Path) -> None:
    assert cli.invoke(app, ["questions"]).output == "没有等待回答的问题\n"
    asked = ledger.ask("login:GH1001", "captcha", "登录验证码?", wait_seconds=60,
                       image="iVBORw==")
    listed = cli.invoke(app, ["questions", "--images", str(tmp_path / "pics")])
    assert listed.exit_code == 0
    picture = tmp_path / "pics" / f"question-{asked}.png"
    assert picture.read_bytes() == b"\x89PNG"
    [line] = listed.output.splitlines()
    assert line.startswith("login:GH1001  登录验证码?(")  # (no step id: it told nobody anything)
    assert "captcha" not in line
    assert line.endswith(f"前回答)  图片:{picture}")


def test_answer_reaches_the_open_question(cli: CliRunner, ledger: Store) -> None:
    asked = ledger.ask("E9-1", "code", "验证码?", wait_seconds=60, pattern=r"\d{6}")
    refused = cli.invoke(app, ["answer", "E9-1", "abc"])
    assert (refused.exception.exit_code, str(refused.exception)) == (  # type: ignore[union-attr]
        4, "回答abc的格式不对,应为6位数字")
    done = cli.invoke(app, ["answer", "E9-1", "123456"])
    assert (done.exit_code, done.output) == (0, "已回答 E9-1:验证码?\n")
    assert ledger.take_answer(asked) == "123456"
    [kept] = ledger.questions("E9-1", open_only=False)
    assert kept.answered_by == "wangmin"
    again = cli.invoke(app, ["--lang", "en", "answer", "E9-1", "123456"])
    assert (again.exception.exit_code, str(again.exception)) == (  # type: ignore[union-attr]
        4, "E9-1 has no question waiting for an answer")


def test_status_shows_what_waits_for_a_person(cli: CliRunner, ledger: Store) -> None:
    ledger.enqueue([order("E9-1"), order("E9-2")])
    token = ledger.claim("robot-1").lease_token  # type: ignore[union-attr]
    reason = "等待人工回答超时(240秒):验证码?;订单回到队列,下次运行时重新提问"
    ledger.fail("E9-1", "robot-1", ErrorInfo("awaits_person", "AwaitsPerson", reason,
                                             code="awaits_person", step="code"), token=token)
    ledger.claim("robot-1")
    ledger.ask("E9-2", "code", "金库审批:验证码?", wait_seconds=60)
    shown = cli.invoke(app, ["status"]).output
    assert "等待人工回答(bots answer 业务参考号 回答)" in shown
    rows = [line for line in shown.splitlines() if "E9-1" in line or "E9-2" in line]
    assert any("E9-2" in row and "金库审批:验证码?" in row for row in rows)
    assert any("E9-1" in row and "下次运行" in row and "重新提问" in row for row in rows)
