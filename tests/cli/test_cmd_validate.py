from __future__ import annotations

import subprocess
import sys
from pathlib import Path

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
RUNNER_FLOWS = Path(__file__).resolve().parents[1] / "runner" / "flows"


def bots(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bots", *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def test_validate_prints_every_golden_message_and_exits_3():
    cases = sorted(p.name for p in GOLDEN.iterdir() if (p / "expected.txt").is_file())
    out = bots("validate", *[f"{c}/flows/flow.yaml" for c in cases], cwd=GOLDEN)
    assert out.returncode == 3
    expected = [
        line
        for c in cases
        for line in (GOLDEN / c / "expected.txt").read_text(encoding="utf-8").splitlines()
    ]
    printed = [line for line in out.stdout.splitlines() if not line.startswith("通过  ")]
    assert printed == expected
    assert out.stderr == f"错误: 流程或选择器文件里有{len(expected)}个问题;什么都没有运行\n"


def test_validate_accepts_good_flows():
    out = bots("validate", "everything.yaml", "session.yaml", cwd=RUNNER_FLOWS)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.splitlines() == ["通过  everything.yaml", "通过  session.yaml"]
