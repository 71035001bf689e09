"""Typer's own words have their Chinese: every word the installed Typer marks for gettext is
in zh/LC_MESSAGES/messages.po, nothing else is, the compiled .mo is that .po, and each
translation keeps its message's {names}."""

from __future__ import annotations

import re
from pathlib import Path

import typer
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from bots.messages import libraries

PO = libraries.catalogue_file("zh", "po")
MO = libraries.catalogue_file("zh", "mo")
COMPILE = "compile it: .venv/bin/pybabel compile -d bots/messages -D messages -l zh"
NAMES = re.compile(r"{(\w*)[^{}]*}|%\((\w+)\)")


def _ids(message_id: object) -> tuple[str, ...]:
    return tuple(message_id) if isinstance(message_id, tuple | list) else (str(message_id),)


def _strings(string: object) -> tuple[str, ...]:
    return tuple(string) if isinstance(string, tuple | list) else (str(string),)


def _catalogue(path: Path) -> dict[tuple[str, ...], tuple[str, ...]]:
    with path.open("rb") as f:
        found = read_po(f, locale="zh") if path.suffix == ".po" else read_mo(f)
    return {_ids(m.id): _strings(m.string) for m in found if m.id}


def _marked_by_typer() -> set[tuple[str, ...]]:
    folder = Path(typer.__file__).parent
    return {
        _ids(message)
        for _file, _line, message, _comments, _context in extract_from_dir(str(folder))
        if message
    }


def test_every_word_typer_marks_has_its_chinese_and_nothing_else_is_there() -> None:
    translated = _catalogue(PO)
    marked = _marked_by_typer()
    missing = sorted(marked - translated.keys())
    assert missing == [], f"translate these in {PO}, then {COMPILE}"
    stale = sorted(translated.keys() - marked)
    assert stale == [], f"remove these from {PO}, then {COMPILE}"
    assert all(all(s) for s in translated.values())


def test_the_compiled_catalogue_is_the_po() -> None:
    assert _catalogue(MO) == _catalogue(PO), COMPILE


def test_translations_keep_the_names_of_their_message() -> None:
    differ = [
        ids
        for ids, strings in _catalogue(PO).items()
        for string in strings
        if set(NAMES.findall(string)) - {n for i in ids for n in NAMES.findall(i)}
    ]
    assert differ == []
