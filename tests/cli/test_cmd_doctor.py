"""``bots doctor``: what is in force and where it comes from (file:line, environment variable,
option, default); and ``bots validate`` of the shipped flows from any folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bots import config


def bots(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BOTS_")}
    clean["XDG_CONFIG_HOME"] = str(cwd / "no-user-config")
    return subprocess.run(
        [sys.executable, "-m", "bots", *args], cwd=cwd, env={**clean, **env},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_doctor_shows_each_setting_and_where_it_comes_from(tmp_path: Path) -> None:
    toml = tmp_path / "bots.toml"
    toml.write_text(
        'portal_url = "http://portal.example/"\n'
        'db = "postgresql://bots:s3cret@dbhost/e9"\n'
        'lang = "en"\n',
        encoding="utf-8",
    )
    done = bots("doctor", cwd=tmp_path, BOTS_WORKERS="3")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:13] == [
        f"configuration file: {toml}",
        f"  portal_url = http://portal.example/  [{toml}:1]  the portal's URL",
        f"  db = postgresql://bots:******@dbhost/e9  [{toml}:2]  the ledger (database URL or file)",
        "  credentials = -  [default]  the staff credentials file (owner only, 0600)",
        f"  flows = {config.shipped('flows')}  [default]  the flows folder",
        "  selectors = -  [default]  the selectors folder (default: the selectors beside the"
        " flows)",
        "  runs = runs  [default]  the folder of run folders",
        "  workers = 3  [environment variable BOTS_WORKERS]  browser contexts in parallel",
        "  screenshots = every_step  [default]  the screenshot policy",
        "  trace = off  [default]  Playwright trace (trace.zip)",
        f"  lang = en  [{toml}:3]  the language of messages",
        "  ledger_wait = 60  [default]  seconds bots work waits for the ledger after its"
        " connection broke",
        lines[12],
    ]
    assert lines[12].startswith("chromium: ")
    # the font Simplified Chinese is drawn with, as fontconfig chooses it, and a Chinese one
    chosen = subprocess.run(["fc-match", "-f", "%{family[0]}", "sans-serif:lang=zh-cn"],
                            capture_output=True, text=True).stdout  # fmt: skip
    assert lines[13] == f"Chinese font: {chosen}"
    assert chosen in subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True,
                                    text=True).stdout  # fmt: skip
    assert "s3cret" not in done.stdout
    chinese = bots("--lang", "zh", "doctor", cwd=tmp_path).stdout.splitlines()
    assert chinese[0] == f"配置文件:{toml}"
    assert chinese[10] == "  lang = zh  [命令行选项 --lang]  界面语言"


def test_doctor_without_a_file_says_where_it_looked(tmp_path: Path) -> None:
    done = bots("doctor", cwd=tmp_path)
    user = tmp_path / "no-user-config" / "bots" / "bots.toml"
    assert done.stdout.splitlines()[0] == f"配置文件:无(找过 {tmp_path / 'bots.toml'}、{user})"


def test_a_broken_bots_toml_stops_every_command_naming_file_line_and_key(tmp_path: Path) -> None:
    (tmp_path / "bots.toml").write_text('lang = "zh"\nworker = 4\n', encoding="utf-8")
    done = bots("status", cwd=tmp_path)
    assert done.returncode == 8
    assert done.stderr.startswith(
        f"错误: {tmp_path / 'bots.toml'}:2:未知的设置项 worker(是不是 workers?);可用的有:"
    )


def test_validate_checks_the_shipped_flows_from_any_folder(tmp_path: Path) -> None:
    done = bots("validate", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    checked = done.stdout.splitlines()
    assert all(line.startswith("通过  ") for line in checked)
    names = {Path(line.removeprefix("通过  ")).name for line in checked}
    assert {"e9_new_install.yaml", "e9_renewal.yaml", "login.yaml", "shell.yaml"} <= names
