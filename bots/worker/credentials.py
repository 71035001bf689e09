"""Staff credentials for workers: never in a flow, never in the ledger.

Sources, in order: ``BOTS_CREDENTIALS`` (or ``--credentials``) naming a file of
``staff_id:password`` lines that only its owner may read (mode 0600), else the single pair
``BOTS_STAFF_ID`` / ``BOTS_STAFF_PASSWORD``. One live session per staff id is all the portal
allows, so N parallel workers need N distinct staff ids.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from bots.errors import BadInput

FILE_ENV = "BOTS_CREDENTIALS"


@dataclass(frozen=True)
class Credential:
    staff_id: str
    password: str

    def __repr__(self) -> str:  # a password must never reach a log through repr()
        return f"Credential(staff_id={self.staff_id!r}, password='***')"


def read_file(path: Path) -> list[Credential]:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise BadInput(
            f"credentials file {path} is readable by others (mode {stat.S_IMODE(mode):04o}); "
            f"run: chmod 600 {path}",
            code="credentials_mode",
        )
    creds: list[Credential] = []
    seen: set[str] = set()
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        staff_id, sep, password = line.partition(":")
        if not sep or not staff_id.strip() or not password:
            raise BadInput(
                f"{path}:{number}: expected 'staff_id:password'", code="credentials_format"
            )
        if staff_id.strip() in seen:
            raise BadInput(
                f"{path}:{number}: staff id {staff_id.strip()} is listed twice; "
                "each worker needs its own staff id",
                code="credentials_duplicate",
            )
        seen.add(staff_id.strip())
        creds.append(Credential(staff_id.strip(), password))
    if not creds:
        raise BadInput(f"{path}: no credentials in the file", code="credentials_empty")
    return creds


def load(path: str | None = None) -> list[Credential]:
    """Every staff login available to this machine's workers."""
    source = path or os.environ.get(FILE_ENV)
    if source:
        return read_file(Path(source))
    staff_id = os.environ.get("BOTS_STAFF_ID")
    password = os.environ.get("BOTS_STAFF_PASSWORD")
    if staff_id and password:
        return [Credential(staff_id, password)]
    raise BadInput(
        "no staff credentials: set BOTS_CREDENTIALS to a 0600 file of 'staff_id:password' "
        "lines (one per worker), or BOTS_STAFF_ID and BOTS_STAFF_PASSWORD",
        code="credentials_missing",
    )
