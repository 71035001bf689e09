"""The message catalogue: every word a user reads, 简体中文 by default, English selectable.

It knows the languages, the catalogue files and how a message is chosen and filled in; it
does not know where a message is shown (terminal, report, console page, ledger).

Messages are written in the code in Chinese — Chinese is gettext's *source language* here,
so the default needs no catalogue at all — and called through :func:`t`::

    t("号码{number}已被占用或不存在", number=number)

English comes from ``en/LC_MESSAGES/bots.po`` (read with Babel the first time English is
asked for). ``tests/messages/test_catalogue.py`` extracts every ``t("…")`` of the package
and fails on a message without an English translation, on a translation whose ``{names}``
differ from its message's, and on a translation nothing uses any more.

The language: :func:`use` (``--lang``), else ``BOTS_LANG``, else ``zh``; the words of Typer
follow it (:mod:`bots.messages.libraries`). :func:`language_of`
sets it for one block only (a console request in the user's language).
"""

from __future__ import annotations

import os
import string
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from bots.messages import libraries

LANGUAGES = ("zh", "en")
DEFAULT = "zh"
CATALOGUES = Path(__file__).parent
_ALIASES = {"zh_cn": "zh", "zh-cn": "zh", "zh_hans": "zh", "cn": "zh", "en_us": "en", "en-us": "en"}

# the process's choice (threads and worker fibers start with empty contexts, so it is not a
# context variable), and a block's own choice on top of it
_process: list[str] = []
_chosen: ContextVar[str | None] = ContextVar("bots_language", default=None)


def normalise(lang: str | None) -> str | None:
    """``zh``/``en`` for any common spelling of them (``zh_CN.UTF-8``, ``en-US``), else None."""
    if not lang:
        return None
    key = lang.strip().split(".", 1)[0].lower()
    key = _ALIASES.get(key, key)
    return key if key in LANGUAGES else None


def use(lang: str | None) -> str:
    """Choose the language of this process (``None``: ``BOTS_LANG``, else Chinese).

    An unknown language is refused with a ValueError naming the known ones: a typo must not
    silently give the other language.
    """
    if lang is None:
        lang = os.environ.get("BOTS_LANG") or DEFAULT
    found = normalise(lang)
    if found is None:
        choices = ", ".join(LANGUAGES)
        raise ValueError(t("未知语言{lang}:可选 {choices}", lang=lang, choices=choices))
    _process[:] = [found]
    libraries.follow(found)
    return found


def forget() -> None:
    """Forget the process's choice (``use``): back to ``BOTS_LANG``, else Chinese."""
    _process.clear()
    libraries.follow(current())


def current() -> str:
    chosen = _chosen.get() or (_process[0] if _process else None)
    return chosen or normalise(os.environ.get("BOTS_LANG")) or DEFAULT


@contextmanager
def language_of(lang: str | None) -> Iterator[str]:
    """Use ``lang`` (or the process's language when None or unknown) inside the block."""
    chosen = normalise(lang) or current()
    token = _chosen.set(chosen)
    try:
        yield chosen
    finally:
        _chosen.reset(token)


@cache
def catalogue(lang: str) -> dict[str, str]:
    """msgid → translation for ``lang`` (empty for the source language)."""
    if lang == DEFAULT:
        return {}
    from babel.messages.pofile import read_po  # only when a translation is asked for

    path = CATALOGUES / lang / "LC_MESSAGES" / "bots.po"
    with path.open("rb") as f:
        found = read_po(f, locale=lang)
    return {str(m.id): str(m.string) for m in found if m.id and m.string and not m.fuzzy}


class _Counting(string.Formatter):
    """``str.format`` that also writes a count with its noun: ``{count:|row|rows}`` is
    ``1 row``, ``2 rows`` (English needs it; Chinese counts without a plural); the noun
    alone, where the page shows the count apart: ``{count:/row/rows}``."""

    def format_field(self, value: Any, format_spec: str) -> Any:
        if format_spec[:1] in ("|", "/"):
            one, _, many = format_spec[1:].partition(format_spec[0])
            noun = one if value == 1 else many
            return f"{value} {noun}" if format_spec[0] == "|" else noun
        return super().format_field(value, format_spec)


_COUNTING = _Counting()


def t(msgid: str, /, **params: object) -> str:
    """The message in the current language, its ``{names}`` filled in from ``params``."""
    text = catalogue(current()).get(msgid, msgid)
    if not params:
        return text
    counts = ":|" in text or ":/" in text
    return _COUNTING.format(text, **params) if counts else text.format(**params)


def money(amount: float | int | str) -> str:
    """An amount of yuan as every message writes it: two decimals (``58.00``)."""
    return f"{float(amount):.2f}"


def local_time(value: datetime | None, form: str = "%Y-%m-%d %H:%M:%S") -> str:
    """A time as every line and page writes it: on the reader's clock (this machine's time
    zone, 北京时间 on a robot in China), never UTC. The ledger and run.json keep UTC."""
    return value.astimezone().strftime(form) if value is not None else "-"


__all__ = [
    "LANGUAGES", "current", "forget", "language_of", "local_time", "money", "normalise", "t", "use",
]
