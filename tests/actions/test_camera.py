"""Step pictures of windows that may close while they are pictured."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.actions import BrowserSession
from bots.selectors.repository import load_repository

pytestmark = pytest.mark.browser
SELECTORS = Path(__file__).resolve().parents[1] / "runner" / "selectors" / "forms.yaml"


def test_a_popup_that_closed_while_pictured_leaves_its_openers_picture(
    page, form_app, tmp_path, monkeypatch
):
    session = BrowserSession(page, load_repository([SELECTORS]))
    page.goto(form_app.url + "opener.html")
    session.expect_popup(
        "numbers", None, lambda: page.get_by_role("button", name="选号").click(), 5000
    )
    popup = session.pages["numbers"]
    live = session.live_page
    looks: list[str | None] = []

    def open_at_first_look(name: str | None):
        # the window was open when the camera looked, and closed before the picture
        looks.append(name)
        return popup if name == "numbers" and len(looks) == 1 else live(name)

    popup.close()
    monkeypatch.setattr(session, "live_page", open_at_first_look)
    shot = tmp_path / "shot.jpg"
    session.camera.take(str(shot), "numbers", (), False)
    assert shot.read_bytes()[:2] == b"\xff\xd8"  # a JPEG: the opener's window
    assert looks[0] == "numbers" and None in looks
    session.close()
