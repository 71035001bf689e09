"""Start-up: options, the one banner line, `bots portal`, state kept across restarts."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from datetime import date
from pathlib import Path

import httpx
import pytest

from mock_portal.server import build_parser, config_from_args, main

# the variants that make the bots' money checks necessary: off unless QA sets them
VARIANTS_OFF = {"fee_changes": {}, "collect_surcharge": 0.0, "deposit_defect": "",
                "area_code": "0371", "busy_posts": {}}
MODERN = {"legacy": False, "error_pages": "busy", "form_token_ttl_s": 600.0,
          "renamed_captions": {}}
PERSON_OFF = {"approval": False, "approval_ttl_s": 300.0, "login_captcha": False}


def test_habit_options_map_to_habits() -> None:
    args = build_parser().parse_args([
        "--no-evdo-defect", "--no-plan-defect", "--latency", "10-40", "--busy-share", "0.2",
        "--session-expiry", "30", "--notice", "--random-ids", "--seed", "5",
        "--business-date", "2026-05-15", "--qa"])
    config = config_from_args(args)
    assert config.habits.to_json() == {
        "evdo_defect": False, "plan_defect": False, "latency_ms": [10, 40], "busy_share": 0.2,
        "session_expiry_s": 30.0, "notice": True, "random_ids": True, **VARIANTS_OFF, **MODERN,
        **PERSON_OFF}
    assert (config.seed, config.business_date, config.qa) == (5, date(2026, 5, 15), True)


def test_defaults_follow_portal_md() -> None:
    config = config_from_args(build_parser().parse_args([]))
    assert config.habits.to_json() == {
        "evdo_defect": True, "plan_defect": True, "latency_ms": [0, 0], "busy_share": 0.0,
        "session_expiry_s": 0.0, "notice": False, "random_ids": False, **VARIANTS_OFF, **MODERN,
        **PERSON_OFF}
    assert config.qa is False


def test_legacy_options_map_to_habits() -> None:
    args = build_parser().parse_args(["--legacy", "--error-pages", "java",
                                      "--form-token-ttl", "30"])
    habits = config_from_args(args).habits.to_json()
    assert {key: habits[key] for key in MODERN} == {
        "legacy": True, "error_pages": "java", "form_token_ttl_s": 30.0, "renamed_captions": {}}


def test_person_options_map_to_habits() -> None:
    args = build_parser().parse_args(["--approval", "--approval-ttl", "60", "--login-captcha"])
    habits = config_from_args(args).habits.to_json()
    assert {key: habits[key] for key in PERSON_OFF} == {
        "approval": True, "approval_ttl_s": 60.0, "login_captcha": True}


def test_bad_latency_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--latency", "50-10"])
    assert exited.value.code == 2
    assert "latency must be LO-HI with 0 <= LO <= HI" in capsys.readouterr().err


def test_a_port_out_of_range_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--port", "99999"])
    assert exited.value.code == 2
    assert capsys.readouterr().err.endswith(
        "python -m mock_portal: error: --port 99999: must be 0..65535\n")


def _start(args: list[str], banner: str = r"mock portal serving at (http://127\.0\.0\.1:\d+/) "
           ) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.match(banner, line)
    assert match, line
    return process, match.group(1)


def test_bots_portal_serves_and_keeps_state(tmp_path: Path) -> None:
    state = tmp_path / "portal.sqlite3"
    bots = str(Path(sys.executable).with_name("bots"))
    # bots portal says it in the user's language
    process, url = _start([bots, "portal", "--port", "0", "--qa", "--state", str(state),
                           "--business-date", "2026-05-15"],
                          rf"模拟营账系统已在 (http://127\.0\.0\.1:\d+/) 运行\(状态文件 "
                          rf"{re.escape(str(state))},测试接口在 /qa/\);按 Ctrl-C 停止$")
    try:
        assert "营账系统" in httpx.get(url, follow_redirects=True).text
        httpx.post(url + "qa/fixtures", json={"staff": [
            {"staff_id": "GH3001", "name": "新员工", "password": "pw"}]})
    finally:
        process.terminate()
        process.wait(timeout=10)
    process, url = _start([sys.executable, "-m", "mock_portal", "--port", "0", "--state",
                           str(state)])
    try:
        page = httpx.post(url + "login", data={"staff_id": "GH3001", "password": "pw"},
                          follow_redirects=True)
        assert "新员工" in page.text
        assert httpx.get(url + "qa/state").status_code == 404
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_state_folder_must_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--state", str(tmp_path / "nope" / "state.sqlite3")])
    assert exited.value.code == 2
    folder = tmp_path / "nope"
    expected = f"--state {folder / 'state.sqlite3'}: folder {folder} does not exist"
    assert expected in capsys.readouterr().err


def test_port_in_use_is_said_plainly(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "mock_portal", "--port", str(port), "--state",
             str(tmp_path / "s.sqlite3")], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"mock portal: cannot listen on 127.0.0.1:{port}: Address already in use")
