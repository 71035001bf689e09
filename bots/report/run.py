"""report.html: one run, one self-contained page a person reads in a minute.

What went wrong comes first, with the screen it happened on open; then what needs a look,
the outputs, every screen of the run collapsed (``bots.report.screens``), and the inputs.
Data is shown as text (never JSON-escaped), in a page that fits a 1,366 px screen.

The page is one file, so an operator can attach it to a ticket or a mail on its own and the
batch report can link to it: each picture is in it once, as a data URI inside an inert
``<template>``, and is put on the page only when its screen is opened — a run of 90 steps
opens at once and lays out no picture nobody asked for. Everything in it is masked by the
runner before and after rendering (``bots.masking``).

It knows run.json's records and the run folder's pictures; it does not run anything.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from bots.messages import current, local_time, t
from bots.messages.terms import (
    dialog_name,
    error_type_name,
    step_action_name,
    step_status_name,
)
from bots.report.labels import coded, label
from bots.report.pictures import data_uri
from bots.report.screens import Screen, failure_of, screens_of

# the report's one script: a screen's picture is put on the page when the screen is opened.
# One constant, so that the console, which shows a report sandboxed with no other script,
# allows this one by its hash (bots.console.artifacts.REPORT_POLICY)
SCRIPT = """
// a screen's picture is put on the page when the screen is opened, not before
function show(screen) {
  for (const spot of screen.querySelectorAll("[data-picture]")) {
    if (!spot.firstElementChild) {
      spot.append(document.getElementById(spot.dataset.picture).content.cloneNode(true));
    }
  }
}
for (const screen of document.querySelectorAll("details.screen")) {
  screen.addEventListener("toggle", () => { if (screen.open) show(screen); });
  if (screen.open) show(screen);
}
document.addEventListener("click", (event) => {
  const spot = event.target.closest(".picture");
  if (spot) spot.parentElement.classList.toggle("wide");
});
"""


def script_hash() -> str:
    """The CSP source that allows ``SCRIPT`` and nothing else."""
    digest = hashlib.sha256(SCRIPT.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


_ENV = Environment(
    loader=PackageLoader("bots", "templates"), autoescape=select_autoescape(["html", "j2"])
)
_ENV.globals.update(
    t=t, label=label, coded=coded, error_type_name=error_type_name, action_name=step_action_name,
    dialog_name=dialog_name,
)


def _step_states() -> dict[str, tuple[str, str]]:
    """A step's status → its mark and its name."""
    marks = {"passed": "✓", "failed": "✗", "skipped": "–", "optional_skipped": "!",
             "already_done": "≡", "interrupted": "↺", "login": "→"}  # fmt: skip
    return {status: (mark, step_status_name(status)) for status, mark in marks.items()}


def _screenshot_modes() -> dict[str, str]:
    return {"every_step": t("每个画面"), "on_failure": t("仅失败时"), "off": t("不截图")}


@dataclass
class Picture:
    anchor: str
    data: str


def _pictures(run_dir: Path, screens: list[Screen]) -> dict[str, Picture]:
    """Each picture file once, by its path in the run folder."""
    found: dict[str, Picture] = {}
    for screen in screens:
        if screen.picture is None or screen.picture in found:
            continue
        data = data_uri(run_dir / screen.picture)
        if data is not None:
            found[screen.picture] = Picture(f"picture-{len(found) + 1}", data)
    return found


def _seconds(ms: Any) -> str:
    return f"{int(ms or 0) / 1000:.1f}"


def _local(stamp: Any) -> str:
    """An ISO time of run.json (UTC) as the reader's clock shows it."""
    try:
        return local_time(datetime.fromisoformat(str(stamp)))
    except ValueError:
        return str(stamp or "")


def _reference(run: dict[str, Any]) -> str | None:
    order = (run.get("inputs") or {}).get("order")
    return str(order["reference"]) if isinstance(order, dict) and order.get("reference") else None


def render_report(run_dir: Path, run: dict[str, Any]) -> str:
    screens = screens_of(run)
    failure = failure_of(screens) if run.get("error") or run.get("status") == "failed" else None
    pictures = _pictures(run_dir, screens)
    failed_steps = [s for s in run.get("steps") or [] if s["status"] == "failed"]
    failed_step = next(
        (s for s in reversed(failed_steps) if s["id"] == (run.get("error") or {}).get("step")),
        failed_steps[-1] if failed_steps else None,
    )
    attention = [
        s for s in run.get("steps") or [] if s["status"] == "optional_skipped" or s.get("healed")
    ]
    return _ENV.get_template("report.html.j2").render(
        run=run,
        lang="en" if current() == "en" else "zh-CN",
        reference=_reference(run),
        screens=screens,
        failure=failure,
        failed_step=failed_step,
        attention=attention,
        pictures=pictures,
        states=_step_states(),
        modes=_screenshot_modes(),
        seconds=_seconds,
        local=_local,
        script=SCRIPT,
    )


def write_report(run_dir: Path, run: dict[str, Any], mask: Any = None) -> Path:
    text = render_report(run_dir, run)
    if mask is not None:
        text = mask(text)
    out = run_dir / "report.html"
    out.write_text(text, encoding="utf-8")
    return out
