"""The batch report's one picture: a bar per procedure, cut by state, as inline SVG.

It knows a summary's counts and the words for them; it draws nothing else (no library, no
script: the SVG is part of the page and prints with it).
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from bots.report.summary import Summary

COLOURS = {
    "done": "#2e7d32",
    "failed": "#c62828",
    "needs_review": "#ef8f00",
    "retry_wait": "#7b61c4",
    "running": "#1e88e5",
    "pending": "#90a4ae",
    "cancelled": "#bdbdbd",
    "rejected": "#6d4c41",
}
WIDTH, LABEL, ROW, BAR = 620, 88, 30, 20


def bars(
    summary: Summary, state_name: Callable[[str], str], procedure_name: Callable[[str], str]
) -> str:
    """``<svg>…</svg>``: one bar per procedure, as long as its largest one; a segment per
    state with its count; a legend of the states that occur."""
    procedures = summary.procedures
    states = summary.states
    most = max((sum(summary.counts[p].values()) for p in procedures), default=0)
    if not most:
        return ""
    scale = (WIDTH - LABEL - 40) / most
    height = ROW * len(procedures) + 34
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{WIDTH}" '
        f'height="{height}" viewBox="0 0 {WIDTH} {height}" font-size="12">'
    ]
    for n, procedure in enumerate(procedures):
        y = n * ROW + 4
        label = procedure_name(procedure) if procedure else "—"
        name = escape(label)
        parts.append(f'<text x="0" y="{y + 15}">{name}</text>')
        x = float(LABEL)
        for state in states:
            count = summary.counts[procedure].get(state, 0)
            if not count:
                continue
            width = count * scale
            colour = COLOURS.get(state, "#757575")
            title = escape(f"{label} · {state_name(state)} {count}")
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{BAR}" fill="{colour}">'
                f"<title>{title}</title></rect>"
            )
            if width >= 18:
                parts.append(
                    f'<text x="{x + width / 2:.1f}" y="{y + 14}" fill="#fff" '
                    f'text-anchor="middle">{count}</text>'
                )
            x += width
        total = sum(summary.counts[procedure].values())
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 15}" fill="#444">{total}</text>')
    x, y = float(LABEL), ROW * len(procedures) + 16
    for state in states:
        name = escape(state_name(state))
        parts.append(
            f'<rect x="{x:.1f}" y="{y - 10}" width="12" height="12" '
            f'fill="{COLOURS.get(state, "#757575")}"/>'
            f'<text x="{x + 16:.1f}" y="{y}">{name}</text>'
        )
        x += 28 + 13 * len(state_name(state))
    parts.append("</svg>")
    return "".join(parts)
