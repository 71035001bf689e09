"""``bots check-selectors --portal URL``: the selector repository against a portal release,
read-only (``bots.drift``), one line per element; exit 10 when an element a step needs is
no longer found. Glue only: the check is ``bots.drift.check``."""

from __future__ import annotations

from pathlib import Path

import typer

from bots import config
from bots.cli.app import app
from bots.errors import BadInput, SelectorError
from bots.messages import t


def _orders(files: list[Path]) -> dict[str, dict[str, object]]:
    """The orders to walk the procedures with, by procedure (a file per procedure)."""
    from bots.flow.yamlsafe import load_yaml
    from bots.orders.model import parse_order

    found: dict[str, dict[str, object]] = {}
    for file in files:
        data, _ = load_yaml(file)
        parsed, _ = parse_order(data, str(file))  # a bad order is refused here, named
        found[str(parsed["procedure"])] = data
    return found


def lines(findings: object) -> list[str]:
    from bots.drift import HEALED, MARKER, MISSING, OK, UNREACHED, UNSEEN, Findings

    assert isinstance(findings, Findings)
    out = [t("只读检查:除登录外未发送任何表单;拒绝发送的请求:{requests}",
             requests="、".join(findings.refused) or t("无"))]
    for stop in findings.stops:
        out.append(t("试运行{flow}:走完全程", flow=stop.flow) if stop.step is None else
                   t("试运行{flow}:停在{step}:{reason}", flow=stop.flow, step=stop.step,
                     reason=stop.reason))
    words = {
        OK: lambda v: t("✓ 候选{n}匹配", n=v.candidate),
        HEALED: lambda v: t("⚠ 仅候选{n}匹配,候选1未匹配:请修改选择器文件", n=v.candidate),
        MISSING: lambda v: t("✗ 没有候选匹配到唯一元素({counts});{detail}",
                             counts=_counts(v.counts), detail=v.detail),
        UNREACHED: lambda v: t("– 未到达:只在试运行停下的步骤之后用到(见上)"),
        MARKER: lambda v: t("· 标记:营账系统这样应答时才出现"),
        UNSEEN: lambda v: t("· 流程未使用,所到页面上未出现"),
    }
    width = max(len(v.ref) for v in findings.verdicts)
    out += [f"{v.ref:<{width}}  {words[v.status](v)}" for v in findings.verdicts]
    tally = {status: sum(v.status == status for v in findings.verdicts) for status in words}
    out.append(t("合计:匹配{ok},经后备候选匹配{healed},无匹配{missing},未到达{unreached},"
                 "标记{marker},未使用{unseen}", ok=tally[OK], healed=tally[HEALED],
                 missing=tally[MISSING], unreached=tally[UNREACHED], marker=tally[MARKER],
                 unseen=tally[UNSEEN]))
    return out


def _counts(counts: tuple[int, ...]) -> str:
    if not counts:
        return t("页面未出现")
    return "、".join(t("候选{n}:{count}个", n=i + 1, count=n) for i, n in enumerate(counts))


@app.command(
    "check-selectors",
    help=t("只读地用营账系统检查选择器库:每个元素哪个候选匹配上了,哪些一个都没匹配上,"
           "哪些画面到不了。"),
)
def check_selectors(
    portal: str | None = typer.Option(
        None, "--portal", help=t("营账系统网址(默认:配置的 portal_url)")
    ),
    flows: Path | None = typer.Option(None, "--flows", help=t("流程文件夹(默认:配置的 flows)")),
    order: list[Path] = typer.Option(  # noqa: B008
        [], "--order", help=t("用来走一遍办理流程的订单(每个流程一个;默认:模拟营账系统数据上的"
                              "样例)。不会真的录入。")),
    credentials: str | None = typer.Option(
        None, "--credentials", help=t("“工号:密码”文件(否则 BOTS_CREDENTIALS 或 "
                                      "BOTS_STAFF_ID/BOTS_STAFF_PASSWORD);用第一个工号")),
    runs_dir: Path | None = typer.Option(
        None, "--runs-dir", help=t("试运行的文件夹放在哪里(默认:配置的 runs)")
    ),
    headed: bool = typer.Option(False, "--headed", help=t("显示浏览器窗口")),
) -> None:
    """只读地用营账系统检查选择器库。"""
    from loguru import logger

    from bots import drift
    from bots.actions.launch import open_page
    from bots.worker.credentials import load

    settings = (
        config.current()
        .with_option("portal_url", portal, "--portal")
        .with_option("flows", flows and str(flows), "--flows")
        .with_option("credentials", credentials, "--credentials")
        .with_option("runs", runs_dir and str(runs_dir), "--runs-dir")
    )
    url = settings["portal_url"]
    if not url:
        raise BadInput(
            t(
                "没有营账系统网址:用 --portal URL,"
                "或在 BOTS_PORTAL_URL 或 bots.toml 的 portal_url 里设"
            ),
            code="portal_url_missing",
        )
    login = load(settings["credentials"])[0]
    secrets = {"staff_id": login.staff_id, "password": login.password}
    orders = _orders(order)
    # the dry runs' steps go to their run folders; here only what they found
    runs = settings.folder("runs")
    logger.remove()
    with open_page(headed) as page:
        findings = drift.check(page, Path(settings["flows"]), url, secrets, runs, orders)
    for line in lines(findings):
        typer.echo(line)
    if findings.problems:
        raise SelectorError(
            t("{n}个元素没有候选匹配:{refs}", n=len(findings.problems),
              refs="、".join(v.ref for v in findings.problems)),
            code="selector_drift",
        )
