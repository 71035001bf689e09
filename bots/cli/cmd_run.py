"""``bots run FLOW --input FILE``: one flow, one live line per step, then what the flow found
(its outputs), whether the portal already had the order, and the run folder. ``FLOW`` is a
file, or the name of a flow in the flows folder (``bots run e9_new_install``: the shipped
flows unless the configuration names another folder).

It runs every commit step's guard first, as a replay does: an operator running an order by
hand must never enter it twice (``--no-guards`` skips the look-ups, for QA timing)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer
from loguru import logger

from bots import config
from bots.asking import Terminal
from bots.cli.app import app
from bots.errors import BadInput, DefinitionError, SystemException
from bots.flow import Flow, load_flow
from bots.flow.problems import DefinitionProblems
from bots.flow.yamlsafe import load_yaml
from bots.messages import t
from bots.report.labels import label, value_text
from bots.runner import Runner
from bots.runner.records import RunResult
from bots.runner.scope import lacking_note, secrets_not_set

SCALAR_TYPES = ("string", "number", "boolean", "list")


def _procedure_fits(flow: Flow, inputs: dict[str, Any], file: Path | None) -> None:
    """An order given to the other procedure's flow is refused before any browser: its
    steps would fail late (a renewal order has no 新装 fields) or be refused by the portal."""
    from bots.intake import FLOWS, flow_for
    from bots.messages.terms import procedure_name
    from bots.orders.model import validate_order

    name = Path(flow.path).name
    if name not in FLOWS.values() or "order" not in inputs:
        return
    order, _ = validate_order(inputs["order"])
    if order is None or flow_for(order) == name:
        return  # (an order with problems: the run names them, as it does)
    right = Path(flow_for(order)).stem
    raise BadInput(
        t("{file}:这是{procedure}订单,流程 {flow} 办的是另一种业务:请用 bots run {right} "
          "--input {file}", file=file, procedure=procedure_name(str(order.procedure)),
          flow=name, right=right),
        code="other_procedure",
    )  # fmt: skip


def read_inputs(flow: Flow, file: Path | None) -> dict[str, Any]:
    """With one mapping-typed input (an order), the file is that input; else name → value."""
    if file is None:
        needed = [n for n, spec in flow.inputs.items() if spec.required and spec.default is None]
        if needed:
            raise BadInput(
                t("这个流程需要输入 {names}:用 --input 给出一个 YAML 或 JSON 文件"
                  "(订单的例子在 {examples})", names=", ".join(needed),
                  examples=config.shipped("examples") / "orders"),
                code="missing_input",
            )  # fmt: skip
        return {}
    if not file.is_file():
        raise BadInput(t("{file}:没有这个文件:检查 --input 的路径", file=file), code="no_input")
    if file.suffix.lower() in (".csv", ".xlsx", ".xls"):  # a batch: the queue's, not a run's
        raise BadInput(
            t("{file}:bots run 的输入是一个订单(YAML 或 JSON 文件);订单表格请用 bots enqueue"
              " 排进队列,再由 bots work 处理", file=file),
            code="input_is_a_table",
        )  # fmt: skip
    try:
        data, _ = load_yaml(file)
    except DefinitionProblems as error:
        raise BadInput(str(error)) from None
    whole = [name for name, spec in flow.inputs.items() if spec.type not in SCALAR_TYPES]
    if len(flow.inputs) == 1 and whole:
        return {whole[0]: data}
    if not isinstance(data, dict):
        raise BadInput(
            t(
                "{file}:应是“输入名: 值”的映射,实际是{found}",
                file=file,
                found=type(data).__name__,
            )
        )
    return data


@app.command(help=t("在新开的 Chromium 里运行一个流程;退出码说明结果。"))
def run(
    flow: str = typer.Argument(..., help=t("流程文件,或流程文件夹里流程的名字(如 e9_new_install)")),
    input: Path | None = typer.Option(None, "--input", "-i", help=t("输入文件(YAML 或 JSON)")),  # noqa: A002, B008
    portal: str | None = typer.Option(
        None, "--portal", help=t("营账系统网址(默认:配置的 portal_url)")
    ),
    headed: bool = typer.Option(False, "--headed", help=t("显示浏览器窗口")),
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
    guards: bool = typer.Option(
        True,
        "--guards/--no-guards",
        help=t(
            "每个提交步骤之前先在营账系统里查一遍(默认),已有的订单绝不重录;"
            "--no-guards 跳过查询(仅供测试计时)"
        ),
    ),
) -> None:
    settings = (
        config.current()
        .with_option("portal_url", portal, "--portal")
        .with_option("screenshots", screenshots, "--screenshots")
        .with_option("trace", trace, "--trace")
        .with_option("runs", runs_dir and str(runs_dir), "--runs-dir")
    )
    found = config.find_flow(flow, Path(settings["flows"]))
    instead = t("给出这里的文件 flows/{name}", name=Path(flow).with_suffix(".yaml").name)
    if found != Path(flow) and (note := settings.unused_flows_here(instead)):
        typer.secho(note, fg="yellow", err=True)  # (the name was looked up in the shipped flows)
    loaded = load_flow(found)
    inputs = read_inputs(loaded, input)
    _procedure_fits(loaded, inputs, input)
    if lacking := secrets_not_set(sorted(Path(loaded.path).parent.glob("*.yaml"))):
        stops = t("运行会停在那一步")
        typer.secho(lacking_note(lacking, stops), fg="yellow", err=True)
    from bots.actions.launch import open_page  # Playwright loads only when something runs

    logger.remove()
    logger.add(sys.stdout, format="{message}", level="INFO", colorize=False)
    source = str(input) if input else "inputs"
    runs = settings.folder("runs")
    with open_page(headed) as page:
        runner = Runner(
            page,
            loaded,
            inputs,
            portal_url=settings["portal_url"],
            runs_dir=runs,
            screenshots=settings["screenshots"],
            trace=settings["trace"],
            input_source=source,
            guard="always" if guards else "replay",
            # a person at the keyboard answers the flow's questions (a 验证码); else nobody
            asker=Terminal(str(runs)) if sys.stdin.isatty() else None,
        )
        result = runner.run()
    for line in summary(result):
        typer.echo(line)
    said = unanswered(result.error, result.steps, settings["portal_url"]) if result.error else None
    if said is not None and guards and t("重放").lower() in str(said).lower():
        # the reasons are worded for the queue too, where 重放 is bots replay
        typer.echo(t("重放即再运行同一命令:已提交的步骤会先在营账系统里查询,不会重复办理"))
    typer.echo(t("运行文件夹:{path}", path=result.run_dir))
    if said is not None:
        raise said
    if not result.ok:
        raise DefinitionError(t("运行没有走完"))


def unanswered(error: BaseException, steps: list[dict[str, Any]], url: str) -> BaseException:
    """``error``, said for the person who ran one order when the portal never answered
    anything of the run: the address may be wrong as well as the portal down, and "replay
    later, else call the portal's administrator" would send them the wrong way."""
    from bots.actions.markers import UNAVAILABLE
    from bots.ledger.mask import redact_url  # (bots run --help loads no ledger)

    if not isinstance(error, SystemException) or error.code != UNAVAILABLE:
        return error
    if any(step["status"] == "passed" for step in steps):
        return error
    return SystemException.said(
        error.what or error.message,
        t("检查营账系统网址 {url} 和网络(--portal,或 bots.toml 的 portal_url);"
          "营账系统恢复后重新运行", url=redact_url(url)),  # fmt: skip
        code=UNAVAILABLE,
        detail=error.detail,
    )


def summary(result: RunResult) -> list[str]:
    """What the run found (its outputs) and, when the portal already had the order, that
    nothing was entered again."""
    lines: list[str] = []
    found = [s.get("name") or s["id"] for s in result.steps
             if s["status"] == "already_done" and "/" not in s["id"]]  # fmt: skip
    if found:
        lines.append(
            t(
                "≡ 营账系统中已有这些步骤的结果,未再提交:{steps}",
                steps=t("、").join(found),
            )
        )
    if result.outputs:
        lines.append(t("流程输出:"))
        lines += [f"  {label(name)}: {value_text(value)}" for name, value in result.outputs.items()]
    return lines
