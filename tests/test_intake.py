"""``bots enqueue``: rows checked first; all of a file or none; references never twice."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bots.cli import app
from bots.errors import BadInput
from bots.intake import enqueue_files
from bots.ledger import open_store

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
BAD_IMEI = (
    "examples/orders.csv:row 7: 赠机串号(IMEI): Luhn check digit is wrong (expected 5, got 6)"
)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture
def sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sample batch at the path its error messages name (examples/orders.csv)."""
    (tmp_path / "examples").mkdir()
    shutil.copy(EXAMPLES / "orders.csv", tmp_path / "examples" / "orders.csv")
    monkeypatch.chdir(tmp_path)
    return Path("examples/orders.csv")


def test_a_bad_row_keeps_the_whole_file_out(db: str, sample: Path) -> None:
    store = open_store(db)
    with pytest.raises(BadInput) as caught:
        enqueue_files(store, [sample])
    assert str(caught.value) == (
        f"{BAD_IMEI}\nnothing enqueued: fix the rows above in examples/orders.csv "
        "(or use --skip-invalid to enqueue the good rows)"
    )
    assert sum(store.counts().values()) == 0


def test_skip_invalid_enqueues_the_good_rows(db: str, sample: Path) -> None:
    store = open_store(db)
    intake = enqueue_files(store, [sample], skip_invalid=True, batch="b1")
    assert intake.enqueued == 11
    assert [str(e) for e in intake.rejects] == [BAD_IMEI]
    items = {item.reference: item for item in store.items()}
    assert "E9-20261127-0006" not in items
    assert items["E9-20261127-0001"].flow == "e9_new_install.yaml"
    assert items["E9-20261127-0007"].flow == "e9_renewal.yaml"
    assert {item.batch for item in items.values()} == {"b1"}


def test_a_reference_already_queued_is_refused_and_nothing_touched(db: str, sample: Path) -> None:
    store = open_store(db)
    enqueue_files(store, [Path("examples/orders.csv")], skip_invalid=True)
    before = {item.reference: item.updated_at for item in store.items()}
    one = EXAMPLES / "orders" / "E9-20261127-0001.yaml"
    with pytest.raises(BadInput) as caught:
        enqueue_files(store, [one, EXAMPLES / "orders" / "E9-20261127-0006.yaml"],
                      skip_invalid=True)
    assert "E9-20261127-0001" in str(caught.value)
    assert {item.reference: item.updated_at for item in store.items()} == before


def test_cli_writes_rejects_and_counts(db: str, sample: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["enqueue", str(sample), "--db", db, "--skip-invalid", "--rejects", "bad.csv"]
    )
    assert result.exit_code == 0, result.output
    assert "enqueued 11 order(s)" in result.output
    rejects = (tmp_path / "bad.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rejects == [
        "file,row,field,reason",
        'examples/orders.csv,7,赠机串号(IMEI),"Luhn check digit is wrong (expected 5, got 6)"',
    ]
