"""Users, for admins: add one, change a role, disable an account — and never oneself."""

from __future__ import annotations

from tests.fixtures.console import PASSWORD, ConsoleKit, text_of


def test_an_admin_adds_and_changes_users(console: ConsoleKit) -> None:
    console.sign_in("boss", "admin")
    csrf = console.page_csrf("/users")
    added = console.client.post(
        "/users", data={"csrf": csrf, "name": "赵磊", "role": "clerk", "password": PASSWORD}
    )
    assert added.headers["location"] == "/users"
    user = console.store.user("赵磊")
    assert user is not None and user.role == "clerk" and user.password_hash.startswith("$argon2")
    clerk = console.sign_in("赵磊", client=console.new_client())
    assert clerk.get("/users").status_code == 403
    short = console.client.post(
        "/users", data={"csrf": csrf, "name": "钱", "role": "clerk", "password": "short"}
    )
    assert short.status_code == 400 and "密码至少8个字符" in text_of(short.text)
    again = console.client.post(
        "/users", data={"csrf": csrf, "name": "赵磊", "role": "clerk", "password": PASSWORD}
    )
    assert "控制台用户赵磊已存在" in text_of(again.text)
    changed = console.client.post(
        "/users/%E8%B5%B5%E7%A3%8A", data={"csrf": csrf, "role": "operator", "disabled": "no"}
    )
    assert changed.status_code == 303
    assert console.store.user("赵磊").role == "operator"  # type: ignore[union-attr]
    assert clerk.get("/queue").status_code == 303  # a new role: signed in again
    console.client.post("/users/%E8%B5%B5%E7%A3%8A", data={"csrf": csrf, "disabled": "yes"})
    assert console.store.user("赵磊").disabled  # type: ignore[union-attr]
    myself = console.client.post("/users/boss", data={"csrf": csrf, "disabled": "yes"})
    assert "不能停用自己或改自己的角色:请另一位管理员来改" in text_of(myself.text)
    assert not console.store.user("boss").disabled  # type: ignore[union-attr]
