"""Which frame chain of a selector page the portal shows, and the frames on it.

A page of the repository may name several frame chains (``frames:``): the same screen in
a portal whose work area is one iframe, and in a frameset whose work screen is a tab with
a frame of its own. Nobody says which portal this is: the chain is found where the page's
element — or a marker that may answer instead of it — shows, looked for once per run and
chain set, and every locator of those pages is then built in it. A chain chosen because a
marker showed (the login page instead of the shell) is used for that look only.

Locators are built on the frame itself once it is there (``scope``): Playwright finds a
frame locator's frames again on every call, about ten DevTools messages a look into the
work area, where a look in a frame it already knows is one call. A frame found is kept
until it goes (its element removed, its parent reloaded). A link that may match another
frame while this one stays (``iframe.work-tab:visible``, the tab that shows) is looked up
on every call, as is a chain whose frames are not there yet.

It knows pages, frames and locators; not steps, retries or flows.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from playwright.sync_api import Error, Frame, FrameLocator, Locator, Page

from bots.actions.captions import caption_xpath
from bots.errors import SystemException
from bots.messages import t
from bots.pause import pause
from bots.selectors.models import Candidate, Chain
from bots.selectors.repository import Target

if TYPE_CHECKING:
    from bots.actions.session import BrowserSession

POLL_S = 0.05


# a link that keeps its frame: a tag, an id, and tests of the name or id attribute
STEADY = re.compile(
    r"""(?:[A-Za-z][\w-]*)?(?:\#[\w-]+)?(?:\[\s*(?:name|id)\s*=\s*(?:[\w-]+|"[^"]*"|'[^']*')\s*\])*""",
    re.X,
)

Scope = Page | Frame | FrameLocator


def steady(link: str) -> bool:
    """Whether a chain link keeps matching the frame it matched until that frame goes: a
    tag, an id, and tests of the ``name`` or ``id`` attribute (``iframe[name=workarea]``).
    A class or another attribute may be how the page marks the tab in front (``.active``,
    ``[aria-selected=true]``), and a pseudo-class (``:visible``) or a selector engine
    (``>>``, ``text=``) may pick another frame at any moment."""
    link = link.strip()
    return bool(link) and STEADY.fullmatch(link) is not None


def locate(scope: Scope, c: Candidate) -> Locator:
    """A candidate of the repository as a Playwright locator in ``scope``."""
    if c.role is not None:
        return scope.get_by_role(c.role, name=c.name, exact=c.exact)  # type: ignore[arg-type]
    if c.label is not None:
        return scope.get_by_label(c.label, exact=c.exact)
    if c.caption is not None:
        return scope.locator(caption_xpath(c.caption, c.exact))
    if c.text is not None:
        return scope.get_by_text(c.text, exact=c.exact)
    if c.test_id is not None:
        return scope.get_by_test_id(c.test_id)
    if c.placeholder is not None:
        return scope.get_by_placeholder(c.placeholder, exact=c.exact)
    return scope.locator(c.css or "")


def enter(root: Page | Frame, chain: Chain) -> Scope:
    """Frame locators down ``chain`` from ``root``: found again by Playwright on each call."""
    scope: Scope = root
    for css in chain:
        scope = scope.frame_locator(css)
    return scope


def _any(locators: list[Locator]) -> bool:
    if not locators:
        return False
    union = locators[0]
    for other in locators[1:]:
        union = union.or_(other)
    try:
        return union.count() > 0
    except Error:
        return False  # a frame of the chain went away while we looked


