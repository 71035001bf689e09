"""The catalogue is complete both ways: every message the package writes has its English,
and every English line still has its message; the {names} agree."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import bots
from bots import messages

PACKAGE = Path(bots.__file__).parent
PO = PACKAGE / "messages" / "en" / "LC_MESSAGES" / "bots.po"
METHODS = [("**.py", "python"), ("**/templates/**.j2", "jinja2.ext:babel_extract")]
KEYWORDS = {"t": None}
NAMES = re.compile(r"{(\w*)[^{}]*}")
NOUN_ONLY = re.compile(r"{(\w+):/[^{}]*}")


def _written() -> dict[str, str]:
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(PACKAGE), METHODS, keywords=KEYWORDS, options_map={"**/templates/**.j2": {}}
    ):
        if isinstance(message, str) and message:
            found.setdefault(message, f"bots/{filename}:{lineno}")
    return found


def _translated() -> dict[str, str]:
    with PO.open("rb") as f:
        catalogue = read_po(f, locale="en")
    return {str(m.id): str(m.string) for m in catalogue if m.id}


def test_every_message_has_its_english() -> None:
    written, translated = _written(), _translated()
    missing = [f"{where}: {msgid}" for msgid, where in written.items() if not translated.get(msgid)]
    assert missing == [], "add these to bots/messages/en/LC_MESSAGES/bots.po"


def test_every_english_line_is_still_used() -> None:
    written = _written()
    unused = [msgid for msgid in _translated() if msgid not in written]
    assert unused == [], "remove these from bots/messages/en/LC_MESSAGES/bots.po"


def test_each_message_has_one_english() -> None:
    # a union merge of two branches' catalogues can leave a message twice, and the reader
    # would silently keep the last; one message, one English
    text = PO.read_text(encoding="utf-8")
    ids = re.findall(r'^msgid ((?:".*"\n)+)msgstr', text, re.M)
    twice = sorted({msgid for msgid in ids if ids.count(msgid) > 1} - {'""\n'})
    assert twice == []


def _names_kept(msgid: str, msgstr: str) -> bool:
    # a count the Chinese takes without showing it may choose the English noun alone
    # ({n:/row/rows}: Chinese has no plural); every other name is the message's
    said = set(NAMES.findall(msgid))
    shown = set(NAMES.findall(NOUN_ONLY.sub("", msgstr)))
    return shown == said or (shown < said and said - shown <= set(NOUN_ONLY.findall(msgstr)))


def test_translations_keep_the_names_of_their_message() -> None:
    differ = [msgid for msgid, msgstr in _translated().items() if not _names_kept(msgid, msgstr)]
    assert differ == []
    assert not _names_kept("有{n}行", "{n} rows, {m:/a/b}{m}")  # (a name of its own: refused)
    assert _names_kept("条合格", "{n:/good row/good rows}")


def test_chinese_is_the_default_and_english_is_selectable(monkeypatch) -> None:
    monkeypatch.delenv("BOTS_LANG", raising=False)
    with messages.language_of(None):
        assert messages.t("未知语言{lang}:可选 {choices}", lang="fr", choices="zh, en") == (
            "未知语言fr:可选 zh, en"
        )
    with messages.language_of("en"):
        assert messages.t("未知语言{lang}:可选 {choices}", lang="fr", choices="zh, en") == (
            "unknown language fr: use one of zh, en"
        )


def test_bots_lang_chooses_and_a_typo_is_refused(monkeypatch) -> None:
    monkeypatch.setenv("BOTS_LANG", "en_US.UTF-8")
    assert messages.current() == "en"
    with messages.language_of("zh"):
        try:
            messages.use("english")
        except ValueError as error:
            assert str(error) == "未知语言english:可选 zh, en"
        else:
            raise AssertionError("an unknown language must be refused")


def test_money_has_two_decimals() -> None:
    assert [messages.money(58), messages.money("68"), messages.money(0.5)] == [
        "58.00",
        "68.00",
        "0.50",
    ]
