from __future__ import annotations

import pytest

from bots.orders import checks, samples
from bots.orders.samples import generate_orders


def test_deterministic() -> None:
    assert generate_orders(20, seed=5) == generate_orders(20, seed=5)
    assert generate_orders(20, seed=5) != generate_orders(20, seed=6)


def test_hundred_orders_match_the_fixtures_and_are_distinct() -> None:
    orders = generate_orders(100, seed=1)
    new = [o for o in orders if o.procedure == "new_install"]
    renewals = [o for o in orders if o.procedure == "renewal"]
    assert (len(new), len(renewals)) == (50, 50)
    for field in (lambda o: o.reference, lambda o: o.mobile.number, lambda o: o.mobile.uim,
                  lambda o: o.phone.imei):
        assert len({field(o) for o in orders}) == 100
    assert len({o.broadband.account for o in new}) == 50
    assert len({o.broadband.access_number for o in renewals}) == 50
    for order in orders:
        assert 18937100000 <= int(order.mobile.number) <= 18937100999
        assert order.mobile.uim.startswith("89860319371")
        assert len(order.mobile.uim) == 19
        assert int(order.mobile.uim[11:18]) <= 999
    for order in renewals:
        assert 37160010001 <= int(order.broadband.access_number or "") <= 37160010080  # due
    for order in new:
        code = order.broadband.standard_address or ""
        assert code.startswith("4101-") and 1 <= int(code[5:]) <= 200
    assert {o.pack for o in orders} == {19, 29}


def test_start_index_shifts_numbers_cards_and_accounts() -> None:
    first = generate_orders(10, seed=1, start_index=100)
    second = generate_orders(10, seed=1, start_index=110)
    assert not {o.mobile.uim for o in first} & {o.mobile.uim for o in second}
    assert first[0].mobile.number == "18937100100"
    assert second[0].mobile.number == "18937100110"
    assert first[0].broadband.account == "hnbench0100"


def test_pool_bounds() -> None:
    assert len(generate_orders(1, start_index=999)) == 1
    with pytest.raises(ValueError) as caught:
        generate_orders(2, start_index=999)
    assert str(caught.value) == (
        "start_index + n 应在1000个号码的号码池之内,实际 start_index=999, n=2"
    )


def test_identifier_helpers() -> None:
    assert samples.iccid(0) == "8986031937100000007"
    assert checks.iccid(samples.iccid(999)) == samples.iccid(999)
    assert checks.imei(samples.imei(12)) == samples.imei(12)
    assert samples.access_number(1) == "037160010001"
    assert samples.access_number(90) == "037160010090"
