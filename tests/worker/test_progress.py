"""The line of each finished order, as the clerk reads it in either language."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bots.ledger import State, open_store
from bots.ledger.model import NewItem
from bots.messages import language_of
from bots.worker.progress import outcome_line


@pytest.mark.parametrize(
    "lang,line",
    [("zh", "✗ T-1  失败:客户已欠费,不能办理"), ("en", "✗ T-1  failed: 客户已欠费,不能办理")],
)
def test_a_failed_orders_line_has_its_reason_after_a_colon(tmp_path: Path, lang, line) -> None:
    with open_store(f"sqlite:///{tmp_path / 'ledger.db'}") as store:
        store.enqueue([NewItem("T-1", "toy.yaml", {"reference": "T-1"})])
        item = replace(store.get("T-1"), state=State.FAILED, error_message="客户已欠费,不能办理")
    with language_of(lang):
        assert outcome_line(item) == line
