"""``bots enqueue``: rows checked first; all of a file or none; references never twice."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bots.cli import app
from bots.errors import BadInput
from bots.intake import enqueue_files
from bots.ledger import open_store
from bots.orders.columns import COLUMNS

EXAMPLES = Path(__file__).resolve().parents[1] / "bots" / "shipped" / "examples"
BAD_IMEI = (
    "examples/orders.csv:第7行:赠机串号(IMEI):串号无效(校验位对不上):请对照手机重新核对整个串号"
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
        f"{BAD_IMEI}\n什么都没有录入:改正 examples/orders.csv 中上面这些行"
        "(或用 --skip-invalid 先录入没问题的行)"
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
    assert str(caught.value) == (
        f"{one}:第1项:业务参考号 E9-20261127-0001 已在账本中\n"
        "什么都没有录入:用 --skip-existing 跳过已在队列中的行,录入其余的"
    )
    assert {item.reference: item.updated_at for item in store.items()} == before


def test_cli_writes_rejects_and_counts(db: str, sample: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["enqueue", str(sample), "--db", db, "--skip-invalid", "--rejects", "bad.csv"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"拒收 {BAD_IMEI}",
        "1行有问题,已写入 bad.csv:改正后可直接录入这个文件",
        f"已录入11单到 {db}",
        # the clerk is told the ledger is new: a mistyped --db would make one
        "这是新建的账本:要录入已有的账本,请检查 --db(或配置的 db)",
        # and that nobody will enter the orders until a worker runs
        "现在没有工作进程在运行:订单要等有人运行 bots work 才会处理",
    ]
    with (tmp_path / "bad.csv").open(encoding="utf-8-sig", newline="") as f:
        header, *rows = list(csv.reader(f))
    assert header == ["来源", "拒收原因", *(c.label for c in COLUMNS)]
    (row,) = rows
    assert row[:2] == [
        "examples/orders.csv:7",
        "赠机串号(IMEI): 串号无效(校验位对不上):请对照手机重新核对整个串号",
    ]
    # the whole row as the file had it, the personal data too: it is the clerk's own file
    with (tmp_path / "examples" / "orders.csv").open(encoding="utf-8-sig", newline="") as f:
        source = list(csv.DictReader(f))[5]  # row 7 of the sheet
    assert dict(zip(header[2:], row[2:], strict=True)) == {
        c.label: source.get(c.label, "") for c in COLUMNS
    }


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
    shared = f"{imei(tmp_path, 3)}同时出现在第5和592行;每单要有自己的imei"
    assert str(caught.value).splitlines()[:2] == [
        f"{tmp_path / 'o.csv'}:第5行:imei:{shared}",
        f"{tmp_path / 'o.csv'}:第592行:imei:{shared}",
    ]
    assert sum(store.counts().values()) == 0
    intake = enqueue_files(store, [tmp_path / "o.csv"], skip_invalid=True, batch="b")
    assert intake.enqueued == 598
    assert [e.row for e in intake.rejects] == [5, 592]
    queued = {item.reference for item in store.items()}
    assert queued == set(refs) - {refs[3], refs[590]}
    assert [h.note for h in store.history(refs[0])] == ["录入,批次 b"]
    # the two rows refused are kept in the ledger with their order (personal data masked)
    kept = store.rejects(batch="b")
    assert [(r.row, r.reference, r.field) for r in kept] == [
        (5, refs[3], "imei"), (592, refs[590], "imei"),
    ]  # fmt: skip
    assert kept[0].data is not None and kept[0].data["customer"]["id_number"] == "******"
    store.close()


def _same_reference(path: Path, first: int, second: int) -> list[str]:
    """Give the order of data row ``second`` the reference of row ``first``, in lower case;
    returns the customers' names of the two rows."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    rows[second + 1][0] = rows[first + 1][0].lower()
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    column = [c.name for c in COLUMNS].index("customer_name")
    return [rows[first + 1][column], rows[second + 1][column]]


