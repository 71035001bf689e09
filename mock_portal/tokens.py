"""Legacy mode's hidden form token (Struts' ``TOKEN``): one per rendered POST form.

A token is valid for ``form_token_ttl_s`` seconds, in the session it was issued to, and
once: a form left open too long, sent twice, or kept across a re-login is refused with the
era's page before anything is done. Tokens are signed with a key of this server process,
so a restart also makes every open form stale, as a restarted application server did.
It knows tokens and the session cookie, not the screens.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time

FIELD = "org.apache.struts.taglib.html.TOKEN"
# POSTs that carry no token: the login form (there is no session to tie it to yet)
EXEMPT = ("/login",)


class StaleForm(Exception):
    """A legacy form POST whose token is missing, expired, foreign or already used."""


class FormTokens:
    def __init__(self) -> None:
        self._key = secrets.token_bytes(16)
        self._used: dict[str, float] = {}
        self._lock = threading.Lock()

    def _sign(self, session: str, issued: str, nonce: str) -> str:
        message = f"{session}|{issued}|{nonce}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:20]

    def issue(self, session: str) -> str:
        issued, nonce = f"{time.time():.3f}", secrets.token_hex(4)
        return f"{issued}-{nonce}-{self._sign(session, issued, nonce)}"

    def spend(self, token: str, session: str, ttl: float) -> bool:
        """Whether ``token`` was issued to ``session`` less than ``ttl`` s ago and never
        spent; spends it."""
        issued, _, rest = token.partition("-")
        nonce, _, signature = rest.partition("-")
        try:
            age = time.time() - float(issued)
        except ValueError:
            return False
        if not hmac.compare_digest(signature, self._sign(session, issued, nonce)):
            return False
        now = time.time()
        with self._lock:
            # tokens older than any ttl can no longer be spent: forget them
            self._used = {t: at for t, at in self._used.items() if now - at < 86400}
            if age > ttl or token in self._used:
                return False
            self._used[token] = now
        return True
