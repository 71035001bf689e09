"""The runner against real pages in real Chromium: every action, popups, dialogs, iframes."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from bots.errors import BusinessException, SystemException, UnknownOutcome
from bots.flow import load_flow
from bots.ledger.errors import LeaseLost
from bots.ledger.model import ErrorInfo
from bots.runner import Hooks, Runner

FLOWS = Path(__file__).parent / "flows"
SECRETS = {"staff_id": "GH1001", "password": "Tele@1001"}
ID_NUMBER = "410101199001011234"

pytestmark = pytest.mark.browser


def run(
    page: Any, name: str, url: str, tmp_path: Path, inputs: dict[str, Any] | None = None, **kw: Any
):
    flow = load_flow(FLOWS / f"{name}.yaml")
    kw.setdefault("screenshots", "on_failure")
    kw.setdefault("run_dir", tmp_path / name)
    kw.setdefault("secrets", SECRETS)
    return Runner(page, flow, inputs or {}, portal_url=url, **kw).run()


def statuses(result: Any) -> list[tuple[str, str, int]]:
    return [(s["id"], s["status"], s["attempts"]) for s in result.steps]


def test_every_action_with_popup_dialog_iframe_runs_green(page, pages_url, tmp_path):
    attachment = tmp_path / "合同.txt"
    attachment.write_text("x", encoding="utf-8")
    order = {"customer": "王敏", "plan": "e9-G", "attachment": str(attachment)}
    # no staff secrets here: GH1001 is read back from the page and would be masked
    result = run(
        page,
        "everything",
        pages_url,
        tmp_path,
        {"order": order, "id_number": ID_NUMBER},
        screenshots="every_step",
        secrets={},
    )
    assert result.error is None
    assert result.status == "passed"
    assert result.outputs == {"order_no": "A123", "upper": "GH1001-A123"}
    by_id = {s["id"]: s for s in result.steps}
    assert by_id["submit"]["healed"] == ["form.submit:靠第3个候选才找到"]
    assert by_id["submit"]["dialogs"] == [
        {"type": "confirm", "message": "确定提交吗?", "action": "accept", "expected": "true"}
    ]
    assert by_id["submit"]["outputs"] == {"dialog": "确定提交吗?"}
    assert by_id["read_no"]["outputs"] == {"order_no": "A123"}
    assert by_id["maybe"]["status"] == "optional_skipped"
    assert by_id["maybe"]["follow_up"] == "人工开通EVDO"
    assert by_id["never"]["status"] == "skipped"
    assert by_id["sub/read"]["outputs"] == {"staff": "GH1001"}
    # every step that changed the page has its picture; a look (assert, wait, extract,
    # sleep), a sub-flow (its steps have theirs) or a skipped step adds none
    pictured = [s["id"] for s in result.steps if s["screenshot"]]
    assert pictured == [
        "open", "customer", "idno", "plan", "evdo_on", "evdo_off", "attach", "pick", "choose",
        "submit", "late", "key", "picture",
    ]  # fmt: skip
    # one capture per screen, right before the next click: the screen's edits share it
    shots = {s["id"]: s["screenshot"] for s in result.steps if s["screenshot"]}
    assert shots["open"] == shots["customer"] == shots["attach"] == "screens/007_attach.jpg"
    assert shots["pick"] != shots["choose"] != shots["submit"]
    files = sorted(str(p.relative_to(result.run_dir)) for p in result.run_dir.glob("screens/*"))
    assert files == sorted(set(shots.values()))
    # the page itself says what happened (the oracle is the page, not the run record)
    frame = page.frame_locator("iframe#main")
    assert frame.locator("#user").input_value() == "王敏"
    assert frame.locator("#plan").input_value() == "g"
    assert frame.locator("#evdo").is_checked() is False
    assert frame.locator("#uploaded").inner_text() == "合同.txt"
    assert frame.locator("#number").input_value() == "18937100001"
    assert frame.locator("#done").inner_text() == "已提交 单号 A123"


def test_a_click_that_keeps_its_screen_leaves_its_picture_to_the_next_one(
    page, pages_url, tmp_path
):
    """稍后 shows its answer under the form: the name typed before it is still there, so
    the steps before it wait for the one picture taken before the key press, with it."""
    result = run(page, "keeps_screen", pages_url, tmp_path, screenshots="every_step")
    assert result.status == "passed", result.error
    shots = {s["id"]: s["screenshot"] for s in result.steps}
    assert shots == {
        "open": "screens/004_plan.jpg",
        "customer": "screens/004_plan.jpg",
        "late": "screens/004_plan.jpg",
        "plan": "screens/004_plan.jpg",
        "key": "screens/005_key.jpg",
    }
    files = sorted(str(p.relative_to(result.run_dir)) for p in result.run_dir.glob("screens/*"))
    assert files == ["screens/004_plan.jpg", "screens/005_key.jpg"]
    frame = page.frame_locator("iframe#main")
    assert frame.locator("#later").inner_text() == "准备好了"
    assert frame.locator("#user").input_value() == "王敏"


def test_when_a_click_that_keeps_its_screen_fails_the_steps_before_say_why_they_have_none(
    page, pages_url, tmp_path
):
    """What shows after a failed click (a busy page, the login page) is not the work of
    the steps before it: they get no share of the failure's picture."""
    result = run(page, "keeps_screen_fails", pages_url, tmp_path, screenshots="every_step")
    assert result.status == "failed"
    by_id = {s["id"]: s for s in result.steps}
    assert by_id["late"]["screenshot"] == "screens/003_late.jpg"
    assert (result.run_dir / "screens/003_late.jpg").is_file()
    why = "之后的点击失败时画面已改变,见失败步骤的截图"
    for owed in ("open", "customer"):
        assert (by_id[owed]["screenshot"], by_id[owed]["screenshot_error"]) == (None, why)


