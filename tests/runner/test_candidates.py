"""Candidate fallback on a live server: an action that went out is never sent again through
another candidate, a heal is reported, and a selector that finds nothing says so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bots.errors import SelectorError
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
    assert save["healed"] == ["saving.save_renamed: healed via candidate 2"]
    assert save["candidates"] == {"saving.save_renamed": 2}
    log = (result.run_dir / "log.jsonl").read_text(encoding="utf-8")
    assert "⚠ save: saving.save_renamed: healed via candidate 2" in log


@pytest.mark.parametrize("single", [False, True], ids=["two-candidates", "one-candidate"])
def test_no_candidate_matching_on_a_loaded_page_is_a_selector_error(
    page, form_app, tmp_path, single
):
    result = run(page, "no_candidate", form_app.url, tmp_path, inputs={"single": single})
    assert isinstance(result.error, SelectorError)
    assert result.error.exit_code == 10
    if single:
        assert result.error.message == (
            "saving.approve_one:页面已加载,但没有一个候选匹配到元素(候选1 css='#approve':0个匹配);"
            "选择器与页面不符,请修改选择器文件"
        )
    else:
        assert result.error.message == (
            "saving.approve:页面已加载,但没有一个候选匹配到元素(候选1 role='button' name='审核':"
            "0个匹配;候选2 css='#approve':0个匹配);选择器与页面不符,请修改选择器文件"
        )
    failed = steps(result)["approve_one" if single else "approve"]
    # a wrong selector is not a glitch: tried once, not retried
    assert (failed["status"], failed["attempts"]) == ("failed", 1)
    assert failed["error"]["kind"] == "selector_error"
    assert failed["error"]["next"] == "修改选择器文件:按各候选的匹配数改正这个元素;重试无用"
    assert result.failed_step == failed["id"]
