"""``bots portal``: run the mock 营账 portal (mock_portal) as a real HTTP server.

Glue only: the options are handed to ``mock_portal.server``'s parser unchanged, so
``bots portal`` and ``python -m mock_portal`` always behave the same; only the words
differ: the banner, a wrong option and a port in use are said here, in the user's
language (the mock portal is a stand-in and speaks English on its own).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from bots.cli.app import app
from bots.errors import BadInput, SetupError
from bots.messages import t


def _flag(name: str, value: bool | None) -> list[str]:
    if value is None:
        return []
    return [f"--{name}" if value else f"--no-{name}"]


@app.command(help=t("运行模拟营账系统,并显示它的网址。"))
def portal(
    host: Annotated[str, typer.Option(help=t("监听的地址"))] = "127.0.0.1",
    port: Annotated[int, typer.Option(help=t("端口;0 表示任选一个空闲的"))] = 8700,
    state: Annotated[Path | None, typer.Option(help=t("SQLite 状态文件(默认:临时文件)"))] = None,
    qa: Annotated[bool, typer.Option("--qa", help=t("在 /qa/ 提供测试接口"))] = False,
    seed: Annotated[int, typer.Option(help=t("测试数据和故障的随机种子"))] = 0,
    business_date: Annotated[
        str | None, typer.Option(help=t("营业日期 YYYY-MM-DD(默认:今天)"))
    ] = None,
    evdo_defect: Annotated[
        bool | None,
        typer.Option("--evdo-defect/--no-evdo-defect", help=t("隐藏 EVDO上网 复选框[默认开]")),
    ] = None,
    plan_defect: Annotated[
        bool | None,
        typer.Option(
            "--plan-defect/--no-plan-defect", help=t("营销计划 查询 什么都查不到[默认开]")
        ),
    ] = None,
    latency: Annotated[str | None, typer.Option(help=t("每个请求的延迟,最小-最大毫秒[0]"))] = None,
    busy_share: Annotated[
        float | None, typer.Option(help=t("返回 系统繁忙 页面的比例,0..1 [0]"))
    ] = None,
    session_expiry: Annotated[
        float | None, typer.Option(help=t("空闲多少秒后登出[0 = 不登出]"))
    ] = None,
    notice: Annotated[
        bool | None, typer.Option("--notice/--no-notice", help=t("登录后弹出 系统公告[默认关]"))
    ] = None,
    random_ids: Annotated[
        bool | None,
        typer.Option("--random-ids/--no-random-ids", help=t("每次加载页面都换新的元素 id[默认关]")),
    ] = None,
    legacy: Annotated[
        bool | None,
        typer.Option(
            "--legacy/--no-legacy",
            help=t("旧式模式:框架集、GBK、表格单元格中的字段名、showModalDialog选择窗、表单令牌[默认关]"),
        ),
    ] = None,
    error_pages: Annotated[
        str | None, typer.Option(help=t("繁忙应答的样式:busy | ora | java[默认busy]"))
    ] = None,
    form_token_ttl: Annotated[
        float | None, typer.Option(help=t("旧式模式:表单令牌有效秒数[默认600]"))
    ] = None,
    approval: Annotated[
        bool | None,
        typer.Option(
            "--approval/--no-approval",
            help=t("下调/免收须金库审批(审批工号+短信验证码,见/qa/approvals)[默认关]"),
        ),
    ] = None,
    approval_ttl: Annotated[
        float | None, typer.Option(help=t("审批验证码有效秒数[默认300]"))
    ] = None,
    login_captcha: Annotated[
        bool | None,
        typer.Option(
            "--login-captcha/--no-login-captcha",
            help=t("登录页显示验证码(其内容见/qa/captchas)[默认关]"),
        ),
    ] = None,
) -> None:
    from mock_portal.config import ERROR_PAGES
    from mock_portal.server import build_parser, prepare, serve

    if error_pages and error_pages not in ERROR_PAGES:
        raise BadInput(
            t("--error-pages 应是 {choices} 之一,实际为“{found}”",
              choices=", ".join(ERROR_PAGES), found=error_pages)
        )  # fmt: skip
    if business_date:
        try:
            date.fromisoformat(business_date)
        except ValueError:
            raise BadInput(
                t("--business-date 应是 YYYY-MM-DD 格式的日期,实际为“{found}”",
                  found=business_date)
            ) from None  # fmt: skip
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
    parser = build_parser()
    args = parser.parse_args(argv)  # (the options are typed already: it finds nothing wrong)
    try:
        config = prepare(args)
    except ValueError as error:
        raise BadInput(t("模拟营账系统的选项不对:{reason}", reason=error)) from None
    qa_part = t(",测试接口在 /qa/") if qa else ""
    # (the banner is a template of the portal's: its braces stay for it to fill)
    banner = t("模拟营账系统已在 {url} 运行(状态文件 {state}{qa});按 Ctrl-C 停止",
               url="{url}", state="{state}", qa=qa_part.replace("{", "{{"))  # fmt: skip
    try:
        serve(config, args.host, args.port, banner=banner)
    except OSError as error:
        raise SetupError.said(
            t("模拟营账系统无法在 {host}:{port} 监听({reason})", host=host, port=port,
              reason=error.strerror or error),
            t("换一个 --port,或用 --port 0 任选一个空闲端口"),
            code="portal_port",
        ) from None
