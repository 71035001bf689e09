"""The app factory: ``create_app(ConsoleConfig) -> FastAPI``.

The ledger is checked once here (a SQLite ledger is brought up to date, a PostgreSQL one
must be: ``bots db upgrade``), so a console over a ledger it cannot use never starts.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from bots.console import web
from bots.console.config import ConsoleConfig
from bots.console.middleware import Head, Language, SecurityHeaders
from bots.console.routers import auth, batches, orders, questions, queue, users, workers
from bots.console.throttle import Throttle
from bots.console.uploads import Uploads
from bots.errors import SetupError
from bots.ledger import open_store

STATIC = Path(__file__).parent / "static"
ROUTERS = (auth, batches, queue, orders, workers, questions, users)


def create_app(config: ConsoleConfig) -> FastAPI:
    open_store(config.db_url, mode="write").close()  # a mistyped path makes no new ledger
    app = FastAPI(
        title="bots console",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(web.check_csrf)],
    )
    app.state.config = config
    app.state.throttle = Throttle(
        config.sign_in_failures, config.sign_in_window.total_seconds(), config.monotonic
    )
    folder = config.uploads or Path(tempfile.mkdtemp(prefix="bots-console-uploads-"))
    app.state.uploads = Uploads(folder, config.upload_limit)
    app.add_exception_handler(web.LoginRequired, web.sign_in_redirect)
    app.add_exception_handler(web.Forbidden, web.forbidden_page)
    app.add_exception_handler(HTTPException, web.error_page)
    app.add_exception_handler(RequestValidationError, web.bad_parameters)
    app.add_exception_handler(SetupError, web.ledger_away)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for module in ROUTERS:
        app.include_router(module.router)
    app.add_middleware(Language, cookie=web.LANGUAGE_COOKIE)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(Head)
    return app
