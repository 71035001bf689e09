"""The console's error pages. A page whose ledger cannot serve it (a PostgreSQL restart,
a failover that takes longer than a page waits, a change whose answer was lost) says so in
one line in the console's own page, 503, and tells the operator what to check; nothing is
half done."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bots.console import ConsoleConfig
from bots.ledger import State, open_store
from tests.fixtures.console import ConsoleKit, Monotonic, fail_next, sample_items, text_of
from tests.fixtures.ledger import cut, pg_url, welcome
from tests.fixtures.pgproxy import AnswerLoser

REF = "E9-20261127-0001"


def kit(url: str, root: Path) -> Iterator[ConsoleKit]:
    store = open_store(url, check_schema=False)
    store.upgrade()
    store.enqueue(sample_items()[:1])
    fail_next(store, "客户已欠费,不能办理")
    config = ConsoleConfig(db_url=url, runs_root=root, uploads=root / "uploads",
                           monotonic=Monotonic())  # fmt: skip
    console = ConsoleKit(store, root, Monotonic(), config)
    console.sign_in("wang", "operator")
    yield console
    console.client.close()
    store.close()


@pytest.fixture
def direct(own_database: str, tmp_path: Path) -> Iterator[ConsoleKit]:
    yield from kit(pg_url(own_database), tmp_path)


@pytest.fixture
def lossy(own_database: str, answer_loser: AnswerLoser, tmp_path: Path) -> Iterator[ConsoleKit]:
    yield from kit(answer_loser.url(own_database), tmp_path)


@pytest.mark.postgres
def test_a_page_over_a_ledger_that_takes_no_connections_says_so(
    direct: ConsoleKit, own_database: str, capture_warnings: list[str]
) -> None:
    anyone = direct.new_client()
    cut(own_database, refuse=True)
    for client in (direct.client, anyone):  # signed in, and not
        page = client.get("/batches")
        assert page.status_code == 503
        assert text_of(page.text) == (
            "503 · e9 控制台 账本暂时用不了 "
            "账本暂时连不上:稍后再试;一直如此请联系管理员(原因写在控制台的日志里) 回到首页"
        )
        # the ledger's address and the driver's words are for the console's log only
        assert own_database not in page.text
    [logged, _] = capture_warnings
    said = f"连不上账本{pg_url(own_database)}:数据库“{own_database}”暂时不接受连接"
    assert logged.startswith(said)
    welcome(own_database)
    assert direct.client.get("/batches").status_code == 200


@pytest.mark.postgres
def test_a_replay_whose_answer_was_lost_says_it_may_have_been_made(
    lossy: ConsoleKit, answer_loser: AnswerLoser, own_database: str
) -> None:
    csrf = lossy.page_csrf(f"/orders/{REF}")
    answer_loser.arm(b"run_attempts = 0", then=b"COMMIT")  # the replay's own transaction
    page = lossy.client.post(f"/orders/{REF}/replay", data={"csrf": csrf, "confirm": "yes"})
    assert page.status_code == 503
    assert text_of(page.text) == (
        "503 · e9 控制台 账本暂时用不了 与账本的连接在写入时断了:这次改动可能已经生效,也可能没有;"
        "先查看订单现在的状态,再决定是否重做 回到首页"
    )
    # it was made, once: the operator's next look shows it
    assert lossy.store.get(REF).state is State.PENDING
    assert [e.kind for e in lossy.store.history(REF)].count("replay") == 1


def test_an_unknown_order_says_not_found_in_words(console: ConsoleKit) -> None:
    console.sign_in("wang", "operator")
    page = console.client.get("/orders/E9-NOPE")
    assert page.status_code == 404
    assert text_of(page.text).startswith("404 · e9 控制台 找不到 ")


def test_pages_the_framework_refuses_by_itself_speak_the_console_s_words(
    console: ConsoleKit,
) -> None:
    # an address typed wrong, a button's address opened from a bookmark, a page number
    # that is not one: the console's page, never "Not Found", "Method Not Allowed" or JSON
    console.sign_in("wang", "operator")
    cases = {
        "/no-such-page": (404, "找不到 没有这个页面:网址可能写错了,或这一项已经不在了"),
        f"/orders/{REF}/replay": (
            405, "不能这样打开 这个网址不能直接打开:请回到订单页面,用页面上的按钮操作"),
        "/queue?page=abc": (400, "请求有误 网址里的参数不对:page;请回到首页重新打开这个页面"),
    }  # fmt: skip
    for path, (status, words) in cases.items():
        page = console.client.get(path)
        assert page.status_code == status, path
        assert words in text_of(page.text), path
        for english in ("Not Found", "Method Not Allowed", '"detail"'):
            assert english not in page.text, path


def test_a_console_over_a_ledger_file_that_is_not_there_does_not_start(tmp_path: Path) -> None:
    # a mistyped --db made a new, empty ledger and served it without a word
    from bots.console.app import create_app
    from bots.errors import SetupError

    url = f"sqlite:///{tmp_path / 'nope' / 'x.db'}"
    with pytest.raises(SetupError) as caught:
        create_app(ConsoleConfig(db_url=url, runs_root=tmp_path))
    assert str(caught.value) == (
        f"账本{tmp_path / 'nope' / 'x.db'}不存在:检查 --db 或 BOTS_DB 的写法;"
        "只有录入订单(bots enqueue)和 bots work 会新建账本"
    )
    assert not (tmp_path / "nope").exists()


def test_head_is_answered_as_get_without_a_body(console: ConsoleKit) -> None:
    # an uptime monitor's HEAD / got 405; a signed-out HEAD leads to sign-in as GET does
    signed_out = console.client.head("/")
    got = console.client.get("/")
    assert (signed_out.status_code, signed_out.headers.get("location")) == (
        got.status_code, got.headers.get("location"))
    assert signed_out.status_code in (302, 303)
    console.sign_in("wang", "operator")
    page = console.client.head("/queue")
    assert (page.status_code, page.content) == (200, b"")
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    # a POST-only address still refuses HEAD, in words
    assert console.client.head(f"/orders/{REF}/replay").status_code == 405


def test_pages_name_their_icon_and_it_is_there(console: ConsoleKit) -> None:
    # (no /favicon.ico 404 in the console's log for each page a browser opens)
    page = console.client.get("/login").text
    [icon] = re.findall(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    got = console.client.get(icon)
    assert (got.status_code, got.headers["content-type"]) == (200, "image/svg+xml")
