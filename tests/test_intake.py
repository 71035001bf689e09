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


def _orders_csv(path: Path, count: int, clash: tuple[int, int] | None = None) -> list[str]:
    """``count`` valid orders (600 rows is more than one chunk of the ledger); with
    ``clash``, those two rows share an IMEI. Returns the references, in row order."""
    from bots.orders.columns import COLUMNS, flatten
    from bots.orders.samples import generate_orders

    orders = generate_orders(count, seed=5, start_index=0)
    rows = [flatten(o.model_dump(mode="json")) for o in orders]
    for n, row in enumerate(rows):  # the samples reuse the 80 due users: each their own here
        if row["broadband_access_number"]:
            row["broadband_access_number"] = f"0371{60020000 + n:08d}"
    if clash:
        rows[clash[1]]["imei"] = rows[clash[0]]["imei"]
    with path.open("w", encoding="utf-8", newline="") as out:
        import csv

        writer = csv.writer(out)
        writer.writerow([c.name for c in COLUMNS])
        for row in rows:
            writer.writerow(["" if row[c.name] is None else row[c.name] for c in COLUMNS])
    return [o.reference for o in orders]


def test_rows_sharing_a_value_far_apart_are_taken_back_on_either_ledger(
    ledger_url: str, tmp_path: Path
) -> None:
    """Streamed into the ledger, the first of two rows sharing an IMEI is in before the
    second shows the clash: with --skip-invalid both are left out, the other 598 go in."""
    refs = _orders_csv(tmp_path / "o.csv", 600, clash=(3, 590))
    store = open_store(ledger_url, check_schema=False)
    store.upgrade()
    with pytest.raises(BadInput) as caught:
        enqueue_files(store, [tmp_path / "o.csv"])
    assert str(caught.value).splitlines()[:2] == [
        f"{tmp_path / 'o.csv'}:row 5: imei: {imei(tmp_path, 3)} appears in rows 5 and 592;"
        " each order needs its own",
        f"{tmp_path / 'o.csv'}:row 592: imei: {imei(tmp_path, 3)} appears in rows 5 and 592;"
        " each order needs its own",
    ]
    assert sum(store.counts().values()) == 0
    intake = enqueue_files(store, [tmp_path / "o.csv"], skip_invalid=True, batch="b")
    assert intake.enqueued == 598
    assert [e.row for e in intake.rejects] == [5, 592]
    queued = {item.reference for item in store.items()}
    assert queued == set(refs) - {refs[3], refs[590]}
    assert [h.note for h in store.history(refs[0])] == ["enqueued in batch b"]
    store.close()


def imei(folder: Path, index: int) -> str:
    import csv

    with (folder / "o.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))[index]["imei"]


def test_a_reference_in_two_files_is_refused_and_nothing_queued(db: str, tmp_path: Path) -> None:
    _orders_csv(tmp_path / "o.csv", 2)
    (tmp_path / "again.csv").write_bytes((tmp_path / "o.csv").read_bytes())
    store = open_store(db)
    with pytest.raises(BadInput) as caught:
        enqueue_files(store, [tmp_path / "o.csv", tmp_path / "again.csv"])
    assert str(caught.value) == (
        "reference given twice in this batch: E9-S5-0000, E9-S5-0001; nothing was enqueued"
    )
    assert sum(store.counts().values()) == 0