def test_two_rows_of_one_reference_are_refused_and_the_rest_go_in(
    ledger_url: str, tmp_path: Path
) -> None:
    """The ledger refuses a reference twice in one enqueue; the file refuses both rows
    first, so with --skip-invalid the other rows go in, each refused row with its own data."""
    refs = _orders_csv(tmp_path / "o.csv", 600)
    names = _same_reference(tmp_path / "o.csv", 3, 590)
    assert names[0] != names[1]
    store = open_store(ledger_url, check_schema=False)
    store.upgrade()
    shared = f"{refs[3]}同时出现在第5和592行;每单要有自己的reference"
    with pytest.raises(BadInput) as caught:
        enqueue_files(store, [tmp_path / "o.csv"])
    assert str(caught.value).splitlines()[:2] == [
        f"{tmp_path / 'o.csv'}:第5行:reference:{shared}",
        f"{tmp_path / 'o.csv'}:第592行:reference:{shared}",
    ]
    assert sum(store.counts().values()) == 0
    intake = enqueue_files(store, [tmp_path / "o.csv"], skip_invalid=True, batch="b")
    assert intake.enqueued == 598
    assert [(e.row, e.reason) for e in intake.rejects] == [(5, shared), (592, shared)]
    assert {item.reference for item in store.items()} == set(refs) - {refs[3], refs[590]}
    assert [e.data["customer"]["name"] for e in intake.rejects if e.data] == names
    store.close()


