"""``bots work``: claim queued orders and enter them, N browser contexts in parallel.

The console stays quiet: one progress bar, one line per finished order, then what to do
next; the step lines go to each run folder (``-v`` shows them too).

Exit codes: 0 when the queue was worked and every order this run finished is done (or a
signal stopped it cleanly: every item under way was handed back); 11 when orders this run
finished failed or need review; 6 (SystemException, code portal_down) after too many system
errors in a row; 5 when a staff login was refused; 1 when a worker stopped on an
unexpected error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from bots import config
from bots.cli.app import app
from bots.cli.app import console as cli_console
from bots.errors import (
    BadInput,
    BotsError,
    BusinessException,
    OrdersNeedAttention,
    SelectorError,
    SetupError,
    SystemException,
)
from bots.ledger.mask import redact_url
from bots.ledger.model import Backoff
from bots.ledger.store import resolve_url
from bots.messages import t
from bots.messages.terms import state_name
from bots.runner.scope import lacking_note, secrets_not_set
from bots.worker import credentials as credential_source
from bots.worker.loop import WorkerConfig
from bots.worker.pool import Summary, run_workers

STOPS: dict[str, tuple[type[BotsError], str]] = {
    "portal_down": (SystemException, "portal_down"),
    "login": (BusinessException, "login_failed"),
    "login_page": (SelectorError, "login_page_unknown"),
    "crash": (BotsError, "worker_crashed"),
    "browser": (SystemException, "browser_closed"),
    "ledger": (SetupError, "ledger_unreachable"),
    "setup": (SetupError, "setup_incomplete"),
}
ATTENTION = ("failed", "needs_review")

VerboseOption = Annotated[
    bool, typer.Option("--verbose", "-v", help=t("在控制台也显示每一步(本来只写进运行文件夹)"))
]


def route_logs(console: Console, verbose: bool) -> None:
    """Step lines to the run folders only (each run adds its own sink there); the console
    gets the process's own warnings, or with ``verbose`` every line, printed above the bar."""
    from loguru import logger

    def show(message: object) -> None:
        console.print(Text(str(message).rstrip("\n")))

    logger.remove()
    if verbose:
        logger.add(show, level="INFO", format="{message}")
    else:
        logger.add(show, level="WARNING", format="{message}", filter=_not_a_step)


def _not_a_step(record: Any) -> bool:
    """A line of this process (a lost lease, a signal), not a step of a run."""
    return "run_id" not in record["extra"]


def print_summary(summary: Summary, console: Console) -> None:
    if summary.counts is None:  # the ledger could not be read at the end
        counts = t("连不上")
    else:
        counts = " · ".join(
            f"{state_name(state)} {n}" for state, n in sorted(summary.counts.items()) if n
        ) or t("空")
    # this process's own orders (the ledger's line below counts every host's)
    done = summary.finished.get("done", 0)
    attention = sum(summary.finished.get(state, 0) for state in ATTENTION)
    rate = 60.0 * (done + attention) / summary.seconds if summary.seconds else 0.0
    console.print(
        Text(
            t(
                "本次运行:完成 {done} · 失败或待核查 {failed} · 每分钟 {rate} 单",
                done=done, failed=attention, rate=f"{rate:.1f}",
            )
        )
    )  # fmt: skip
    console.print(
        Text(
            t(
                "用时{seconds}秒;账本:{counts}",
                seconds=f"{summary.seconds:.1f}",
                counts=counts,
            )
        )
    )


