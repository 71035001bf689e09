"""Run the console as an HTTP server and say where, once it accepts connections."""

from __future__ import annotations

import errno
import socket

import uvicorn

from bots.console.app import create_app
from bots.console.config import ConsoleConfig
from bots.errors import SetupError
from bots.ledger.mask import redact_url
from bots.messages import t


class _Server(uvicorn.Server):
    """Prints the banner after start-up: whoever reads it may connect at once."""

    banner = ""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.banner:
            print(self.banner, flush=True)


def _why(error: OSError) -> str:
    """Why a socket could not be bound, in words (the system's are English)."""
    if isinstance(error, socket.gaierror):
        return t("找不到这个主机名")
    reasons = {
        errno.EADDRINUSE: t("这个端口已被占用"),
        errno.EADDRNOTAVAIL: t("本机没有这个地址"),
        errno.EACCES: t("没有权限使用这个端口(1024以下的端口要管理员权限)"),
    }
    return reasons.get(error.errno or 0, error.strerror or str(error))


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` (0: a free port) and listening, before the app is
    made: a browser sent to the printed URL while the server still starts waits in the
    backlog instead of being refused."""
    if not 0 <= port <= 65535:
        raise SetupError(t("端口{port}不存在:端口应在0到65535之间(0:任选一个空闲的)", port=port),
                         code="cannot_listen")  # fmt: skip
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:  # the address is taken, or not this machine's
        sock.close()
        raise SetupError(
            t("控制台无法在{host}:{port}上监听:{reason};换一个 --port,或用 --host 给出本机的地址",
              host=host, port=port, reason=_why(error)),
            code="cannot_listen",
        ) from None  # fmt: skip
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
