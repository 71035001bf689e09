"""The browser side of a run: named pages, locators from the repository.

This package and ``bots.browser`` are the only places that import Playwright. Everything
the runner needs from the browser goes through ``BrowserSession`` (its ``markers`` say
what the portal answered instead of a screen, and get back from it).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from playwright.sync_api import (
    BrowserContext,
    Dialog,
    Error,
    Frame,
    FrameLocator,
    Locator,
    Page,
)

from bots.actions.camera import Camera
from bots.actions.failures import retryable, translate
from bots.actions.markers import NET_ERROR, Markers
from bots.errors import BotsError, SelectorError, SystemException
from bots.messages import t
from bots.selectors.models import Candidate
from bots.selectors.repository import Repository, Target

__all__ = ["BrowserSession", "retryable", "translate"]

T = TypeVar("T")
MAIN = "main"
# how long the first candidate gets (at most a third of the step's timeout) before the
# others are tried: the "healing" path, slow on purpose so the repository gets fixed
HEAL_PROBE_MS = 1000
# one look at a frame that is already there
LOOK_MS = 500


def _loaded(frame: Frame) -> bool:
    return bool(frame.evaluate("document.readyState") == "complete")


class BrowserSession:
    """One run's view of the browser: ``main`` plus popups opened by ``opens:`` steps."""

    def __init__(
        self,
        page_or_context: Page | BrowserContext,
        repository: Repository | None,
        base_url: str | None = None,
    ) -> None:
        if isinstance(page_or_context, Page):
            page = page_or_context
        else:
            page = page_or_context.pages[0] if page_or_context.pages else page_or_context.new_page()
        self.context: BrowserContext = page.context
        self.pages: dict[str, Page] = {MAIN: page}
        self.repository = repository
        self.base_url = base_url
        self._locators: dict[tuple[str, int], tuple[Locator, ...]] = {}
        self._dialog_mode: str | None = None
        self.dialogs: list[dict[str, str]] = []
        self._watched: list[Page] = []
        self.markers = Markers(self)
        # the context's requests, not the page's: a popup's first request goes out
        # before the popup is handed over, and a popup's error page is reloaded by it
        self.context.on("request", self.markers.on_request)
        self._watch(page)
        self._tracing = False
        self.camera = Camera(self)

    # ---- pages, popups and dialogs -------------------------------------------------
    def _watch(self, page: Page) -> None:
        page.on("dialog", self._on_dialog)
        self._watched.append(page)

    def close(self) -> None:
        """Detach from the caller's pages: the next run on this page brings its own session."""
        for page in self._watched:
            page.remove_listener("dialog", self._on_dialog)
        self._watched.clear()
        self.context.remove_listener("request", self.markers.on_request)
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
        if found is None or found.is_closed():
            raise SystemException(
                f"popup '{name}' is not open; a step with 'opens: {name}' must open it first",
                code="popup_missing",
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
            raise translate(error, f"waiting for popup '{name}'", timeout_ms) from None
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
        """The frame a selector page lives in (its frame chain from the main page)."""
        assert self.repository is not None
        spec = self.repository.pages[page_name]
        frame = self.page(spec.popup).main_frame
        for css in spec.frame:
            handle = frame.locator(css).element_handle(timeout=timeout_ms)
            inner = handle.content_frame()
            if inner is None:
                raise SystemException(
                    f"'{css}' of page '{page_name}' is not a frame", code="frame_missing"
                )
            frame = inner
        return frame

    # ---- locators ----------------------------------------------------------------
    def scope(self, target: Target) -> Page | FrameLocator:
        root: Page | FrameLocator = self.page(target.page.popup)
        for frame in target.page.frame:
            root = root.frame_locator(frame)
        return root

    @staticmethod
    def _candidate(scope: Page | FrameLocator, c: Candidate) -> Locator:
        if c.role is not None:
            return scope.get_by_role(c.role, name=c.name, exact=c.exact)  # type: ignore[arg-type]
        if c.label is not None:
            return scope.get_by_label(c.label, exact=c.exact)
        if c.text is not None:
            return scope.get_by_text(c.text, exact=c.exact)
        if c.test_id is not None:
            return scope.get_by_test_id(c.test_id)
        if c.placeholder is not None:
            return scope.get_by_placeholder(c.placeholder, exact=c.exact)
        return scope.locator(c.css or "")

    def candidates(self, target: Target) -> tuple[Locator, ...]:
        page = self.page(target.page.popup)
        key = (target.ref, id(page))
        found = self._locators.get(key)
        if found is None:
            scope = self.scope(target)
            found = tuple(self._candidate(scope, c) for c in target.element.candidates)
            self._locators[key] = found
        return found

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
    ) -> tuple[T, int]:
        """Run ``fn`` on the element ``ref``; returns its result and the 1-based number of
        the candidate it ran on (more than 1: "healed").

        Single-candidate elements go straight to Playwright, whose strict locators already
        refuse 0 or 2+ matches (no extra round trip). With several candidates an action
        (``acting``) first *finds* its element — the first candidate gets a short budget to
        show visible and enabled, then any candidate is waited for — and only then acts,
        once, with the step's whole timeout: an action that went out (a click whose form
        POST is slow) is never tried again on another candidate. A look (``acting=False``:
        assert, extract, wait) changes nothing, so it simply tries the next candidate.
        """
        target = self.target(ref)
        cands = self.candidates(target)
        label = f"{what} {ref}"
        if len(cands) == 1:
            try:
                return fn(cands[0], timeout_ms), 1
            except Error as error:
                raise self._failure(target, error, label, timeout_ms) from None
        if not acting:
            return self._look(target, fn, timeout_ms, label)
        chosen = self._find(target, timeout_ms, label)
        try:
            return fn(cands[chosen], timeout_ms), chosen + 1
        except Error as error:
            raise translate(error, label, timeout_ms) from None

    def _ready(self, locator: Locator, budget_ms: float) -> bool:
        """Whether ``locator`` shows exactly one visible, enabled element within the budget."""
        try:
            locator.wait_for(state="visible", timeout=budget_ms)
            return locator.is_enabled(timeout=budget_ms)
        except Error:
            return False  # none, several, or not in time: the other candidates are looked at

    def _find(self, target: Target, timeout_ms: float, label: str) -> int:
        """The index of the candidate to act on: the first one when it shows within its short
        budget, else the first that matches exactly one element (visible and enabled ones
        first) once any candidate shows."""
        cands = self.candidates(target)
        started = time.monotonic()
        if self._ready(cands[0], min(timeout_ms / 3, HEAL_PROBE_MS)):
            return 0
        remaining = max(timeout_ms - (time.monotonic() - started) * 1000, 1)
        try:
            self._union(cands).filter(visible=True).first.wait_for(
                state="attached", timeout=remaining
            )
            counts = [c.count() for c in cands]
            unique = [i for i, n in enumerate(counts) if n == 1]
            shown = [i for i in unique if self.visible(cands[i])]
            usable = [i for i in shown if cands[i].is_enabled(timeout=remaining)]
        except Error as error:
            raise self._failure(target, error, label, timeout_ms) from None
        for found in (usable, shown, unique):
            if found:
                return found[0]
        raise self._not_unique(target, counts, label)

    def _look(
        self, target: Target, fn: Callable[[Locator, float], T], timeout_ms: float, label: str
    ) -> tuple[T, int]:
        cands = self.candidates(target)
        started = time.monotonic()
        try:
            return fn(cands[0], min(timeout_ms / 3, HEAL_PROBE_MS)), 1
        except Error:
            pass  # the first candidate failed: look for any candidate, then pick in order
        remaining = max(timeout_ms - (time.monotonic() - started) * 1000, 1)
        try:
            self._union(cands).first.wait_for(state="attached", timeout=remaining)
            counts = []
            for i, c in enumerate(cands):
                n = c.count()
                counts.append(n)
                if n == 1:
                    remaining = max(timeout_ms - (time.monotonic() - started) * 1000, 1)
                    return fn(c, remaining), i + 1
        except Error as error:
            raise self._failure(target, error, label, timeout_ms) from None
        raise self._not_unique(target, counts, label)

    @staticmethod
    def _union(cands: tuple[Locator, ...]) -> Locator:
        union = cands[0]
        for c in cands[1:]:
            union = union.or_(c)
        return union

    @staticmethod
    def _not_unique(target: Target, counts: list[int], label: str) -> SystemException:
        tried = "; ".join(
            f"candidate {i + 1} {c.describe()}: {n} matches"
            for i, (c, n) in enumerate(zip(target.element.candidates, counts, strict=True))
        )
        return retryable(
            f"{label}: no candidate matched exactly one element ({tried})", "not_unique"
        )

    def _failure(self, target: Target, error: Error, label: str, timeout_ms: float) -> BotsError:
        """The typed error for a failed wait on ``target``. A time-out on a page that has
        loaded, where no candidate matches anything, is a wrong selector — not a glitch."""
        failure = translate(error, label, timeout_ms)
        if failure.code != "timeout":
            return failure
        counts = self.match_counts(target)
        if counts is None or any(counts):
            return failure
        tried = ";".join(
            t("候选{n} {candidate}:{count}个匹配", n=i + 1, candidate=c.describe(), count=n)
            for i, (c, n) in enumerate(zip(target.element.candidates, counts, strict=True))
        )
        return SelectorError(
            t(
                "{ref}:页面已加载,但没有一个候选匹配到元素({tried});"
                "选择器与页面不符,请修改选择器文件",
                ref=target.ref,
                tried=tried,
            ),
            code="no_candidate_matched",
            element=target.ref,
            counts=counts,
        )

    def match_counts(self, target: Target) -> list[int] | None:
        """How many elements each candidate of ``target`` matches right now, or None when
        its window or a frame of its chain is missing or still loading (then a missing
        element may just be late)."""
        try:
            page = self.page(target.page.popup)
            frame: Frame = page.main_frame
            if not _loaded(frame):
                return None
            for css in target.page.frame:
                holder = frame.locator(css)
                if holder.count() != 1:
                    return None
                handle = holder.element_handle(timeout=LOOK_MS)
                inner = handle.content_frame() if handle is not None else None
                if inner is None or not _loaded(inner):
                    return None
                frame = inner
            return [c.count() for c in self.candidates(target)]
        except (Error, SystemException):
            return None

    def visible_now(self, ref: str) -> bool:
        """Whether ``ref`` (any candidate) shows right now; no waiting."""
        try:
            return any(c.first.is_visible() for c in self.candidates(self.target(ref)))
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
        cands = self.candidates(target)
        union = cands[0]
        for c in cands[1:]:
            union = union.or_(c)
        watch = union
        for marker in self.markers.near(target):
            if marker.target.ref in ignore:
                continue
            for c in self.candidates(marker.target):
                watch = watch.or_(c)
        # only visible matches count: a hidden marker earlier in the page must not win
        answers = watch.filter(visible=True)
        if watch is not union:
            # where the portal can answer with a marker it can also not answer at all:
            # Chromium's error page (never "visible" to Playwright) ends the wait too. Only
            # in the target's own frame: a composite locator cannot span frames (an outer
            # frame's error page removes the target's frame; the timeout then finds it)
            answers = answers.or_(self.scope(target).locator(NET_ERROR))
        try:
            answers.first.wait_for(state="attached", timeout=timeout_ms)
            if watch is not union and not union.first.is_visible():
                self.markers.raise_shown()
        except Error as error:
            raise translate(error, f"expecting {ref}", timeout_ms) from None

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
