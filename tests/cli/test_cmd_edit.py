"""``bots edit``: the whole order re-validated, personal values masked, history kept."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bots.cli import app
from bots.errors import BadInput
from bots.intake import work_item
from bots.ledger import ErrorInfo, IllegalTransition, Store, open_store
from bots.orders.samples import generate_orders, id_number, imei

REF = "E9-S0-0100"  # generate_orders(2): 0100 is a new install, 0101 a renewal


@pytest.fixture
def ledger(tmp_path: Path) -> tuple[str, Store]:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    store = open_store(url)
    store.enqueue([work_item(order) for order in generate_orders(2)])
    yield url, store
    store.close()


def edit(url: str, *args: str):
    return CliRunner().invoke(app, ["edit", REF, *args, "--db", url, "--actor", "ops"])


def test_dotted_and_column_names_change_the_order_and_the_history(ledger) -> None:
    url, store = ledger
    new_imei = imei(7)
    result = edit(url, "--set", f"phone.imei={new_imei}", "--set", "带宽(新装)=100M")
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"已修改 {REF}:\n"
        f"  赠机串号(IMEI): 864712030001007 -> {new_imei}\n"
        "  带宽(新装): 200M -> 100M\n"
    )
    payload = store.get(REF).payload
    assert payload["phone"]["imei"] == new_imei
    assert payload["broadband"]["bandwidth"] == "100M"
    entry = store.history(REF)[-1]
    assert (entry.kind, entry.actor) == ("edit", "ops")
    assert entry.changes == {
        "phone.imei": {"before": "864712030001007", "after": new_imei},
        "broadband.bandwidth": {"before": "200M", "after": "100M"},
    }


def test_an_id_number_change_is_printed_masked(ledger) -> None:
    url, store = ledger
    new_id = id_number("410105", date(1990, 1, 1), 123)
    result = edit(url, "--set", f"id_number={new_id}")
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"已修改 {REF}:\n"
        f"  证件号码: 410*************47 -> 410*************{new_id[-2:]}\n"
    )
    assert "410104199312314147" not in result.output and new_id not in result.output
    assert store.get(REF).payload["customer"]["id_number"] == new_id


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("phone.imei=123", f"{REF}(修改后):赠机串号(IMEI):应为15位数字,实际为“123”"),
        (
            "broadband.access_number=037160010001",
            f"{REF}(修改后):宽带接入号(续费):新装时由营账系统分配:请留空",
        ),
        ("nonsense=1", f"{REF}(修改后):nonsense:不是已知的字段"),
        ("phone", "--set phone:应为 字段=值,例如 --set phone.imei=86…"),
        (
            "reference=X-1",
            f"--set reference=X-1:{REF}的业务参考号不能改;"
            "取消它,再用新的业务参考号录入改正后的订单",
        ),
    ],
)
def test_a_bad_value_names_field_and_reason_and_changes_nothing(
    ledger, assignment: str, message: str
) -> None:
    url, store = ledger
    before = store.get(REF)
    result = edit(url, "--set", "bandwidth=50M", "--set", assignment)
    assert isinstance(result.exception, BadInput)
    assert str(result.exception) == message
    after = store.get(REF)
    assert after.payload == before.payload
    assert [e.kind for e in store.history(REF)] == ["enqueue"]


def test_a_bad_id_number_does_not_echo_it(ledger) -> None:
    url, _ = ledger
    result = edit(url, "--set", "customer.id_number=410101199001011234")
    # invalid, and no "right" check digit to invite fixing it by its last digit
    assert str(result.exception) == (
        f"{REF}(修改后):证件号码:号码无效(校验码对不上):请对照证件重新核对整个号码"
    )


def test_a_running_order_is_not_edited(ledger) -> None:
    url, store = ledger
    assert store.claim("w1") is not None
    result = edit(url, "--set", "bandwidth=50M")
    assert isinstance(result.exception, IllegalTransition)
    assert str(result.exception) == (
        f"不能修改{REF}:它是处理中(这需要订单是待处理、失败、待人工核查或已取消)"
    )


def test_an_order_whose_commit_went_out_is_edited_with_a_warning(ledger) -> None:
    url, store = ledger
    claimed = store.claim("w1")
    assert claimed is not None and claimed.reference == REF
    store.commit_started(REF, "w1", "submit_order", token=claimed.lease_token)
    store.commit_done(REF, "w1", "submit_order", token=claimed.lease_token)
    refused = ErrorInfo("business_exception", "BusinessException", "专款已存在")
    store.fail_business(REF, "w1", refused, token=claimed.lease_token)
    result = edit(url, "--set", "bandwidth=100M")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"已修改 {REF}:\n  带宽(新装): 200M -> 100M\n"
    assert result.stderr == (
        "注意:提交步骤“submit_order”已经(或可能已经)把原来的数据交给了营账系统;重放时先查询,"
        "已办理的部分会跳过,这次修改到不了那里:请先在营账系统里核实,需要时在那里改正\n"
    )
