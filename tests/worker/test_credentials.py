from __future__ import annotations

from pathlib import Path

import pytest

from bots.errors import BadInput
from bots.worker import credentials
from bots.worker.credentials import Credential


def _file(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "creds"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def test_reads_pairs_skipping_comments(tmp_path: Path) -> None:
    path = _file(tmp_path, "# robots of host A\nGH1001:Tele@1001\n\nGH1002:pa:ss\n")
    assert credentials.load(str(path)) == [
        Credential("GH1001", "Tele@1001"),
        Credential("GH1002", "pa:ss"),
    ]


def test_refuses_a_file_others_can_read(tmp_path: Path) -> None:
    path = _file(tmp_path, "GH1001:x\n", mode=0o644)
    with pytest.raises(BadInput) as caught:
        credentials.load(str(path))
    assert str(caught.value) == (
        f"工号密码文件{path}别人也能读(权限0644):运行 chmod 600 {path}"
    )


@pytest.mark.parametrize(
    ("where", "reason"),
    [("missing", "No such file or directory"), ("missing/creds", "No such file or directory"),
     ("file/creds", "Not a directory"), ("folder", "它不是文件")],
)  # fmt: skip
def test_a_credentials_file_that_cannot_be_read_is_named(
    tmp_path: Path, where: str, reason: str
) -> None:
    (tmp_path / "file").write_text("GH1001:x\n", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    path = tmp_path / where
    with pytest.raises(BadInput) as caught:
        credentials.load(str(path))
    assert str(caught.value) == (
        f"无法读取工号密码文件{path}:{reason};检查 --credentials、BOTS_CREDENTIALS 或 bots.toml 的"
        " credentials"
    )


def test_a_credentials_file_saved_as_gbk_names_the_line_not_the_password(tmp_path: Path) -> None:
    path = tmp_path / "creds"
    path.write_bytes("GH1001:x\nGH1002:密码\n".encode("gbk"))
    path.chmod(0o600)
    with pytest.raises(BadInput) as caught:
        credentials.load(str(path))
    assert str(caught.value) == (
        f"{path}:2:不是 UTF-8 文本:请用编辑器另存为 UTF-8 编码(例如记事本的“另存为”)"
    )


def test_names_the_bad_line(tmp_path: Path) -> None:
    path = _file(tmp_path, "GH1001:x\nGH1002\n")
    with pytest.raises(BadInput) as caught:
        credentials.load(str(path))
    assert str(caught.value) == f"{path}:2:应为“工号:密码”"


def test_refuses_a_staff_id_twice(tmp_path: Path) -> None:
    path = _file(tmp_path, "GH1001:x\nGH1001:y\n")
    with pytest.raises(BadInput) as caught:
        credentials.load(str(path))
    assert str(caught.value) == (
        f"{path}:2:工号GH1001出现了两次;每个工作进程要用自己的工号"
    )


def test_env_pair(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOTS_CREDENTIALS", raising=False)
    monkeypatch.setenv("BOTS_STAFF_ID", "GH1003")
    monkeypatch.setenv("BOTS_STAFF_PASSWORD", "Tele@1003")
    assert credentials.load() == [Credential("GH1003", "Tele@1003")]


def test_nothing_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BOTS_CREDENTIALS", "BOTS_STAFF_ID", "BOTS_STAFF_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(BadInput) as caught:
        credentials.load()
    assert str(caught.value) == (
        "没有工号密码:用 --credentials、BOTS_CREDENTIALS 或 bots.toml 的 credentials "
        "指向一个0600的“工号:密码”文件(每个工作进程一行),或设 BOTS_STAFF_ID 和 "
        "BOTS_STAFF_PASSWORD"
    )


def test_repr_hides_the_password() -> None:
    assert "Tele" not in repr(Credential("GH1001", "Tele@1001"))
