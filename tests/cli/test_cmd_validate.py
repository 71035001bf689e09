from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
RUNNER_FLOWS = Path(__file__).resolve().parents[1] / "runner" / "flows"


def bots(*args: str, cwd: Path, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "BOTS_LANG"} | environ
    return subprocess.run(
        [sys.executable, "-m", "bots", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
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


def test_validate_speaks_english_with_bots_lang_en():
    cases = sorted(p.name for p in GOLDEN.iterdir() if (p / "expected.en.txt").is_file())
    out = bots("validate", *[f"{c}/flows/flow.yaml" for c in cases], cwd=GOLDEN, BOTS_LANG="en")
    assert out.returncode == 3
    expected = [
        line
        for c in cases
        for line in (GOLDEN / c / "expected.en.txt").read_text(encoding="utf-8").splitlines()
    ]
    assert [line for line in out.stdout.splitlines() if not line.startswith("ok  ")] == expected


def test_validate_accepts_good_flows():
    out = bots("validate", "everything.yaml", "session.yaml", cwd=RUNNER_FLOWS)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.splitlines() == ["通过  everything.yaml", "通过  session.yaml"]


def test_validate_in_a_folder_with_its_own_flows_says_which_ones_it_checks(tmp_path: Path):
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "e9_new_install.yaml").write_text("name: x\nsteps: [\n")
    out = bots("validate", cwd=tmp_path, XDG_CONFIG_HOME=str(tmp_path / "home"))
    assert out.returncode == 0, out.stderr  # the shipped flows, all fine
    assert out.stderr.startswith("注意:这个文件夹有自己的 flows,但用的是随软件安装的流程(")
    # validate has no --flows: the way it is told is its own
    assert out.stderr.endswith('请在 bots.toml 里写 flows = "flows",或运行 bots validate flows\n')
    # named, the folder's own flows are checked (and this one is broken)
    assert bots("validate", "flows", cwd=tmp_path).returncode == 3


def test_a_selector_file_is_known_by_its_pages_whatever_its_folder(tmp_path: Path):
    # a selector file kept in a folder of another name is still read as one, not as a flow
    # whose every key would be "unknown"
    (tmp_path / "locators").mkdir()
    (tmp_path / "locators" / "login.yaml").write_text(
        "# the login page\npages:\n  login:\n    elements:\n      user: {label: 工号, css: '#u'}\n",
        encoding="utf-8",
    )
    out = bots("validate", "locators/login.yaml", cwd=tmp_path)
    assert out.returncode == 3
    assert out.stdout == (
        "locators/login.yaml:5:13: ==> 键 pages.login.elements.user.candidates.0 =====> "
        "应正好有 role, label, caption, text, test_id, placeholder, css 中的一个,"
        "实际为 label, css\n"
    )
