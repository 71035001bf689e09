"""QA fault injection: BOTS_FAULT_KILL=<step>:before|after kills the process itself."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

FLOWS = Path(__file__).parent / "flows"
pytestmark = pytest.mark.browser


@pytest.mark.parametrize("when", ["before", "after"])
def test_fault_kill_stops_the_process_at_the_named_step(tmp_path, pages_url, when):
    env = {**os.environ, "BOTS_FAULT_KILL": f"submit:{when}"}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bots",
            "run",
            str(FLOWS / "commit.yaml"),
            "--portal",
            pages_url,
            "--screenshots",
            "off",
            "--runs-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert out.returncode == -signal.SIGKILL
    (folder,) = tmp_path.iterdir()
    events = [json.loads(line) for line in (folder / "log.jsonl").read_text().splitlines()]
    # bots run looks in the portal before a commit step (its guard), then the kill comes
    assert [e["id"] for e in events if e.get("event") == "step"] == [
        "open", "submit.guard/loaded", "submit.guard/read",
    ]  # fmt: skip
    assert events[-1]["message"] == f"BOTS_FAULT_KILL: killing this process {when} step 'submit'"
    assert json.loads((folder / "run.json").read_text())["status"] == "running"
