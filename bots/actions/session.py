"""The browser side of a run: named pages, locators from the repository.

This package and ``bots.browser`` are the only places that import Playwright. Everything
the runner needs from the browser goes through ``BrowserSession`` (its ``markers`` say
what the portal answered instead of a screen, and get back from it).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from playwright.sync_api import (
    BrowserContext,
    Dialog,
    Error,
    Frame,
    Locator,
    Page,
)
from playwright.sync_api import TimeoutError as PwTimeout

from bots.actions import modal
from bots.actions.camera import Camera
from bots.actions.failures import passing, translate
from bots.actions.finder import Finder
from bots.actions.frames import FrameChains, Scope, locate
from bots.actions.markers import NET_ERROR, POLL_S, Markers
from bots.actions.traffic import Traffic
from bots.asking import Asker, Nobody
from bots.errors import BotsError, SystemException
from bots.messages import t
from bots.pause import pause
from bots.selectors.models import Chain
from bots.selectors.names import element_words
from bots.selectors.repository import Repository, Target

__all__ = ["BrowserSession", "passing", "translate"]

T = TypeVar("T")
MAIN = "main"
# a wait for the next screen looks between slices this long for an error page no locator finds
WAIT_SLICE_MS = 500.0
# an element a fill or a look waits for shows within this on a page that answered (else the
# page may be the portal's busy page, and the markers are waited for with it)
QUICK_MS = 1500.0


@dataclass(frozen=True)
class Awaited:
    """What ends a wait for the next screen: ``answers`` (the target, a marker or the error
    page) and ``target`` alone; ``markers`` when anything but the target can answer;
    ``frame``, the frame they were built on (None: on frame locators, which follow)."""

    answers: Locator
    target: Locator
    markers: bool
    frame: Frame | None


class BrowserSession:
    """One run's view of the browser: ``main`` plus popups opened by ``opens:`` steps."""

    def __init__(
        self,
        page_or_context: Page | BrowserContext,
        repository: Repository | None,
        base_url: str | None = None,
        asker: Asker | None = None,
    ) -> None:
        # who answers the flow's `ask` steps (bots.asking): nobody unless the caller says
        self.asker: Asker = asker or Nobody()
        if isinstance(page_or_context, Page):
            page = page_or_context
        else:
            page = page_or_context.pages[0] if page_or_context.pages else page_or_context.new_page()
        self.context: BrowserContext = page.context
        # pickers of older portals call showModalDialog, which Chromium no longer has
        modal.install(self.context, page)
        self.pages: dict[str, Page] = {MAIN: page}
        self.repository = repository
        self.base_url = base_url
        # per element and scope (the scope kept beside them: an id is unique while it lives)
        self._locators: dict[tuple[str, int], tuple[Scope, tuple[Locator, ...]]] = {}
        self._dialog_mode: str | None = None
        self.dialogs: list[dict[str, str]] = []
        self._watched: list[Page] = []
        self.markers = Markers(self)
        self.frames = FrameChains(self)
        # the context's requests, not the page's: a popup's first request goes out
        # before the popup is handed over, and a popup's error page is reloaded by it
        self.context.on("request", self.markers.on_request)
        self.context.on("requestfailed", self.markers.on_request_failed)
        self.traffic = Traffic(self.context)
        self.traffic.attach()
        self._watch(page)
        self._tracing = False
        # the URL a login has just left the main window on, while the runner's next step
        # runs (else None): the shell a flow opens after its login is open already, and
        # loading it again is a page load and a wait for nothing
        self.landed: str | None = None
        self.camera = Camera(self)
        self.finder = Finder(self)

    # ---- pages, popups and dialogs -------------------------------------------------
    def _watch(self, page: Page) -> None:
        page.on("dialog", self._on_dialog)
        self.frames.watch(page)
        self._watched.append(page)

    def close(self) -> None:
        """Detach from the caller's pages: the next run on this page brings its own session."""
        for page in self._watched:
            page.remove_listener("dialog", self._on_dialog)
        self._watched.clear()
        self.frames.close()
        self.context.remove_listener("request", self.markers.on_request)
        self.context.remove_listener("requestfailed", self.markers.on_request_failed)
        self.traffic.detach()
        self.camera.close()

    def _on_dialog(self, dialog: Dialog) -> None:
        mode = self._dialog_mode or "dismiss"
        self.dialogs.append(
            {
                "type": dialog.type,
                "message": dialog.message,
                "action": mode,
                "expected": str(self._dialog_mode is not None).lower(),
            }
        )
        if mode == "accept":
            dialog.accept()
        else:
            dialog.dismiss()

    @contextmanager
    def dialog_mode(self, mode: str | None) -> Iterator[list[dict[str, str]]]:
        """Handle dialogs the step expects; unexpected ones are dismissed and recorded."""
        start = len(self.dialogs)
        self._dialog_mode = mode
        seen: list[dict[str, str]] = []
        try:
            yield seen
        finally:
            self._dialog_mode = None
            seen.extend(self.dialogs[start:])

    def page(self, name: str | None) -> Page:
        found = self.pages.get(name or MAIN)
        if name is None and found is not None and found.is_closed():
            # the run's own window went: the browser quit or was killed, no flow's doing
            raise SystemException.said(
                t("浏览器窗口已关闭(浏览器可能已退出)"),
                t("稍后重放;一直如此请检查机器人电脑的内存和浏览器"),
                code="browser_closed",
                detail="the run's main page is closed",
                retryable=False,
            )
        if found is None or found.is_closed():
            raise SystemException.said(
                t("弹出窗口{name}没有打开", name=name),
                t("流程须先有一个写着“opens: {name}”的步骤打开它,请修正流程;"
                  "若窗口被提前关闭,稍后重放", name=name),  # fmt: skip
                code="popup_missing",
                detail=f"page '{name}' is {'closed' if found is not None else 'not open'}",
                retryable=False,
            )
        return found

    def closed_by_click(self, ref: str, wait_ms: float = 500) -> bool:
        """Whether the popup window holding ``ref`` closed (the main page never counts). A
        window closed by script closes a moment later: wait that moment for it."""
        popup = self.target(ref).page.popup
        found = self.pages.get(popup) if popup is not None else None
        if found is None or found.is_closed():
            return found is not None
        try:
            found.wait_for_event("close", timeout=wait_ms)
        except Error:
            return False  # still open: the click failed for another reason
        return True

    def fresh(self) -> bool:
        """A fresh browser: the main window shows no page yet and no cookie of the portal
        is kept, so no session either (a worker's page between orders is blank too, but its
        context is logged in)."""
        if self.pages[MAIN].url != "about:blank":
            return False
        return not self.context.cookies(self.base_url) if self.base_url else False

    def live_page(self, name: str | None) -> Page:
        """The named page if still open, else the main page (for screenshots)."""
        found = self.pages.get(name or MAIN)
        return found if found is not None and not found.is_closed() else self.pages[MAIN]

    def expect_popup(
        self, name: str, opener: str | None, action: Callable[[], T], timeout_ms: float
    ) -> T:
        source = self.page(opener)
        stale = self.pages.get(name)
        if stale is not None and not stale.is_closed():
            # still open from an earlier try (e.g. before a re-login): window.open with the
            # same window name would reuse it and no new popup would come
            stale.close()
        self._close_strays(source)
        try:
            with source.expect_popup(timeout=timeout_ms) as info:
                result = action()
            popup = info.value
        except Error as error:
            failure = translate(error, t("等待弹出窗口{name}", name=name), timeout_ms, name)
            if failure.code != "timeout":
                raise failure from None
            raise SystemException.said(
                t("{seconds}秒内没有弹出窗口{name}", seconds=f"{timeout_ms / 1000:g}", name=name),
                t("营账系统可能繁忙,或浏览器拦截了弹出窗口;稍后重放"),
                code="no_popup",
                detail=failure.detail,
                retryable=True,
            ) from None
        self._watch(popup)
        self.markers.adopt(popup)
        self.pages[name] = popup
        return result

    def _close_strays(self, source: Page) -> None:
        """Close windows ``source`` opened that this run does not know (left open by an
        earlier run in the same page): a popup opened by name would load into one of them
        instead of coming as a new window."""
        known = set(map(id, self.pages.values()))
        for page in list(self.context.pages):
            if id(page) in known or page.is_closed():
                continue
            try:
                if page.opener() is source:
                    page.close()
            except Error:
                continue  # closed meanwhile: nothing left to reuse

    def frame_of(self, page_name: str, timeout_ms: float) -> Frame:
        """The frame a selector page lives in (the end of its frame chain)."""
        return self.frames.frame(page_name, timeout_ms)

    # ---- locators ----------------------------------------------------------------
    def locators(self, target: Target, chain: Chain) -> tuple[Locator, ...]:
        """The candidates of ``target`` as locators in the frames of ``chain``."""
        scope = self.frames.scope(self.page(target.page.popup), chain)
        key = (target.ref, id(scope))
        kept = self._locators.get(key)
        if kept is not None and kept[0] is scope:
            return kept[1]
        found = tuple(locate(scope, c) for c in target.element.candidates)
        self._locators[key] = (scope, found)
        return found

    def candidates(self, target: Target) -> tuple[Locator, ...]:
        """The candidates of ``target`` in the frame chain the portal shows it in."""
        return self.locators(target, self.frames.current(target))

    def everywhere(self, target: Target) -> tuple[Locator, ...]:
        """The candidates of ``target`` in every frame chain its page may live in (what
        must be masked on a picture, whichever the portal shows)."""
        return tuple(c for chain in target.page.chains for c in self.locators(target, chain))

    def target(self, ref: str) -> Target:
        assert self.repository is not None
        return self.repository.target(ref)

    def act(
        self,
        ref: str,
        fn: Callable[[Locator, float], T],
        timeout_ms: float,
        what: str,
        *,
        acting: bool = True,
        watched: bool = False,
    ) -> tuple[T, int]:
        """Run ``fn`` on the element ``ref`` (see ``Finder.act``); returns its result and
        the 1-based number of the candidate it ran on.

        ``watched``: ``fn`` may run twice (a fill, a choice, a look). When the element is
        not there at once, the portal may have shown its busy page (or the login page)
        instead: then the element and the markers near it are waited for together, and a
        marker raises at once instead of at the end of the step's timeout."""
        if not watched or timeout_ms <= 2 * QUICK_MS:
            return self.finder.act(ref, fn, timeout_ms, what, acting=acting)
        deadline = time.monotonic() + timeout_ms / 1000
        try:
            return self.finder.act(ref, fn, QUICK_MS, what, acting=acting)
        except BotsError as error:
            # (not there yet: a time-out, or on a loaded page no candidate matching yet)
            if error.code not in ("timeout", "no_candidate_matched"):
                raise
        try:
            self.wait_visible(ref, max((deadline - time.monotonic()) * 1000, 1))
        except SystemException as error:
            if error.code != "timeout":
                raise  # a marker: the portal's answer instead of the element
            # what the one wait of the whole timeout would have said (a wrong selector, if
            # nothing matches on a page that loaded)
            target = self.target(ref)
            doing = what.format(element=element_words(target))
            whole = PwTimeout(f"Timeout {timeout_ms:g}ms exceeded.")
            raise self.finder.failure(target, whole, doing, timeout_ms) from None
        left = max((deadline - time.monotonic()) * 1000, QUICK_MS)
        return self.finder.act(ref, fn, left, what, acting=acting)

    def visible_now(self, ref: str) -> bool:
        """Whether ``ref`` (any candidate) shows right now; no waiting. In the frame chain
        the run found, or in any of its page's chains while none was found."""
        target = self.target(ref)
        chosen = self.frames.chosen(target)
        try:
            cands = self.candidates(target) if chosen is not None else self.everywhere(target)
            return any(c.first.is_visible() for c in cands)
        except (Error, SystemException):
            return False  # its frame or window is gone: it does not show

    @staticmethod
    def visible(locator: Locator) -> bool:
        try:
            return locator.first.is_visible()
        except Error:
            return False

    def wait_visible(
        self, ref: str, timeout_ms: float, ignore: frozenset[str] = frozenset()
    ) -> None:
        """Wait for ``ref`` (any candidate) or a marker in the same frame; a marker raises.
        Markers named in ``ignore`` were already showing before the action: not an answer."""
        target = self.target(ref)
        chain, timeout_ms = self.frames.settle(target, timeout_ms)
        page = self.page(target.page.popup)
        deadline = time.monotonic() + timeout_ms / 1000 if timeout_ms > 0 else math.inf
        whole = f"Locator.wait_for: Timeout {timeout_ms:g}ms exceeded."
        try:
            while True:
                left = max(1.0, (deadline - time.monotonic()) * 1000) if timeout_ms > 0 else 0
                try:
                    awaited = self._attached(lambda: self._awaited(target, chain, ignore), page,
                                             chain, left)  # fmt: skip
                except PwTimeout:
                    raise PwTimeout(whole) from None
                try:
                    shows = awaited.target.filter(visible=True).first.is_visible()
                except Error:
                    if awaited.frame is None or not awaited.frame.is_detached():
                        raise
                    continue  # the frame went after the answer came: look in its successor
                if not awaited.markers or shows:
                    return
                self.markers.raise_shown(ignore, (page, chain), self.markers.answering(target))
                # the marker that ended the wait went before it was read (a message shown
                # for a moment): no answer yet, so the wait goes on, to its deadline
                if time.monotonic() >= deadline:
                    raise PwTimeout(whole)
                pause(POLL_S)
        except Error as error:
            doing = t("等待{element}出现", element=element_words(target))
            raise translate(error, doing, timeout_ms, ref) from None

    def _awaited(self, target: Target, chain: Chain, ignore: frozenset[str]) -> Awaited:
        """What ends a wait for ``target`` in ``chain``: the target, or a marker near it
        (those in ``ignore`` excepted), or where markers may answer, Chromium's error page."""
        frame, scope = self.frames.place(self.page(target.page.popup), chain)
        cands = self.locators(target, chain)
        union = cands[0]
        for c in cands[1:]:
            union = union.or_(c)
        watch = union
        for marker in self.markers.near(target, chain):
            if marker.target.ref in ignore:
                continue
            for c in self.locators(marker.target, chain):
                watch = watch.or_(c)
        # only visible matches count: a hidden marker earlier in the page must not win
        answers = watch.filter(visible=True)
        if watch is not union:
            # where the portal can answer with a marker it can also not answer at all:
            # Chromium's error page (never "visible" to Playwright) ends the wait too. Only
            # in the target's own frame: a composite locator cannot span frames (an outer
            # frame's error page removes the target's frame; the timeout then finds it)
            answers = answers.or_(scope.locator(NET_ERROR))
        return Awaited(answers, union, watch is not union, frame)

    def _attached(
        self, awaited: Callable[[], Awaited], page: Page, chain: Chain, timeout_ms: float
    ) -> Awaited:
        """Wait for ``awaited()``'s answers in slices, ending early when the target's
        frame, or a frame it is in, shows Chromium's error page: the headless shell's is an
        empty page no locator can tell from a blank one, so the frames' URLs are looked at
        between slices (no round trip unless one shows it). Only the target's own frames:
        another frame's error page (a hidden tab, a menu) says nothing of the request this
        wait is for. A wait that runs out reports the whole wait's timeout, as one wait
        would. Before the first look, the portal's answers to the requests in flight
        (``Traffic``). When the frame the answers were looked for in goes (the shell
        reloaded), they are looked for in what took its place."""
        deadline = time.monotonic() + timeout_ms / 1000 if timeout_ms > 0 else math.inf
        # a slice of looking is always left: an answer already on screen is not missed
        self.traffic.settle(max(0.0, timeout_ms - WAIT_SLICE_MS) if timeout_ms > 0 else math.inf)
        found = awaited()
        while True:
            left = (deadline - time.monotonic()) * 1000
            try:
                found.answers.first.wait_for(
                    state="attached", timeout=max(1.0, min(WAIT_SLICE_MS, left)))
                return found
            except PwTimeout:
                shown = self._error_frame(page, chain)
                if shown is not None:
                    raise self.markers.no_answer(shown, self.markers.net_error(shown)) from None
                if left <= WAIT_SLICE_MS:
                    whole = f"Locator.wait_for: Timeout {timeout_ms:g}ms exceeded."
                    raise PwTimeout(whole) from None
            except Error:
                if found.frame is None or not found.frame.is_detached() or left <= 0:
                    raise  # not the frame's going: looking again would find the same
                found = awaited()

    def _error_frame(self, page: Page, chain: Chain) -> Frame | None:
        """The frame on the way from ``page`` to the end of ``chain`` that shows Chromium's
        error page, if one does."""
        if not any(self.markers.error_page(frame) for frame in page.frames):
            return None
        frames = FrameChains.along(page.main_frame, chain)
        return next((frame for frame in frames if self.markers.error_page(frame)), None)

    # ---- screenshots and traces --------------------------------------------------
    def screenshot(
        self,
        path: str,
        page_name: str | None,
        extra_mask: tuple[str, ...] = (),
        full_page: bool = False,
    ) -> None:
        self.camera.take(path, page_name, extra_mask, full_page)

    def start_trace(self, snapshots: bool = True) -> None:
        try:
            self.context.tracing.start(snapshots=snapshots, screenshots=False, sources=False)
            self._tracing = True
        except Error:
            self._tracing = False  # the caller already traces this context: theirs wins

    def stop_trace(self, path: str | None) -> bool:
        if not self._tracing:
            return False
        self._tracing = False
        if path is None:
            self.context.tracing.stop()
            return False
        self.context.tracing.stop(path=path)
        return True
