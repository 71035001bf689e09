"""The SQLite ledger file: personal data at rest (0600 in 0700 folders), and how each way
of opening it leaves the disk (``read`` never writes, a missing file is never made)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from bots.ledger import LedgerUnusable, SchemaOutOfDate, open_store
from bots.ledger.schema import LATEST
from tests.fixtures.ledger import order, version_one


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_ledger_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    os.umask(0o022)  # the usual umask, which would make it 0644
    folder = tmp_path / "robots" / "runs"
    store = open_store(f"sqlite:///{folder / 'ledger.db'}")
    store.enqueue([order("E9-1")])  # WAL: the -wal and -shm files exist while it is open
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["ledger.db", "ledger.db-shm", "ledger.db-wal"]
    assert {name: mode(folder / name) for name in files} == dict.fromkeys(files, 0o600)
    assert mode(folder) == mode(tmp_path / "robots") == 0o700  # made for it: not world-readable
    store.close()
    assert mode(folder / "ledger.db") == 0o600


def test_a_folder_that_exists_keeps_its_mode(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir(mode=0o755)
    os.chmod(tmp_path / "shared", 0o755)
    open_store(f"sqlite:///{tmp_path / 'shared' / 'ledger.db'}").close()
    assert mode(tmp_path / "shared") == 0o755
    assert mode(tmp_path / "shared" / "ledger.db") == 0o600


@pytest.mark.parametrize("mode_name", ["read", "write"])
def test_opening_a_missing_ledger_to_read_or_change_it_makes_nothing(
    tmp_path: Path, mode_name: str
) -> None:
    path = tmp_path / "typo" / "ledger.db"
    with pytest.raises(LedgerUnusable) as caught:
        open_store(f"sqlite:///{path}", mode=mode_name)  # type: ignore[arg-type]
    assert str(caught.value) == (
        f"账本{path}不存在:检查 --db 或 BOTS_DB 的写法;"
        "只有录入订单(bots enqueue)和 bots work 会新建账本"
    )
    assert caught.value.exit_code == 8
    assert list(tmp_path.iterdir()) == []


def test_reading_an_older_ledger_asks_for_an_upgrade_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    store = open_store(f"sqlite:///{path}", check_schema=False)
    version_one(store)
    store.close()
    before = path.read_bytes()
    with pytest.raises(SchemaOutOfDate) as caught:
        open_store(f"sqlite:///{path}", mode="read")
    assert str(caught.value) == (
        f"账本sqlite:///{path}的结构版本是1,这个 bots 需要{LATEST}:"
        f"运行 `bots db upgrade --db sqlite:///{path}`"
    )
    assert path.read_bytes() == before
    # a command that writes brings a SQLite ledger up to date itself
    assert open_store(f"sqlite:///{path}", mode="write").version() == LATEST
