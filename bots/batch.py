"""The batch report for the back office: one row per order, as HTML, CSV and XLSX.

It reads only the ledger and each item's run folder (run.json, screens/); the HTML links to
the item's own run report and shows its last screenshot, so a manager can click through.

The spreadsheets hold what customers typed (names, addresses) and what the portal said: a
cell that starts like a formula (``=``, ``+``, ``-``, ``@``, tab, CR — OWASP's CSV
injection rule) is written as text, never run when the file is opened.
"""

from __future__ import annotations

import csv
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from openpyxl import Workbook

from bots.ledger.mask import mask_text, sensitive_values
from bots.ledger.model import WorkItem
from bots.orders.model import SENSITIVE_FIELDS, mask

_ENV = Environment(
    loader=PackageLoader("bots", "templates"), autoescape=select_autoescape(["html", "j2"])
)

COLUMNS = (
    ("reference", "业务参考号"),
    ("procedure", "办理类型"),
    ("customer", "客户"),
    ("state", "状态"),
    ("order_no", "受理单号"),
    ("access_number", "宽带接入号"),
    ("serial_no", "专款流水号"),
    ("plan", "套餐"),
    ("fees_collected", "实收费用"),
    ("follow_ups", "后续事项"),
    ("notice", "客户告知"),
    ("remark", "备注"),
    ("reason", "失败原因"),
    ("attempts", "尝试次数"),
)
PROCEDURES = {"new_install": "新装", "renewal": "续费"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
STATES = {
    "done": "完成",
    "failed": "失败",
    "needs_review": "待人工核查",
    "pending": "排队中",
    "running": "进行中",
    "retry_wait": "等待重试",
    "cancelled": "已取消",
}


@dataclass(frozen=True)
class Row:
    values: dict[str, str]
    state: str
    report: str | None
    screenshot: str | None


def _last_screenshot(run_dir: Path) -> Path | None:
    run_file = run_dir / "run.json"
    if not run_file.is_file():
        return None
    try:
        run = json.loads(run_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError:  # a run killed while writing it: the row still counts
        return None
    shots = [s["screenshot"] for s in run.get("steps", []) if s.get("screenshot")]
    return run_dir / shots[-1] if shots else None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_text(v)}" for k, v in value.items())
    return str(value)


def csv_cell(value: str) -> str:
    """A CSV cell a spreadsheet shows as text: one that starts like a formula gets a leading
    apostrophe (OWASP's rule)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _xlsx_row(sheet: Any, values: list[str]) -> None:
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
            cell.data_type = "s"  # stored as text: openpyxl would store "=…" as a formula
            cell.quotePrefix = True  # and Excel keeps it text when someone edits it


def _hidden(payload: dict[str, Any]) -> set[str]:
    """Personal values of the order, to hide wherever they are quoted (an error message)."""
    customer = payload.get("customer") or {}
    quoted = {str(customer.get(name) or "") for name in SENSITIVE_FIELDS}
    return sensitive_values(payload) | {value for value in quoted if len(value) >= 4}


def row_for(item: WorkItem, out_dir: Path) -> Row:
    outputs = item.outputs or {}
    customer = item.payload.get("customer", {})
    hidden = _hidden(item.payload)
    values = {
        "reference": item.reference,
        "procedure": PROCEDURES.get(str(item.payload.get("procedure")), ""),
        "customer": f"{customer.get('name', '')} {mask(str(customer.get('id_number', '')))}",
        "state": STATES.get(item.state.value, item.state.value),
        "remark": _text(item.payload.get("note")),  # the order's remark, as in the portal
        "reason": item.reason,
        "attempts": str(item.attempts),
        **{
            key: _text(outputs.get(key))
            for key in (
                "order_no",
                "access_number",
                "serial_no",
                "plan",
                "fees_collected",
                "follow_ups",
                "notice",
            )
        },
    }
    values = {key: mask_text(value, hidden) for key, value in values.items()}
    report = screenshot = None
    if item.artifact_dir:
        run_dir = Path(item.artifact_dir)
        if (run_dir / "report.html").is_file():
            report = os.path.relpath(run_dir / "report.html", out_dir)
        shot = _last_screenshot(run_dir)
        if shot is not None and shot.is_file():
            screenshot = os.path.relpath(shot, out_dir)
    return Row(values, item.state.value, report, screenshot)


def write_batch_report(items: list[WorkItem], out_dir: Path) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = [row_for(item, out_dir) for item in items]
    order = {"failed": 0, "needs_review": 1}
    rows.sort(key=lambda r: (order.get(r.state, 2), r.values["reference"]))
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.state] = counts.get(row.state, 0) + 1
    html = _ENV.get_template("batch_report.html.j2").render(
        rows=rows,
        columns=COLUMNS,
        counts={STATES.get(k, k): v for k, v in sorted(counts.items())},
        made=datetime.now(UTC).astimezone().strftime("%Y-%m-%d %H:%M"),
    )
    paths = {
        "html": out_dir / "batch_report.html",
        "csv": out_dir / "batch_report.csv",
        "xlsx": out_dir / "batch_report.xlsx",
    }
    paths["html"].write_text(html, encoding="utf-8")
    headers = [label for _, label in COLUMNS]
    with paths["csv"].open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([csv_cell(row.values[key]) for key, _ in COLUMNS])
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "批次报告"
    _xlsx_row(sheet, headers)
    for row in rows:
        _xlsx_row(sheet, [row.values[key] for key, _ in COLUMNS])
    book.save(paths["xlsx"])
    return paths
