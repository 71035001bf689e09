"""Migrations and how a ledger is found from its URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.errors import BadInput
from bots.ledger import SchemaOutOfDate, open_store
from bots.ledger.schema import LATEST
from bots.ledger.sqlite import SqliteStore
from tests.fixtures.ledger import order, version_one


def test_upgrade_from_empty_is_idempotent_and_reports_the_version(ledger_url: str) -> None:
    store = open_store(ledger_url, check_schema=False)
    assert store.version() == 0
    assert store.migrations() == []
    assert store.upgrade() == LATEST
    assert store.upgrade() == LATEST
    assert [(m["version"], m["description"]) for m in store.migrations()] == [
        (1, "work items and their history"),
        (2, "a lease token per claim; lease expiries counted apart from attempts"),
        (3, "console users and sessions, reviewed items, worker processes"),
        (4, "rows refused at enqueue, their data masked"),
        (5, "questions a flow asks a person, and their answers"),
        (6, "an index of claimable items in claim order"),
        (7, "an index of references in any letter case"),
        (8, "the names of an item's commit steps"),
    ]
    store.enqueue([order("E9-1")])
    store.close()


def test_concurrent_opens_of_a_new_sqlite_ledger_upgrade_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/ledger.db"
    first, second = open_store(url), open_store(url)
    assert (first.version(), second.version()) == (LATEST, LATEST)
    assert len(second.migrations()) == LATEST


def test_postgres_is_never_upgraded_behind_an_operators_back(ledger_url: str) -> None:
    if ledger_url.startswith("sqlite"):
        store = open_store(ledger_url)
        assert store.version() == LATEST, "a SQLite ledger is brought up to date on open"
        return
    with pytest.raises(SchemaOutOfDate) as caught:
        open_store(ledger_url)
    assert str(caught.value) == (
        f"账本{ledger_url}的结构版本是0,这个 bots 需要{LATEST}:"
        f"运行 `bots db upgrade --db {ledger_url}`"
    )
    assert caught.value.exit_code == 8


def test_a_ledger_newer_than_this_bots_is_refused(ledger_url: str) -> None:
    store = open_store(ledger_url, check_schema=False)
    store.upgrade()
    with store.tx() as cur:  # type: ignore[attr-defined]
        cur.run(
            "INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)",
            LATEST + 1, "from the future", store.clock(),
        )  # fmt: skip
    with pytest.raises(SchemaOutOfDate) as caught:
        open_store(ledger_url)
    assert str(caught.value) == (
        f"账本{ledger_url}的结构版本是{LATEST + 1},比这个 bots 认识的({LATEST})新:"
        "在这台机器上升级 bots"
    )


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///runs/ledger.db", "runs/ledger.db"),
        ("sqlite:////srv/bots/ledger.db", "/srv/bots/ledger.db"),
        ("queue.db", "queue.db"),
        ("/srv/bots/ledger.db", "/srv/bots/ledger.db"),
    ],
)
def test_sqlite_urls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str, path: str) -> None:
    monkeypatch.chdir(tmp_path)
    opened: list[Path] = []
    monkeypatch.setattr(SqliteStore, "__init__", lambda self, u, p, **o: opened.append(p))
    monkeypatch.setattr(SqliteStore, "upgrade", lambda self: LATEST)
    monkeypatch.setattr(SqliteStore, "check_writable", lambda self: None)
    open_store(url)
    assert opened == [Path(path)]


def test_bots_db_env_and_the_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BOTS_DB", raising=False)
    assert open_store().url == "sqlite:///runs/ledger.db"
    assert (tmp_path / "runs" / "ledger.db").exists()
    monkeypatch.setenv("BOTS_DB", f"sqlite:///{tmp_path}/other.db")
    assert open_store().url == f"sqlite:///{tmp_path}/other.db"


@pytest.mark.parametrize("url", ["sqlite://ledger.db", "sqlite:///", "sqlite:///:memory:"])
def test_a_sqlite_url_must_name_a_file(url: str) -> None:
    with pytest.raises(BadInput) as caught:
        open_store(url)
    assert str(caught.value) == (
        f"{url}:SQLite 账本是一个文件:sqlite:///相对路径.db 或 sqlite:////绝对路径.db"
    )


def test_unknown_url_scheme(tmp_path: Path) -> None:
    with pytest.raises(BadInput) as caught:
        open_store("mysql://host/db")
    assert str(caught.value) == (
        "不认识的账本网址mysql://host/db:应以 sqlite://, postgresql://, postgres:// 开头,"
        "或是一个文件路径"
    )


@pytest.mark.parametrize(
    "url,scheme",
    [("postgresql//bots@db1/ledger", "postgresql"), ("postgres:/ledger", "postgres"),
     ("sqlite:/runs/ledger.db", "sqlite")],
)  # fmt: skip
def test_a_url_typed_wrong_is_not_taken_for_a_file(
    url: str, scheme: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BadInput) as caught:
        open_store(url)
    assert str(caught.value) == (
        f"{url} 像是写错的账本网址:网址应以 {scheme}:// 开头;若真是一个文件,请写成 ./{url}"
    )
    assert list(tmp_path.iterdir()) == []  # no empty ledger made where nobody looks


def test_a_file_whose_name_looks_like_a_url_is_written_as_a_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "postgresql").mkdir()
    open_store("./postgresql//ledger.db").close()
    assert (tmp_path / "postgresql" / "ledger.db").is_file()


def test_an_upgrade_keeps_the_items_of_version_one(ledger_url: str) -> None:
    """A ledger made by the previous bots (version 1) gains the lease token and the expiry
    count; its items keep everything, with no expiry counted yet."""
    store = open_store(ledger_url, check_schema=False)
    version_one(store)
    assert store.version() == 1
    assert store.upgrade() == LATEST
    item = store.get("OLD-1")
    assert (item.attempts, item.expiries, item.lease_token) == (2, 0, None)
    assert (item.reviewed_at, item.reviewed_by) == (None, None)
    assert store.users() == [] and store.workers(since=store.clock()) == []
    claimed = store.claim("w1")
    assert claimed is not None and claimed.lease_token is not None
    store.close()


def test_a_sqlite_url_takes_a_lock_timeout_and_nothing_else(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/ledger.db"
    store = open_store(f"{url}?timeout=2.5")
    assert store.busy_seconds == 2.5  # type: ignore[attr-defined]
    store.close()
    with pytest.raises(BadInput) as caught:
        open_store(f"{url}?mode=ro")
    assert str(caught.value) == f"{url}?mode=ro:SQLite 账本没有选项mode,只有 timeout"
    with pytest.raises(BadInput) as caught:
        open_store(f"{url}?timeout=soon")
    assert str(caught.value) == f"{url}?timeout=soon:timeout 应是秒数"
