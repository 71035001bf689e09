from __future__ import annotations

from bots.report import render_report


def _run(steps):
    return {
        "run_id": "r1",
        "flow_name": "新装",
        "status": "failed",
        "started": "t",
        "ms": 10,
        "screenshots": "on_failure",
        "inputs": {"order": {"ref": "A"}},
        "outputs": {},
        "trace": "trace.zip",
        "steps": steps,
        "error": {
            "type": "BusinessException",
            "kind": "business_exception",
            "code": "portal_refused",
            "message": "the portal refused: 号码已被占用",
            "step": "check",
            "next": "an operator decides",
        },
    }


def _step(n, sid, status, **kw):
    return {
        "n": n,
        "id": sid,
        "name": "",
        "action": "click",
        "status": status,
        "ms": 5,
        "attempts": 1,
        "healed": [],
        "outputs": {},
        "screenshot": None,
        "error": None,
        **kw,
    }


def test_failure_comes_first_with_its_picture(tmp_path):
    (tmp_path / "screens").mkdir()
    (tmp_path / "screens" / "002_check.jpg").write_bytes(b"\xff\xd8jpegbytes")
    steps = [
        _step(1, "open", "passed", healed=["form.x: healed via candidate 2"]),
        _step(
            2,
            "check",
            "failed",
            screenshot="screens/002_check.jpg",
            error={"message": "the portal refused: 号码已被占用"},
        ),
        _step(3, "evdo", "optional_skipped", follow_up="人工开通EVDO"),
    ]
    html = render_report(tmp_path, _run(steps))
    failure = html.index("What went wrong")
    table = html.index("<h2>Steps</h2>")
    assert failure < table
    assert html.index("✗ 2. check") < table
    assert "data:image/jpeg;base64," in html[failure:table]
    assert "form.x: healed via candidate 2 (fix the selector file)" in html
    assert "follow-up: 人工开通EVDO" in html
    assert "playwright show-trace trace.zip" in html
    assert "http://" not in html and "https://" not in html  # opens offline