def test_a_file_taking_back_its_own_rows_leaves_another_files_order(
    db: str, tmp_path: Path
) -> None:
    """b.csv's two rows of a.csv's reference are refused by b.csv itself: a.csv's order
    stays queued (b.csv's withdrawal used to delete it, with no row refused for it)."""
    refs = _orders_csv(tmp_path / "a.csv", 3)
    (tmp_path / "b.csv").write_bytes((tmp_path / "a.csv").read_bytes())
    _same_reference(tmp_path / "b.csv", 0, 1)
    with (tmp_path / "b.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    with (tmp_path / "b.csv").open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([rows[0], rows[1], rows[2]])  # a.csv's first, twice
    (tmp_path / "a.csv").write_text(
        "\n".join((tmp_path / "a.csv").read_text(encoding="utf-8").splitlines()[:2]) + "\n",
        encoding="utf-8",
    )  # (a.csv keeps its first order only)
    store = open_store(db)
    intake = enqueue_files(
        store, [tmp_path / "a.csv", tmp_path / "b.csv"], skip_invalid=True
    )
    assert [(e.file, e.row) for e in intake.rejects] == [
        (str(tmp_path / "b.csv"), 2), (str(tmp_path / "b.csv"), 3),
    ]  # fmt: skip
    assert [item.reference for item in store.items()] == [refs[0]]
    assert [h.note for h in store.history(refs[0])] == ["录入"]


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
    again = tmp_path / "again.csv"
    assert str(caught.value) == (
        f"{again}:第2行:业务参考号 E9-S5-0000 在这次录入中已经出现过\n"
        f"{again}:第3行:业务参考号 E9-S5-0001 在这次录入中已经出现过\n"
        "什么都没有录入:每单要有自己的业务参考号"
    )
    assert sum(store.counts().values()) == 0


def test_skip_existing_lists_the_queued_rows_and_enqueues_the_rest(
    db: str, sample: Path, tmp_path: Path
) -> None:
    """The clerk fixes the refused row in the sheet and enqueues the whole sheet again: the
    rows already queued are listed and skipped, the fixed one goes in."""
    store = open_store(db)
    enqueue_files(store, [sample], skip_invalid=True, batch="b1")
    fixed = sample.read_text(encoding="utf-8-sig").replace("864712030005066", "864712030005065")
    assert fixed != sample.read_text(encoding="utf-8-sig")
    sample.write_text(fixed, encoding="utf-8-sig")
    intake = enqueue_files(store, [sample], skip_existing=True, batch="b2")
    assert intake.enqueued == 1 and intake.rejects == []
    assert [(s.row, s.reference) for s in intake.skipped] == [
        (row, f"E9-20261127-{n:04d}") for n, row in zip(range(1, 13), range(2, 14), strict=True)
        if n != 6
    ]
    assert str(intake.skipped[0]) == "examples/orders.csv:第2行:E9-20261127-0001 已在账本中,跳过"
    assert store.get("E9-20261127-0006").batch == "b2"
    assert store.get("E9-20261127-0001").batch == "b1"  # what was queued is untouched
    store.close()


def test_cli_skip_existing_and_the_rejects_file_enqueued_once_fixed(
    db: str, sample: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["enqueue", str(sample), "--db", db, "--skip-invalid"])
    assert first.exit_code == 0, first.output
    refused = runner.invoke(app, ["enqueue", str(sample), "--db", db])
    assert refused.exit_code == 1 and isinstance(refused.exception, BadInput)
    # the clerk fixes the IMEI in rejects.csv and enqueues that file as it is
    rejects = tmp_path / "rejects.csv"
    assert rejects.stat().st_mode & 0o777 == 0o600  # full ID numbers and phones: the owner's
    rejects.write_text(
        rejects.read_text(encoding="utf-8-sig").replace("864712030005066", "864712030005065"),
        encoding="utf-8-sig",
    )
    fixed = runner.invoke(app, ["enqueue", str(rejects), "--db", db])
    assert fixed.output.splitlines()[0] == f"已录入1单到 {db}", fixed.output  # (it exists now)
    again = runner.invoke(app, ["--lang", "en", "enqueue", str(sample), "--db", db,
                                "--skip-existing", "--skip-invalid"])  # fmt: skip
    assert again.exit_code == 0, again.output
    lines = again.output.splitlines()
    assert lines[0] == (
        "examples/orders.csv:row 2: E9-20261127-0001 is already in the ledger, skipped"
    )
    assert lines[11:] == [
        "rows already queued, skipped: 11",
        "skipped examples/orders.csv:row 7: 赠机串号(IMEI): is not a valid IMEI (its check digit"
        " does not match): check the whole number against the phone",
        "1 bad row(s) written to rejects-2.csv: fix them and enqueue that file",
        f"enqueued 0 orders into {db}",
    ]
    # the earlier rejects file, which the clerk fixed, is never written over
    assert "864712030005065" in rejects.read_text(encoding="utf-8-sig")
    assert "864712030005066" in (tmp_path / "rejects-2.csv").read_text(encoding="utf-8-sig")
    assert (tmp_path / "rejects-2.csv").stat().st_mode & 0o777 == 0o600


def test_the_rejects_of_an_enqueue_are_kept_in_the_ledger(db: str, sample: Path) -> None:
    store = open_store(db)
    enqueue_files(store, [sample], skip_invalid=True, batch="b1")
    (kept,) = store.rejects(batch="b1")
    assert (kept.file, kept.row, kept.reference, kept.field) == (
        "examples/orders.csv", 7, "E9-20261127-0006", "赠机串号(IMEI)",
    )  # fmt: skip
    assert kept.reason == "串号无效(校验位对不上):请对照手机重新核对整个串号"
    assert kept.data is not None
    assert kept.data["phone"]["imei"] == "864712030005066"
    assert kept.data["customer"]["id_number"] == "******"
    assert kept.data["customer"]["contact_phone"] == "******"
    store.close()


def test_a_file_refused_whole_keeps_the_enqueue_out_even_when_skipping_bad_rows(
    db: str, sample: Path, tmp_path: Path
) -> None:
    # a file whose header lacks a column, and one that is no workbook: none of their
    # orders is in a rejects file, so skipping bad rows would lose them without a word
    with sample.open(encoding="utf-8-sig", newline="") as f:
        table = [row[1:] for row in csv.reader(f)]  # the first column (业务参考) gone
    with (tmp_path / "short.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(table)
    (tmp_path / "fake.xlsx").write_bytes(b"PK not really a workbook")
    store = open_store(db)
    with pytest.raises(BadInput) as caught:
        enqueue_files(store, [sample, Path("short.csv"), Path("fake.xlsx")], skip_invalid=True)
    assert str(caught.value).splitlines()[-1] == (
        "什么都没有录入:short.csv, fake.xlsx 整个文件无法录入,其中的订单都没有录入;改正后重新录入"
    )
    assert sum(store.counts().values()) == 0
    result = CliRunner().invoke(app, ["enqueue", "fake.xlsx", "--db", db, "--skip-invalid"])
    assert result.exception.exit_code == 4  # type: ignore[union-attr]
    assert sum(store.counts().values()) == 0


def test_a_row_shifted_by_a_cell_keeps_its_id_number_and_phone_masked(
    db: str, sample: Path, tmp_path: Path
) -> None:
    # a cell left out before 证件类型: the ID number sits under 客户姓名's neighbour and the
    # phone under 证件类型, where the field names say nothing personal. The ledger keeps the
    # row, and the batch report, mailed on, quotes it.
    from bots.batch import write_batch_report

    with sample.open(encoding="utf-8-sig", newline="") as f:
        header, first = list(csv.reader(f))[:2]
    at = header.index("证件类型")
    id_number, phone = first[header.index("证件号码")], first[header.index("联系电话")]
    with (tmp_path / "shifted.csv").open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows([header, [*first[:at], *first[at + 1 :], ""]])
    store = open_store(db)
    enqueue_files(store, [Path("shifted.csv")], skip_invalid=True, batch="b2")
    kept = store.rejects(batch="b2")
    assert len(kept) > 1 and all(reject.row == 2 for reject in kept)  # one a problem
    assert kept[0].data is not None
    assert kept[0].data["customer"]["id_type"] == f"{id_number[:3]}{'*' * 13}{id_number[-2:]}"
    page = write_batch_report([], tmp_path / "report", rejects=kept)["html"]
    text = page.read_text(encoding="utf-8")
    assert "入队被拒" in text and f"{id_number[:3]}{'*' * 13}{id_number[-2:]}" in text
    for value in (id_number, phone):
        assert value not in text
        assert all(value not in str(reject.data) + reject.reason for reject in kept)
    store.close()


def test_a_file_with_a_header_and_no_rows_is_refused_whole_even_when_skipping(
    db: str, sample: Path, tmp_path: Path
) -> None:
    # it exited 0 with --skip-invalid, writing a rejects file of one made-up row
    header = sample.read_text(encoding="utf-8-sig").splitlines()[0]
    (tmp_path / "header_only.csv").write_text(header + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["enqueue", "header_only.csv", "--skip-invalid", "--db", db]
    )
    assert result.exit_code == 1 and isinstance(result.exception, BadInput)
    assert str(result.exception) == (
        "header_only.csv:没有订单行\n"
        "什么都没有录入:header_only.csv 整个文件无法录入,其中的订单都没有录入;改正后重新录入"
    )
    assert not (tmp_path / "rejects.csv").exists()


def test_rejects_in_a_new_folder_are_written_there(db: str, sample: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["enqueue", str(sample), "--db", db, "--skip-invalid", "--rejects", "out/r.csv"]
    )
    assert result.exit_code == 0, result.output
    assert "1行有问题,已写入 out/r.csv:改正后可直接录入这个文件" in result.output.splitlines()
    assert (tmp_path / "out" / "r.csv").is_file()


def test_rejects_that_cannot_be_written_stop_the_enqueue_first(
    db: str, sample: Path, tmp_path: Path
) -> None:
    (tmp_path / "taken").write_text("a file where the folder would be")
    result = CliRunner().invoke(
        app, ["enqueue", str(sample), "--db", db, "--skip-invalid", "--rejects", "taken/r.csv"]
    )
    assert isinstance(result.exception, BadInput)
    assert str(result.exception) == (
        "没法把有问题的行写到 taken/r.csv(File exists):换一个 --rejects 路径;什么都没有录入"
    )
    assert sum(open_store(db).counts().values()) == 0


def test_rejects_without_skip_invalid_is_refused_before_anything(db: str, sample: Path) -> None:
    # it was silently ignored: nothing written, and the clerk looked for a file
    result = CliRunner().invoke(app, ["enqueue", str(sample), "--db", db, "--rejects", "r.csv"])
    assert result.exit_code == 1 and isinstance(result.exception, BadInput)
    assert str(result.exception) == (
        "--rejects 只和 --skip-invalid 一起用:加上 --skip-invalid,或去掉 --rejects"
    )
    assert sum(open_store(db).counts().values()) == 0
