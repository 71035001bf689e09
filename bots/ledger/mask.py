"""Personal data before an operator's screen (``bots status``, ``bots show``, the batch
report) and in the ledger's own history: the fields and values ``bots.masking`` names
sensitive, shown as ``MASK``; and database URLs without their password."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from bots import masking
from bots.masking import is_credential, is_sensitive, partial, sensitive_values

MASK = "******"

__all__ = [
    "MASK", "field_shown", "is_sensitive", "mask_free_text", "mask_payload", "mask_text",
    "redact_url", "sensitive_values",
]  # fmt: skip


def mask_payload(data: Any) -> Any:
    """A copy of ``data`` with every sensitive field's value replaced by ``MASK``."""
    return masking.mask_payload(data, MASK)


def field_shown(path: str, value: Any) -> str:
    """An order's field as an operator's screen shows it (``bots show``, the console): a
    personal value in part (``410**********12``: enough to tell two orders apart), a
    credential or a personal value that is not a text not at all, anything else as it is.
    ``path`` is personal when any of its parts is (``customer.id_number.value`` too). Texts
    that quote a personal value hide it whole (``mask_text``)."""
    parts = path.split(".")
    if any(is_credential(part) for part in parts):
        return MASK
    if any(is_sensitive(part) for part in parts):
        return partial(value) if isinstance(value, str) else MASK
    return str(value)


def mask_text(text: str | None, values: Iterable[str]) -> str:
    """``text`` with every whole occurrence of ``values`` replaced by ``MASK``."""
    return masking.mask_text(text, values, MASK)


def mask_free_text(text: str | None, values: Iterable[str]) -> str:
    """Free text a clerk typed (a remark): the order's own personal ``values`` replaced by
    ``MASK``, then anyone else's ID or phone number in it shown in part."""
    return masking.personal_shapes(mask_text(text, values))


# libpq takes a password in the query too (?password=…; sslpassword unlocks a client key)
_SECRET_PARAMETER = re.compile(r"(?i)(^|&)((?:ssl)?password)=[^&]*")


def redact_url(url: str) -> str:
    """A database URL without its password (before the host or in the query), fit to
    print."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:  # not a URL one can take apart: nothing of it is shown
        return MASK
    if password:
        netloc = parts.netloc.replace(f":{password}@", f":{MASK}@", 1)
        url = url.replace(parts.netloc, netloc, 1)
    head, mark, tail = url.partition("?")
    query, hash_mark, fragment = tail.partition("#")
    query = _SECRET_PARAMETER.sub(rf"\1\2={MASK}", query)
    return head + mark + query + hash_mark + fragment
