"""The batch report for the back office: a summary, a chart, one row per order and one per
row refused at enqueue — as an HTML page, a CSV file and an XLSX workbook.

It reads the ledger (items, their attempts, the refused rows) and each item's run folder
(run.json for the failed step's name and the picture); it writes nothing anywhere else.

The page is one self-contained file, fit to mail: styles, the chart (SVG) and every order's
thumbnail (its failure's picture, else its last one) are inside it. Its links to the run
reports are relative (``../runs/<ref>/attempt-N/report.html``): they open where the report
was written, beside the run folders; a mailed copy reads whole without them.

Personal data is masked: the ID number partly (``410*************15``), and any personal
value of the order quoted in a message or a remark wholly. State names and procedures are
the user's words (``bots.messages.terms``).
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from bots.ledger.mask import mask_free_text, mask_text, sensitive_values
from bots.ledger.model import HistoryEntry, WorkItem
from bots.ledger.store import Store
from bots.masking import not_personal, partial, personal_shapes
from bots.messages import current, local_time, money, t
from bots.messages.terms import actor_name, procedure_name, state_name
from bots.orders.columns import column_for, label_for
from bots.orders.model import SENSITIVE_FIELDS, procedure_of
from bots.orders.rules import SPECIAL_FUND
from bots.report import chart
from bots.report.labels import leaves, value_text
from bots.report.pictures import data_uri
from bots.report.summary import REJECTED, Figures, Summary, amount, clock, summarise
from bots.report.workbook import FORMULA_STARTS, Column, new_book, write_sheet

_ENV = Environment(
    loader=PackageLoader("bots", "templates"), autoescape=select_autoescape(["html", "j2"])
)
_ENV.globals.update(t=t, money=money, procedure_name=procedure_name)
OUTPUTS = ("order_no", "access_number", "serial_no", "plan", "follow_ups", "notice")
# failures first: they are what the reader acts on
ORDER = {"failed": 0, "needs_review": 1, "retry_wait": 2, "running": 3, "pending": 4}


def columns() -> list[Column]:
    """The columns of the CSV and the workbook, in the user's language."""
    return [
        Column("reference", t("业务参考号")),
        Column("procedure", t("办理类型")),
        Column("customer", t("客户")),
        Column("state", t("状态")),
        Column("order_no", t("受理单号")),
        Column("access_number", t("宽带接入号")),
        Column("serial_no", t("专款流水号")),
        Column("plan", t("套餐")),
        Column("fees_collected", t("实收费用"), "money", total=True),
        Column("deposited", t("专款金额"), "money", total=True),
        Column("follow_ups", t("后续事项")),
        Column("notice", t("客户告知")),
        Column("remark", t("备注")),
        Column("reason", t("失败原因")),
        Column("step", t("出错位置")),
        Column("attempts", t("尝试次数"), "count"),
        # when its last attempt ended (or it was cancelled): a failed order has one too
        Column("finished", t("最后处理时间"), "time"),
        # an operator looked at a failed order and marked it (the console's 标记已核查)
        Column("reviewed", t("核查人")),
    ]


class Reject(Protocol):
    """A row refused at enqueue, as the ledger keeps it (``Store.rejects``): where it was
    (file, row; None for a whole file), its reference if it had one, the field, the reason,
    and its data as the file gave it (by header), sensitive fields masked."""

    @property
    def file(self) -> str: ...
    @property
    def row(self) -> int | None: ...
    @property
    def reference(self) -> str | None: ...
    @property
    def field(self) -> str | None: ...
    @property
    def reason(self) -> str: ...
    @property
    def data(self) -> Mapping[str, Any] | None: ...


@dataclass(frozen=True)
class Row:
    values: dict[str, Any]  # by column key: text, Decimal, int or datetime
    state: str  # a ledger state's value, or REJECTED
    procedure: str
    report: str | None  # the run report, relative to the report's folder
    thumbnail: str | None  # a data URI
    started: datetime | None = None

    @property
    def figures(self) -> Figures:
        return Figures(
            self.procedure,
            self.state,
            self.values.get("fees_collected"),
            self.values.get("deposited"),
            self.started,
            self.values.get("finished"),
        )


