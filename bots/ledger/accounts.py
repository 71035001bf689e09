"""The console's people in the ledger: users with a role and a password hash, and their
sessions, each found by the hash of its token.

It knows rows, roles and times; it does not know how a password is hashed or checked, nor
what a cookie is (``bots.console.passwords`` and ``bots.console.web`` do).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bots.errors import BadInput
from bots.ledger.model import ROLES, ConsoleSession, ConsoleUser
from bots.ledger.sqlbase import Cursor, Row, SqlBase
from bots.messages import t

# a session's last sign of life is written at most this often: reading a page must not
# cost a write every time
SEEN_EVERY = timedelta(seconds=60)
_USER_FIELDS = ("name", "role", "password_hash", "language", "disabled", "created_at",
                "updated_at")  # fmt: skip


def _user(row: Row, prefix: str = "") -> ConsoleUser:
    values = {name: row[prefix + name] for name in _USER_FIELDS}
    values["disabled"] = bool(values["disabled"])
    return ConsoleUser(**values)


def _role(role: str) -> str:
    if role not in ROLES:
        raise BadInput(t("角色{role}不存在:可选 {roles}", role=role, roles=", ".join(ROLES)))
    return role


class Accounts(SqlBase):
    def add_user(
        self, name: str, role: str, password_hash: str, *, language: str | None = None
    ) -> ConsoleUser:
        """A new console user; a name already taken is refused, naming it."""
        name = name.strip()
        if not name:
            raise BadInput(t("用户名不能为空"))
        now = self.clock()
        with self.tx() as cur:
            if cur.one("SELECT name FROM console_users WHERE name = ?", name) is not None:
                raise BadInput(t("控制台用户{name}已存在", name=name))
            cur.run(
                "INSERT INTO console_users (name, role, password_hash, language, disabled,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                name, _role(role), password_hash, language, False, now, now,
            )  # fmt: skip
            return self._user(cur, name)

    def user(self, name: str) -> ConsoleUser | None:
        with self.tx(write=False) as cur:
            row = cur.one("SELECT * FROM console_users WHERE name = ?", name)
        return None if row is None else _user(row)

    def users(self) -> list[ConsoleUser]:
        with self.tx(write=False) as cur:
            rows = cur.all("SELECT * FROM console_users ORDER BY name")
        return [_user(row) for row in rows]

    def update_user(
        self,
        name: str,
        *,
        role: str | None = None,
        password_hash: str | None = None,
        language: str | None = None,
        disabled: bool | None = None,
    ) -> ConsoleUser:
        """Change what is given. A new password, a new role or a disabled account ends the
        user's sessions: whoever was signed in signs in again under the new terms."""
        changes: dict[str, Any] = {}
        if role is not None:
            changes["role"] = _role(role)
        if password_hash is not None:
            changes["password_hash"] = password_hash
        if language is not None:
            changes["language"] = language
        if disabled is not None:
            changes["disabled"] = disabled
        with self.tx() as cur:
            self._user(cur, name)
            if changes:
                sets = ", ".join(f"{column} = ?" for column in changes)
                cur.run(
                    f"UPDATE console_users SET {sets}, updated_at = ? WHERE name = ?",
                    *changes.values(), self.clock(), name,
                )  # fmt: skip
            if changes.keys() & {"role", "password_hash", "disabled"}:
                cur.run("DELETE FROM console_sessions WHERE user_name = ?", name)
            return self._user(cur, name)

    def _user(self, cur: Cursor, name: str) -> ConsoleUser:
        row = cur.one("SELECT * FROM console_users WHERE name = ?", name)
        if row is None:
            raise BadInput(t("控制台用户{name}不存在", name=name))
        return _user(row)

    # --- sessions ------------------------------------------------------------------------
    def open_session(self, token_hash: str, name: str, csrf: str, *, lifetime: timedelta) -> None:
        now = self.clock()
        with self.tx() as cur:
            # sessions past their end are swept here, where one is made, not on every read
            cur.run("DELETE FROM console_sessions WHERE expires_at <= ?", now)
            cur.run(
                "INSERT INTO console_sessions (token_hash, user_name, csrf, created_at,"
                " seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                token_hash, name, csrf, now, now, now + lifetime,
            )  # fmt: skip

    def session(self, token_hash: str, *, idle: timedelta) -> ConsoleSession | None:
        """The live session with this token hash, or None: unknown, past its end, idle for
        longer than ``idle``, or its user disabled. Notes that the session was seen."""
        now = self.clock()
        with self.tx(write=False) as cur:
            row = cur.one(
                "SELECT s.csrf, s.created_at AS s_created, s.seen_at, s.expires_at,"
                " u.name AS u_name, u.role AS u_role, u.password_hash AS u_password_hash,"
                " u.language AS u_language, u.disabled AS u_disabled,"
                " u.created_at AS u_created_at, u.updated_at AS u_updated_at"
                " FROM console_sessions s JOIN console_users u ON u.name = s.user_name"
                " WHERE s.token_hash = ?",
                token_hash,
            )
        if row is None:
            return None
        user = _user(row, "u_")
        if user.disabled or row["expires_at"] <= now or row["seen_at"] + idle <= now:
            self.close_session(token_hash)
            return None
        if now - row["seen_at"] >= SEEN_EVERY:
            with self.tx() as cur:
                cur.run(
                    "UPDATE console_sessions SET seen_at = ? WHERE token_hash = ?", now, token_hash
                )
        return ConsoleSession(user, row["csrf"], row["s_created"], now, row["expires_at"])

    def close_session(self, token_hash: str) -> None:
        with self.tx() as cur:
            cur.run("DELETE FROM console_sessions WHERE token_hash = ?", token_hash)
