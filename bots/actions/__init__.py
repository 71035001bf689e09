"""The actions layer: the only package (with bots.browser) that imports Playwright."""

from bots.actions import questions as _questions  # noqa: F401 - registers `ask`
from bots.actions.handlers import HANDLERS, Call, Handler
from bots.actions.session import BrowserSession

__all__ = ["HANDLERS", "BrowserSession", "Call", "Handler"]
