"""Windows a run leaves behind: a popup a failed run left open (the portal opens it by
window name) never swallows the next run's popup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bots.errors import SelectorError
from bots.flow import load_flow
from bots.runner import Runner

FLOWS = Path(__file__).parent / "flows"

pytestmark = pytest.mark.browser


def pick(page: Any, url: str, tmp_path: Path, number: str, name: str) -> Any:
    flow = load_flow(FLOWS / "numbers_left_open.yaml")
    return Runner(
        page, flow, {"number": number}, portal_url=url, run_dir=tmp_path / name,
        screenshots="off", trace="off",
    ).run()  # fmt: skip


def test_a_named_popup_left_open_by_a_failed_run_is_not_reused(page, form_app, tmp_path):
    refused = pick(page, form_app.url, tmp_path, "none", "refused")
    # the 选号 window found nothing and stays open, named "numbers"
    assert isinstance(refused.error, SelectorError)
    assert refused.failed_step == "choose"
    assert len(page.context.pages) == 2
    result = pick(page, form_app.url, tmp_path, "18937100001", "valid")
    assert result.status == "passed", result.error
    assert [(s["id"], s["attempts"]) for s in result.steps][1] == ("pick", 1)
    assert page.locator("#number").input_value() == "18937100001"
