"""The operator commands, run through typer's CliRunner against a real ledger."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bots.cli import app
from bots.ledger import ErrorInfo, NewItem, State, Store, open_store
from bots.ledger.schema import LATEST
from tests.fixtures.ledger import order

ID_NUMBER = "410101199001011234"


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
    store.claim("robot-1")
    error = ErrorInfo(
        "business_exception", "BusinessException", f"证件 {ID_NUMBER} 不符合办理条件", step="check"
    )
    store.fail("E9-1", "robot-1", error, artifact_dir="runs/E9-1/1")
    return store


def test_db_upgrade_then_status(cli: CliRunner, ledger_url: str) -> None:
    first = cli.invoke(app, ["db", "upgrade"])
    assert first.output == f"ledger {ledger_url}: schema version {LATEST} (upgraded from 0)\n"
    again = cli.invoke(app, ["db", "upgrade", "--db", ledger_url])
    assert again.output == f"ledger {ledger_url}: schema version {LATEST} (already up to date)\n"
    status = cli.invoke(app, ["db", "status"])
    lines = status.output.splitlines()
    assert lines[0] == f"ledger {ledger_url}: schema version {LATEST} of {LATEST}"
    assert lines[1].startswith("  1  work items and their history  (applied ")


def test_db_status_of_an_empty_database_says_what_to_do(cli: CliRunner, ledger_url: str) -> None:
    result = cli.invoke(app, ["db", "status"])
    assert result.output == (
        f"ledger {ledger_url}: schema version 0 of {LATEST}\n"
        f"{LATEST} migration(s) pending: run `bots db upgrade --db {ledger_url}`\n"
    )


def test_status_counts_and_reasons(cli: CliRunner, ledger: Store) -> None:
    result = cli.invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "│ pending      │     1 │" in lines
    assert "│ failed       │     1 │" in lines
    assert "│ done         │     0 │" in lines
    row = next(line for line in lines if "E9-1" in line)
    assert [cell.strip() for cell in row.strip("│").split("│")] == [
        "E9-1", "failed", "1", "BusinessException at step check: 证件 ****** 不符合办理条件",
    ]  # fmt: skip
    assert ID_NUMBER not in result.output


def test_show_masks_the_order_and_lists_attempts(cli: CliRunner, ledger: Store) -> None:
    result = cli.invoke(app, ["show", "E9-1"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert ID_NUMBER not in out
    assert '"id_number": "******"' in out
    assert "failed step: check\n" in out
    assert "error: BusinessException at step check: 证件 ****** 不符合办理条件 " in out
    assert "artifacts: runs/E9-1/1\n" in out
    attempt = next(line for line in out.splitlines() if "robot-1" in line)
    assert [c.strip() for c in attempt.strip("│").split("│")][:3] == ["1", "attempt", "robot-1"]
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
    assert '"contact_phone": "******"' in result.output


def test_show_an_unknown_reference(cli: CliRunner, ledger: Store) -> None:
    result = cli.invoke(app, ["show", "E9-404"])
    assert result.exit_code == 1  # CliRunner bypasses bots.cli.main: the error is raised
    assert str(result.exception) == "no work item with reference E9-404"


def test_cancel(cli: CliRunner, ledger: Store) -> None:
    result = cli.invoke(app, ["cancel", "E9-2"])
    assert result.output == "cancelled E9-2 (was pending)\n"
    assert ledger.get("E9-2").state is State.CANCELLED
    assert ledger.history("E9-2")[-1].actor == "wangmin"


def test_replay_by_reference_and_by_state(cli: CliRunner, ledger: Store) -> None:
    ledger.enqueue([NewItem("E9-3", "renewal", {})])
    ledger.cancel("E9-3")
    assert cli.invoke(app, ["replay", "E9-3"]).output == "marked for replay (1): E9-3\n"
    assert cli.invoke(app, ["replay", "--failed", "--needs-review"]).output == (
        "marked for replay (1): E9-1\n"
    )
    assert cli.invoke(app, ["replay", "--failed"]).output == "nothing to replay\n"
    assert ledger.get("E9-1").replay is True


def test_replay_needs_something_to_replay(cli: CliRunner, ledger: Store) -> None:
    result = cli.invoke(app, ["replay"])
    assert str(result.exception) == (
        "replay: name references, or give --failed and/or --needs-review"
    )
    assert result.exception.exit_code == 4  # type: ignore[union-attr]
