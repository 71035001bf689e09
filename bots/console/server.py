"""Run the console as an HTTP server and say where, once it accepts connections."""

from __future__ import annotations

import socket

import uvicorn

from bots.console.app import create_app
from bots.console.config import ConsoleConfig
from bots.ledger.mask import redact_url
from bots.messages import t


class _Server(uvicorn.Server):
    """Prints the banner after start-up: whoever reads it may connect at once."""

    banner = ""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.banner:
            print(self.banner, flush=True)


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` (0: a free port) and listening, before the app is
    made: a browser sent to the printed URL while the server still starts waits in the
    backlog instead of being refused."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def server(config: ConsoleConfig, sock: socket.socket) -> _Server:
    """The console's server on ``sock``; ``run(sockets=[sock])`` serves until stopped."""
    app = create_app(config)
    made = _Server(uvicorn.Config(app, log_level="warning", access_log=False))
    made.banner = t("控制台地址:{url}(账本 {ledger})", url=url_of(sock),
                    ledger=redact_url(config.db_url))  # fmt: skip
    return made


def run(made: _Server, sock: socket.socket) -> None:
    """Serve until Ctrl-C or SIGTERM. Uvicorn finishes the requests under way, then raises
    the signal again; that is the ordinary end of a console, not an error."""
    try:
        made.run(sockets=[sock])
    except KeyboardInterrupt:
        pass


def serve(config: ConsoleConfig, host: str = "127.0.0.1", port: int = 8600) -> None:
    sock = listen(host, port)
    run(server(config, sock), sock)
