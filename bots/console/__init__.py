"""The operator console: a web page over the ledger, in Chinese by default, where the back
office uploads batches and follows them, and operators look at the queue, fix orders and
replay them.

Flask's tutorial shape on FastAPI: an app factory (``bots.console.app.create_app``), the
request plumbing in one module (``web``: the ledger per request, who is signed in, roles,
CSRF), one router per area (``routers/``), templates in folders named after the area.

It reaches the ledger only through its store interface (``bots.ledger.store.Store``) and
takes every word from the message catalogue (``bots.messages.t``). It never shows an
order's ID number or phone in full, and serves only the masked artifacts of run folders.
It does not know SQL, browsers or flows.
"""

from bots.console.app import create_app
from bots.console.config import ConsoleConfig

__all__ = ["ConsoleConfig", "create_app"]