def test_a_login_page_before_anything_was_done_is_a_login_then_the_flow_resumes(
    page, pages_url, tmp_path
):
    result = run(page, "session", pages_url, tmp_path)
    assert result.status == "passed", result.error
    assert statuses(result) == [
        ("home", "passed", 1),
        ("next", "login", 1),
        ("login/staff", "passed", 1),
        ("login/password", "passed", 1),
        ("login/submit", "passed", 1),
        ("home", "passed", 1),
        ("next", "passed", 1),
        ("done", "passed", 1),
    ]
    assert page.locator("#ok").inner_text() == "完成"
    log = (result.run_dir / "log.jsonl").read_text(encoding="utf-8")
    assert '"message": "登录 GH1001", "event": "login"' in log
    assert "会话已失效" not in log


def test_a_fresh_browser_runs_a_login_that_opens_its_own_page_first(
    page, pages_url, tmp_path
):
    """No page yet, no session: the login runs before the first step, rather than the flow
    opening the portal to find its login page and opening that again."""
    result = run(page, "session_first", pages_url, tmp_path)
    assert result.status == "passed", result.error
    assert statuses(result) == [
        ("login/open", "passed", 1),
        ("login/staff", "passed", 1),
        ("login/password", "passed", 1),
        ("login/submit", "passed", 1),
        ("home", "passed", 1),
        ("next", "passed", 1),
        ("done", "passed", 1),
    ]
    assert page.locator("#ok").inner_text() == "完成"
    log = (result.run_dir / "log.jsonl").read_text(encoding="utf-8")
    assert '"message": "登录 GH1001", "event": "login"' in log


@pytest.mark.parametrize(
    ("flow", "loads"),
    [
        # the login's own page, then the page it reloads itself into; the flow's first
        # step opens that page: it shows already, so it is not loaded a third time
        ("session_first", ["app.html", "app.html"]),
        ("session_first_elsewhere", ["app.html", "app.html", "app.html?from=home"]),
    ],
)
def test_the_page_a_login_has_just_shown_is_not_loaded_again(
    page, pages_url, tmp_path, flow, loads
):
    documents: list[str] = []
    page.on(
        "request",
        lambda r: documents.append(r.url.removeprefix(pages_url))
        if r.resource_type == "document"
        else None,
    )
    result = run(page, flow, pages_url, tmp_path)
    assert result.status == "passed", result.error
    assert documents == loads
    assert statuses(result)[4] == ("home", "passed", 1)


