"""The load checker judged on hand-built portal states: it must see every duplicate, every
lost order and every missing effect, and nothing else."""

from __future__ import annotations

from typing import Any

import pytest

from bench.common import Check, LedgerRow, check, short_reason

FUND = {"fund_type": "ADSL月租+加装包功能费+宽带调整月租", "ledger": "账户账本", "amount": 600}
NEW_FEES = [("安装调测费", 58, 58), ("UIM卡费", 20, 0), ("自由话费", 100, 100)]
RENEWAL_FEES = [
    ("安装调测费", 58, 0),
    ("UIM卡费", 20, 0),
    ("手机费用", 298, 0),
    ("自由话费", 100, 100),
]


class Portal:
    """A /qa/state under construction."""

    def __init__(self) -> None:
        self.state: dict[str, list[dict[str, Any]]] = {
            "orders": [],
            "fees": [],
            "services": [],
            "special_funds": [],
        }
        self.n = 0

    def order(
        self,
        ref: str | None,
        *,
        renewal: bool = False,
        collected: bool = True,
        fees: list[tuple[str, int, int]] | None = None,
        access: str | None = None,
        remark: str | None = None,
    ) -> tuple[str, str]:
        """An order for ``ref`` with its fee lines; a new install also gets its broadband.
        Returns (order number, access number)."""
        self.n += 1
        order_no = f"37120261127{self.n:05d}"
        if remark is None:
            remark = f"客户经理:马丽 业务参考:{ref}" if ref else "客户经理:马丽"
        self.state["orders"].append(
            {
                "order_no": order_no,
                "kind": "加装" if renewal else "新装",
                "staff_id": "GH1001",
                "remark": remark,
                "time": "2026-11-27 09:00:00",
                "status": "已收费" if collected else "待收费",
                "customer_id": f"1{self.n:08d}",
            }
        )
        for line, original, final in fees or (RENEWAL_FEES if renewal else NEW_FEES):
            self.state["fees"].append(
                {
                    "fee_id": len(self.state["fees"]) + 1,
                    "order_no": order_no,
                    "line": line,
                    "original_amount": original,
                    "final_amount": final,
                    "lowered_by": None,
                    "lower_reason": None,
                    "collected": collected,
                }
            )
        access = access or f"03717{self.n:07d}"
        self.state["services"].append(
            {
                "service_id": f"3{self.n:08d}",
                "kind": "broadband",
                "number": access,
                "order_no": order_no,
            }
        )
        self.state["services"].append(
            {
                "service_id": f"4{self.n:08d}",
                "kind": "mobile",
                "number": f"189371{self.n:05d}",
                "order_no": order_no,
            }
        )
        return order_no, access

    def deposit(self, access: str, **overrides: Any) -> str:
        serial = f"LS20261127{len(self.state['special_funds']) + 1:06d}"
        self.state["special_funds"].append(
            {
                "serial_no": serial,
                "access_number": access,
                **FUND,
                "staff_id": "GH1001",
                "time": "2026-11-27 09:01:00",
                **overrides,
            }
        )
        return serial

    def whole(self, ref: str, *, renewal: bool = False, access: str | None = None) -> LedgerRow:
        """A complete order in the portal and its done ledger row."""
        order_no, number = self.order(ref, renewal=renewal, access=access)
        serial = self.deposit(number)
        return LedgerRow(
            ref,
            "renewal" if renewal else "new_install",
            "done",
            access_number=number if renewal else None,
            outputs={"order_no": order_no, "serial_no": serial},
        )


def judge(portal: Portal, *rows: LedgerRow, expected: tuple[str, ...] = ()) -> Check:
    return check(rows, portal.state, expected)


def test_complete_orders_of_both_procedures_are_done_once() -> None:
    portal = Portal()
    rows = [portal.whole("R-1"), portal.whole("R-2", renewal=True, access="037160010001")]
    result = judge(portal, *rows)
    assert result.done == ["R-1", "R-2"]
    assert (result.lost, result.duplicates, result.parked, result.problems()) == ([], [], [], [])
    assert result.ok
    assert result.verdicts["R-2"].effects.access_numbers == ["037160010001"]


def test_a_second_order_for_a_reference_is_a_duplicate_even_when_the_ledger_says_done() -> None:
    portal = Portal()
    row = portal.whole("R-1")
    portal.order("R-1", collected=False)
    result = judge(portal, row)
    assert result.duplicates == ["R-1"]
    assert result.verdicts["R-1"].duplicates == ["2 orders"]
    assert not result.ok
    assert result.problems() == ["R-1 (done): duplicate 2 orders"]


def test_two_collected_fee_sets_and_two_deposits_are_duplicates() -> None:
    portal = Portal()
    row = portal.whole("R-1", renewal=True, access="037160010002")
    portal.order("R-1", renewal=True, access="037160010002")
    portal.deposit("037160010002")
    verdict = judge(portal, row).verdicts["R-1"]
    assert verdict.duplicates == ["2 orders", "2 collected fee sets", "2 deposits"]


def test_a_second_deposit_alone_is_a_duplicate() -> None:
    portal = Portal()
    row = portal.whole("R-1")
    portal.deposit(portal.state["special_funds"][0]["access_number"])
    result = judge(portal, row)
    assert result.verdicts["R-1"].duplicates == ["2 deposits"]
    assert result.duplicates == ["R-1"]


def test_the_reference_must_match_exactly_not_as_a_prefix() -> None:
    portal = Portal()
    rows = [portal.whole("R-1"), portal.whole("R-10")]
    result = judge(portal, *rows)
    assert result.done == ["R-1", "R-10"]
    assert [len(v.effects.orders) for v in result.verdicts.values()] == [1, 1]


