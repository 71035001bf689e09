"""What a console is started with: its ledger, where run folders are, and the limits of its
sessions and sign-ins. Nothing here is read from the environment: the command line does."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path


@dataclass(frozen=True)
class ConsoleConfig:
    """``runs_root``: the folder a run folder recorded as a relative path is found from (the
    folder ``bots work`` ran in; by default the console's own). ``uploads``: where uploaded
    order files wait to be enqueued (default: a private temporary folder).
    ``secure_cookies``: mark cookies Secure (the console sits behind HTTPS); by default
    they are when the request came over HTTPS."""

    db_url: str
    runs_root: Path = field(default_factory=Path.cwd)
    uploads: Path | None = None
    secure_cookies: bool | None = None
    session_lifetime: timedelta = timedelta(hours=12)
    session_idle: timedelta = timedelta(hours=2)
    sign_in_failures: int = 5  # failed sign-ins allowed per name, and per address, …
    sign_in_window: timedelta = timedelta(minutes=15)  # … within this time
    upload_limit: int = 50 * 1024 * 1024  # bytes of one uploaded file
    monotonic: Callable[[], float] = time.monotonic  # the sign-in limiter's clock
