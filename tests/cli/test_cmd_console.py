"""``bots console``: its users from the command line (password asked, stored hashed), and
the console served as a real HTTP server over the ledger."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from bots.cli import app
from bots.errors import BadInput
from bots.ledger import open_store
from tests.fixtures.console import ConsoleServer


def test_user_add_asks_the_password_twice_and_stores_a_hash(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    result = CliRunner().invoke(
        app, ["console", "user", "add", "王敏", "--role", "operator", "--db", url],
        input="Tele-not-this-1\nTele-not-this-1\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.endswith("已添加控制台用户王敏(运维员)\n")
    assert "Tele-not-this-1" not in result.output
    with open_store(url, mode="read") as store:
        user = store.user("王敏")
    assert user is not None and user.password_hash.startswith("$argon2id$")
    listed = CliRunner().invoke(app, ["console", "user", "list", "--db", url])
    assert listed.output == "王敏\t运维员\n"


@pytest.mark.parametrize(
    ("args", "typed", "message"),
    [
        (["--role", "clerk"], "long-enough-1\nother-words-2\n", "两次输入的密码不一样"),
        (["--role", "boss"], "long-enough-1\nlong-enough-1\n",
         "角色boss不存在:可选 clerk(录入员)、operator(运维员)、admin(管理员)"),
        (["--role", "clerk"], "short\nshort\n", "密码至少8个字符"),
    ],
)
def test_user_add_refuses_with_the_reason(
    tmp_path: Path, args: list[str], typed: str, message: str
) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    result = CliRunner().invoke(
        app, ["console", "user", "add", "li", *args, "--db", url], input=typed
    )
    assert isinstance(result.exception, BadInput)
    assert result.exception.message == message


@pytest.mark.parametrize("role", ["运维员", "Operator", "operator"])
def test_user_add_takes_a_role_by_its_name_too(tmp_path: Path, role: str) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    result = CliRunner().invoke(
        app, ["console", "user", "add", "li", "--role", role, "--db", url, "--password-stdin"],
        input="long-enough-1\n",
    )
    assert result.output == "已添加控制台用户li(运维员)\n"


def test_user_add_reads_the_password_from_stdin_when_asked(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    result = CliRunner().invoke(
        app, ["console", "user", "add", "ops", "--role", "admin", "--db", url,
              "--password-stdin"], input="from-a-script-9\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    again = CliRunner().invoke(
        app, ["console", "user", "add", "ops", "--role", "admin", "--db", url,
              "--password-stdin"], input="from-a-script-9\n",
    )  # fmt: skip
    assert isinstance(again.exception, BadInput)
    assert again.exception.message == "控制台用户ops已存在"


def test_bots_console_serves_its_sign_in_page_and_nothing_else_without_a_session(
    console_server: ConsoleServer,
) -> None:
    assert "控制台地址:" in "\n".join(console_server.tail)
    page = httpx.get(console_server.url + "login", timeout=30)
    assert page.status_code == 200 and "请用控制台账号登录" in page.text
    assert page.headers["x-frame-options"] == "DENY"
    queue = httpx.get(console_server.url + "queue", timeout=30)
    assert (queue.status_code, queue.headers["location"]) == (303, "/login?next=/queue")