@pytest.mark.parametrize("where", ["a page open", "a cookie of the portal"])
def test_a_browser_that_may_be_logged_in_is_looked_at_before_logging_in(
    page, pages_url, tmp_path, where
):
    if where == "a page open":
        page.goto(pages_url + "app.html")  # the portal shows, maybe logged in
    else:  # a worker's page between orders: blank, its context logged in
        page.context.add_cookies([{"name": "JSESSIONID", "value": "s1", "url": pages_url}])
    result = run(page, "session_first", pages_url, tmp_path)
    assert result.status == "passed", result.error
    assert statuses(result)[:3] == [
        ("home", "passed", 1),
        ("next", "login", 1),
        ("login/open", "passed", 1),
    ]
    assert page.locator("#ok").inner_text() == "完成"


def test_a_session_lost_after_work_is_an_interruption(page, pages_url, tmp_path):
    result = run(page, "session_twice", pages_url, tmp_path)
    assert result.status == "passed", result.error
    assert statuses(result) == [
        ("home", "passed", 1),
        ("next", "login", 1),
        ("login/staff", "passed", 1),
        ("login/password", "passed", 1),
        ("login/submit", "passed", 1),
        ("next", "passed", 1),
        ("logout", "passed", 1),
        ("again", "interrupted", 1),
        ("relogin/staff", "passed", 1),
        ("relogin/password", "passed", 1),
        ("relogin/submit", "passed", 1),
        ("again", "passed", 1),
        ("done", "passed", 1),
    ]
    log = (result.run_dir / "log.jsonl").read_text(encoding="utf-8")
    assert "↺ 会话已失效:重新运行 login.yaml" in log


def test_busy_page_is_retried_until_it_passes(page, pages_url, tmp_path):
    result = run(page, "busy", pages_url, tmp_path, {"busy": 2})
    assert result.status == "passed", result.error
    assert statuses(result)[-1] == ("query", "passed", 3)
    log = (result.run_dir / "log.jsonl").read_text(encoding="utf-8")
    assert log.count('"event": "retry"') == 2


def test_busy_page_gives_up_after_the_cap(page, pages_url, tmp_path):
    result = run(page, "busy", pages_url, tmp_path, {"busy": 9})
    assert isinstance(result.error, SystemException)
    assert result.error.message == "营账系统繁忙,共尝试3次仍未成功:稍后重放"
    assert result.error.detail == "form.busy shows"
    assert statuses(result)[-1] == ("query", "failed", 3)
    retries = [
        json.loads(line)
        for line in (result.run_dir / "log.jsonl").read_text(encoding="utf-8").splitlines()
        if '"event": "retry"' in line
    ]
    assert [(r["message"], r["code"], r["detail"]) for r in retries] == [
        (f"↻ query:第{n}/3次尝试失败(营账系统繁忙:稍后重放),再试一次", "busy", "form.busy shows")
        for n in (1, 2)
    ]


def test_transient_timeout_passes_on_a_later_attempt(page, pages_url, tmp_path):
    result = run(page, "transient", pages_url, tmp_path)
    assert result.status == "passed", result.error
    assert statuses(result)[-1] == ("wait_later", "passed", 2)


def test_business_error_is_never_retried(page, pages_url, tmp_path):
    result = run(page, "refused", pages_url, tmp_path)
    assert isinstance(result.error, BusinessException)
    assert result.error.message == '号码已被占用:请改选号码或填"任意"后重放'
    assert result.error.detail == "form.error: 号码已被占用"
    assert statuses(result)[-1] == ("check", "failed", 1)


def test_commit_interrupted_after_send_is_unknown_outcome(page, pages_url, tmp_path):
    result = run(page, "commit", pages_url, tmp_path, {"hang": True})
    assert isinstance(result.error, UnknownOutcome)
    assert result.error.message == (
        '“submit”的请求已发出,但结果不明(等待元素"form.done"出现超时(1.5秒)):'
        "请先在营账系统查询这张订单是否已办理,再决定重放或取消"
    )
    assert result.error.detail == (
        "step 'submit' (commit) failed after its action was sent: "
        "form.done: Locator.wait_for: Timeout 1500ms exceeded."
    )
    assert statuses(result)[-1] == ("submit", "failed", 1)


