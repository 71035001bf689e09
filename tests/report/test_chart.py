"""The batch report's chart: a bar per procedure as long as its count, a segment per state,
the words escaped."""

from __future__ import annotations

import re

from bots.report.chart import bars
from bots.report.summary import Figures, summarise


def test_a_bar_per_procedure_a_segment_per_state() -> None:
    summary = summarise(
        [Figures("new_install", "done")] * 3
        + [Figures("renewal", "done"), Figures("renewal", "failed")]
    )
    svg = bars(summary, lambda s: {"done": "已完成", "failed": "<失败>"}[s], str.upper)
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and svg.endswith("</svg>")
    titles = re.findall(r"<title>([^<]*)</title>", svg)
    assert titles == ["NEW_INSTALL · 已完成 3", "RENEWAL · 已完成 1", "RENEWAL · &lt;失败&gt; 1"]
    bar = r'<rect x="[\d.]+" y="\d+" width="([\d.]+)" height="20"'
    widths = [float(w) for w in re.findall(bar, svg)]
    assert widths[0] == 3 * widths[1] == 3 * widths[2]  # one scale for every bar
    assert "&lt;失败&gt;" in svg and "<失败>" not in svg


def test_nothing_to_draw() -> None:
    assert bars(summarise([]), str, str) == ""
