"""A ledger that cannot serve — missing (for a command that only reads), read-only, locked,
damaged, of another schema version — gives one line naming it and what to do, exit 8, and
nothing is created or changed. Each case runs the real ``bots`` command (its one error
handler), and ``bots work`` must refuse before it starts a browser or logs in anywhere."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import psycopg
import pytest

from bots.demo import write_credentials
from bots.ledger import NewItem, open_store
from bots.ledger.schema import LATEST
from tests.fixtures.ledger import pg_url, version_one
from tests.fixtures.worker import FLOWS, ToyPortal, password_of

ROOT = Path(__file__).resolve().parents[2]
ORDERS = ROOT / "examples" / "orders" / "E9-20261127-0001.yaml"
MISSING = "不存在:检查 --db 或 BOTS_DB 的写法;只有录入订单(bots enqueue)和 bots work 会新建账本"
READ_ONLY = "是只读的:换一个能写它的用户运行,或改正它和它所在文件夹的权限"
DAMAGED = "已损坏,不是可用的 SQLite 数据库:从备份恢复,或用 --db 指向另一个账本"
NO_GRANT = "不让这个数据库用户写入:给它授予写权限,或连到可写的主库"


def commands(tmp_path: Path, portal: ToyPortal | None = None) -> dict[str, list[str]]:
    """Every command that opens the ledger, with what it needs besides ``--db``."""
    found = {
        "status": ["status"],
        "show": ["show", "E9-1"],
        "report": ["report", "--out", str(tmp_path / "report")],
        "db status": ["db", "status"],
        "db upgrade": ["db", "upgrade"],
        "enqueue": ["enqueue", str(ORDERS)],
        "edit": ["edit", "E9-1", "--set", "note=x"],
        "cancel": ["cancel", "E9-1"],
        "replay": ["replay", "--failed"],
    }
    if portal is not None:
        credentials = tmp_path / "credentials"
        if not credentials.exists():
            write_credentials(credentials, [("GH1001", password_of("GH1001"))])
        found["work"] = [
            "work", "--portal", portal.url, "--flows", str(FLOWS), "--credentials",
            str(credentials), "--runs-dir", str(tmp_path / "runs"), "--screenshots", "off",
        ]  # fmt: skip
    return found


READS = ("status", "show", "report", "db status")
WRITES = ("db upgrade", "enqueue", "edit", "cancel", "replay", "work")


def some(found: dict[str, list[str]], *names: str) -> dict[str, list[str]]:
    """A few of the commands: each case runs them all where it matters (a damaged file),
    a few of each kind elsewhere, so the whole file stays quick."""
    return {name: args for name, args in found.items() if name in names}


def bots(
    *args: str, db: str, unprivileged: bool = False, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m bots ARGS --db DB``; ``unprivileged``: as a user the permission bits bind
    (root ignores them: a user namespace of its own takes that power away)."""
    prefix = ["unshare", "--user"] if unprivileged and os.geteuid() == 0 else []
    env = {**os.environ, "COLUMNS": "1000", "PYTHONPATH": str(ROOT)}
    env.pop("BOTS_LANG", None)
    env.pop("BOTS_DB", None)
    return subprocess.run(
        [*prefix, sys.executable, "-m", "bots", *args, "--db", db],
        capture_output=True, text=True, timeout=120, env=env, cwd=cwd or ROOT,
    )  # fmt: skip


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes: what "nothing changed" compares."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def one_line(done: subprocess.CompletedProcess[str], message: str) -> None:
    assert (done.returncode, done.stderr) == (8, f"错误: {message}\n"), done.stdout
    assert done.stdout == ""


@pytest.fixture
def ledger_file(tmp_path: Path) -> Iterator[Path]:
    """A real ledger with one failed order, E9-1, in a folder of its own."""
    path = tmp_path / "ledger" / "ledger.db"
    store = open_store(f"sqlite:///{path}")
    store.enqueue([NewItem("E9-1", "e9_new_install.yaml", {"reference": "E9-1"})])
    store.cancel("E9-1")
    store.close()
    yield path
    for folder in (path.parent, *path.parent.iterdir()):
        os.chmod(folder, 0o700)  # let pytest clean up


def test_a_missing_ledger_is_named_and_never_made_by_a_command_that_reads(
    tmp_path: Path,
) -> None:
    path = tmp_path / "typo" / "runs" / "ledger.db"
    for name, args in commands(tmp_path).items():
        if name not in READS:
            continue
        one_line(bots(*args, db=f"sqlite:///{path}"), f"账本{path}{MISSING}")
        assert list(tmp_path.iterdir()) == [], name  # neither the ledger nor its folders
    # a command that changes items needs them to exist too
    one_line(bots("cancel", "E9-1", db=f"sqlite:///{path}"), f"账本{path}{MISSING}")
    assert list(tmp_path.iterdir()) == []


def test_a_folder_given_for_the_ledger_is_said_in_words(tmp_path: Path) -> None:
    one_line(
        bots("enqueue", str(tmp_path / "none.csv"), db=f"sqlite:///{tmp_path}"),
        f"无法打开账本{tmp_path}:SQLite 打不开这个文件(它是一个文件夹,或所在的文件夹不存在或不可写)"
        ";检查路径和权限",
    )


