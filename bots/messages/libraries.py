"""The words of the library under the command line: Typer's option panels (``Options``,
``Commands``), ``[default: …]``, ``[required]``, its error panel and its own errors.

Typer marks these words for gettext and looks them up, in English, in gettext's global
domain (``messages``), in the language the environment names (``LANGUAGE`` first) — the way
an application translates a library's words, as Click's maintainers describe it. The copy of
Click that Typer 0.29 carries marks nothing: its fixed words (the help option's help, an
option's kind, a missing or bad parameter) are replaced where they are shown
(``bots.cli.words``); ``Usage:`` and the parse errors nothing public reaches (``No such
option``) stay English. So the language of this process (:func:`bots.messages.use`) is
written to ``LANGUAGE``, and the domain is bound to this folder, where
``zh/LC_MESSAGES/messages.po`` holds the Chinese and ``messages.mo`` its compiled form
(``tests/messages/test_libraries.py`` fails when they differ, or when a word the installed
Typer uses has no translation, and names the command that compiles it).

It knows those two files and how gettext finds them; it does not know the project's own
messages (:mod:`bots.messages`, whose source language is Chinese). Typer reads its panel
titles once, when its help module is first imported (at the first help or error shown), so
the language must be chosen before then: ``bots.cli.main`` does it first thing.
"""

from __future__ import annotations

import gettext
import os
from pathlib import Path

DOMAIN = "messages"  # gettext's default global domain, which Click and Typer use
FOLDER = Path(__file__).parent
ENVIRONMENT = "LANGUAGE"


def follow(lang: str) -> None:
    """Make the libraries speak ``lang`` (``zh`` or ``en``; English is their own)."""
    gettext.bindtextdomain(DOMAIN, str(FOLDER))
    os.environ[ENVIRONMENT] = lang


def catalogue_file(lang: str, suffix: str) -> Path:
    return FOLDER / lang / "LC_MESSAGES" / f"{DOMAIN}.{suffix}"
