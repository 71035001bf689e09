"""The console's users and sessions in the ledger, on both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bots.errors import BadInput
from bots.ledger import Store
from tests.fixtures.ledger import START, FakeClock

DAY = timedelta(hours=12)
IDLE = timedelta(hours=2)


def test_a_user_is_added_once_with_a_known_role(store: Store) -> None:
    user = store.add_user(" 王敏 ", "operator", "$argon2id$hash")
    assert (user.name, user.role, user.password_hash, user.disabled) == (
        "王敏", "operator", "$argon2id$hash", False,
    )  # fmt: skip
    assert user.created_at == START
    with pytest.raises(BadInput) as caught:
        store.add_user("王敏", "clerk", "x")
    assert str(caught.value) == "控制台用户王敏已存在"
    with pytest.raises(BadInput) as caught:
        store.add_user("李雷", "boss", "x")
    assert str(caught.value) == "角色boss不存在:可选 clerk, operator, admin"
    with pytest.raises(BadInput) as caught:
        store.add_user("  ", "clerk", "x")
    assert str(caught.value) == "用户名不能为空"
    assert [u.name for u in store.users()] == ["王敏"]
    assert store.user("nobody") is None


def test_a_session_lives_until_its_end_or_idle_time(store: Store, clock: FakeClock) -> None:
    store.add_user("wang", "clerk", "h")
    store.open_session("tok-1", "wang", "csrf-1", lifetime=DAY)
    found = store.session("tok-1", idle=IDLE)
    assert found is not None
    assert (found.user.name, found.user.role, found.csrf) == ("wang", "clerk", "csrf-1")
    assert store.session("tok-2", idle=IDLE) is None
    clock.advance(3600)
    assert store.session("tok-1", idle=IDLE) is not None  # seen again: idle time starts anew
    clock.advance(2 * 3600 + 1)
    assert store.session("tok-1", idle=IDLE) is None  # idle too long
    store.open_session("tok-3", "wang", "csrf-3", lifetime=DAY)
    for _ in range(12):
        clock.advance(3600)
        store.session("tok-3", idle=IDLE)
    assert store.session("tok-3", idle=IDLE) is None  # past its end however busy


def test_a_new_password_role_or_a_disabled_account_ends_the_sessions(store: Store) -> None:
    store.add_user("wang", "clerk", "h1")
    for change in ({"password_hash": "h2"}, {"role": "operator"}, {"disabled": True}):
        store.open_session("tok", "wang", "c", lifetime=DAY)
        assert store.session("tok", idle=IDLE) is not None
        store.update_user("wang", **change)  # type: ignore[arg-type]
        assert store.session("tok", idle=IDLE) is None, change
    user = store.user("wang")
    assert user is not None
    assert (user.password_hash, user.role, user.disabled) == ("h2", "operator", True)
    store.update_user("wang", disabled=False)
    store.open_session("tok", "wang", "c", lifetime=DAY)
    store.update_user("wang", language="en")  # a language keeps the session
    found = store.session("tok", idle=IDLE)
    assert found is not None and found.user.language == "en"
    store.close_session("tok")
    assert store.session("tok", idle=IDLE) is None
    with pytest.raises(BadInput) as caught:
        store.update_user("nobody", role="clerk")
    assert str(caught.value) == "控制台用户nobody不存在"
