"""A PostgreSQL ledger whose connection the server ends (a restart, a failover, an
administrator's ``pg_terminate_backend``): each verb is asked again on a new connection when
that cannot make its change twice, says so when it might, and gives up with one line when
the server stays away. Each test has a database of its own, so cutting every connection
to it disturbs nobody else."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bots.errors import SetupError
from bots.ledger import ErrorInfo, LedgerUnusable, NewItem, State, Store, open_store
from bots.ledger.postgres import NETWORK, _why
from bots.ledger.reconnect import AGAIN
from bots.ledger.store import Store as StoreProtocol
from tests.fixtures.ledger import cut, order, pg_url, welcome
from tests.fixtures.pgproxy import AnswerLoser

pytestmark = pytest.mark.postgres
REF = "E9-1"


def cut_once(name: str, trigger: str) -> str:
    """SQL: the server ends the connection the first time ``trigger`` fires, once per
    database (a sequence counts: it is not rolled back with the transaction)."""
    return f"""
CREATE SEQUENCE {name}_count;
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF nextval('{name}_count') = 1 THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF;
  RETURN NULL;
END $$;
CREATE {trigger} EXECUTE FUNCTION {name}();
"""


# at the COMMIT of a change to an item: after the COMMIT went out, before the server
# answered (it ends the transaction unapplied, which the client cannot tell)
CUT_AT_COMMIT = cut_once(
    "cut", "CONSTRAINT TRIGGER cut AFTER UPDATE ON work_items DEFERRABLE INITIALLY DEFERRED"
    " FOR EACH ROW",
)  # fmt: skip
# at the first history row an enqueue writes, before its COMMIT
CUT_MID_ENQUEUE = cut_once(
    "cut_enqueue", "TRIGGER cut_enqueue AFTER INSERT ON history FOR EACH ROW"
)


@pytest.fixture
def store(own_database: str) -> Iterator[Store]:
    opened = open_store(pg_url(own_database), check_schema=False, reconnect_seconds=10)
    opened.upgrade()
    opened.enqueue([order(REF)])
    yield opened
    opened.close()


def backend(store: Store) -> int:
    return int(store.conn.info.backend_pid)  # type: ignore[attr-defined]


def test_every_verb_says_whether_it_may_be_asked_again() -> None:
    verbs = {
        name for name in dir(StoreProtocol)
        if not name.startswith("_") and callable(getattr(StoreProtocol, name))
    }  # fmt: skip
    # close ends the store; enqueuing hands out its transaction, which nobody can re-run
    assert verbs - set(AGAIN) == {"close", "enqueuing"}
    assert set(AGAIN) <= verbs


def test_a_read_after_the_server_ended_the_connection_is_answered_on_a_new_one(
    store: Store, own_database: str
) -> None:
    before = backend(store)
    cut(own_database)
    assert store.get(REF).state is State.PENDING
    assert backend(store) != before


def test_an_operator_change_cut_before_its_commit_is_made_once_on_a_new_connection(
    store: Store, own_database: str
) -> None:
    cut(own_database)
    assert store.cancel(REF, actor="op").state is State.CANCELLED
    assert [e.kind for e in store.history(REF)] == ["enqueue", "cancel"]


def test_an_operator_change_cut_at_its_commit_says_it_may_have_been_applied(
    store: Store, own_database: str
) -> None:
    with store.tx() as cur:  # type: ignore[attr-defined]
        cur.raw.execute(CUT_AT_COMMIT)
    with pytest.raises(LedgerUnusable) as raised:
        store.cancel(REF, actor="op")
    reason = raised.value.context["reason"]
    assert reason == "数据库服务器断开了连接"
    assert raised.value.message == (
        f"与账本{pg_url(own_database)}的连接在写入时断了({reason}):这次改动可能已经生效,"
        "也可能没有;先查看订单现在的状态,再决定是否重做"
    )
    # it had not: the server ended the connection before the COMMIT was done. The next
    # verb starts on a new connection
    assert store.get(REF).state is State.PENDING
    assert [e.kind for e in store.history(REF)] == ["enqueue"]


def test_the_end_of_an_attempt_cut_at_its_commit_is_asked_again_under_its_token(
    store: Store,
) -> None:
    item = store.claim("w1")
    assert item is not None
    with store.tx() as cur:  # type: ignore[attr-defined]
        cur.raw.execute(CUT_AT_COMMIT)
    done = store.complete(REF, "w1", {"order_no": "A1"}, token=item.lease_token)
    assert (done.state, done.outputs) == (State.DONE, {"order_no": "A1"})
    attempts = [(e.attempt, e.outcome) for e in store.history(REF) if e.kind == "attempt"]
    assert attempts == [(1, "done")]


def test_a_commit_step_recorded_twice_is_recorded_once(store: Store) -> None:
    # the second commit_done is what a worker sends when the first one's answer was lost
    item = store.claim("w1")
    assert item is not None
    store.commit_started(REF, "w1", "deposit", token=item.lease_token)
    store.commit_done(REF, "w1", "deposit", token=item.lease_token)
    store.commit_done(REF, "w1", "deposit", token=item.lease_token)
    now = store.get(REF)
    assert (now.committed_step, now.commit_in_progress) == ("deposit", None)


def test_a_server_that_stays_away_gives_one_line_after_the_wait(own_database: str) -> None:
    database = own_database
    with open_store(pg_url(database), check_schema=False, reconnect_seconds=1) as store:
        store.upgrade()
        cut(database, refuse=True)
        began = time.monotonic()
        with pytest.raises(LedgerUnusable) as raised:
            store.counts()
        waited = time.monotonic() - began
    message = raised.value.message
    assert message == (
        f"连不上账本{pg_url(database)}(已等1秒):数据库“{database}”暂时不接受连接;"
        "检查数据库服务器和网络后重新运行"
    )
    assert raised.value.code == "ledger_unreachable"
    assert 1.0 <= waited < 5.0


def test_a_server_back_within_the_wait_answers_as_if_nothing_happened(
    store: Store, own_database: str
) -> None:
    cut(own_database, refuse=True)
    back = threading.Timer(0.8, welcome, (own_database,))
    back.start()
    began = time.monotonic()
    item = store.claim("w1")
    back.join()
    assert item is not None and item.reference == REF
    assert time.monotonic() - began >= 0.8
    assert store.get(REF).state is State.RUNNING


# --- answers lost after the server applied the change (a proxy drops them) --------------


@pytest.fixture
def lossy(own_database: str, answer_loser: AnswerLoser) -> Iterator[Store]:
    """A ledger reached through ``answer_loser``, with two pending orders."""
    url = answer_loser.url(own_database)
    opened = open_store(url, check_schema=False, reconnect_seconds=10)
    opened.upgrade()
    opened.enqueue([order(REF), order("E9-2")])
    yield opened
    opened.close()


def test_a_claim_applied_but_unanswered_is_found_by_its_token(
    lossy: Store, answer_loser: AnswerLoser
) -> None:
    answer_loser.arm(b"UPDATE work_items SET state = 'running'")
    item = lossy.claim("w1")
    assert answer_loser.cuts == 1
    # the order the ledger leased is the one handed out, and no second one was claimed
    assert item is not None and item.reference == REF
    now = lossy.get(REF)
    assert (now.state, now.lease_token, now.attempts) == (State.RUNNING, item.lease_token, 1)
    assert lossy.get("E9-2").state is State.PENDING


@pytest.mark.parametrize(
    ("end", "marker", "state"),
    [("complete", b"state = 'done'", State.DONE),  # one statement
     ("fail_business", b"COMMIT", State.FAILED),  # a transaction
     ("release", b"COMMIT", State.PENDING)],
)  # fmt: skip
def test_an_end_applied_but_unanswered_is_found_as_its_own(
    lossy: Store, answer_loser: AnswerLoser, end: str, marker: bytes, state: State
) -> None:
    item = lossy.claim("w1")
    assert item is not None
    third = {
        "complete": {"order_no": "A1"},
        "fail_business": ErrorInfo(kind="business_exception", type="Refused", message="欠费"),
        "release": "操作员要求停止",
    }[end]
    answer_loser.arm(marker)
    ended = getattr(lossy, end)(REF, "w1", third, token=item.lease_token)
    assert answer_loser.cuts == 1
    assert ended.state is state
    attempts = [(e.attempt, e.outcome) for e in lossy.history(REF) if e.kind == "attempt"]
    assert attempts == [(1, state.value)]


def test_an_operator_change_applied_but_unanswered_says_it_may_have_been_applied(
    lossy: Store, answer_loser: AnswerLoser
) -> None:
    answer_loser.arm(b"COMMIT")
    with pytest.raises(LedgerUnusable) as raised:
        lossy.cancel(REF, actor="op")
    assert (raised.value.code, raised.value.context["sent"]) == ("ledger_lost", True)
    assert lossy.get(REF).state is State.CANCELLED  # it was: not made a second time
    assert [e.kind for e in lossy.history(REF)] == ["enqueue", "cancel"]


def test_a_connection_is_bounded_in_time_unless_the_url_or_libpq_says_otherwise(
    own_database: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def parameters() -> dict[str, str | None]:
        url = pg_url(own_database) + "?keepalives_idle=42"
        with open_store(url, check_schema=False) as store:
            given = store.conn.info.get_parameters()  # type: ignore[attr-defined]
        return {key: given.get(key) for key in NETWORK}

    assert parameters() == {
        "connect_timeout": "10", "keepalives": "1", "keepalives_idle": "42",
        "keepalives_interval": "5", "keepalives_count": "3", "tcp_user_timeout": "30000",
    }  # fmt: skip
    monkeypatch.setenv("PGCONNECT_TIMEOUT", "3")
    assert parameters()["connect_timeout"] == "3"
    monkeypatch.delenv("PGCONNECT_TIMEOUT")
    service = tmp_path / "pg_service.conf"
    service.write_text(f"[e9]\ndbname={own_database}\nconnect_timeout=7\n", encoding="utf-8")
    monkeypatch.setenv("PGSERVICEFILE", str(service))
    monkeypatch.setenv("PGSERVICE", "e9")
    assert parameters() == {
        "connect_timeout": "7", "keepalives": None, "keepalives_idle": "42",
        "keepalives_interval": None, "keepalives_count": None, "tcp_user_timeout": None,
    }  # fmt: skip


def test_an_enqueue_from_a_generator_cut_before_its_commit_enqueues_every_order(
    store: Store,
) -> None:
    with store.tx() as cur:  # type: ignore[attr-defined]
        cur.raw.execute(CUT_MID_ENQUEUE)

    def orders() -> Iterator[NewItem]:  # read once, as a file's rows are
        yield from (order(f"E9-{n}") for n in range(2, 5))

    assert store.enqueue(orders()) == 3
    assert store.counts()[State.PENDING] == 4  # with the fixture's E9-1


def test_a_malformed_url_is_named_without_its_password() -> None:
    with pytest.raises(SetupError) as raised:
        open_store("postgresql://bots:hun%zzter2@localhost/e9")
    assert str(raised.value) == (
        "账本网址postgresql://bots:******@localhost/e9写错了:"
        "应是 postgresql://用户@主机:端口/数据库(密码放在 ~/.pgpass)"
    )


def test_a_ledger_that_cannot_be_reached_is_named_with_why_in_words(
    own_database: str,
) -> None:
    # libpq's English (a FATAL, an errno, "Is the server running…?") said for an operator
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    cases = {
        "postgresql:///no_such_ledger_db": "数据库“no_such_ledger_db”不存在",
        f"postgresql://bots@127.0.0.1:{port}/e9": "服务器拒绝连接:这个地址和端口上没有运行数据库",
        "postgresql://bots@ledger-host.invalid/e9": "找不到这个主机名",
        "postgresql:///e9?sslmode=strict": "sslmode 不能是“strict”:应为 disable、allow、prefer、"
        "require、verify-ca、verify-full 之一",
        "postgresql://bots@127.0.0.1:99999/e9": "端口“99999”不对:应为 1 到 65535 之间的数",
    }
    for url, why in cases.items():
        with pytest.raises(SetupError) as raised:
            open_store(url)
        assert str(raised.value) == f"连不上账本{url}:{why}", url


def test_a_ledger_that_wants_a_password_it_was_not_given_says_where_it_goes() -> None:
    # libpq's line when the server asks for a password and none is in ~/.pgpass: which
    # server answers so depends on its pg_hba.conf, so the line is given here as libpq writes it
    line = (
        'connection failed: connection to server at "127.0.0.1", port 5432 failed: '
        "fe_sendauth: no password supplied"
    )
    assert _why(psycopg.OperationalError(line)) == (
        "数据库要密码,但没有给出:把密码写进 ~/.pgpass(或 PGPASSFILE 所指的文件)"
    )