@pytest.mark.parametrize("marked", [True, False], ids=["sends-marked", "unmarked"])
def test_a_submit_that_went_through_slowly_is_sent_exactly_once(page, pages_url, tmp_path, marked):
    # the page takes the order at once but shows its number only after 5 s: the expect
    # times out on every attempt. Retrying the click would enter the order again.
    run_id = f"slow-{marked}"
    result = run(
        page, "slow_commit", pages_url, tmp_path,
        {"run": run_id, "delay": 5000, "marked": marked},
    )  # fmt: skip
    step = "enter" if marked else "enter_unmarked"
    assert isinstance(result.error, UnknownOutcome)
    assert result.error.message == (
        f'“{step}”的请求已发出,但结果不明(等待元素"slow.done"出现超时(1秒)):'
        "请先在营账系统查询这张订单是否已办理,再决定重放或取消"
    )
    assert result.error.detail == (
        f"step 'submit' (sends commit '{step}') failed after its action was sent: "
        "slow.done: Locator.wait_for: Timeout 1000ms exceeded."
    )
    by_id = {s["id"]: (s["status"], s["attempts"]) for s in result.steps}
    assert by_id[f"{step}/submit"] == ("failed", 1)
    assert by_id[step] == ("failed", 1)
    assert page.locator("#sent").inner_text() == "1"  # the page's own count of submits


def test_a_submit_answered_busy_is_sent_again_and_the_commit_starts_at_the_submit(
    page, pages_url, tmp_path
):
    hooks = Recorder()
    result = run(
        page, "slow_commit", pages_url, tmp_path, {"run": "busy-once", "busy": 1}, hooks=hooks
    )
    assert result.status == "passed", result.error
    by_id = {s["id"]: (s["status"], s["attempts"]) for s in result.steps}
    assert by_id["enter/submit"] == ("passed", 2)
    assert by_id["enter"] == ("passed", 1)
    assert page.locator("#sent").inner_text() == "1"
    assert page.locator("#done").inner_text() == "已提交 单号 B7"
    # the ledger hears of the commit when its change is about to go out, once
    assert hooks.events[hooks.events.index("start enter") :] == [
        "start enter",
        "start customer",
        "done customer passed",
        "start next",
        "done next passed",
        "start submit",
        "commit-start enter",
        "done submit passed",
        "commit-done enter",
        "done enter passed",
        "start enter_unmarked",
        "done enter_unmarked skipped",
    ]


def test_a_popup_closing_itself_inside_the_click_completes_the_click(page, pages_url, tmp_path):
    # pick_now.html writes the number back and closes inside the click handler: Playwright's
    # click then sometimes raises "Target closed" (a race), so try it many times
    for n in range(12):
        result = run(
            page, "pick_now", pages_url, tmp_path, run_dir=tmp_path / f"pick{n}",
            screenshots="every_step",
        )  # fmt: skip
        assert result.status == "passed", (n, result.error)
        assert statuses(result)[-2:] == [("choose", "passed", 1), ("number_set", "passed", 1)]
        assert page.locator("#number").input_value() == "18937100001"


class Recorder(Hooks):
    def __init__(self) -> None:
        self.events: list[str] = []

    def on_step_start(self, step, record):
        self.events.append(f"start {step.id}")

    def on_step_complete(self, step, record):
        self.events.append(f"done {step.id} {record['status']}")

    def on_step_failed(self, step, record, error):
        self.events.append(f"failed {step.id}")

    def on_commit_start(self, step):
        self.events.append(f"commit-start {step.id}")

    def on_commit_done(self, step, outputs):
        self.events.append(f"commit-done {step.id}")


def test_replay_runs_the_guard_and_skips_a_done_commit(page, pages_url, tmp_path):
    first = Recorder()
    result = run(page, "commit", pages_url, tmp_path, hooks=first, run_dir=tmp_path / "first")
    assert result.status == "passed", result.error
    assert first.events == [
        "start open",
        "done open passed",
        "start submit",
        "commit-start submit",
        "commit-done submit",
        "done submit passed",
        "start after",
        "done after passed",
    ]
    replay = Recorder()
    again = run(
        page, "commit", pages_url, tmp_path, hooks=replay, replay=True, run_dir=tmp_path / "replay"
    )
    assert again.status == "passed", again.error
    by_id = {s["id"]: s for s in again.steps}
    assert by_id["submit"]["status"] == "already_done"
    assert by_id["submit"]["outputs"] == {"found": True, "text": "已提交 单号 A123"}
    assert "commit-start submit" not in replay.events
    assert "commit-done submit" in replay.events
    assert again.last_commit == "submit"


def _artifact_texts(folder: Path) -> list[tuple[str, bytes]]:
    out = []
    for file in folder.rglob("*"):
        if file.is_file():
            out.append((str(file), file.read_bytes()))
            if file.suffix == ".zip":
                with zipfile.ZipFile(file) as archive:
                    out += [(f"{file}!{n}", archive.read(n)) for n in archive.namelist()]
    return out


