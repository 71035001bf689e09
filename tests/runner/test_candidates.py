"""Candidate fallback on a live server: an action that went out is never sent again through
another candidate, a heal is reported, and a selector that finds nothing says so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bots.errors import DefinitionError, SelectorError, UnknownOutcome
from bots.flow import load_flow
from bots.runner import Runner

FLOWS = Path(__file__).parent / "flows"
SECRETS = {"staff_id": "GH1001", "password": "Tele@1001"}

pytestmark = pytest.mark.browser


def run(page: Any, name: str, url: str, tmp_path: Path, **kw: Any) -> Any:
    flow = load_flow(FLOWS / f"{name}.yaml")
    inputs = kw.pop("inputs", {})
    return Runner(
        page, flow, inputs, secrets=SECRETS, portal_url=url, run_dir=tmp_path / name,
        screenshots="off", **kw,
    ).run()  # fmt: skip


def shown(path: Path) -> str:
    """A selector file as the repository names it: relative to the working folder."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def steps(result: Any) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in result.steps}


def test_a_slow_save_found_by_its_first_candidate_is_submitted_once(page, form_app, tmp_path):
    # the server answers the POST after 1.5 s: longer than the first candidate's short
    # budget (1 s), which must bound only the finding of the button, never the click
    result = run(page, "slow_save", form_app.url, tmp_path)
    assert result.status == "passed", result.error
    assert form_app.posts == {"/save": 1}
    save = steps(result)["save"]
    assert (save["status"], save["attempts"], save["healed"]) == ("passed", 1, [])
    assert save["candidates"] == {"saving.save": 1}
    assert page.locator("#done").inner_text() == "已保存 王敏"


def test_a_slow_login_is_sent_once_and_passes(page, form_app, tmp_path):
    result = run(page, "slow_login", form_app.url, tmp_path)
    assert result.status == "passed", result.error
    assert form_app.posts == {"/login": 1}
    assert steps(result)["submit"]["attempts"] == 1
    assert page.locator("#done").inner_text() == "工号 GH1001"


def test_a_heal_is_reported_when_the_first_candidate_matched_nothing(page, form_app, tmp_path):
    result = run(page, "slow_save_renamed", form_app.url, tmp_path)
    assert result.status == "passed", result.error
    assert form_app.posts == {"/save": 1}
    save = steps(result)["save"]
    assert save["healed"] == ["saving.save_renamed:靠第2个候选才找到"]
    assert save["candidates"] == {"saving.save_renamed": 2}
    log = (result.run_dir / "log.jsonl").read_text(encoding="utf-8")
    assert "⚠ save: saving.save_renamed:靠第2个候选才找到" in log


@pytest.mark.parametrize("single", [False, True], ids=["two-candidates", "one-candidate"])
def test_no_candidate_matching_on_a_loaded_page_is_a_selector_error(
    page, form_app, tmp_path, single
):
    result = run(page, "no_candidate", form_app.url, tmp_path, inputs={"single": single})
    assert isinstance(result.error, SelectorError)
    assert result.error.exit_code == 10
    forms = shown(FLOWS.parent / "selectors" / "forms.yaml")
    if single:
        assert result.error.message == (
            f"找不到选择器 saving.approve_one 所指的元素(1个候选都未匹配):请按运行报告修正 {forms}"
        )
    else:
        assert result.error.message == (
            f'找不到"审核"按钮(选择器 saving.approve 的2个候选都未匹配):请按运行报告修正 {forms}'
        )
    # each candidate's count is the run folder's detail, not the operator's reason
    counts = (
        "saving.approve_one: candidate 1 css='#approve': 0 matches"
        if single
        else "saving.approve: candidate 1 role='button' name='审核': 0 matches; "
        "candidate 2 css='#approve': 0 matches"
    )
    assert result.error.detail.startswith(counts + "; ")
    run_json = json.loads((result.run_dir / "run.json").read_text(encoding="utf-8"))
    assert (run_json["error"]["message"], run_json["error"]["detail"]) == (
        result.error.message,
        result.error.detail,
    )
    # the report shows the operator each candidate and its count, in words
    report = (result.run_dir / "report.html").read_text(encoding="utf-8")
    listed = (
        ["<li>候选1 css=&#39;#approve&#39;:匹配0个</li>"]
        if single
        else ["<li>候选1 role=&#39;button&#39; name=&#39;审核&#39;:匹配0个</li>",
              "<li>候选2 css=&#39;#approve&#39;:匹配0个</li>"]
    )  # fmt: skip
    assert '<ul class="list" id="candidates">\n' + "\n".join(listed) + "\n</ul>" in report
    failed = steps(result)["approve_one" if single else "approve"]
    # a wrong selector is not a glitch: tried once, not retried
    assert (failed["status"], failed["attempts"]) == ("failed", 1)
    assert failed["error"]["kind"] == "selector_error"
    assert failed["error"]["next"] == "修改选择器文件:按各候选的匹配数改正这个元素;重试无用"
    assert result.failed_step == failed["id"]


@pytest.mark.parametrize(
    ("hang_up", "after"),
    [
        (False, "saving.done: Locator.wait_for: Timeout 1000ms exceeded."),
        (True, "{url}save: ERR_EMPTY_RESPONSE"),
    ],
    ids=["late-answer", "no-answer"],
)
@pytest.mark.parametrize(
    "flow", ["slow_save_commit", "slow_save_press_commit"], ids=["click", "press"]
)
def test_a_commit_s_top_level_form_answered_after_the_timeout_is_sent_once(
    page, form_app, tmp_path, hang_up, after, flow
):
    # the click goes out and the portal answers after the step's 1 s, or dies without an
    # answer: the click must not wait for that page itself (its timeout would read as
    # "never sent"; after the lost connection the form would be opened and sent again),
    # so the wait for the next screen runs out: unknown outcome
    form_app.delay, form_app.hang_up = 2.5, hang_up
    result = run(page, flow, form_app.url, tmp_path)
    page.wait_for_timeout(500)  # nothing more comes
    assert form_app.posts == {"/save": 1}
    assert isinstance(result.error, UnknownOutcome)
    assert result.error.detail == (
        "step 'save' (commit) failed after its action was sent: " + after.format(url=form_app.url)
    )
    assert (steps(result)["save"]["status"], steps(result)["save"]["attempts"]) == ("failed", 1)


def test_a_selector_the_browser_cannot_read_is_a_definition_error(page, form_app, tmp_path):
    result = run(page, "bad_css", form_app.url, tmp_path)
    assert isinstance(result.error, DefinitionError)
    assert (result.error.exit_code, result.error.code) == (3, "selector_syntax")
    forms = shown(FLOWS.parent / "selectors" / "forms.yaml")
    assert result.error.message == (
        f"选择器 saving.broken 的写法有误,浏览器无法解析:请按运行报告修正 {forms}"
    )
    assert result.error.detail == (
        'saving.broken: Locator.click: Unexpected token "" while parsing css selector '
        '"#approve[". Did you mean to CSS.escape it?'
    )
    failed = steps(result)["approve"]
    # retrying cannot make the browser read it: tried once
    assert (failed["status"], failed["attempts"]) == ("failed", 1)
    assert form_app.posts == {}
