"""The launcher (mock_portal.process): banner, a portal that dies or stays silent at
start-up, a chatty portal that must not block, restart on the same port and state."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import httpx
import pytest

from mock_portal.process import PortalProcess, PortalStartError


def test_start_reads_the_banner_and_serves(tmp_path: Path) -> None:
    with PortalProcess(tmp_path / "state.sqlite3", "--business-date", "2026-05-15") as portal:
        assert portal.url == f"http://127.0.0.1:{portal.port}/"
        assert portal.port > 0
        assert portal.alive
        assert portal.tail() == (
            f"mock portal serving at {portal.url} (state {tmp_path / 'state.sqlite3'}, "
            "QA interface at /qa/)"
        )
        state = httpx.get(portal.url + "qa/state", timeout=30).json()
        assert [s["staff_id"] for s in state["staff"]][:2] == ["GH1001", "GH1002"]
    assert not portal.alive
    with pytest.raises(httpx.ConnectError):
        httpx.get(portal.url + "qa/state", timeout=5)


def test_a_relative_state_file_is_the_callers_not_the_packages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (bots demo from another folder passed demo/<time>/portal.sqlite: the child, running
    # in the package's folder, found no such folder and died)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "demo").mkdir()
    with PortalProcess(Path("demo") / "state.sqlite3") as portal:
        assert portal.tail().endswith(f"(state {tmp_path / 'demo' / 'state.sqlite3'}, "
                                      "QA interface at /qa/)")
    assert (tmp_path / "demo" / "state.sqlite3").is_file()


def test_without_qa_there_is_no_qa_interface(tmp_path: Path) -> None:
    with PortalProcess(tmp_path / "state.sqlite3", qa=False) as portal:
        assert httpx.get(portal.url + "qa/state", timeout=30).status_code == 404


def test_a_portal_that_dies_at_start_up_says_why(tmp_path: Path) -> None:
    portal = PortalProcess(tmp_path / "state.sqlite3", "--latency", "50-10")
    with pytest.raises(PortalStartError) as raised:
        portal.start()
    message = str(raised.value)
    # between the two: argparse's usage lines, wrapped to the terminal's width
    assert message.startswith(
        "the mock portal exited with code 2 before serving:\n"
        "usage: python -m mock_portal [-h] [--host HOST] [--port PORT] [--state STATE]\n"
    )
    assert message.endswith(
        "\npython -m mock_portal: error: latency must be LO-HI with 0 <= LO <= HI"
    )
    assert portal.process is None
    assert not portal.alive


def test_a_silent_portal_times_out_with_its_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a stand-in that writes to stderr and never prints the banner
    silent = [sys.executable, "-c", "import sys, time; print('warming up', file=sys.stderr, "
              "flush=True); time.sleep(60)"]  # fmt: skip
    portal = PortalProcess(tmp_path / "state.sqlite3", start_timeout=1)
    monkeypatch.setattr(portal, "command", lambda: silent)
    with pytest.raises(PortalStartError) as raised:
        portal.start()
    assert str(raised.value) == "the mock portal printed no banner within 1 s:\nwarming up"
    assert portal.process is None


def test_output_is_drained_for_the_servers_whole_life(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # more than a pipe holds (64 KiB) after the banner: an undrained pipe would block the
    # writer, which could then not print "done"
    chatty = [sys.executable, "-c", (
        "import sys, time\n"
        "print('mock portal serving at http://127.0.0.1:1/ (state x)', flush=True)\n"
        "for _ in range(3000): print('x' * 100, file=sys.stderr)\n"
        "for _ in range(3000): print('y' * 100)\n"
        "print('done', flush=True)\n"
        "time.sleep(60)\n"
    )]  # fmt: skip
    log = tmp_path / "portal.log"
    portal = PortalProcess(tmp_path / "state.sqlite3", log=log)
    monkeypatch.setattr(portal, "command", lambda: chatty)
    with portal:
        deadline = time.monotonic() + 20
        while "done" not in log.read_text(encoding="utf-8") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert portal.alive
    lines = log.read_text(encoding="utf-8").splitlines()
    assert lines.count("x" * 100) == 3000
    assert lines.count("y" * 100) == 3000
    # stdout and stderr are two pipes: the log keeps each one's order, not their interleaving
    banner = "mock portal serving at http://127.0.0.1:1/ (state x)"
    assert lines.count(banner) == 1
    assert lines.index(banner) < lines.index("y" * 100) < lines.index("done")


def test_restart_keeps_port_and_data(tmp_path: Path) -> None:
    with PortalProcess(tmp_path / "state.sqlite3") as portal:
        url = portal.url
        staff = {"staff_id": "GH3001", "name": "新员工", "password": "pw"}
        httpx.post(url + "qa/fixtures", json={"staff": [staff]}, timeout=30).raise_for_status()
        first = portal.process
        portal.restart(down=0.2)
        assert portal.process is not first
        assert (portal.url, portal.restarts) == (url, 1)
        names = [s["name"] for s in httpx.get(url + "qa/state", timeout=30).json()["staff"]]
        assert "新员工" in names


def test_starting_twice_is_refused(tmp_path: Path) -> None:
    with PortalProcess(tmp_path / "state.sqlite3") as portal:
        with pytest.raises(RuntimeError) as raised:
            portal.start()
        assert str(raised.value) == f"the mock portal is already running at {portal.url}"
