"""What ``bots check-selectors`` needs from the browser: a look at every element of the
selector repository in the windows a context shows now, and the guard that keeps the
check read-only.

The guard refuses, inside the browser, every request that could change the portal —
anything but GET and HEAD — unless it is opened (for the login form only): a form the
check's flows would send never leaves the browser. The look counts, per element, how many
elements each candidate matches, in the frame chain (and window) where its page shows. It
knows windows, frames, locators and requests; not flows, runs or verdicts.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Error, Page, Route

from bots.actions.frames import enter, locate
from bots.selectors.repository import Repository

READS = ("GET", "HEAD")


class WriteGuard:
    """Aborts every request but GET/HEAD of ``context`` while ``open`` is false, and notes
    each one it refused (``"POST /install/customer"``)."""

    def __init__(self, context: BrowserContext) -> None:
        self.open = False
        self.refused: list[str] = []
        context.route("**/*", self._route)

    def _route(self, route: Route) -> None:
        request = route.request
        if self.open or request.method in READS:
            route.continue_()
            return
        self.refused.append(f"{request.method} {urlsplit(request.url).path}")
        # "blocked by client": a network error the runner reads as a lost connection, not
        # as a portal that is down (which it would wait for)
        route.abort("blockedbyclient")


def better(a: list[int], b: list[int]) -> bool:
    """Whether candidate counts ``a`` say more than ``b``: an earlier candidate matching
    exactly one element, else any match at all."""
    def rank(counts: list[int]) -> tuple[int, int]:
        unique = next((i for i, n in enumerate(counts) if n == 1), len(counts))
        return unique, 0 if any(counts) else 1

    return rank(a) < rank(b)


class Survey:
    """Looks at the repository's elements in ``page`` and the other windows of its context."""

    def __init__(self, page: Page, repository: Repository) -> None:
        self.page = page
        self.repository = repository

    def look(self, pages: set[str]) -> dict[str, list[int]]:
        """Per element of the selector ``pages`` that show now: how many elements each of
        its candidates matches (where its page shows best)."""
        found: dict[str, list[int]] = {}
        windows = [w for w in self.page.context.pages if not w.is_closed()]
        for name, spec in self.repository.pages.items():
            if name not in pages:
                continue
            shown_in = [self.page] if spec.popup is None else [
                w for w in windows if w is not self.page]
            for window in shown_in:
                for chain in spec.chains:
                    for element, counts in self._counts(window, chain, name).items():
                        ref = f"{name}.{element}"
                        if ref not in found or better(counts, found[ref]):
                            found[ref] = counts
        return found

    def _counts(self, window: Page, chain: tuple[str, ...], page_name: str) -> dict[str, list[int]]:
        spec = self.repository.pages[page_name]
        scope = enter(window, chain)
        locators = {name: [locate(scope, c) for c in element.candidates]
                    for name, element in spec.elements.items()}
        every = [loc for locs in locators.values() for loc in locs]
        union = every[0]
        for loc in every[1:]:
            union = union.or_(loc)
        try:
            if union.count() == 0:
                return {}  # the page does not show in this chain: one query said so
            return {name: [loc.count() for loc in locs] for name, locs in locators.items()}
        except Error:
            return {}  # the window or a frame went away while we looked
