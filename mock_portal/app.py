"""The app factory: ``create_app(PortalConfig) -> FastAPI``."""

from __future__ import annotations

import random
import threading
from datetime import date
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from mock_portal import db, fixtures
from mock_portal.charset import LegacyCharset
from mock_portal.config import PortalConfig
from mock_portal.errorpages import stale_form_page
from mock_portal.habits import habits_middleware
from mock_portal.routers import (
    addon,
    auth,
    fees,
    frames,
    funds,
    install,
    popups,
    qa,
    queries,
    tariff,
)
from mock_portal.tokens import FormTokens, StaleForm
from mock_portal.web import LoginRequired, check_form_token, login_redirect

STATIC = Path(__file__).parent / "static"


def open_state(config: PortalConfig) -> Path:
    """Reuse the state file when it holds a state, else create it with fixtures."""
    path = config.resolved_state_path()
    conn = db.connect(path)
    try:
        db.create_schema(conn)
        known = db.get_meta(conn, "business_date")
        if known and config.business_date and config.business_date.isoformat() != known:
            with conn:
                db.set_meta(conn, "business_date", config.business_date.isoformat())
    finally:
        conn.close()
    if not known:
        fixtures.reset(path, config.seed, config.business_date or date.today())
    return path


def _stale_form(request: Request, exc: Exception) -> Response:
    return stale_form_page()


def create_app(config: PortalConfig) -> FastAPI:
    app = FastAPI(title="营账系统 (mock)", docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(check_form_token)])
    app.state.config = config
    app.state.db_path = open_state(config)
    app.state.db_lock = threading.Lock()
    app.state.habits = config.habits
    app.state.fault_rng = random.Random(config.seed)
    app.state.id_rng = random.Random(config.seed + 1)
    app.state.form_tokens = FormTokens()
    app.middleware("http")(habits_middleware)
    app.add_middleware(LegacyCharset)
    app.add_exception_handler(LoginRequired, login_redirect)
    app.add_exception_handler(StaleForm, _stale_form)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for module in (auth, install, addon, fees, funds, queries, tariff, popups, frames):
        app.include_router(module.router)
    if config.qa:
        app.include_router(qa.router)
    return app
