"""The files of a run folder the console serves: its run report, its trace and its
screenshots — all masked by the runner from the first byte — and nothing else.

A run folder is the one the ledger recorded for an attempt; a name is served only if it is
one of those files and resolves inside that folder (no ``..``, no link out of it). It
knows paths; it does not know who may see them (the routers ask for a session first).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from bots.report.run import script_hash

SERVED = re.compile(r"report\.html|trace\.zip|screens/[\w.\-]+\.(?:jpg|jpeg|png)")
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".zip": "application/zip",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}
# a run report is the runner's page about an order: shown sandboxed (an origin of its own:
# no cookie, nothing of the console), with no script but its own — which puts a screen's
# picture on the page when the screen is opened — and nothing fetched from anywhere (its
# pictures are inlined)
REPORT_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline';"
    f" script-src {script_hash()}; sandbox allow-scripts"
)


def run_folder(runs_root: Path, artifact_dir: str | None) -> Path | None:
    """The run folder an attempt recorded (relative paths from ``runs_root``), if it is one."""
    if not artifact_dir:
        return None
    folder = Path(artifact_dir)
    folder = (folder if folder.is_absolute() else runs_root / folder).resolve()
    return folder if (folder / "run.json").is_file() else None


def served(folder: Path, name: str) -> Path | None:
    """The file ``name`` of the run folder, if the console serves it."""
    if not SERVED.fullmatch(name):
        return None
    target = (folder / name).resolve()
    if not target.is_relative_to(folder) or not target.is_file():
        return None
    return target


def logged_steps(folder: Path) -> list[dict[str, Any]]:
    """The steps ``log.jsonl`` recorded as each finished (masked by the runner, written a
    line at a time): what a run killed before it wrote its ``run.json`` again had done. A
    line the kill tore is left out."""
    steps = []
    try:
        lines = (folder / "log.jsonl").read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    for line in lines:
        try:
            found = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(found, dict) and found.get("event") == "step":
            steps.append(found)
    return steps


def run_record(folder: Path) -> dict[str, Any] | None:
    """The run's ``run.json`` (masked by the runner), or None when it cannot be read (a run
    killed while writing it)."""
    try:
        found = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return found if isinstance(found, dict) else None