def state_word(state: str) -> str:
    """A ledger state's name, or the name of a row refused at enqueue."""
    return t("入队被拒") if state == REJECTED else state_name(state)


def csv_cell(value: str) -> str:
    """A CSV cell a spreadsheet shows as text: one that starts like a formula gets a leading
    apostrophe (OWASP's rule)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _hidden(payload: Mapping[str, Any]) -> set[str]:
    """Personal values of the order, to hide wherever they are quoted (an error message)."""
    customer = payload.get("customer") or {}
    quoted = {str(customer.get(name) or "") for name in SENSITIVE_FIELDS}
    return sensitive_values(payload) | {value for value in quoted if len(value) >= 4}


def _run(run_dir: Path) -> dict[str, Any]:
    try:
        found = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):  # no run yet, or killed while writing it
        return {}
    return found if isinstance(found, dict) else {}


def _failed_step(run: Mapping[str, Any], item: WorkItem) -> str:
    """The failed step's name (the procedure's sentence), from its run, else as the ledger
    names it (a killed worker's run.json lists no steps)."""
    for step in reversed(run.get("steps") or []):
        if step.get("id") == item.error_step and step.get("name"):
            return str(step["name"])
    return item.step_shown or ""


def _picture(run_dir: Path, run: Mapping[str, Any]) -> str | None:
    """The failure's picture, else the last one."""
    steps = run.get("steps") or []
    failed = [s for s in steps if s.get("status") == "failed" and s.get("screenshot")]
    shots = failed or [s for s in steps if s.get("screenshot")]
    return data_uri(run_dir / shots[-1]["screenshot"]) if shots else None


def _started(attempts: Sequence[HistoryEntry], run: Mapping[str, Any]) -> datetime | None:
    """The first attempt's start (the ledger's history), else the last run's (run.json)."""
    starts = [entry.started_at for entry in attempts if entry.kind == "attempt"]
    if starts:
        return min(starts)
    try:
        return datetime.fromisoformat(str(run["started"])) if run.get("started") else None
    except ValueError:
        return None


def row_for(item: WorkItem, out_dir: Path, attempts: Sequence[HistoryEntry] = ()) -> Row:
    outputs = item.outputs or {}
    customer = item.payload.get("customer") or {}
    run_dir = Path(item.artifact_dir) if item.artifact_dir else None
    run = _run(run_dir) if run_dir else {}
    done = item.state.value == "done"
    values: dict[str, Any] = {
        "reference": item.reference,
        "procedure": procedure_name(str(item.payload.get("procedure") or "")),
        "customer": f"{customer.get('name', '')} {partial(str(customer.get('id_number', '')))}",
        "state": state_name(item.state.value),
        "remark": value_text(item.payload.get("note")),  # the order's remark, as in the portal
        "reason": item.error_message or "",
        "step": _failed_step(run, item) if item.error_message else "",
        **{key: value_text(outputs.get(key)) for key in OUTPUTS},
    }
    hidden = _hidden(item.payload)
    values = {key: (mask_free_text if key == "remark" else mask_text)(value, hidden)
              for key, value in values.items()}  # fmt: skip
    values["fees_collected"] = amount(outputs.get("fees_collected")) if done else None
    values["deposited"] = Decimal(SPECIAL_FUND) if done and outputs.get("serial_no") else None
    values["attempts"] = item.attempts
    values["finished"] = item.finished_at
    values["reviewed"] = actor_name(item.reviewed_by)
    report = None
    if run_dir is not None and (run_dir / "report.html").is_file():
        report = os.path.relpath(run_dir / "report.html", out_dir)
    thumbnail = _picture(run_dir, run) if run_dir else None
    procedure = str(item.payload.get("procedure") or "")
    started = _started(attempts, run)
    return Row(values, item.state.value, procedure, report, thumbnail, started)


def _not_personal(header: str) -> bool:
    column = column_for(header)
    return column is not None and not_personal(column.path)


def reject_row(reject: Reject) -> Row:
    """A row refused at enqueue: where it is, why, and what it held, each field named as
    the order sheet names it."""
    # (a table's cells by header, a YAML or JSON order's fields by dotted path)
    data = [(header, value_text(value)) for header, value in leaves(reject.data or {})]
    by_column = {}
    for header, value in data:
        column = column_for(header)
        if column is not None:
            by_column[column.name] = value
    where = t("{file}第{row}行", file=reject.file, row=reject.row) if reject.row else reject.file
    reason = (
        t("{where}:{reason}", where=label_for(reject.field), reason=reject.reason)
        if reject.field
        else reject.reason
    )
    # the cell as written (新装, renewal): counted and named as the ledger's orders are
    written = str(by_column.get("procedure", ""))
    procedure = procedure_of(written) or ""
    values: dict[str, Any] = {
        "reference": reject.reference or by_column.get("reference", ""),
        "procedure": procedure_name(procedure or written),
        "customer": personal_shapes(by_column.get("customer_name", "")),
        "state": state_word(REJECTED),
        "reason": reason,
        "step": where,
        # (masked by shape when kept since 2026-12-01; a ledger's older rows are masked here)
        "data": "; ".join(
            f"{label_for(header)}: {value if _not_personal(header) else personal_shapes(value)}"
            for header, value in data if value
        ),
    }
    return Row(values, REJECTED, procedure, None, None)


def _csv_text(value: Any) -> str:
    if isinstance(value, Decimal):
        return money(float(value))
    if isinstance(value, datetime):
        return local_time(value)
    return value_text(value)


def render_page(
    rows: Sequence[Row], rejects: Sequence[Row], summary: Summary, batch: str | None
) -> str:
    return _ENV.get_template("batch_report.html.j2").render(
        lang="en" if current() == "en" else "zh-CN",
        rows=rows,
        rejects=rejects,
        state_word=state_word,
        summary=summary,
        batch=batch,
        chart=Markup(chart.bars(summary, state_word, procedure_name)),  # its texts are escaped
        duration=clock(summary.duration),
        made=local_time(datetime.now(UTC), "%Y-%m-%d %H:%M"),
        local=lambda when: local_time(when, "%m-%d %H:%M") if when else "",
    )


def write_batch_report(
    items: Sequence[WorkItem],
    out_dir: Path,
    *,
    history: Mapping[str, Sequence[HistoryEntry]] | None = None,
    rejects: Sequence[Reject] = (),
    batch: str | None = None,
) -> dict[str, Path]:
    """batch_report.html, .csv and .xlsx in ``out_dir``: the items (with their attempts'
    times from ``history``, by reference) and the rows refused at enqueue."""
    out_dir.mkdir(parents=True, exist_ok=True)
    history = history or {}
    rows = [row_for(item, out_dir, history.get(item.reference, ())) for item in items]
    rows.sort(key=lambda r: (ORDER.get(r.state, 5), r.values["reference"]))
    refused = [reject_row(reject) for reject in rejects]
    summary = summarise(row.figures for row in [*rows, *refused])
    paths = {
        "html": out_dir / "batch_report.html",
        "csv": out_dir / "batch_report.csv",
        "xlsx": out_dir / "batch_report.xlsx",
    }
    paths["html"].write_text(render_page(rows, refused, summary, batch), encoding="utf-8")
    table = columns()
    with paths["csv"].open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow([c.header for c in table])
        for row in [*rows, *refused]:
            writer.writerow([csv_cell(_csv_text(row.values.get(c.key))) for c in table])
    book = new_book()
    sheet = book.active
    assert sheet is not None
    sheet.title = t("批次报告")
    write_sheet(
        sheet,
        table,
        [row.values for row in [*rows, *refused]],
        links=[row.report for row in rows],
        total_label=t("合计"),
    )
    book.save(paths["xlsx"])
    return paths


def build_batch_report(store: Store, out_dir: Path, batch: str | None = None) -> dict[str, Path]:
    """The batch report of the ledger's orders (of one batch, or all) in ``out_dir``."""
    items = store.items(batch=batch)
    history = {item.reference: store.history(item.reference) for item in items}
    return write_batch_report(
        items, out_dir, history=history, rejects=refused_rows(store, batch), batch=batch
    )


def refused_rows(store: Store, batch: str | None) -> Sequence[Reject]:
    """The rows refused at enqueue that the ledger keeps (of one batch if given)."""
    return store.rejects(batch)
