"""Personal data before an operator's screen (``bots status``, ``bots show``, the batch
report) and in the ledger's own history: the fields and values ``bots.masking`` names
sensitive, shown as ``MASK``; and database URLs without their password."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from bots import masking
from bots.masking import is_sensitive, sensitive_values

MASK = "******"

__all__ = ["MASK", "is_sensitive", "mask_payload", "mask_text", "redact_url", "sensitive_values"]


def mask_payload(data: Any) -> Any:
    """A copy of ``data`` with every sensitive field's value replaced by ``MASK``."""
    return masking.mask_payload(data, MASK)


def mask_text(text: str | None, values: Iterable[str]) -> str:
    """``text`` with every whole occurrence of ``values`` replaced by ``MASK``."""
    return masking.mask_text(text, values, MASK)


def redact_url(url: str) -> str:
    """A database URL without its password, fit to print."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", f":{MASK}@", 1)
    return parts._replace(netloc=netloc).geturl()
