"""Orders and a runner helper for the end-to-end tests (flows in-process, real Chromium)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from bots.flow import load_flow
from bots.runner import Runner
from bots.runner.records import RunResult
from mock_portal.fixtures import broadband_access_number, broadband_owner, iccid
from mock_portal.rules import id_check_digit, luhn_digit

ROOT = Path(__file__).resolve().parents[2]
FLOWS = ROOT / "flows"
SECRETS = {"staff_id": "GH1003", "password": "Tele@1003"}
STAFF = SECRETS["staff_id"]
FUND_TYPE = "ADSL月租+加装包功能费+宽带调整月租"
DUE_USER = "037160010007"
NOT_DUE_USER = "037160010090"


def _id_number(serial: int) -> str:
    body = f"41010519850312{serial:03d}"
    return body + id_check_digit(body)


def _imei(serial: int) -> str:
    body = f"86471203{serial:06d}"
    return body + luhn_digit(body)


def new_install(n: int = 1, pack: int = 19, reference: str | None = None,
                number: str | None = None) -> dict[str, Any]:
    """A valid 新装 order on the mock portal's fixtures (n picks number, card, address)."""
    return {
        "reference": reference or f"E9-A-{n:04d}",
        "procedure": "new_install",
        "pack": pack,
        "customer": {"name": "张三丰", "id_number": _id_number(n),
                     "contact_phone": f"139371{n:05d}", "address": "郑州市金水区农业路1号"},
        "account_manager": "王敏",
        "mobile": {"number": number or f"18937100{n:03d}", "uim": iccid(n)},
        "broadband": {"account": f"hn371{n:05d}", "standard_address": f"4101-{n:04d}",
                      "install_address": f"农业路{n}号院2号楼1单元301", "bandwidth": "100M"},
        "phone": {"imei": _imei(n), "model": "中兴 BA610C"},
    }


def owner_of(access_number: str) -> tuple[str, str]:
    """The portal's owner (name, ID number) of a fixture broadband user."""
    users = {broadband_access_number(user): user for user in range(1, 101)}
    return broadband_owner(users[access_number])


def renewal(n: int = 1, pack: int = 29, access_number: str = DUE_USER,
            reference: str | None = None,
            owner: tuple[str, str] | None = None) -> dict[str, Any]:
    """A valid 续费 (加装) order for an existing broadband user, by its owner (a fixture
    user's unless ``owner`` names another customer)."""
    name, id_number = owner or owner_of(access_number)
    return {
        "reference": reference or f"E9-B-{n:04d}",
        "procedure": "renewal",
        "pack": pack,
        "customer": {"name": name, "id_number": id_number,
                     "contact_phone": f"138371{n:05d}", "address": "郑州市金水区农业路8号院"},
        "account_manager": "李强",
        "mobile": {"number": f"18937100{500 + n:03d}", "uim": iccid(500 + n)},
        "broadband": {"access_number": access_number},
        "phone": {"imei": _imei(500 + n), "model": "海信 F23"},
    }


def run(page: Page, portal_url: str, flow: str, order: dict[str, Any], tmp: Path,
        **kw: Any) -> RunResult:
    kw.setdefault("screenshots", "off")
    kw.setdefault("secrets", SECRETS)
    return Runner(page, load_flow(FLOWS / flow), {"order": order},
                  portal_url=portal_url, runs_dir=tmp / "runs", **kw).run()


def run_flow(page: Page, portal_url: str, flow: str, inputs: dict[str, Any], tmp: Path,
             **kw: Any) -> RunResult:
    """A flow that declares no session of its own (a sub-flow such as special_fund.yaml),
    run after logging in."""
    kw.setdefault("screenshots", "off")
    login = Runner(page, load_flow(FLOWS / "login.yaml"), dict(SECRETS), secrets=SECRETS,
                   portal_url=portal_url, runs_dir=tmp / "runs", screenshots="off").run()
    assert login.ok, login.error
    return Runner(page, load_flow(FLOWS / flow), inputs, secrets=SECRETS,
                  portal_url=portal_url, runs_dir=tmp / "runs", **kw).run()