def test_secrets_and_sensitive_values_are_in_no_artifact_byte(page, pages_url, tmp_path):
    result = run(
        page, "masking", pages_url, tmp_path, {"id_number": ID_NUMBER}, screenshots="every_step",
        trace="on_failure",
    )  # fmt: skip
    assert isinstance(result.error, SystemException)  # it fails on purpose: trace.zip is kept
    assert (result.run_dir / "trace.zip").is_file()
    # the values really went into the page
    frame = page.frame_locator("iframe#main")
    assert frame.locator("#idno").input_value() == ID_NUMBER
    assert frame.locator("#user").input_value() == "Tele@1001"
    files = _artifact_texts(result.run_dir)
    assert any(name.endswith("trace.trace") for name, _ in files)
    for secret in (ID_NUMBER, "Tele@1001"):
        for name, data in files:
            assert secret.encode() not in data, f"{secret} found in {name}"
    # the reason says what happened; what the page showed (masked) is the detail
    assert result.error.message == (
        '元素"form.done"与流程预期的不同:请查看运行报告中的截图,稍后重放'
    )
    assert ID_NUMBER not in result.error.detail
    assert "***" in result.error.detail
    # what the worker hands the ledger: the reason, and the detail beside it, both masked
    info = ErrorInfo.from_exception(result.error, step=result.failed_step)
    assert info.message == result.error.message
    assert info.context["detail"] == result.error.detail
    assert ID_NUMBER not in json.dumps([info.message, dict(info.context)], ensure_ascii=False)


def test_personal_values_are_masked_from_the_first_byte_of_a_run(page, pages_url, tmp_path):
    # the run fails before the steps that type them: declared sensitive fields and what a
    # sensitive step will type are masked all the same, in every artifact
    customer = {"name": "王敏", "id_number": ID_NUMBER, "contact_phone": "13937100001"}
    result = run(
        page, "early_failure", pages_url, tmp_path,
        {"customer": customer, "ticket": {"pin": "P-93751"}}, screenshots="every_step",
        trace="on_failure",
    )  # fmt: skip
    assert isinstance(result.error, SystemException)
    assert [(s["id"], s["status"]) for s in result.steps][-1] == ("boom", "failed")
    files = _artifact_texts(result.run_dir)
    assert {"run.json", "log.jsonl", "report.html", "trace.zip"} <= {
        Path(name).name for name, _ in files
    }
    for secret in (ID_NUMBER, "13937100001", "P-93751", "Tele@1001"):
        for name, data in files:
            assert secret.encode() not in data, f"{secret} found in {name}"
    run_json = (result.run_dir / "run.json").read_text(encoding="utf-8")
    assert '"name": "王敏"' in run_json  # the rest of the inputs stays readable
    # the names a sensitive step uses (its output "id_number") are not data: never masked
    assert '"id_number": "***"' in run_json


def test_dismissed_and_unexpected_dialogs_are_recorded(page, pages_url, tmp_path):
    result = run(page, "dialogs", pages_url, tmp_path)
    assert result.status == "passed", result.error
    by_id = {s["id"]: s for s in result.steps}
    confirm = {"type": "confirm", "message": "确定提交吗?"}
    assert by_id["cancel"]["dialogs"] == [{**confirm, "action": "dismiss", "expected": "true"}]
    # a dialog no step expected is dismissed (never accepted blindly) and kept for the report
    assert by_id["surprise"]["dialogs"] == [{**confirm, "action": "dismiss", "expected": "false"}]
    assert page.frame_locator("iframe#main").locator("#done").inner_text() == "已取消"


def test_a_refusal_left_on_screen_before_a_commit_is_not_taken_for_its_answer(
    page, pages_url, tmp_path
):
    # the submit went out and nothing came back: the red message was there before the
    # click, so it says nothing of this submit, whose outcome is unknown
    result = run(page, "stale_refusal_commit", pages_url, tmp_path)
    assert isinstance(result.error, UnknownOutcome)
    assert result.error.message == (
        '“submit”的请求已发出,但结果不明(等待元素"form.done"出现超时(1.5秒)):'
        "请先在营账系统查询这张订单是否已办理,再决定重放或取消"
    )
    assert statuses(result)[-1] == ("submit", "failed", 1)
    assert page.frame_locator("#main").locator("#error").inner_text() == "号码已被占用"


