"""``bots portal``: run the mock 营账 portal (mock_portal) as a real HTTP server.

Glue only: the options are handed to ``mock_portal.server.main`` unchanged, so
``bots portal`` and ``python -m mock_portal`` always behave the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bots.cli.app import app


def _flag(name: str, value: bool | None) -> list[str]:
    if value is None:
        return []
    return [f"--{name}" if value else f"--no-{name}"]


@app.command()
def portal(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port; 0 picks a free one.")] = 8700,
    state: Annotated[
        Path | None, typer.Option(help="SQLite state file (default: a temp file).")
    ] = None,
    qa: Annotated[bool, typer.Option("--qa", help="Serve the QA interface at /qa/.")] = False,
    seed: Annotated[int, typer.Option(help="Seed of fixtures and faults.")] = 0,
    business_date: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default: today).")] = None,
    evdo_defect: Annotated[
        bool | None,
        typer.Option("--evdo-defect/--no-evdo-defect", help="Hide the EVDO上网 checkbox [on]."),
    ] = None,
    plan_defect: Annotated[
        bool | None,
        typer.Option("--plan-defect/--no-plan-defect", help="营销计划 查询 returns nothing [on]."),
    ] = None,
    latency: Annotated[str | None, typer.Option(help="LO-HI milliseconds per request [0].")] = None,
    busy_share: Annotated[
        float | None, typer.Option(help="Share of 系统繁忙 pages, 0..1 [0].")
    ] = None,
    session_expiry: Annotated[
        float | None, typer.Option(help="Idle seconds until logout [0 = off].")
    ] = None,
    notice: Annotated[
        bool | None, typer.Option("--notice/--no-notice", help="系统公告 modal after login [off].")
    ] = None,
    random_ids: Annotated[
        bool | None,
        typer.Option(
            "--random-ids/--no-random-ids", help="New element ids on every page load [off]."
        ),
    ] = None,
    legacy: Annotated[
        bool | None,
        typer.Option(
            "--legacy/--no-legacy",
            help="Legacy mode: frameset, GBK, captions in cells, showModalDialog pickers, "
            "form tokens [off].",
        ),
    ] = None,
    error_pages: Annotated[
        str | None, typer.Option(help="Busy answers as: busy | ora | java [busy].")
    ] = None,
    form_token_ttl: Annotated[
        float | None, typer.Option(help="Legacy mode: seconds a form token is valid [600].")
    ] = None,
    approval: Annotated[
        bool | None,
        typer.Option(
            "--approval/--no-approval",
            help="下调/免收 need a 金库 approval (approver's 工号 + SMS code at /qa/approvals) [off].",
        ),
    ] = None,
    approval_ttl: Annotated[
        float | None, typer.Option(help="Seconds an approval code is valid [300].")
    ] = None,
    login_captcha: Annotated[
        bool | None,
        typer.Option(
            "--login-captcha/--no-login-captcha",
            help="A 验证码 on the login page (its text at /qa/captchas) [off].",
        ),
    ] = None,
) -> None:
    """Run the mock portal and print the URL it serves."""
    from mock_portal.server import main

    argv = ["--host", host, "--port", str(port), "--seed", str(seed)]
    argv += ["--state", str(state)] if state else []
    argv += ["--qa"] if qa else []
    argv += ["--business-date", business_date] if business_date else []
    argv += ["--latency", latency] if latency else []
    argv += ["--busy-share", str(busy_share)] if busy_share is not None else []
    argv += ["--session-expiry", str(session_expiry)] if session_expiry is not None else []
    argv += _flag("evdo-defect", evdo_defect) + _flag("plan-defect", plan_defect)
    argv += _flag("notice", notice) + _flag("random-ids", random_ids) + _flag("legacy", legacy)
    argv += ["--error-pages", error_pages] if error_pages else []
    argv += ["--form-token-ttl", str(form_token_ttl)] if form_token_ttl is not None else []
    argv += _flag("approval", approval) + _flag("login-captcha", login_captcha)
    argv += ["--approval-ttl", str(approval_ttl)] if approval_ttl is not None else []
    main(argv)
