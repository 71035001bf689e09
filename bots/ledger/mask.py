"""Mask personal data before an operator's screen: fields named like ``id_number`` or
``password`` anywhere in an order, and their values wherever they turn up in text."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

MASK = "******"
SENSITIVE_NAMES = ("id_number", "password", "secret", "token")


def is_sensitive(name: str) -> bool:
    key = name.rsplit(".", 1)[-1].lower()
    return any(key == word or key.endswith("_" + word) for word in SENSITIVE_NAMES)


def mask_payload(data: Any) -> Any:
    """A copy of ``data`` with every sensitive field's value replaced by ``MASK``."""
    if isinstance(data, dict):
        return {k: MASK if is_sensitive(str(k)) else mask_payload(v) for k, v in data.items()}
    if isinstance(data, list):
        return [mask_payload(v) for v in data]
    return data


def sensitive_values(data: Any) -> set[str]:
    """The values of the sensitive fields, to hide where they are quoted (error messages)."""
    found: set[str] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            if is_sensitive(str(key)) and isinstance(value, str | int) and len(str(value)) >= 4:
                found.add(str(value))
            else:
                found |= sensitive_values(value)
    elif isinstance(data, list):
        for value in data:
            found |= sensitive_values(value)
    return found


def mask_text(text: str | None, values: Iterable[str]) -> str:
    out = text or ""
    for value in sorted(values, key=len, reverse=True):
        out = out.replace(value, MASK)
    return out


def redact_url(url: str) -> str:
    """A database URL without its password, fit to print."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", f":{MASK}@", 1)
    return parts._replace(netloc=netloc).geturl()
