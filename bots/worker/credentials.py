"""Staff credentials for workers: never in a flow, never in the ledger.

Sources, in order: the credentials file of the configuration (``--credentials``,
``BOTS_CREDENTIALS`` or ``bots.toml``'s ``credentials``: ``bots.config``) naming a file of
``staff_id:password`` lines that only its owner may read (mode 0600), else the single pair
``BOTS_STAFF_ID`` / ``BOTS_STAFF_PASSWORD``. One live session per staff id is all the portal
allows, so N parallel workers need N distinct staff ids.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from bots import config
from bots.errors import BadInput
from bots.messages import t


@dataclass(frozen=True)
class Credential:
    staff_id: str
    password: str

    def __repr__(self) -> str:  # a password must never reach a log through repr()
        return f"Credential(staff_id={self.staff_id!r}, password='***')"


def _unreadable(path: Path, reason: str) -> BadInput:
    return BadInput(
        t(
            "无法读取工号密码文件{path}:{reason};检查 --credentials、BOTS_CREDENTIALS 或 "
            "bots.toml 的 credentials",
            path=path,
            reason=reason,
        ),
        code="credentials_missing",
    )


def _decoded(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:  # saved as GBK: say where, never what (a password)
        line = raw.count(b"\n", 0, error.start) + 1
        raise BadInput(
            t("{path}:{line}:不是 UTF-8 文本:请用编辑器另存为 UTF-8 编码(例如记事本的“另存为”)",
              path=path, line=line),
            code="credentials_format",
        ) from None  # fmt: skip


def read_file(path: Path) -> list[Credential]:
    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode):
            raise _unreadable(path, t("它不是文件"))
        raw = path.read_bytes()
    except OSError as error:
        raise _unreadable(path, error.strerror or type(error).__name__) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise BadInput(
            t(
                "工号密码文件{path}别人也能读(权限{mode}):运行 chmod 600 {path}",
                path=path,
                mode=f"{stat.S_IMODE(mode):04o}",
            ),
            code="credentials_mode",
        )
    creds: list[Credential] = []
    seen: set[str] = set()
    for number, text in enumerate(_decoded(path, raw).splitlines(), start=1):
        line = text.strip()
        if not line or line.startswith("#"):
            continue
        staff_id, sep, password = line.partition(":")
        if not sep or not staff_id.strip() or not password:
            raise BadInput(
                t("{path}:{line}:应为“工号:密码”", path=path, line=number),
                code="credentials_format",
            )
        if staff_id.strip() in seen:
            raise BadInput(
                t(
                    "{path}:{line}:工号{staff_id}出现了两次;每个工作进程要用自己的工号",
                    path=path,
                    line=number,
                    staff_id=staff_id.strip(),
                ),
                code="credentials_duplicate",
            )
        seen.add(staff_id.strip())
        creds.append(Credential(staff_id.strip(), password))
    if not creds:
        raise BadInput(t("{path}:文件里没有工号密码", path=path), code="credentials_empty")
    return creds


def load(path: str | None = None) -> list[Credential]:
    """Every staff login available to this machine's workers."""
    source = path or config.current()["credentials"]
    if source:
        return read_file(Path(source))
    staff_id = os.environ.get("BOTS_STAFF_ID")
    password = os.environ.get("BOTS_STAFF_PASSWORD")
    if staff_id and password:
        return [Credential(staff_id, password)]
    raise BadInput(
        t(
            "没有工号密码:用 --credentials、BOTS_CREDENTIALS 或 bots.toml 的 credentials "
            "指向一个0600的“工号:密码”文件(每个工作进程一行),或设 BOTS_STAFF_ID 和 "
            "BOTS_STAFF_PASSWORD"
        ),
        code="credentials_missing",
    )