def test_a_read_only_ledger_refuses_every_write_and_still_reads(
    tmp_path: Path, ledger_file: Path, toy_portal: ToyPortal
) -> None:
    before = tree(ledger_file.parent)
    os.chmod(ledger_file, 0o444)
    os.chmod(ledger_file.parent, 0o555)
    db = f"sqlite:///{ledger_file}"
    for name, args in some(commands(tmp_path, toy_portal), "status", *WRITES).items():
        done = bots(*args, db=db, unprivileged=True)
        if name in READS:
            assert done.returncode == 0, (name, done.stderr)
        else:
            one_line(done, f"账本{ledger_file}{READ_ONLY}")
        assert tree(ledger_file.parent) == before, name
    assert toy_portal.logins == []  # bots work refused before logging in


def test_a_locked_ledger_is_waited_on_then_named(
    tmp_path: Path, ledger_file: Path, toy_portal: ToyPortal
) -> None:
    holder = sqlite3.connect(ledger_file, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock and hangs
    try:
        db = f"sqlite:///{ledger_file}?timeout=0.5"
        found = some(commands(tmp_path, toy_portal), "status", "enqueue", "cancel", "work")
        for name, args in found.items():
            done = bots(*args, db=db)
            if name in READS:  # readers never wait for a writer in WAL mode
                assert done.returncode == 0, (name, done.stderr)
                continue
            message = "被另一个进程锁住(已等0.5秒):等它结束再试,或找出卡住的进程"
            one_line(done, f"账本{ledger_file}{message}")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    store = open_store(f"sqlite:///{ledger_file}", mode="read")
    assert [(i.reference, i.state.value) for i in store.items()] == [("E9-1", "cancelled")]
    store.close()
    assert toy_portal.logins == []


@pytest.mark.parametrize("damage", ["not a database", "pages overwritten"])
def test_a_damaged_ledger_is_named_and_left_as_it_is(
    tmp_path: Path, ledger_file: Path, toy_portal: ToyPortal, damage: str
) -> None:
    if damage == "not a database":
        ledger_file.write_bytes(b"bots ledger? no: a file someone overwrote\n" * 100)
    else:  # the header survives, the pages of the tables do not
        data = bytearray(ledger_file.read_bytes())
        data[4096:] = b"\xa5" * (len(data) - 4096)
        ledger_file.write_bytes(bytes(data))
    before = tree(ledger_file.parent)
    found = commands(tmp_path, toy_portal)
    if damage != "not a database":
        found = some(found, "status", "report", "enqueue", "work")
    for name, args in found.items():
        one_line(bots(*args, db=f"sqlite:///{ledger_file}"), f"账本{ledger_file}{DAMAGED}")
        assert tree(ledger_file.parent) == before, name
    assert not (tmp_path / "report").exists()
    assert toy_portal.logins == []


def test_a_ledger_of_a_newer_bots_is_refused_by_every_command(
    tmp_path: Path, ledger_file: Path, toy_portal: ToyPortal
) -> None:
    store = open_store(f"sqlite:///{ledger_file}")
    with store.tx() as cur:  # type: ignore[attr-defined]
        cur.run(
            "INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)",
            LATEST + 7, "from the future", store.clock(),
        )  # fmt: skip
    store.close()
    before = tree(ledger_file.parent)
    db = f"sqlite:///{ledger_file}"
    found = some(commands(tmp_path, toy_portal), "status", "db status", "db upgrade", "work")
    for name, args in found.items():
        done = bots(*args, db=db)
        if name == "db status":  # says what it is, and that this bots is too old
            assert done.returncode == 0 and f"结构版本 {LATEST + 7}/{LATEST}" in (
                done.stdout
            ), done.stderr
            continue
        one_line(done, (
            f"账本{db}的结构版本是{LATEST + 7},比这个 bots 认识的({LATEST})新:在这台机器上升级 bots"
        ))  # fmt: skip
        assert tree(ledger_file.parent) == before, name
    assert toy_portal.logins == []


def test_an_older_ledger_is_not_upgraded_by_a_command_that_only_reads(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = open_store(f"sqlite:///{path}", check_schema=False)
    version_one(store)
    store.close()
    before = path.read_bytes()
    db = f"sqlite:///{path}"
    one_line(bots("status", db=db), (
        f"账本{db}的结构版本是1,这个 bots 需要{LATEST}:运行 `bots db upgrade --db {db}`"
    ))  # fmt: skip
    assert path.read_bytes() == before
    assert bots("db", "upgrade", db=db).stdout == (
        f"账本 {db}:结构版本 {LATEST}(从1升级)\n"
    )


@pytest.mark.postgres
def test_a_read_only_postgresql_ledger_refuses_writes_in_one_line(
    tmp_path: Path, pg_database: str, toy_portal: ToyPortal
) -> None:
    schema = "t_read_only"
    with psycopg.connect(pg_url(database=pg_database), autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"CREATE SCHEMA {schema}")
    writable = pg_url(pg_database, schema)
    store = open_store(writable, check_schema=False)
    store.upgrade()
    store.enqueue([NewItem("E9-1", "e9_new_install.yaml", {"reference": "E9-1"})])
    store.close()
    options = f"-csearch_path={schema} -cdefault_transaction_read_only=on"
    read_only = writable.split("?")[0] + "?" + urlencode({"options": options}, quote_via=quote)
    found = some(commands(tmp_path, toy_portal), "status", "enqueue", "cancel", "work")
    for name, args in found.items():
        done = bots(*args, db=read_only)
        if name in READS:
            assert done.returncode == 0, (name, done.stderr)
        else:
            one_line(done, f"账本{read_only}{NO_GRANT}")
    store = open_store(writable, mode="read")
    assert [(i.reference, i.state.value) for i in store.items()] == [("E9-1", "pending")]
    store.close()
    assert toy_portal.logins == []
    shutil.rmtree(tmp_path / "report", ignore_errors=True)
