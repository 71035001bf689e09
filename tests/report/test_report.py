from __future__ import annotations

import base64

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


def test_a_shared_picture_is_inlined_once_and_every_row_links_to_it(tmp_path):
    screens = tmp_path / "screens"
    screens.mkdir()
    shared, own = b"\xff\xd8shared-screen", b"\xff\xd8failure-screen"
    (screens / "003_plan.jpg").write_bytes(shared)
    (screens / "004_submit.jpg").write_bytes(own)
    steps = [
        _step(1, "name", "passed", screenshot="screens/003_plan.jpg"),
        _step(2, "idno", "passed", screenshot="screens/003_plan.jpg"),
        _step(3, "plan", "passed", screenshot="screens/003_plan.jpg"),
        _step(4, "submit", "failed", screenshot="screens/004_submit.jpg", error={"message": "x"}),
    ]
    html = render_report(tmp_path, _run(steps))
    assert html.count(base64.b64encode(shared).decode()) == 1
    assert html.count(base64.b64encode(own).decode()) == 1
    assert html.count('href="#screen-003_plan"') == 3
    assert html.count('id="screen-003_plan"') == 1
    assert "screen after <code>name</code>, <code>idno</code>, <code>plan</code>" in html
    # the failure's picture shows in its failure box, before the steps table
    assert html.index('id="screen-004_submit"') < html.index("<h2>Steps</h2>")
    assert html.count('href="#screen-004_submit"') == 1


def test_a_missing_picture_file_is_left_out(tmp_path):
    html = render_report(tmp_path, _run([_step(1, "open", "passed", screenshot="screens/x.jpg")]))
    assert "screenshot</a>" not in html
    assert "<h2>Screens</h2>" not in html
