"""Start-up configuration and the switchable habits of real portals."""

from __future__ import annotations

import re
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

HABIT_NAMES = (
    "evdo_defect",
    "plan_defect",
    "latency_ms",
    "busy_share",
    "session_expiry_s",
    "notice",
    "random_ids",
    "fee_changes",
    "collect_surcharge",
    "deposit_defect",
    "area_code",
    "legacy",
    "error_pages",
    "form_token_ttl_s",
    "renamed_captions",
    "approval",
    "approval_ttl_s",
    "login_captcha",
    "busy_posts",
)
BOOLEAN = ("evdo_defect", "plan_defect", "notice", "random_ids", "legacy", "approval",
           "login_captcha")
DEPOSIT_DEFECTS = ("", "twice", "wrong_ledger")
AREA_CODE = re.compile(r"0\d{2,3}")
# what a fault ("busy") page looks like: the portal's own 系统繁忙, or an era's database
# failure — an ORA- message or a Java stack trace (the connection pool ran dry: nothing done)
ERROR_PAGES = ("busy", "ora", "java")


@dataclass
class Habits:
    """What makes real portals hard to automate; PORTAL.md's table gives the defaults."""

    evdo_defect: bool = True
    plan_defect: bool = True
    latency_ms: tuple[int, int] = (0, 0)
    busy_share: float = 0.0
    session_expiry_s: float = 0.0
    notice: bool = False
    random_ids: bool = False
    # Variants of a portal configured differently from the e9 rules (each makes one of the
    # bots' checks necessary): fee lines whose original amount differs, extra lines (a name
    # the portal does not charge) and missing lines (null), on every order submitted next
    fee_changes: dict[str, float | None] = field(default_factory=dict)
    # 收费 also takes a 手续费 line of this many yuan that the fee page did not show
    collect_surcharge: float = 0.0
    # 专款缴费 records the deposit twice, or in another ledger than the one chosen
    deposit_defect: str = ""
    # the area code new broadband access numbers are allocated under (new installs)
    area_code: str = "0371"
    # the portal as provincial systems of that era are (mock_portal/README.md "Legacy
    # mode"): frameset shell, GBK, captions in table cells, showModalDialog, form tokens
    legacy: bool = False
    error_pages: str = "busy"
    # legacy mode: seconds a form's hidden token stays valid (a stale form is refused)
    form_token_ttl_s: float = 600.0
    # a portal release that renamed fields: caption → the new caption, on every form
    renamed_captions: dict[str, str] = field(default_factory=dict)
    # a 下调/免收 needs a 金库 approval: an approver's 工号 and the 6-digit code the portal
    # sends to the approver's phone (shown to QA at /qa/approvals), valid approval_ttl_s
    approval: bool = False
    approval_ttl_s: float = 300.0
    # a 验证码 picture on the login page (its text shown to QA at /qa/captchas)
    login_captcha: bool = False
    # path → how many of the next POSTs to it get the busy page before anything is done
    # (a 提交 answered 系统繁忙 every time the bots try it)
    busy_posts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["latency_ms"] = list(self.latency_ms)
        return data

    def update(self, changes: dict[str, Any]) -> None:
        """Apply a subset of habits; raise ValueError naming the first bad key or value."""
        for key, value in changes.items():
            if key not in HABIT_NAMES:
                raise ValueError(f"unknown habit {key!r}; known: {', '.join(HABIT_NAMES)}")
            if key in BOOLEAN:
                if not isinstance(value, bool):
                    raise ValueError(f"{key} must be true or false")
                setattr(self, key, value)
            elif key == "latency_ms":
                lo, hi = parse_latency(value)
                self.latency_ms = (lo, hi)
            elif key == "busy_share":
                share = float(value)
                if not 0.0 <= share <= 1.0:
                    raise ValueError("busy_share must be between 0 and 1")
                self.busy_share = share
            elif key in VARIANTS:
                VARIANTS[key](self, value)
            else:
                seconds = float(value)
                if seconds < 0:
                    raise ValueError("session_expiry_s must be >= 0 (0 = off)")
                self.session_expiry_s = seconds


