"""The ``caption`` candidate: a form field found by the text of the table cell beside it.

The forms of older portals put a field's name in one table cell and the field in the next,
with no ``<label for>`` (``<td>*客户名称：</td><td><input name="custName"></td>``); a radio
list puts the name after the radio. The caption is compared with the cell's text without
the required-field star, colons and surrounding spaces (``exact: false``: the cell's text
contains it); the field is the one in the next cell, else the one in the cell before, else
the only field of the row (a radio row whose caption is further along). Cells holding
other cells (layout tables) are never captions. It knows XPath, not Playwright.
"""

from __future__ import annotations

FIELD = (
    "self::input[not(@type='hidden' or @type='button' or @type='submit' or @type='reset'"
    " or @type='image')] or self::select or self::textarea"
)
# what a caption cell may carry besides its text: the required star and a colon
DECORATION = "*:："


def literal(text: str) -> str:
    """``text`` as an XPath 1.0 string literal (which has no escapes)."""
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    parts = text.split("'")
    return "concat(" + ", \"'\", ".join(f"'{p}'" for p in parts) + ")"


def caption_xpath(caption: str, exact: bool = True) -> str:
    """A Playwright ``xpath=`` selector for the field beside the cell captioned ``caption``."""
    wanted = literal(caption.strip())
    if exact:
        match = f"normalize-space(translate(., '{DECORATION}', ''))={wanted}"
    else:
        match = f"contains(normalize-space(.), {wanted})"
    cell = f"//*[self::td or self::th][not(descendant::td or descendant::th)][{match}]"
    field = f"descendant::*[{FIELD}]"
    after = f"following-sibling::*[1][{field}]"
    before = f"preceding-sibling::*[1][{field}]"
    return "xpath=" + " | ".join((
        f"{cell}/{after}/{field}",
        f"{cell}[not({after})]/{before}/{field}",
        f"{cell}[not({after}) and not({before})]/parent::tr/{field}",
    ))
