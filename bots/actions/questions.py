"""The `ask` action: a question to a person, with the picture of an element when it has one.

The picture (a 验证码) is taken here, where the browser is; the waiting is the run's
``Asker``'s (``bots.asking``): the ledger's for ``bots work``, the terminal for ``bots
run``. While it waits, the page stays as it is — the order's screen is kept for the answer.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Locator

from bots.actions.handlers import Call, handler
from bots.actions.session import BrowserSession
from bots.asking import Question


@handler("ask")
def ask(s: BrowserSession, call: Call) -> dict[str, Any]:
    a = call.args
    image = None
    if a.get("image"):

        def picture(loc: Locator, t: float) -> bytes:
            return loc.screenshot(timeout=t, type="png")

        image, candidate = s.act(a["image"], picture, call.timeout_ms, "picturing",
                                 acting=False)
        call.note(a["image"], candidate)
    question = Question(
        text=str(a["question"]),
        step=call.step.id,
        wait_seconds=float(a.get("wait") or 300),
        pattern=a.get("pattern"),
        image=image,
    )
    return {str(a.get("into") or "answer"): s.asker.ask(question)}
