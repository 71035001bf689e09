"""Between two runs in one browser context: no window of the first is left for the second.

A failed order can leave a popup open (the 选号 window after a refused number). The portal
opens its popups by window name, so the next order's ``window.open`` would load into that
stale window and no new popup would come: every later order on that worker would wait for
a popup in vain. It knows pages and contexts; it does not know orders or the ledger.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

# the known screen a worker's page waits on between orders: every flow opens its own
# screen first, and a blank page keeps no half-filled form, timer or dialog of the last one
KNOWN_SCREEN = "about:blank"


def tidy(page: Any) -> Any:
    """Close every other window of ``page``'s context and bring ``page`` back to the known
    screen; returns the page to go on with (a new one when ``page`` itself was closed)."""
    main: Page = page
    context = main.context
    for other in list(context.pages):
        if other is not main and not other.is_closed():
            other.close()
    if main.is_closed():
        main = context.new_page()
    main.goto(KNOWN_SCREEN)
    return main