def test_a_key_press_that_sends_a_commit_answered_late_is_sent_once(page, pages_url, tmp_path):
    # Enter on the focused 提交 (a press on no element) sends the order; its answer comes
    # after the step's timeout: pressed again, it would enter the order again
    result = run(page, "press_commit", pages_url, tmp_path, {"run": "press-late", "delay": 5000})
    assert page.locator("#sent").inner_text() == "1"  # the page's own count of submits
    assert isinstance(result.error, UnknownOutcome)
    assert result.error.detail == (
        "step 'submit' (sends commit 'enter') failed after its action was sent: "
        "slow.done: Locator.wait_for: Timeout 1000ms exceeded."
    )
    assert [s[1:] for s in statuses(result) if s[0] in ("enter/submit", "enter")] == [
        ("failed", 1),
        ("failed", 1),
    ]


def test_a_refusal_left_on_screen_before_a_key_press_commit_is_not_taken_for_its_answer(
    page, pages_url, tmp_path
):
    result = run(page, "stale_refusal_press", pages_url, tmp_path)
    assert isinstance(result.error, UnknownOutcome)
    assert result.error.detail == (
        "step 'submit' (commit) failed after its action was sent: "
        "form.done: Locator.wait_for: Timeout 1500ms exceeded."
    )
    assert statuses(result)[-1] == ("submit", "failed", 1)
    assert page.frame_locator("#main").locator("#error").inner_text() == "号码已被占用"


def test_a_busy_answer_after_the_commit_went_out_does_not_send_it_again(
    page, pages_url, tmp_path
):
    # 提交 went through; then the portal is busy with the next screen. That busy answer is
    # to a later request: the commit step, retried, would run its wizard and send again
    result = run(page, "busy_after_send_commit", pages_url, tmp_path, {"run": "busy-after"})
    assert page.locator("#sent").inner_text() == "1"
    assert isinstance(result.error, UnknownOutcome)
    # (enter/busy's second attempt was the recovery's look, busy again: a try, counted)
    assert result.error.message == (
        "“enter”的请求已发出,但结果不明(营账系统繁忙,共尝试2次仍未成功):"
        "请先在营账系统查询这张订单是否已办理,再决定重放或取消"
    )
    assert result.error.detail == (
        "step 'enter' (commit) failed after 'enter/submit' sent its change: slow.busy shows"
    )
    by_id = {s[0]: s[1:] for s in statuses(result)}
    assert (by_id["enter/submit"], by_id["enter"]) == (("passed", 1), ("failed", 1))
    assert by_id["enter/busy"] == ("failed", 2)


def test_a_sending_step_that_went_out_is_not_sent_again_by_a_retry_around_it(
    page, pages_url, tmp_path
):
    # the 提交 sits in a part of the wizard run with retries; a check after it fails, and
    # the part's retry would run the 提交 again
    result = run(page, "nested_sender_commit", pages_url, tmp_path, {"run": "nested"})
    assert page.locator("#sent").inner_text() == "1"
    assert isinstance(result.error, UnknownOutcome)
    assert result.error.message == (
        "“enter”的请求已发出,不再重复发出:请先在营账系统查询这张订单是否已办理,再决定重放或取消"
    )
    assert result.error.detail == (
        "step 'part/submit' would send commit 'enter' again after 'part/submit' sent it"
    )
    assert [s for s in statuses(result) if s[0].endswith("submit")] == [
        ("part/submit", "passed", 1),
        ("part/submit", "failed", 1),
    ]


def test_a_spent_token_page_after_a_commit_s_submit_is_an_unknown_outcome(
    page, pages_url, tmp_path
):
    # legacy mode answers a POST sent a second time (by Chromium itself, after a broken
    # connection) with its spent-token page: the first may have been done. Taken for a
    # busy page, the form would be sent again
    result = run(page, "slow_commit", pages_url, tmp_path, {"run": "stale-submit", "stale": 1})
    assert page.locator("#sent").inner_text() == "1"
    assert isinstance(result.error, UnknownOutcome)
    assert result.error.detail == (
        "step 'submit' (sends commit 'enter') failed after its action was sent: "
        "slow_stale.notice shows"
    )
    by_id = {s[0]: s[1:] for s in statuses(result)}
    assert (by_id["enter/submit"], by_id["enter"]) == (("failed", 1), ("failed", 1))


