"""report.html: one self-contained page (pictures inlined) a person reads in a minute."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

_ENV = Environment(
    loader=PackageLoader("bots", "templates"), autoescape=select_autoescape(["html", "j2"])
)


def _picture(run_dir: Path, relative: str | None) -> str | None:
    if not relative:
        return None
    file = run_dir / relative
    if not file.is_file():
        return None
    return "data:image/jpeg;base64," + base64.b64encode(file.read_bytes()).decode("ascii")


def render_report(run_dir: Path, run: dict[str, Any]) -> str:
    steps = [dict(step, picture=_picture(run_dir, step.get("screenshot"))) for step in run["steps"]]
    failed = [s for s in steps if s["status"] == "failed"]
    attention = [s for s in steps if s["status"] == "optional_skipped" or s.get("healed")]
    return _ENV.get_template("report.html.j2").render(
        run=run, steps=steps, failed=failed, attention=attention
    )


def write_report(run_dir: Path, run: dict[str, Any], mask: Any = None) -> Path:
    text = render_report(run_dir, run)
    if mask is not None:
        text = mask(text)
    out = run_dir / "report.html"
    out.write_text(text, encoding="utf-8")
    return out
