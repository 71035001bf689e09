"""report.html: one self-contained page (pictures inlined) a person reads in a minute.

Steps of one screen share one picture (see ``bots.runner.screens``), so each picture file
is inlined once: a failure's picture in its failure box, the others under "Screens"; the
rows of the steps table link to it.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

_ENV = Environment(
    loader=PackageLoader("bots", "templates"), autoescape=select_autoescape(["html", "j2"])
)


def _data(file: Path) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(file.read_bytes()).decode("ascii")


def _pictures(run_dir: Path, steps: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each picture file once, by its path in the run folder, in the order of first use:
    its anchor, its data URI, the steps it shows, and whether a failure box shows it."""
    found: dict[str, dict[str, Any]] = {}
    for step in steps:
        relative = step.get("screenshot")
        if not relative:
            continue
        picture = found.get(relative)
        if picture is None:
            file = run_dir / relative
            if not file.is_file():
                continue
            anchor = "screen-" + re.sub(r"[^\w-]", "_", Path(relative).stem)
            picture = {"anchor": anchor, "data": _data(file), "steps": [], "failure": None}
            found[relative] = picture
        picture["steps"].append(step["id"])
        if step["status"] == "failed" and picture["failure"] is None:
            picture["failure"] = step["id"]
    return found


def render_report(run_dir: Path, run: dict[str, Any]) -> str:
    pictures = _pictures(run_dir, run["steps"])
    steps = []
    for step in run["steps"]:
        picture = pictures.get(step.get("screenshot") or "")
        steps.append(
            dict(
                step,
                picture=picture["anchor"] if picture else None,
                # the failure box that shows the picture inlines it; the others link to it
                inline=picture["data"] if picture and picture["failure"] == step["id"] else None,
            )
        )
    failed = [s for s in steps if s["status"] == "failed"]
    attention = [s for s in steps if s["status"] == "optional_skipped" or s.get("healed")]
    screens = [p for p in pictures.values() if p["failure"] is None]
    return _ENV.get_template("report.html.j2").render(
        run=run, steps=steps, failed=failed, attention=attention, screens=screens
    )


def write_report(run_dir: Path, run: dict[str, Any], mask: Any = None) -> Path:
    text = render_report(run_dir, run)
    if mask is not None:
        text = mask(text)
    out = run_dir / "report.html"
    out.write_text(text, encoding="utf-8")
    return out
