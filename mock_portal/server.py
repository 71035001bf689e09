"""Run the portal as a real HTTP server and say where, once it accepts connections."""

from __future__ import annotations

import argparse
import socket
import sys
from datetime import date
from pathlib import Path

import uvicorn

from mock_portal.app import create_app
from mock_portal.config import ERROR_PAGES, Habits, PortalConfig, parse_latency

BANNER = "mock portal serving at {url} (state {state}{qa})"


class _Server(uvicorn.Server):
    """Prints the banner after start-up: a reader of stdout may connect at once."""

    banner = ""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        print(self.banner, flush=True)


def serve(
    config: PortalConfig, host: str = "127.0.0.1", port: int = 8700, banner: str = BANNER
) -> None:
    """Serve until stopped. ``banner`` (with ``{url}``, ``{state}``, ``{qa}``) is printed
    once connections are accepted; ``{qa}`` is empty without the QA interface, else names
    it. OSError when the address cannot be bound."""
    app = create_app(config)
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    server = _Server(uvicorn.Config(app, log_level="warning", access_log=False))
    server.banner = banner.format(
        url=f"http://{shown}:{bound_port}/", state=config.state_path,
        qa=", QA interface at /qa/" if config.qa else "",
    )
    server.run(sockets=[sock])


def _habit_flag(parser: argparse.ArgumentParser, name: str, help_text: str) -> None:
    parser.add_argument(f"--{name.replace('_', '-')}", dest=name, default=None,
                        action=argparse.BooleanOptionalAction, help=help_text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m mock_portal",
                                     description="Run the mock 营账 portal.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8700, help="0 picks a free port")
    parser.add_argument("--state", type=Path, default=None,
                        help="SQLite state file (default: a new temporary file)")
    parser.add_argument("--qa", action="store_true", help="serve the QA interface at /qa/")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--business-date", type=date.fromisoformat, default=None,
                        help="YYYY-MM-DD (default: today)")
    _habit_flag(parser, "evdo_defect", "hide the EVDO上网 checkbox (default on)")
    _habit_flag(parser, "plan_defect", "营销计划 查询 returns nothing (default on)")
    parser.add_argument("--latency", default=None, help="LO-HI milliseconds per request")
    parser.add_argument("--busy-share", type=float, default=None,
                        help="share of requests answered 系统繁忙 (0..1)")
    parser.add_argument("--session-expiry", type=float, default=None,
                        help="seconds idle before the session ends (0 = off)")
    _habit_flag(parser, "notice", "show the 系统公告 modal after login (default off)")
    _habit_flag(parser, "random_ids", "new element ids on every page load (default off)")
    _habit_flag(parser, "legacy", "legacy mode: frameset, GBK, captions in cells, modal "
                "dialogs, form tokens (default off)")
    parser.add_argument("--error-pages", choices=ERROR_PAGES, default=None,
                        help="what a busy answer looks like: the portal's 系统繁忙 page, an "
                        "ORA- message or a Java stack trace (default busy)")
    parser.add_argument("--form-token-ttl", type=float, default=None,
                        help="legacy mode: seconds a form's hidden token is valid (default 600)")
    _habit_flag(parser, "approval", "a 下调/免收 needs a 金库 approval: approver's 工号 and "
                "an SMS code shown at /qa/approvals (default off)")
    parser.add_argument("--approval-ttl", type=float, default=None,
                        help="seconds an approval code is valid (default 300)")
    _habit_flag(parser, "login_captcha", "a 验证码 on the login page, shown at /qa/captchas "
                "(default off)")
    return parser


def config_from_args(args: argparse.Namespace) -> PortalConfig:
    habits = Habits()
    changes: dict[str, object] = {
        name: getattr(args, name)
        for name in ("evdo_defect", "plan_defect", "notice", "random_ids", "legacy",
                     "approval", "login_captcha")
        if getattr(args, name) is not None
    }
    if args.latency is not None:
        changes["latency_ms"] = parse_latency(args.latency)
    if args.busy_share is not None:
        changes["busy_share"] = args.busy_share
    if args.session_expiry is not None:
        changes["session_expiry_s"] = args.session_expiry
    if args.error_pages is not None:
        changes["error_pages"] = args.error_pages
    if args.form_token_ttl is not None:
        changes["form_token_ttl_s"] = args.form_token_ttl
    if args.approval_ttl is not None:
        changes["approval_ttl_s"] = args.approval_ttl
    habits.update(changes)
    return PortalConfig(state_path=args.state, qa=args.qa, seed=args.seed,
                        business_date=args.business_date, habits=habits)


def prepare(args: argparse.Namespace) -> PortalConfig:
    """The portal's configuration from parsed options; ValueError names the one that is
    wrong (``bots portal`` says it in its own words)."""
    config = config_from_args(args)
    if not 0 <= args.port <= 65535:
        raise ValueError(f"--port {args.port}: must be 0..65535")
    if args.state is not None and not args.state.parent.is_dir():
        raise ValueError(f"--state {args.state}: folder {args.state.parent} does not exist")
    config.resolved_state_path()
    return config


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = prepare(args)
    except ValueError as error:
        parser.error(str(error))
    try:
        serve(config, args.host, args.port)
    except OSError as error:
        print(f"mock portal: cannot listen on {args.host}:{args.port}: {error.strerror}",
              file=sys.stderr)
        sys.exit(2)
