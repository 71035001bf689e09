"""``window.showModalDialog`` in Chromium, which no longer has it: ``modal.js`` installed
in every frame of a context before the page's scripts (the technique: docs/FLOWS.md,
"Modal dialogs").

A page that opens a picker with ``showModalDialog(url, args)`` and reads its
``returnValue`` then works as if the dialog were a popup: the step that clicks the picker
``opens:`` it, the flow drives it, and when it closes its caller runs again with the value.
Pages that never call it are not touched. It knows contexts and frames; not the portal.
"""

from __future__ import annotations

import weakref
from pathlib import Path

from playwright.sync_api import BrowserContext, Error, Page

SCRIPT = (Path(__file__).with_name("modal.js")).read_text(encoding="utf-8")
_INSTALLED: weakref.WeakSet[BrowserContext] = weakref.WeakSet()


def install(context: BrowserContext, page: Page | None = None) -> None:
    """Give every document of ``context`` from now on ``showModalDialog``, and the frames
    ``page`` already shows too (the script keeps to one copy per window)."""
    if context not in _INSTALLED:
        context.add_init_script(script=SCRIPT)
        _INSTALLED.add(context)
    if page is None or page.is_closed():
        return
    for frame in page.frames:
        try:
            frame.evaluate(SCRIPT)
        except Error:
            continue  # a frame that navigates or goes away meanwhile gets it when it loads
