"""Masking: which values are secret or personal, and hiding them wherever they are written.

It knows the one list of sensitive fields — the personal fields the order model declares
(``bots.orders.model``: ID number, contact phone, any added later) and the names credentials
go by — how a value looks once written as JSON, HTML or in a URL, and what a *whole* value
is: a secret is masked where it stands on its own, never inside another word (a staff id
``admin`` leaves "administrator" and "open_admin" alone). It does not know where the text
goes: the run folder, the reports and the ledger views all mask through it.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "***"
# shorter values would mangle ordinary text (a "1" in every timing); documented in FLOWS.md
MIN_LENGTH = 3
# names credentials go by in any payload: a field named like these is masked whole
CREDENTIAL_NAMES = ("password", "secret", "token")
# a value is one "word" with the letters, digits and underscores around it: masked only
# where none touch it (CJK text around a value does not make it part of a word)
_WORD = "A-Za-z0-9_"


@cache
def sensitive_names() -> tuple[str, ...]:
    """Field names whose values are masked wherever they sit in a payload."""
    # the order model declares its personal fields; imported on first use, so loading a
    # flow or the runner never imports the order model
    from bots.orders.model import SENSITIVE_FIELDS

    return (*SENSITIVE_FIELDS, *CREDENTIAL_NAMES)


def is_sensitive(name: str) -> bool:
    """Whether a field (a name or a dotted path) holds a sensitive value."""
    return _named(name, sensitive_names())


def is_credential(name: str) -> bool:
    """Whether a field (a name or a dotted path) holds a credential: never shown, even in
    part."""
    return _named(name, CREDENTIAL_NAMES)


def _named(name: str, words: tuple[str, ...]) -> bool:
    key = name.rsplit(".", 1)[-1].lower()
    return any(key == word or key.endswith("_" + word) for word in words)


def _leaves(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield str(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _leaves(item)


def _forms(value: str) -> set[str]:
    """The ways a value is written: as typed, inside JSON (ASCII or not), HTML, a URL or a
    form post (traces keep network bodies)."""
    return {
        value,
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        html.escape(value),
        quote(value, safe=""),
        quote_plus(value),
    }


_WORD_CHAR = re.compile(f"[{_WORD}]")
_ESCAPE_END = re.compile(r"(?:%[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4})\Z")


def _whole(form: str) -> str:
    """A pattern matching ``form`` only where no letter or digit follows it (what comes
    before is looked at in ``Masker.text``: a look-behind in front of every alternative
    would cost the regex its fast scan for first characters, 20 times slower on a trace)."""
    after = f"(?![{_WORD}])" if _WORD_CHAR.fullmatch(form[-1]) else ""
    return re.escape(form) + after


class Masker:
    """Replaces every whole occurrence of the values it was given with ``mask``."""

    def __init__(self, values: Iterable[Any] = (), mask: str = MASK) -> None:
        self.mask = mask
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self.add(*values)

    def add(self, *values: Any) -> None:
        """Mask these values (nested mappings and lists: every string and number leaf)."""
        before = len(self._values)
        for value in values:
            for leaf in _leaves(value):
                if len(leaf) >= MIN_LENGTH:
                    self._values.update(_forms(leaf))
        if len(self._values) != before:
            ordered = sorted(self._values, key=len, reverse=True)
            self._pattern = re.compile("|".join(_whole(v) for v in ordered))

    @property
    def values(self) -> frozenset[str]:
        return frozenset(self._values)

    def text(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(self._replace, text)

    def _replace(self, found: re.Match[str]) -> str:
        start = found.start()
        inside = (
            start > 0
            and _WORD_CHAR.fullmatch(found.string[start - 1]) is not None
            and _WORD_CHAR.fullmatch(found.group()[0]) is not None
            # the hex digit that ends an escaped character (a form body's %B0, JSON's
            # \u8bdd) is no letter of the text: "电话13700715678" escaped stays two words
            and _ESCAPE_END.search(found.string, max(0, start - 6), start) is None
        )
        # a letter or digit just before: the value is part of another word, left as it is
        # (every shorter value matching here starts at the same letter: none is whole either)
        return found.group() if inside else self.mask

    def data(self, value: Any) -> Any:
        """A copy of ``value`` with every string masked."""
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(v) for v in value]
        return value


def partial(value: str) -> str:
    """A personal value as reports and the ledger's history may show it: the first 3 and
    last 2 characters (enough to tell two orders apart, too little to use)."""
    if len(value) < 10:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 5) + value[-2:]


# an ID number (its birth date too: an ICCID is not one), a mobile number, a landline with
# its area code and dash (without the dash it has a broadband access number's shape, which
# is no one's: 0371 and eight digits): what a personal value looks like wherever it stands
# (a cell under another column's header, a header row that is an order), for the texts that
# quote a file
_PERSONAL_SHAPES = re.compile(
    r"(?<![0-9A-Za-z])(?:[1-9]\d{5}(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
    r"|1[3-9]\d{9}|0\d{2,3}-\d{7,8})(?![0-9A-Za-z])"
)
# fields whose value looks like a phone number and is no person's: the mobile line being
# ordered and the broadband access number (a clerk fixing a refused row needs them whole)
NOT_PERSONAL = ("mobile.number", "broadband.access_number")


def not_personal(path: str) -> bool:
    """Whether a field (a dotted path, or its last part) is one of ``NOT_PERSONAL``."""
    return any(path == known or path == known.rsplit(".", 1)[-1] for known in NOT_PERSONAL)


def personal_shapes(text: str) -> str:
    """``text`` with what looks like an ID or phone number shown in part (``partial``), typed
    in full width too (as the checks take it: the digits meant); else ``text`` as it is."""
    normal = unicodedata.normalize("NFKC", text)
    shown = _PERSONAL_SHAPES.sub(lambda found: partial(found.group()), normal)
    return shown if shown != normal else text


def personal_shapes_in(data: Any, path: str = "") -> Any:
    """A copy of ``data`` with ``personal_shapes`` applied to every text in it but the
    ``NOT_PERSONAL`` fields': a row whose cells slid under other headers keeps its ID number
    where the name should be."""
    if isinstance(data, str):
        return data if not_personal(path) else personal_shapes(data)
    if isinstance(data, dict):
        return {
            k: personal_shapes_in(v, f"{path}.{k}" if path else str(k)) for k, v in data.items()
        }
    if isinstance(data, list):
        return [personal_shapes_in(v, path) for v in data]
    return data


def mask_payload(data: Any, mask: str = MASK) -> Any:
    """A copy of ``data`` with every sensitive field's value replaced by ``mask``."""
    if isinstance(data, dict):
        return {
            k: mask if is_sensitive(str(k)) else mask_payload(v, mask) for k, v in data.items()
        }
    if isinstance(data, list):
        return [mask_payload(v, mask) for v in data]
    return data


def sensitive_values(data: Any) -> set[str]:
    """The values of the sensitive fields of ``data``, to hide where they are quoted."""
    found: set[str] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            if is_sensitive(str(key)):
                found.update(v for v in _leaves(value) if len(v) >= MIN_LENGTH)
            else:
                found |= sensitive_values(value)
    elif isinstance(data, list):
        for value in data:
            found |= sensitive_values(value)
    return found


def mask_text(text: str | None, values: Iterable[str], mask: str = MASK) -> str:
    """``text`` with every whole occurrence of ``values`` masked."""
    return Masker(values, mask).text(text or "")
