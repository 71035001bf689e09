from __future__ import annotations

import json
import subprocess
import sys


def test_schema_writes_flow_and_selector_schemas(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "bots", "schema", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    flow = json.loads((tmp_path / "flow.schema.json").read_text(encoding="utf-8"))
    selectors = json.loads((tmp_path / "selectors.schema.json").read_text(encoding="utf-8"))
    step_kinds = {
        ref["$ref"].split("/")[-1] for ref in flow["properties"]["steps"]["items"]["anyOf"]
    }
    assert {"ClickStep", "FillStep", "RunStep", "SleepStep", "AssertStep"} <= step_kinds
    click = flow["$defs"]["ClickStep"]
    assert "click" in click["required"] and "id" in click["required"]
    assert click["additionalProperties"] is False
    assert flow["$defs"]["Sleep"]["required"] == ["seconds", "reason"]
    assert "pages" in selectors["properties"]
