"""The browser side of a run: named pages, locators from the repository, error mapping.

This module and ``bots.browser`` are the only places that import Playwright. Everything
the runner needs from the browser goes through ``BrowserSession``.
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
    Request,
)
from playwright.sync_api import TimeoutError as PwTimeout

from bots.actions.camera import Camera
from bots.errors import BotsError, BusinessException, SystemException
from bots.selectors.models import Candidate
from bots.selectors.repository import MarkerRef, Repository, Target

T = TypeVar("T")
MAIN = "main"
# how long the first candidate gets (at most a third of the step's timeout) before the
# others are tried: the "healing" path, slow on purpose so the repository gets fixed
HEAL_PROBE_MS = 1000
MARKER_ORDER = ("session_lost", "busy", "business_error")
# a busy page can answer the recovery's own request too: look again, a few times
RECOVER_TRIES = 4
POLL_S = 0.05
MARKER_POLLS = 8  # while polling for screens, look for markers every this many polls


def retryable(message: str, code: str) -> SystemException:
    return SystemException(message, code=code, retryable=True)


def translate(error: Error, what: str, timeout_ms: float) -> BotsError:
    """A Playwright error as a typed error. Only the first line: call logs can echo values."""
    first = (error.message or "").strip().splitlines()[0] if error.message else type(error).__name__
    if isinstance(error, PwTimeout):
        return retryable(f"{what}: timed out after {timeout_ms:.0f} ms", "timeout")
    lowered = first.lower()
    if "not attached" in lowered or "detached" in lowered:
        return retryable(f"{what}: the element was detached from the page ({first})", "detached")
    if "strict mode violation" in lowered:
        return retryable(f"{what}: matched more than one element", "not_unique")
    return SystemException(f"{what}: {first}", code="browser_error", retryable=False)


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
        # per frame: how its current document was asked for, and from which page
        self._requests: dict[Frame, tuple[str, str]] = {}
        self._watch(page)
        self._tracing = False
        self.camera = Camera(self)

    # ---- pages, popups and dialogs -------------------------------------------------
    def _watch(self, page: Page) -> None:
        page.on("dialog", self._on_dialog)
        page.on("request", self._on_request)
        self._watched.append(page)

    def close(self) -> None:
        """Detach from the caller's pages: the next run on this page brings its own session."""
        for page in self._watched:
            page.remove_listener("dialog", self._on_dialog)
            page.remove_listener("request", self._on_request)
        self._watched.clear()
        self.camera.close()

    def _on_request(self, request: Request) -> None:
        # how each frame's current document was asked for: a busy answer to a form POST is
        # recovered by opening the form's page again, a busy answer to a GET by loading it
        # again. The frame still shows the page the request leaves (it has not committed)
        if request.is_navigation_request():
            self._requests[request.frame] = (request.method, request.frame.url)

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
        try:
            with source.expect_popup(timeout=timeout_ms) as info:
                result = action()
            popup = info.value
        except Error as error:
            raise translate(error, f"waiting for popup '{name}'", timeout_ms) from None
        self._watch(popup)
        self.pages[name] = popup
        return result

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
        self, ref: str, fn: Callable[[Locator, float], T], timeout_ms: float, what: str
    ) -> tuple[T, int | None]:
        """Run ``fn`` on the first candidate that matches exactly one element.

        Returns the result and the 1-based candidate number when a later candidate did
        the work ("healed"). Single-candidate elements go straight to Playwright, whose
        strict locators already guarantee exactly one match: no extra round trip.
        """
        target = self.target(ref)
        cands = self.candidates(target)
        label = f"{what} {ref}"
        if len(cands) == 1:
            try:
                return fn(cands[0], timeout_ms), None
            except Error as error:
                raise translate(error, label, timeout_ms) from None
        started = time.monotonic()
        try:
            return fn(cands[0], min(timeout_ms / 3, HEAL_PROBE_MS)), None
        except Error:
            pass  # the first candidate failed: look for any candidate, then pick in order
        remaining = max(timeout_ms - (time.monotonic() - started) * 1000, 1)
        union = cands[0]
        for c in cands[1:]:
            union = union.or_(c)
        try:
            union.first.wait_for(state="attached", timeout=remaining)
            counts = []
            for i, c in enumerate(cands):
                n = c.count()
                counts.append(n)
                if n == 1:
                    remaining = max(timeout_ms - (time.monotonic() - started) * 1000, 1)
                    return fn(c, remaining), (i + 1 if i else None)
        except Error as error:
            raise translate(error, label, timeout_ms) from None
        tried = "; ".join(
            f"candidate {i + 1} {c.describe()}: {n} matches"
            for i, (c, n) in enumerate(zip(target.element.candidates, counts, strict=True))
        )
        raise retryable(
            f"{label}: no candidate matched exactly one element ({tried})", "not_unique"
        )

    def visible_now(self, ref: str) -> bool:
        """Whether ``ref`` (any candidate) shows right now; no waiting."""
        try:
            return any(c.first.is_visible() for c in self.candidates(self.target(ref)))
        except (Error, SystemException):
            return False  # its frame or window is gone: it does not show

    def shown_markers(self, ref: str) -> frozenset[str]:
        """Markers near ``ref`` that already show (a message left from an earlier call):
        an ``expect`` after the next action must not take them for its answer."""
        markers = self.markers_near(self.target(ref))
        locators = [c for marker in markers for c in self.candidates(marker.target)]
        if not locators:
            return frozenset()
        union = locators[0]
        for c in locators[1:]:
            union = union.or_(c)
        try:
            # one round trip for the usual answer (none shows) instead of one per candidate
            if union.filter(visible=True).count() == 0:
                return frozenset()
        except Error:
            pass  # the page moved on while we looked: look one by one
        shown = set()
        for marker in markers:
            if any(self._visible(c) for c in self.candidates(marker.target)):
                shown.add(marker.target.ref)
        return frozenset(shown)

    @staticmethod
    def _visible(locator: Locator) -> bool:
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
        for marker in self.markers_near(target):
            if marker.target.ref in ignore:
                continue
            for c in self.candidates(marker.target):
                watch = watch.or_(c)
        try:
            # only visible matches count: a hidden marker earlier in the page must not win
            watch.filter(visible=True).first.wait_for(state="attached", timeout=timeout_ms)
            if watch is not union and not union.first.is_visible():
                self.raise_marker()
        except Error as error:
            raise translate(error, f"expecting {ref}", timeout_ms) from None

    # ---- markers: busy, session lost, business errors ------------------------------
    def markers_near(self, target: Target) -> list[MarkerRef]:
        if self.repository is None:
            return []
        return [
            m
            for m in self.repository.markers
            if m.target.page.frame == target.page.frame and m.target.page.popup == target.page.popup
        ]

    def find_marker(self) -> tuple[MarkerRef, str] | None:
        """The first visible marker (session lost before busy before business error)."""
        if self.repository is None:
            return None
        for kind in MARKER_ORDER:
            for marker in self.repository.markers:
                if marker.kind != kind:
                    continue
                popup = marker.target.page.popup
                if popup is not None and (popup not in self.pages or self.pages[popup].is_closed()):
                    continue
                for c in self.candidates(marker.target):
                    try:
                        if c.first.is_visible():
                            text = (
                                c.first.inner_text(timeout=1000) if kind == "business_error" else ""
                            )
                            return marker, text.strip()
                    except Error:
                        continue  # the page moved on while we looked; try the next one
        return None

    def raise_marker(self) -> None:
        """Raise the typed error a visible marker stands for; return when none shows."""
        found = self.find_marker()
        if found is None:
            return
        marker, text = found
        if marker.kind == "business_error" and text in marker.retry_later:
            # a refusal that passes with time (e.g. a number an unfinished order still
            # holds): not the order's fault, so a system error the queue retries later
            raise SystemException(
                f"the portal refused for now: {text} ({marker.retry_later[text]})",
                code="refused_for_now",
                retryable=False,
                marker=marker.target.ref,
            )
        if marker.kind == "business_error":
            raise BusinessException(
                f"the portal refused: {text}", code="portal_refused", marker=marker.target.ref
            )
        raise retryable(f"the portal shows {marker.target.ref} ({marker.kind})", marker.kind)

    def recover(self, kind: str, timeout_ms: float = 10000) -> None:
        """Before a retry after a busy page: open the screen again as the marker asks, until
        the marker is gone (the recovery's own request can be answered busy too).

        The marker that shows decides: a busy *page* in the work area (``back``) opens the
        form the POST came from again (its URL, recorded when the POST went out: no
        dependence on which history entry is the previous one) or loads a GET again;
        ``reload`` reloads the marker's page; a busy *message* from an AJAX call (``none``)
        just waits.
        """
        if self.repository is None:
            return
        for tries in range(RECOVER_TRIES + 1):
            found = self.find_marker()
            marker = found[0] if found is not None and found[0].kind == kind else None
            if marker is None or marker.recover == "none":
                return
            if tries == RECOVER_TRIES:
                raise retryable(
                    f"the portal still shows {marker.target.ref} ({kind}) after "
                    f"{RECOVER_TRIES} recoveries",
                    kind,
                )
            try:
                self._recover_once(marker, timeout_ms)
            except Error as error:
                raise translate(error, f"recovering from {kind}", timeout_ms) from None

    def _recover_once(self, marker: MarkerRef, timeout_ms: float) -> None:
        page = self.live_page(marker.target.page.popup)
        if marker.recover == "reload":
            page.reload(wait_until="load", timeout=timeout_ms)
            return
        frame = (
            self.frame_of(marker.target.page_name, timeout_ms)
            if marker.target.page.frame
            else page.main_frame
        )
        method, origin = self._requests.get(frame, ("GET", frame.url))
        # the form's page itself, loaded whole ("load": a screen may finish itself in an
        # onload script, e.g. a modal after an alert); the redo fills it in again
        url = origin if method == "POST" and origin else frame.url
        frame.goto(url, wait_until="load", timeout=timeout_ms)

    def wait_first(self, refs: tuple[str, ...], timeout_ms: float) -> str | None:
        """The first of ``refs`` (in that order of preference) that shows within the
        timeout; None when none did or a marker showed first (``raise_marker`` says which).
        Used after a recovery, where the screens may be in any frame or window, so it polls
        instead of racing one locator (and looks for markers every few polls)."""
        deadline = time.monotonic() + timeout_ms / 1000
        polls = 0
        while True:
            for ref in refs:
                if self.visible_now(ref):
                    return ref
            polls += 1
            if time.monotonic() >= deadline or (
                polls % MARKER_POLLS == 0 and self.find_marker() is not None
            ):
                return None
            time.sleep(POLL_S)

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
