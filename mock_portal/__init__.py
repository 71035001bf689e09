"""A stand-in for the provincial telecom's billing/CRM web portal (营账系统).

A real web application (FastAPI + Jinja2 + SQLite) with the same screens, words and
habits as the real thing; QA runs the bots against it and the tests use it as the oracle.
It never imports ``bots``. See ``mock_portal/README.md``.
"""

from mock_portal.config import Habits, PortalConfig

__all__ = ["Habits", "PortalConfig"]
