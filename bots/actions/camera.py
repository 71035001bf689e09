"""Step pictures of a run's windows: JPEG viewport, sensitive elements masked.

Playwright's screenshot masks by drawing over the elements in every frame, and waits for
fonts and the like first: about twice the time of the browser's own capture. So when no
sensitive element is in the window's DOM at all (one query: most screens), the picture is
the browser's own viewport capture over CDP; otherwise Playwright's, with its masks.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING

from playwright.sync_api import CDPSession, Error, Locator, Page

from bots.selectors.models import Chain

if TYPE_CHECKING:
    from bots.actions.session import BrowserSession

QUALITY = 60


class Camera:
    def __init__(self, session: BrowserSession) -> None:
        self.session = session
        self._cdp: dict[Page, CDPSession] = {}

    def take(
        self, path: str, page_name: str | None, extra_mask: tuple[str, ...], full_page: bool
    ) -> None:
        page = self.session.live_page(page_name)
        try:
            self._shoot(page, path, page_name, extra_mask, full_page)
        except Error:
            if not page.is_closed() or page is self.session.live_page(None):
                raise
            # the popup closed itself while it was pictured (a 选号 window writes its choice
            # back and closes): its opener shows the result, as when it had closed before
            self._shoot(self.session.live_page(page_name), path, page_name, extra_mask, full_page)

    def _shoot(
        self,
        page: Page,
        path: str,
        page_name: str | None,
        extra_mask: tuple[str, ...],
        full_page: bool,
    ) -> None:
        groups = self._masks(page, page_name, extra_mask)
        if not full_page and not self._present(groups):
            self._capture(page, path)
            return
        # built again: a frame that went while we looked is replaced by the one now there
        mask = [locator for locators in self._masks(page, page_name, extra_mask).values()
                for locator in locators]  # fmt: skip
        # CSS pixels, and the caret left as it is (hiding it injects a style into every
        # frame and takes it out again: two more round trips per picture)
        page.screenshot(
            path=path,
            type="jpeg",
            quality=QUALITY,
            mask=mask,
            full_page=full_page,
            timeout=10000,
            scale="css",
            caret="initial",
        )

    def _masks(
        self, page: Page, page_name: str | None, extra: tuple[str, ...]
    ) -> dict[Chain, list[Locator]]:
        """The sensitive elements' locators, by frame chain: in the chain the run found for
        a page, or in every chain of it while none was found (mask where it may be)."""
        session = self.session
        groups: dict[Chain, list[Locator]] = {}
        if session.repository is None:
            return groups
        popup = None if page is session.live_page(None) else page_name
        targets = [*session.repository.sensitive_targets(), *map(session.target, extra)]
        for target in targets:
            if target.page.popup != popup:
                continue
            chosen = session.frames.chosen(target)
            for chain in (chosen,) if chosen is not None else target.page.chains:
                groups.setdefault(chain, []).extend(session.locators(target, chain))
        return groups

    @staticmethod
    def _present(groups: dict[Chain, list[Locator]]) -> bool:
        """Whether any sensitive element is in the window: one query per frame chain (a
        composite locator only counts within the frame of its first part)."""
        for locators in groups.values():
            union = locators[0]
            for locator in locators[1:]:
                union = union.or_(locator)
            try:
                if union.count() > 0:
                    return True
            except Error:
                return True  # cannot tell (the page moved on): mask to be safe
        return False

    def _capture(self, page: Page, path: str) -> None:
        cdp = self._cdp.get(page)
        if cdp is None:
            cdp = self._cdp[page] = page.context.new_cdp_session(page)
        shot = cdp.send(
            "Page.captureScreenshot",
            {"format": "jpeg", "quality": QUALITY, "optimizeForSpeed": True},
        )
        Path(path).write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        for page, cdp in self._cdp.items():
            if not page.is_closed():
                try:
                    cdp.detach()
                except Error:
                    pass  # the page went away meanwhile: nothing left to detach
        self._cdp.clear()