def test_done_without_the_deposit_is_lost_with_what_is_missing() -> None:
    portal = Portal()
    order_no, _ = portal.order("R-1")
    row = LedgerRow("R-1", "new_install", "done", outputs={"order_no": order_no})
    result = judge(portal, row)
    assert result.lost == ["R-1"] and result.done_missing_effects == ["R-1"]
    assert result.verdicts["R-1"].missing == ["no special-fund deposit"]
    assert result.problems() == ["R-1 (done): lost: done, but no special-fund deposit"]


def test_done_with_fees_uncollected_or_wrong_amounts_is_lost() -> None:
    portal = Portal()
    _, access = portal.order("R-1", collected=False)
    portal.deposit(access)
    _, access2 = portal.order(
        "R-2", fees=[("安装调测费", 58, 58), ("UIM卡费", 20, 20), ("自由话费", 100, 100)]
    )
    portal.deposit(access2)
    result = judge(
        portal, LedgerRow("R-1", "new_install", "done"), LedgerRow("R-2", "new_install", "done")
    )
    assert result.verdicts["R-1"].missing == ["fees not collected"]
    [wrong] = result.verdicts["R-2"].missing
    assert wrong.startswith("fee lines not as the rules say")
    assert result.lost == ["R-1", "R-2"]


def test_a_deposit_of_the_wrong_amount_is_a_missing_effect() -> None:
    portal = Portal()
    _, access = portal.order("R-1")
    serial = portal.deposit(access, amount=60)
    result = judge(portal, LedgerRow("R-1", "new_install", "done"))
    assert result.verdicts["R-1"].missing == [
        f"deposit not 600 to the account ledger: ['{serial}']"
    ]


def test_done_with_nothing_in_the_portal_is_lost() -> None:
    result = judge(Portal(), LedgerRow("R-1", "renewal", "done", access_number="037160010003"))
    assert result.verdicts["R-1"].missing == [
        "no portal order",
        "fees not collected",
        "no special-fund deposit",
    ]
    assert result.lost == ["R-1"]


def test_the_ledger_order_number_must_be_the_portals() -> None:
    portal = Portal()
    row = portal.whole("R-1")
    wrong = LedgerRow("R-1", "new_install", "done", outputs={**row.outputs, "order_no": "1"})
    [missing] = judge(portal, wrong).verdicts["R-1"].missing
    assert missing.startswith("ledger order_no 1 is not the portal's")


def test_parked_with_a_reason_is_not_lost_even_with_partial_effects() -> None:
    portal = Portal()
    portal.order("R-1", collected=False)
    rows = [
        LedgerRow("R-1", "new_install", "needs_review", reason="UnknownOutcome at step collect"),
        LedgerRow(
            "R-2",
            "renewal",
            "failed",
            reason="BusinessException: 该用户不是当期到期用户",
            access_number="037160010090",
        ),
    ]
    result = judge(portal, *rows)
    assert result.parked == ["R-1", "R-2"] and result.lost == [] and result.ok
    assert result.parked_reasons() == {
        "needs_review: UnknownOutcome at step collect": 1,
        "failed: BusinessException: 该用户不是当期到期用户": 1,
    }


def test_failed_without_a_reason_is_lost() -> None:
    result = judge(Portal(), LedgerRow("R-1", "new_install", "failed", reason="  "))
    assert result.lost == ["R-1"]
    assert result.verdicts["R-1"].why == "no reason given"


@pytest.mark.parametrize("state", ["pending", "running", "retry_wait"])
def test_an_order_still_open_at_the_end_is_lost(state: str) -> None:
    result = judge(Portal(), LedgerRow("R-1", "new_install", state))
    assert result.lost == ["R-1"]
    assert result.verdicts["R-1"].why == f"still {state}: never finished"


def test_an_expected_order_missing_from_the_ledger_is_lost() -> None:
    portal = Portal()
    row = portal.whole("R-1")
    result = judge(portal, row, expected=("R-1", "R-2"))
    assert result.lost == ["R-2"]
    assert result.verdicts["R-2"].state == "absent"


def test_portal_orders_the_ledger_does_not_know_are_reported() -> None:
    portal = Portal()
    row = portal.whole("R-1")
    portal.order("R-9")
    stray, _ = portal.order(None)
    result = judge(portal, row)
    assert result.orphans == {"R-9": [portal.state["orders"][1]["order_no"]]}
    assert result.unreferenced == [stray]
    assert not result.ok
    assert result.problems()[-1] == f"portal order {stray} carries no business reference"


def test_a_reference_followed_by_more_text_is_still_found() -> None:
    portal = Portal()
    order_no, access = portal.order("R-1", remark="客户经理:马丽 业务参考:R-1 加急")
    portal.deposit(access)
    result = judge(portal, LedgerRow("R-1", "new_install", "done", outputs={"order_no": order_no}))
    assert result.done == ["R-1"]


def test_renewals_sharing_a_user_are_refused_rather_than_guessed() -> None:
    rows = [LedgerRow(r, "renewal", "pending", access_number="037160010004") for r in ("A", "B")]
    with pytest.raises(ValueError, match="037160010004 belongs to both A and B"):
        judge(Portal(), *rows)


def test_short_reason_groups_equal_causes() -> None:
    assert short_reason("SystemException  at step x: order 37120261127000123 timed out") == (
        "SystemException at step x: order N timed out"
    )
    assert len(short_reason("x" * 200)) == 90
