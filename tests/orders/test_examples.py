"""The committed sample batch: loads, validates, matches the fixtures and make_examples.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from bots.orders.readers import read_orders

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "bots" / "shipped" / "examples"
BAD_IMEI = "E9-20261127-0006"
NOT_DUE = "E9-20261127-0012"


def make_examples() -> ModuleType:
    script = ROOT / "scripts" / "make_examples.py"
    spec = importlib.util.spec_from_file_location("make_examples", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["orders.csv", "orders.xlsx"])
def test_batch_refuses_exactly_the_bad_imei(name: str) -> None:
    path = EXAMPLES / name
    result = read_orders(path)
    assert [str(e) for e in result.errors] == [
        f"{path}:第7行:赠机串号(IMEI):串号无效(校验位对不上):请对照手机重新核对整个串号"]
    assert len(result.orders) == 11
    assert BAD_IMEI not in {o.reference for o in result.orders}


def test_csv_and_xlsx_hold_the_same_orders() -> None:
    assert read_orders(EXAMPLES / "orders.csv").orders == read_orders(
        EXAMPLES / "orders.xlsx").orders


def test_each_order_has_its_yaml_with_the_same_data() -> None:
    batch = {o.reference: o for o in read_orders(EXAMPLES / "orders.csv").orders}
    files = sorted((EXAMPLES / "orders").glob("*.yaml"))
    assert [f.stem for f in files] == [f"E9-20261127-{i:04d}" for i in range(1, 13)]
    for file in files:
        result = read_orders(file)
        if file.stem == BAD_IMEI:
            assert [str(e) for e in result.errors] == [
                f"{file}:第1项:phone.imei:串号无效(校验位对不上):请对照手机重新核对整个串号"]
        else:
            assert result.errors == []
            assert result.orders == [batch[file.stem]]


def test_batch_covers_procedures_packs_and_fixtures() -> None:
    orders = read_orders(EXAMPLES / "orders.csv").orders
    assert {(o.procedure, o.plan.code) for o in orders} == {
        ("new_install", "e9-C"), ("new_install", "e9-G"), ("renewal", "e9-C"),
        ("renewal", "e9-G")}
    renewals = [o for o in orders if o.procedure == "renewal"]
    due = [o for o in renewals if o.reference != NOT_DUE]
    assert all(37160010001 <= int(o.broadband.access_number or "") <= 37160010080 for o in due)
    assert next(o for o in renewals if o.reference == NOT_DUE).broadband.access_number == (
        "037160010090")
    numbers = [o.mobile.number for o in orders if o.mobile.number != "any"]
    assert len(numbers) == len(set(numbers))
    assert all(18937100000 <= int(n) <= 18937100999 for n in numbers)
    assert len({o.mobile.uim for o in orders}) == len(orders)
    assert all(o.mobile.uim.startswith("89860319371") for o in orders)
    accounts = [o.broadband.account for o in orders if o.procedure == "new_install"]
    assert len(accounts) == len(set(accounts))


def test_committed_files_are_what_the_script_writes(tmp_path: Path) -> None:
    make_examples().write_all(tmp_path)
    assert (tmp_path / "orders.csv").read_bytes() == (EXAMPLES / "orders.csv").read_bytes()
    for file in (EXAMPLES / "orders").glob("*.yaml"):
        assert (tmp_path / "orders" / file.name).read_text() == file.read_text()
    assert read_orders(tmp_path / "orders.xlsx").orders == read_orders(
        EXAMPLES / "orders.xlsx").orders