def test_a_spent_token_page_before_a_commit_s_submit_is_done_again(page, pages_url, tmp_path):
    # the same page after a click that sends nothing: nothing was done, so it is done again
    result = run(
        page, "slow_commit", pages_url, tmp_path, {"run": "stale-next", "stale_next": 1}
    )
    assert result.status == "passed", result.error
    by_id = {s[0]: s[1:] for s in statuses(result)}
    assert (by_id["enter/next"], by_id["enter/submit"]) == (("passed", 2), ("passed", 1))
    assert page.locator("#sent").inner_text() == "1"
    assert page.locator("#done").inner_text() == "已提交 单号 B7"


@pytest.mark.parametrize("left", ["refusal", "busy", "busy-where-sent"])
def test_a_message_left_in_another_frame_is_not_taken_for_a_commit_s_answer(
    page, pages_url, tmp_path, left
):
    # the other work tab still shows an earlier call's answer (a refusal, a busy message);
    # the submit goes out and gets none. Taken for the submit's answer, that message would
    # make it pass for refused, or for busy, and be sent again
    confirms: list[str] = []
    page.on("dialog", lambda dialog: confirms.append(dialog.message))
    flow = {
        "refusal": "stale_refusal_other_frame",
        "busy": "stale_busy_other_frame",
        # the busy message is where the submit is clicked, its answer awaited elsewhere
        "busy-where-sent": "stale_busy_where_sent",
    }[left]
    result = run(page, flow, pages_url, tmp_path)
    assert confirms == ["确定提交吗?"]  # the one submit
    assert isinstance(result.error, UnknownOutcome)
    assert result.error.detail == (
        "step 'submit' (commit) failed after its action was sent: "
        "form.done: Locator.wait_for: Timeout 1500ms exceeded."
    )
    assert statuses(result)[-1] == ("submit", "failed", 1)


def test_a_retry_around_a_commit_step_looks_before_it_sends_again(page, pages_url, tmp_path):
    # the commit step sits in a part of the flow run with retries; a check after it fails
    # and the part runs again: the commit's guard looks first, finds it made, and skips it
    result = run(page, "part_around_commit", pages_url, tmp_path, {"run": "part-around"})
    assert page.locator("#sent").inner_text() == "1"
    assert result.error is not None and result.error.code == "assertion_failed"
    assert [s for s in statuses(result) if s[0] == "part/submit"] == [
        ("part/submit", "passed", 1),
        ("part/submit", "already_done", 0),
        ("part/submit", "already_done", 0),
    ]


def test_a_redo_reaching_back_over_a_commit_step_looks_before_it_sends_again(
    page, pages_url, tmp_path
):
    # the portal is busy with the screen after the commit; the redo of that screen starts
    # before the commit step: its guard looks first, finds it made, and skips it
    result = run(page, "redo_over_commit", pages_url, tmp_path, {"run": "redo-over"})
    assert page.locator("#sent").inner_text() == "1"
    assert [s for s in statuses(result) if s[0] == "submit"] == [
        ("submit", "passed", 1),
        ("submit", "already_done", 0),
        ("submit", "already_done", 0),
    ]


def test_one_sending_helper_run_twice_in_a_commit_sends_once_in_each_place(
    page, pages_url, tmp_path
):
    # the wizard saves two members through the same sub-flow: two sends, in two places
    result = run(page, "two_saves_commit", pages_url, tmp_path, {"run": "two-saves"})
    assert result.status == "passed", result.error
    assert [s for s in statuses(result) if s[0].endswith("/save")] == [
        ("save_mobile/save", "passed", 1),
        ("save_broadband/save", "passed", 1),
    ]
    assert page.locator("#sent").inner_text() == "1"
    assert page.locator("#done").inner_text() == "已提交 单号 B7"


def test_a_commit_s_wizard_that_timed_out_before_sending_is_not_taken_for_refused(
    page, pages_url, tmp_path
):
    # the 查询 inside the wizard looked past the red message left on screen (it showed
    # before the click) and timed out; the commit step must not look again without
    # knowing that, and report the order refused
    result = run(page, "stale_refusal_wizard", pages_url, tmp_path)
    assert isinstance(result.error, SystemException)
    assert result.error.code == "timeout"
    assert result.error.detail == "form.missing: Locator.wait_for: Timeout 1000ms exceeded."
    by_id = {s[0]: s[1:] for s in statuses(result)}
    assert (by_id["enter/query"], by_id["enter"]) == (("failed", 1), ("failed", 1))
    assert "enter/submit" not in by_id