class FrameChains:
    """One run's choice of chain per set of alternatives (and window)."""

    def __init__(self, session: BrowserSession) -> None:
        self.session = session
        self._chosen: dict[tuple[tuple[Chain, ...], str | None], Chain] = {}
        # the chain the last look went by when only a marker answered: until the next look
        self._latest: dict[tuple[tuple[Chain, ...], str | None], Chain] = {}
        # per window and chain: the frame its steady links lead to (None: not there when
        # looked for, at that count of frames attached) and the scope built on it
        self._scopes: dict[tuple[int, Chain], tuple[Frame | None, int, Scope]] = {}
        self._attached = 0
        self._windows: list[Page] = []

    def watch(self, window: Page) -> None:
        """Count the frames attached in ``window``: a chain not there is looked for again
        only after one was."""
        window.on("frameattached", self._on_frame)
        self._windows.append(window)

    def close(self) -> None:
        for window in self._windows:
            window.remove_listener("frameattached", self._on_frame)
        self._windows.clear()

    def _on_frame(self, _frame: Frame) -> None:
        self._attached += 1

    def scope(self, window: Page, chain: Chain) -> Scope:
        """Where the locators of ``chain`` in ``window`` are built: on the frame its steady
        links lead to while that frame is there (frame locators for the links after it),
        else frame locators all the way, which wait for the frames as Playwright does. The
        same object while it holds, so locators built on it can be kept."""
        return self.place(window, chain)[1]

    def place(self, window: Page, chain: Chain) -> tuple[Frame | None, Scope]:
        """``scope``, and the frame it is built on (None: on frame locators from the
        window, which follow the frames by themselves)."""
        if not chain:
            return None, window
        key = (id(window), chain)
        kept = self._scopes.get(key)
        if kept is not None:
            frame, attached, scope = kept
            if frame is None and attached == self._attached or frame is not None and not (
                    frame.is_detached() or window.is_closed()):  # fmt: skip
                return frame, scope
        links = next((n for n, link in enumerate(chain) if not steady(link)), len(chain))
        frame, absent = self._follow(window.main_frame, chain[:links])
        if frame is None:
            scope = enter(window, chain)
            if absent or not links:
                # not there (or nothing to keep): the same until a frame is attached
                self._scopes[key] = (None, self._attached, scope)
            return None, scope
        scope = enter(frame, chain[links:])
        self._scopes[key] = (frame, self._attached, scope)
        return frame, scope

    @staticmethod
    def _follow(frame: Frame, links: Chain) -> tuple[Frame | None, bool]:
        """The frame at the end of ``links`` from ``frame`` and False; (None, True) when a
        link matches no element; (None, False) when one is ambiguous or a frame is on its
        way (two iframes while one replaces the other, a frame navigating): look again."""
        if not links:
            return None, False
        for css in links:
            inner, absent = FrameChains._enter(frame, css)
            if inner is None:
                return None, absent
            frame = inner
        return frame, False

    @staticmethod
    def _enter(frame: Frame, css: str) -> tuple[Frame | None, bool]:
        """The frame held by the one element ``css`` matches in ``frame``, and False;
        (None, True) when it matches none; (None, False) when it matches several, holds no
        frame yet, or the frame went while we looked."""
        holder = frame.locator(css)
        try:
            count = holder.count()
            if count != 1:
                return None, count == 0
            handle = holder.element_handle(timeout=1000)
            try:
                return handle.content_frame(), False
            finally:
                handle.dispose()
        except Error:
            return None, False

    def chosen(self, target: Target) -> Chain | None:
        """The chain the run found for ``target``'s page, None while none was found."""
        chains = target.page.chains
        if len(chains) == 1:
            return chains[0]
        return self._chosen.get((chains, target.page.popup))

    def settle(self, target: Target, timeout_ms: float) -> tuple[Chain, float]:
        """The chain to act in and what is left of ``timeout_ms`` for the action: a page
        whose chain is known costs nothing, a look among its chains may wait."""
        chain = self.chosen(target)
        if chain is not None:
            return chain, timeout_ms
        started = time.monotonic()
        chain = self.resolve(target, timeout_ms)
        return chain, max(timeout_ms - (time.monotonic() - started) * 1000, 1)

    def found(self, target: Target) -> None:
        """``target`` was acted on in the chain the last look went by: that chain is the
        page's from now on (a marker alone, answering for a chain, does not make it so)."""
        key = (target.page.chains, target.page.popup)
        if key not in self._chosen and key in self._latest:
            self._chosen[key] = self._latest.pop(key)

    def current(self, target: Target) -> Chain:
        """The chain to build ``target``'s locators in: the one found, else the one the
        last look went by, else the first."""
        found = self.chosen(target)
        if found is not None:
            return found
        return self._latest.get((target.page.chains, target.page.popup), target.page.chains[0])

    def resolve(self, target: Target, wait_ms: float) -> Chain:
        """Find the chain in which ``target`` (or a marker of that chain) is attached,
        waiting up to ``wait_ms``; the first chain when none shows in time (the caller's
        own wait then says what is missing). Free once found: the answer is kept."""
        found = self.chosen(target)
        if found is not None:
            return found
        chains = target.page.chains
        key = (chains, target.page.popup)
        session = self.session
        deadline = time.monotonic() + wait_ms / 1000
        while True:
            for chain in chains:
                if _any(list(session.locators(target, chain))):
                    self._chosen[key] = chain
                    return chain
                near = [c for m in session.markers.near(target, chain)
                        for c in session.locators(m.target, chain)]
                if _any(near):
                    self._latest[key] = chain
                    return chain
            if time.monotonic() >= deadline:
                self._latest.pop(key, None)
                return chains[0]
            pause(POLL_S)

    def frame(self, page_name: str, timeout_ms: float) -> Frame:
        """The frame a selector page lives in: the end of its chain (the one found, else
        the first whose frames are all there), waiting up to ``timeout_ms`` for them."""
        session = self.session
        assert session.repository is not None
        spec = session.repository.pages[page_name]
        known = self._chosen.get((spec.chains, spec.popup))
        return self.walk(session.page(spec.popup), *((known,) if known else spec.chains),
                         timeout_ms=timeout_ms)

    def walk(self, window: Page, *chains: Chain, timeout_ms: float) -> Frame:
        """The frame at the end of the first of ``chains`` whose frames are all there in
        ``window``, waiting up to ``timeout_ms`` for one."""
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            for chain in chains:
                frame = self.end_of(window.main_frame, chain)
                if frame is not None:
                    return frame
            if time.monotonic() >= deadline:
                raise SystemException.said(
                    t("页面的框架{seconds}秒内没有出现", seconds=f"{timeout_ms / 1000:.0f}"),
                    t("营账系统可能繁忙,稍后重放;一直如此请检查选择器文件的 frame"),
                    code="frame_missing",
                    retryable=True,
                    detail=f"frames {' | '.join(' > '.join(c) for c in chains)} did not show "
                    f"within {timeout_ms:.0f} ms",
                )
            pause(POLL_S)

    @staticmethod
    def end_of(frame: Frame, chain: Chain) -> Frame | None:
        """The frame at the end of ``chain`` from ``frame``; None while one is missing."""
        frames = list(FrameChains.along(frame, chain))
        return frames[-1] if len(frames) == len(chain) + 1 else None

    @staticmethod
    def along(frame: Frame, chain: Chain) -> Iterator[Frame]:
        """``frame``, then each frame of ``chain`` inside it, as far as they are there (one
        element per link, holding a frame)."""
        yield frame
        for css in chain:
            inner, _absent = FrameChains._enter(frame, css)
            if inner is None:
                return
            frame = inner
            yield frame
