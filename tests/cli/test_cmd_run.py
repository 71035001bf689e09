from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

FLOWS = Path(__file__).resolve().parents[1] / "runner" / "flows"
pytestmark = pytest.mark.browser


def bots_run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BOTS_STAFF_ID": "GH1001", "BOTS_STAFF_PASSWORD": "Tele@1001"}
    return subprocess.run(
        [sys.executable, "-m", "bots", "run", *args, "--runs-dir", str(tmp_path / "runs")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_run_prints_a_line_per_step_and_the_run_folder(tmp_path, pages_url):
    out = bots_run(
        tmp_path, str(FLOWS / "session.yaml"), "--portal", pages_url, "--screenshots", "off"
    )
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("✓ 001 home ")
    assert any(line.startswith("↺ 002 next ") for line in lines)
    assert "↺ session lost: running login.yaml again" in lines
    folder = Path(lines[-1].removeprefix("run folder: "))
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert run["status"] == "passed"
    assert "Tele@1001" not in out.stdout + out.stderr


def test_business_failure_exits_5_with_the_portal_message(tmp_path, pages_url):
    out = bots_run(tmp_path, str(FLOWS / "refused.yaml"), "--portal", pages_url)
    assert out.returncode == 5
    assert "error: the portal refused: 号码已被占用" in out.stderr.replace("\n", "")
    folder = Path(out.stdout.splitlines()[-1].removeprefix("run folder: "))
    assert (folder / "report.html").is_file() and (folder / "trace.zip").is_file()


def test_input_file_and_bad_input_exit_4(tmp_path, pages_url):
    good = tmp_path / "in.yaml"
    good.write_text("busy: 0\n", encoding="utf-8")
    out = bots_run(tmp_path, str(FLOWS / "busy.yaml"), "--input", str(good), "--portal", pages_url)
    assert out.returncode == 0, out.stdout + out.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("busy: many\n", encoding="utf-8")
    out = bots_run(tmp_path, str(FLOWS / "busy.yaml"), "--input", str(bad), "--portal", pages_url)
    assert out.returncode == 4
    # the handler's console wraps long lines; the text is the same without the breaks
    message = f"error: {bad}: input 'busy': expected a number, found str 'many'"
    assert message in out.stderr.replace("\n", "")


def test_broken_flow_exits_3_before_any_browser(tmp_path):
    flow = tmp_path / "flows" / "f.yaml"
    flow.parent.mkdir()
    flow.write_text("steps:\n  - id: a\n    clik: x.y\n", encoding="utf-8")
    out = bots_run(tmp_path, str(flow))
    assert out.returncode == 3
    assert "found unknown key 'clik'; did you mean 'click'?" in out.stderr.replace("\n", "")
