"""Start-up configuration and the switchable habits of real portals."""

from __future__ import annotations

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
)


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

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["latency_ms"] = list(self.latency_ms)
        return data

    def update(self, changes: dict[str, Any]) -> None:
        """Apply a subset of habits; raise ValueError naming the first bad key or value."""
        for key, value in changes.items():
            if key not in HABIT_NAMES:
                raise ValueError(f"unknown habit {key!r}; known: {', '.join(HABIT_NAMES)}")
            if key in ("evdo_defect", "plan_defect", "notice", "random_ids"):
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
            else:
                seconds = float(value)
                if seconds < 0:
                    raise ValueError("session_expiry_s must be >= 0 (0 = off)")
                self.session_expiry_s = seconds


def parse_latency(value: Any) -> tuple[int, int]:
    """Accept ``"LO-HI"``, ``"N"`` or ``[lo, hi]`` (milliseconds)."""
    if isinstance(value, str):
        parts = value.split("-") if "-" in value else [value, value]
    else:
        parts = list(value)
    if len(parts) != 2:
        raise ValueError("latency must be LO-HI in milliseconds, e.g. 50-300")
    lo, hi = int(parts[0]), int(parts[1])
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