def _amount(value: Any) -> float | None:
    """A yuan amount >= 0, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return float(value)


def _fee_changes(habits: Habits, value: Any) -> None:
    changes = value if isinstance(value, dict) else {}
    valid = all(
        isinstance(line, str) and line.strip() and (a is None or _amount(a) is not None)
        for line, a in changes.items()
    )
    if not isinstance(value, dict) or not valid:
        raise ValueError("fee_changes must map fee lines to yuan amounts >= 0 (or null: no line)")
    habits.fee_changes = {line: None if a is None else _amount(a) for line, a in changes.items()}


def _collect_surcharge(habits: Habits, value: Any) -> None:
    amount = _amount(value)
    if amount is None:
        raise ValueError("collect_surcharge must be an amount in yuan >= 0 (0 = off)")
    habits.collect_surcharge = amount


def _deposit_defect(habits: Habits, value: Any) -> None:
    if value is None:
        value = ""
    if value not in DEPOSIT_DEFECTS:
        raise ValueError("deposit_defect must be one of '', 'twice', 'wrong_ledger'")
    habits.deposit_defect = value


def _area_code(habits: Habits, value: Any) -> None:
    if not isinstance(value, str) or not AREA_CODE.fullmatch(value):
        raise ValueError("area_code must be an area code with its leading 0, like 0379")
    habits.area_code = value


def _error_pages(habits: Habits, value: Any) -> None:
    if value not in ERROR_PAGES:
        raise ValueError("error_pages must be one of 'busy', 'ora', 'java'")
    habits.error_pages = value


def _form_token_ttl(habits: Habits, value: Any) -> None:
    seconds = _amount(value)
    if not seconds:
        raise ValueError("form_token_ttl_s must be a number of seconds > 0")
    habits.form_token_ttl_s = seconds


def _renamed_captions(habits: Habits, value: Any) -> None:
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and k and v for k, v in value.items()):
        raise ValueError("renamed_captions must map captions to new captions")
    habits.renamed_captions = dict(value)


def _approval_ttl(habits: Habits, value: Any) -> None:
    seconds = _amount(value)
    if not seconds:
        raise ValueError("approval_ttl_s must be a number of seconds > 0")
    habits.approval_ttl_s = seconds


def _busy_posts(habits: Habits, value: Any) -> None:
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and k.startswith("/") and isinstance(n, int)
            and not isinstance(n, bool) and n >= 0 for k, n in value.items()):
        raise ValueError("busy_posts must map paths (/install/submit) to counts >= 0")
    habits.busy_posts = {path: n for path, n in value.items() if n}


VARIANTS = {
    "busy_posts": _busy_posts,
    "approval_ttl_s": _approval_ttl,
    "fee_changes": _fee_changes,
    "collect_surcharge": _collect_surcharge,
    "deposit_defect": _deposit_defect,
    "area_code": _area_code,
    "error_pages": _error_pages,
    "form_token_ttl_s": _form_token_ttl,
    "renamed_captions": _renamed_captions,
}


def parse_latency(value: Any) -> tuple[int, int]:
    """Accept ``"LO-HI"``, ``"N"`` or ``[lo, hi]`` (milliseconds)."""
    if isinstance(value, str):
        parts = value.split("-") if "-" in value else [value, value]
    else:
        parts = list(value)
    if len(parts) != 2:
        raise ValueError("latency must be LO-HI in milliseconds, e.g. 50-300")
    try:
        lo, hi = int(parts[0]), int(parts[1])
    except ValueError:
        raise ValueError(
            f"latency must be LO-HI in milliseconds, e.g. 50-300, not {value!r}"
        ) from None
    if lo < 0 or hi < lo:
        raise ValueError("latency must be LO-HI with 0 <= LO <= HI")
    return lo, hi


@dataclass
class PortalConfig:
    """Everything ``create_app`` needs. ``state_path`` None means a fresh temporary file."""

    state_path: Path | None = None
    qa: bool = False
    seed: int = 0
    business_date: date | None = None
    habits: Habits = field(default_factory=Habits)

    def resolved_state_path(self) -> Path:
        if self.state_path is None:
            folder = tempfile.mkdtemp(prefix="mock-portal-")
            self.state_path = Path(folder) / "state.sqlite3"
        return self.state_path