def test_a_refusal_is_the_answer_though_a_busy_message_shows_in_another_frame(
    page, pages_url, tmp_path
):
    # the refusal in the click's own frame ends the wait; the busy message left in the
    # other tab, looked at first, is not its answer (taken for it, the click went again)
    result = run(page, "refused_beside_stale_busy", pages_url, tmp_path)
    assert isinstance(result.error, BusinessException)
    assert str(result.error) == '号码已被占用:请改选号码或填"任意"后重放'
    assert statuses(result)[-1] == ("check", "failed", 1)



def test_a_refusal_left_in_another_frame_is_not_taken_for_a_commit_s_answer_after_busy(
    page, pages_url, tmp_path
):
    # the submit is answered busy; the recovery opens the form again and neither it nor
    # the next screen shows. The other tab's earlier refusal is no answer: taken for one,
    # the order would pass for refused while its outcome is not known
    result = run(page, "busy_commit_beside_refusal", pages_url, tmp_path, {"run": "beside"})
    assert isinstance(result.error, UnknownOutcome)
    assert result.error.detail == (
        "step 'submit' (commit) failed after its action was sent: step 'submit': after busy "
        "the portal showed neither slow_main.done nor slow_main.submit within 1.5 s"
    )
    assert page.frame(name="work").locator("#sent").inner_text() == "0"
    assert statuses(result)[-1] == ("submit", "failed", 1)


def test_a_guard_s_clicks_inside_a_commit_s_wizard_do_not_send_its_change(
    page, pages_url, tmp_path
):
    # the wizard marks no sends (every click in it sends); the guard of a commit step
    # inside it only looks, though it clicks to: the commit starts at the 提交, not there
    hooks = Recorder()
    result = run(
        page, "nested_guard", pages_url, tmp_path, {"run": "nested-guard"}, hooks=hooks,
        replay=True,
    )  # fmt: skip
    assert result.status == "passed", result.error
    assert hooks.events == [
        "start open", "done open passed",
        "start enter", "start read", "done read passed",
        "start customer", "done customer passed",
        "start submit", "start look", "done look passed", "start read", "done read passed",
        "commit-start enter",
        "commit-done submit", "done submit passed",
        "commit-done enter", "done enter passed",
    ]  # fmt: skip
    assert page.locator("#sent").inner_text() == "1"


def test_a_question_goes_out_with_the_order_s_personal_values_masked(page, tmp_path):
    # the worker's asker keeps the question in the ledger, and bots status, the console
    # and the worker's log show it
    asked: list[str] = []

    class Clerk:
        def ask(self, question):
            asked.append(question.text)
            return "123456"

    result = run(
        page, "ask_personal", "", tmp_path, {"phone": "13912345678"}, asker=Clerk()
    )
    assert result.status == "passed", result.error
    assert result.outputs == {} and asked == ["请输入客户手机 *** 收到的6位验证码"]


def test_each_sending_action_is_announced_right_before_it_goes_out(page, pages_url, tmp_path):
    # the worker asks the ledger there whether the order is still its own: raising keeps
    # the change from going out
    class Sends(Recorder):
        def before_send(self, step, record):
            self.events.append(f"before-send {record['id']}")

    hooks = Sends()
    result = run(page, "two_saves_commit", pages_url, tmp_path, {"run": "announced"}, hooks=hooks)
    assert result.status == "passed", result.error
    sends = [e for e in hooks.events if e.startswith(("before-send", "commit-start"))]
    assert sends == [
        "commit-start enter", "before-send save_mobile/save", "before-send save_broadband/save",
        "before-send enter/submit",
    ]

    class Lost(Recorder):
        def before_send(self, step, record):
            raise LeaseLost("w失去了R-1的租约;没有发出“submit”", reference="R-1")

    lost = run(page, "slow_commit", pages_url, tmp_path, {"run": "lost-lease"}, hooks=Lost(),
               run_dir=tmp_path / "lost")  # fmt: skip
    assert isinstance(lost.error, LeaseLost)
    assert page.locator("#sent").inner_text() == "0"
