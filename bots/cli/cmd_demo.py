"""``bots demo``: the README's main command, from any folder: the shipped sample batch and
flows, the bundled mock portal, a fresh ledger, the batch report."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer
from rich.text import Text

from bots import config
from bots.batch import build_batch_report
from bots.cli.app import app
from bots.cli.app import console as cli_console
from bots.cli.app import folder as made
from bots.cli.cmd_work import VerboseOption, finish, route_logs
from bots.console.server import run as run_console
from bots.demo import console_server, demo_operator, demo_staff, mock_portal, write_credentials
from bots.intake import enqueue_files, write_rejects
from bots.ledger.store import open_store
from bots.messages import t
from bots.worker import credentials
from bots.worker.loop import WorkerConfig
from bots.worker.pool import run_workers


@app.command(
    help=t(
        "启动模拟营账系统,录入样例订单,处理它们,写出批次报告;"
        "然后在演示的账本上开着运维控制台,直到按 Ctrl-C。"
    )
)
def demo(
    orders: Path | None = typer.Option(
        None, "--orders", help=t("要录入的订单文件(默认:随软件安装的样例批次)")
    ),
    workers: int = typer.Option(4, "--workers", "-n", help=t("并行的浏览器上下文数")),
    out: Path | None = typer.Option(
        None, "--out", help=t("演示文件夹(默认:demo/<时间>,在当前文件夹下)")
    ),
    flows: Path | None = typer.Option(
        None, "--flows", help=t("办理流程所在的文件夹(默认:配置的 flows,否则随软件安装的流程)")
    ),
    screenshots: str = typer.Option(
        "every_step", "--screenshots", help=t("截图策略:every_step | on_failure | off")
    ),
    no_console: bool = typer.Option(
        False, "--no-console", help=t("处理完批次就结束:之后不开控制台")
    ),
    verbose: VerboseOption = False,
) -> None:
    console = cli_console()
    route_logs(console, verbose)
    settings = config.current().with_option("flows", flows and str(flows), "--flows")
    orders = orders or config.shipped("examples") / "orders.csv"
    folder = made(out or Path("demo") / datetime.now().strftime("%Y%m%d-%H%M%S"), "--out")
    db_url = f"sqlite:///{folder / 'ledger.db'}"
    with open_store(db_url) as store:
        intake = enqueue_files(store, [orders], skip_invalid=True, batch="demo")
    if intake.rejects:
        write_rejects(intake.rejects, folder / "rejects.csv")
        for error in intake.rejects:
            console.print(Text(t("录入时拒收 {error}", error=error)), style="yellow")
    console.print(Text(t("已录入{count}单到 {db}", count=intake.enqueued, db=db_url)))
    creds = credentials.read_file(write_credentials(folder / "credentials", demo_staff(workers)))
    with mock_portal(folder / "portal.sqlite") as url:
        console.print(Text(t("模拟营账系统:{url}", url=url)))
        worker_config = WorkerConfig(
            db_url=db_url,
            flows_dir=Path(settings["flows"]),
            portal_url=url,
            runs_dir=folder / "runs",
            screenshots=screenshots,
        )
        summary = run_workers(worker_config, creds, workers, "demo", console=console)
    with open_store(db_url) as store:
        paths = build_batch_report(store, folder / "report")
    # the sample batch fails one order on purpose: the demo itself went well (exit 0)
    finish(summary, console, report=paths["html"], attention_fails=False, db=db_url)
    if not no_console:
        server, sock, url = console_server(db_url)
        server.banner = ""  # the lines below say where, and with which account
        name, password = demo_operator(db_url)
        console.print(Text(t("控制台:{url}", url=url)))
        console.print(
            Text(
                t(
                    "演示运维员账号:{name} 密码:{password}(只显示这一次)",
                    name=name,
                    password=password,
                )
            )
        )
        console.print(Text(t("按 Ctrl-C 结束")))
        run_console(server, sock)