@app.command(help=t("处理队列直到清空(或一直处理),每个浏览器上下文用一个工号登录。"))
def work(
    workers: int | None = typer.Option(
        None, "--workers", "-n", help=t("并行的浏览器上下文数(默认:配置的 workers,即1)")
    ),
    until_empty: bool = typer.Option(
        True, "--until-empty/--forever", help=t("队列空了就停(默认),或一直等新订单")
    ),
    db: str | None = typer.Option(
        None, "--db", help=t("账本网址(默认:配置的 db:BOTS_DB、bots.toml 或 sqlite)")
    ),
    portal: str | None = typer.Option(
        None,
        "--portal",
        help=t("营账系统网址(默认:配置的 portal_url:BOTS_PORTAL_URL 或 bots.toml)"),
    ),
    flows: Path | None = typer.Option(
        None, "--flows", help=t("办理流程所在的文件夹(默认:配置的 flows,否则随软件安装的流程)")
    ),
    login_flow: str = typer.Option(
        "login.yaml", "--login-flow", help=t("每个上下文先运行一次来登录的流程(在流程文件夹里)")
    ),
    credentials: str | None = typer.Option(
        None,
        "--credentials",
        help=t("0600的“工号:密码”文件(默认:配置的 credentials:BOTS_CREDENTIALS 或 bots.toml)"),
    ),
    worker_id: str | None = typer.Option(
        None,
        "--worker-id",
        help=t("这个进程在账本里的名字(默认:主机名-进程号-随机数,每个进程都不同)"),
    ),
    screenshots: str | None = typer.Option(
        None, "--screenshots", help=t("截图策略:every_step | on_failure | off(默认:配置的)")
    ),
    trace: str | None = typer.Option(
        None,
        "--trace",
        help=t("失败时保存 trace.zip:off | on_failure | full_on_failure(默认:配置的)"),
    ),
    runs_dir: Path | None = typer.Option(
        None, "--runs-dir", help=t("运行文件夹放在哪里(默认:配置的 runs,即 runs)")
    ),
    lease: float = typer.Option(120.0, "--lease", help=t("没有心跳时一次领取的有效秒数")),
    retry_base: float = typer.Option(
        30.0, "--retry-delay", help=t("系统错误后第一次重试前等待的秒数")
    ),
    retry_cap: float = typer.Option(3600.0, "--retry-cap", help=t("两次重试之间最长等待的秒数")),
    max_failures: int = typer.Option(
        5, "--max-consecutive-failures", help=t("连续多少次系统错误后停止")
    ),
    headed: bool = typer.Option(False, "--headed", help=t("显示浏览器窗口")),
    answer_wait: float | None = typer.Option(
        None, "--answer-wait", help=t("等待人工回答(bots answer)最多多少秒(默认:流程给的时间)")
    ),
    verbose: VerboseOption = False,
) -> None:
    settings = (
        config.current()
        .with_option("portal_url", portal, "--portal")
        .with_option("db", db, "--db")
        .with_option("flows", flows and str(flows), "--flows")
        .with_option("credentials", credentials, "--credentials")
        .with_option("screenshots", screenshots, "--screenshots")
        .with_option("trace", trace, "--trace")
        .with_option("runs", runs_dir and str(runs_dir), "--runs-dir")
        .with_option("workers", workers, "--workers")
    )
    if note := settings.unused_flows_here(t("加 --flows flows")):
        typer.secho(note, fg="yellow", err=True)
    if lacking := secrets_not_set(sorted(Path(settings["flows"]).glob("*.yaml"))):
        typer.secho(lacking_note(lacking, t("工作进程会停下")), fg="yellow", err=True)
    if not settings["portal_url"]:
        raise BadInput(
            t(
                "没有营账系统网址:用 --portal URL,"
                "或在 BOTS_PORTAL_URL 或 bots.toml 的 portal_url 里设"
            )
        )
    worker_config = WorkerConfig(
        db_url=resolve_url(settings["db"]),
        flows_dir=Path(settings["flows"]),
        portal_url=settings["portal_url"],
        runs_dir=settings.folder("runs"),
        screenshots=settings["screenshots"],
        trace=settings["trace"],
        lease_seconds=lease,
        until_empty=until_empty,
        max_consecutive_system=max_failures,
        login_flow=login_flow,
        backoff=Backoff(base=retry_base, cap=retry_cap),
        answer_wait=answer_wait,
        ledger_wait=settings["ledger_wait"],
    )
    console = cli_console(stderr=True)
    route_logs(console, verbose)
    summary = run_workers(
        worker_config,
        credential_source.load(settings["credentials"]),
        settings["workers"],
        worker_id,
        headed,
        console,
    )
    finish(summary, console, db=db)


def finish(
    summary: Summary,
    console: Console,
    report: Path | None = None,
    attention_fails: bool = True,
    db: str | None = None,
) -> None:
    """Print the summary and what to do next; a stop that needs a person (portal down, login
    refused, a worker crashed) becomes the error the CLI's handler turns into its exit code,
    and so do orders this run finished that failed or need review (exit 11), unless
    ``attention_fails`` is off (the demo, whose sample batch fails one order on purpose).
    ``db``: the ledger, when the next commands must be told it (it is not the configured
    one)."""
    where = f" --db {redact_url(db)}" if db else ""
    print_summary(summary, console)
    if summary.stop_kind in STOPS:
        error, code = STOPS[summary.stop_kind]
        raise error(summary.stop_reason or summary.stop_kind, code=code)
    if summary.stop_reason:
        console.print(Text(summary.stop_reason))
    attention = sum(summary.finished.get(state, 0) for state in ATTENTION)
    if failed := summary.finished.get("failed", 0):
        console.print(
            Text(
                t(
                    "下一步:运行 bots status --failed{db} 查看这{count}单的原因;"
                    "改正后 bots replay --failed{db} 重放(或只重放列出的业务参考号)",
                    count=failed,
                    db=where,
                )
            )
        )
    if review := summary.finished.get("needs_review", 0):
        # money may have moved: replaying before a look in the portal could enter it twice
        console.print(
            Text(
                t(
                    "待人工核查{count}单(款项可能已变动):bots status --failed{db} 列出它们;"
                    "先在营账系统核对,已办成的用 bots review 业务参考号 --note 说明{db} 标为已核查,"
                    "没有办成的再用 bots replay --needs-review{db} 重放",
                    count=review,
                    db=where,
                )
            )
        )
    if report is not None:
        console.print(Text(t("批次报告:{path}", path=report)))
    else:
        console.print(Text(t("批次报告:运行 bots report{db} --out reports/", db=where)))
    if attention and attention_fails and summary.stop_kind != "signal":
        raise OrdersNeedAttention(
            t("本次有{count}单失败或待人工核查", count=attention), code="orders_need_attention"
        )
