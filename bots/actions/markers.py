"""What the portal shows instead of the screen a step waits for, and getting back from it.

The portal's own answers are *markers*, declared in the selector repository: its login
page (the session is gone), its busy page or message, a red refusal. Chromium's own error
page (``chrome-error://chromewebdata/``: the portal did not answer at all, e.g. while it
restarts) is no element of the portal, so it is recognised here: a frame showing it stands
for ``unreachable`` (connection refused: the last try did not connect; safe to do again,
except a commit's send, which Chromium itself may have sent once before: see
``bots.runner.commits``) or ``connection_lost`` (any other network error: it may have
reached the portal). The full browser's error page
names the net error (``body.neterror``, ``.error-code``); the headless shell's is empty, so
the frame's URL says it is the error page and the failed request's own error text names
the net error (``on_request_failed``). Either source is used where it is there.

``recover`` gets back from a busy page, ``reconnect`` from Chromium's error page: both
open the screen again the way the request that failed was made (the form a POST left, or
the GET again), as recorded per frame when the request went out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, NamedTuple

from playwright.sync_api import Error, Frame, Page, Request

from bots.actions.failures import (
    CONNECTION_LOST,
    NO_ANSWER,
    UNREACHABLE,
    later,
    network_code,
    passing,
    seconds,
    translate,
)
from bots.actions.frames import FrameChains
from bots.errors import BotsError, BusinessException, SystemException
from bots.messages import t
from bots.messages.refusals import advice, advice_later
from bots.pause import pause
from bots.selectors.models import Chain
from bots.selectors.repository import MarkerRef, Target

if TYPE_CHECKING:
    from bots.actions.session import BrowserSession

MARKER_ORDER = ("session_lost", "busy", "business_error")
# a busy page can answer the recovery's own request too: look again, a few times
RECOVER_TRIES = 4
POLL_S = 0.05
MARKER_POLLS = 8  # while polling for screens, look for markers every this many polls
# Chromium's error page and the net error it names (ERR_CONNECTION_REFUSED, …)
NET_ERROR = "body.neterror"
NET_ERROR_CODE = ".error-code"
ERROR_PAGE = "chrome-error://"
# how long a portal that does not answer is waited for (a restart takes a few seconds),
# with pauses growing from the first to the longest
DOWN_BUDGET_S = 30.0
DOWN_FIRST_WAIT_S = 0.25
DOWN_LONGEST_WAIT_S = 4.0
UNAVAILABLE = "portal_unavailable"


def silence(code: str, budget: str) -> str:
    """What the portal's long silence was: refused connections (its last try did not even
    connect: down, or the address is wrong) or requests left unanswered."""
    if code == UNREACHABLE:
        return t("营账系统{seconds}秒内一直连不上(连接被拒绝)", seconds=budget)
    return t("营账系统{seconds}秒内一直没有响应", seconds=budget)


def _shows(kind: str, text: str = "") -> SystemException:
    """The error a marker of the portal stands for (a refusal aside): what it says, what next;
    ``text``: the page's own words, for a marker that quotes them."""
    said = {
        "session_lost": lambda: passing(
            t("营账系统要求重新登录(会话已失效)"),
            t("会自动重新登录;反复出现请确认这个工号没有在别处登录"),
            kind,
        ),
        "busy": lambda: passing(
            t("营账系统显示“{text}”", text=text) if text else t("营账系统繁忙"), later(), kind
        ),
    }
    return said[kind]()


class Sent(NamedTuple):
    """How a frame's current document was asked for."""

    method: str
    origin: str  # what the frame showed when the request left (a POST's form page)
    url: str
    redirected: bool  # a redirect's next hop: the portal answered the request before it


class Shown(NamedTuple):
    """A marker that shows, its text (for a refusal) and the frame chain it shows in."""

    marker: MarkerRef
    text: str
    chain: Chain


class Markers:
    """One run's markers: which one shows, what error it stands for, and the way back."""

    def __init__(self, session: BrowserSession) -> None:
        self.session = session
        self.requests: dict[Frame, Sent] = {}
        self.unframed: Sent | None = None
        # the net error of each frame's last navigation that failed ("ERR_…")
        self.failures: dict[Frame, str] = {}

    def on_request(self, request: Request) -> None:
        # a busy answer to a form POST is recovered by opening the form's page again, a
        # busy answer to a GET by loading it again. The frame still shows the page the
        # request leaves (it has not committed)
        if not request.is_navigation_request():
            return
        redirected = request.redirected_from is not None
        try:
            frame = request.frame
        except Error:
            # a popup's first request goes out before Playwright has its frame: the popup
            # takes it when it is handed over (``adopt``)
            self.unframed = Sent(request.method, "", request.url, redirected)
            return
        self.requests[frame] = Sent(request.method, frame.url, request.url, redirected)
        self.failures.pop(frame, None)

    def on_request_failed(self, request: Request) -> None:
        if not request.is_navigation_request():
            return
        try:
            frame = request.frame
        except Error:
            return  # a popup's first request: its window shows the error page, asked below
        self.failures[frame] = (request.failure or "").removeprefix("net::")

    def error_page(self, frame: Frame) -> bool:
        """Whether ``frame`` shows Chromium's error page, as far as the frame's URL says
        (no round trip)."""
        return frame.url.startswith(ERROR_PAGE)

    def adopt(self, popup: Page) -> None:
        """A new popup's first request, sent before Playwright knew its frame."""
        if self.unframed is not None and popup.main_frame not in self.requests:
            self.requests[popup.main_frame] = self.unframed
        self.unframed = None

    # ---- which marker shows --------------------------------------------------------
    def near(self, target: Target, chain: Chain | None = None) -> list[MarkerRef]:
        """The markers that may show instead of ``target``: those of its window that live
        in ``chain`` (by default the frame chain the run found for ``target``)."""
        repository = self.session.repository
        if repository is None:
            return []
        if chain is None:
            chain = self.session.frames.current(target)
        return [
            m
            for m in repository.markers
            if chain in m.target.page.chains and m.target.page.popup == target.page.popup
        ]

    def shown(self, *refs: str) -> frozenset[str]:
        """Markers near any of ``refs`` that already show (a message left from an earlier
        call): the next action must not take them for its answer. One look for each
        window and frame chain the refs are in."""
        session = self.session
        places: dict[tuple[str | None, Chain], Target] = {}
        for ref in refs:
            target = session.target(ref)
            places.setdefault((target.page.popup, session.frames.current(target)), target)
        shown: set[str] = set()
        for (_window, chain), target in places.items():
            shown |= self._shown_near(target, chain)
        return frozenset(shown)

    def _shown_near(self, target: Target, chain: Chain) -> set[str]:
        session = self.session
        markers = self.near(target, chain)
        locators = [c for marker in markers for c in session.locators(marker.target, chain)]
        if not locators:
            return set()
        union = locators[0]
        for c in locators[1:]:
            union = union.or_(c)
        try:
            # one round trip for the usual answer (none shows) instead of one per candidate
            if union.filter(visible=True).count() == 0:
                return set()
        except Error:
            pass  # the page moved on while we looked: look one by one
        shown = set()
        for marker in markers:
            found = session.locators(marker.target, chain)
            if any(session.visible(c.filter(visible=True)) for c in found):
                shown.add(marker.target.ref)
        return shown

    def answering(self, *targets: Target) -> frozenset[str]:
        """The markers that can be the answer to a request made or awaited at ``targets``:
        those near any of them, and the login page anywhere (a lost session answers any
        request). A message elsewhere may be left from an earlier call."""
        repository = self.session.repository
        if repository is None:
            return frozenset()
        lost = {m.target.ref for m in repository.markers if m.kind == "session_lost"}
        near = {m.target.ref for target in targets for m in self.near(target)}
        return frozenset(near | lost)

    def find(
        self, ignore: frozenset[str] = frozenset(), only: frozenset[str] | None = None
    ) -> Shown | None:
        """The first visible marker (session lost before busy before business error), in
        whichever of its page's frame chains it shows; those named in ``ignore`` are not
        looked at, nor, when ``only`` is given, those it does not name."""
        session = self.session
        if session.repository is None:
            return None
        for kind in MARKER_ORDER:
            for marker in session.repository.markers:
                ref = marker.target.ref
                if marker.kind != kind or ref in ignore or (only is not None and ref not in only):
                    continue
                popup = marker.target.page.popup
                if popup is not None and (
                    popup not in session.pages or session.pages[popup].is_closed()
                ):
                    continue
                for chain in marker.target.page.chains:
                    shown = self._showing(marker, chain)
                    if shown is not None:
                        return shown
        return None

    def _showing(self, marker: MarkerRef, chain: Chain) -> Shown | None:
        """``marker`` where it shows in ``chain``; looked for again in the frame that took
        the place of one that went before we looked (the portal's new work area)."""
        session = self.session
        window = session.page(marker.target.page.popup)
        for _look in range(2):
            frame, _scope = session.frames.place(window, chain)
            for c in session.locators(marker.target, chain):
                # as the wait sees it: any match that shows (a hidden one may come first)
                shows = c.filter(visible=True).first
                try:
                    if shows.is_visible():
                        text = (
                            shows.inner_text(timeout=1000)
                            if marker.kind == "business_error" or marker.quote
                            else ""
                        )
                        return Shown(marker, text.strip(), chain)
                except Error:
                    continue  # the page moved on while we looked; try the next one
            if frame is None or not frame.is_detached():
                break
        return None

    def down(self) -> tuple[Frame, str] | None:
        """A frame of the run's windows that shows Chromium's error page instead of the
        portal's answer, and the net error it names ("" when it cannot be read)."""
        for page in list(self.session.pages.values()):
            if page.is_closed():
                continue
            for frame in page.frames:
                if self.shows_error_page(frame):
                    return frame, self.net_error(frame)
        return None

    def down_along(self, page: Page, chain: Chain) -> tuple[Frame, str] | None:
        """Like ``down``, only on the way from ``page`` to the end of ``chain``: where the
        answer to one request was awaited."""
        for frame in FrameChains.along(page.main_frame, chain):
            if self.shows_error_page(frame):
                return frame, self.net_error(frame)
        return None

    def shows_error_page(self, frame: Frame) -> bool:
        """Whether ``frame`` shows Chromium's error page: its URL says so (no round trip),
        or the full browser's page's own mark shows."""
        try:
            return self.error_page(frame) or frame.locator(NET_ERROR).count() > 0
        except Error:
            return False  # detached or navigating while we looked: not this one

    def net_error(self, frame: Frame) -> str:
        """The net error a frame on Chromium's error page failed with ("ERR_…"): its failed
        navigation's own error text, else the full browser's page's code; "" when neither
        can be read (then it counts as a lost connection, never as a refused one)."""
        if self.failures.get(frame):
            return self.failures[frame]
        try:
            codes = frame.locator(NET_ERROR_CODE)
            return ((codes.first.text_content(timeout=1000) if codes.count() else "") or "").strip()
        except Error:
            return ""

    def no_answer(self, frame: Frame, net_error: str) -> SystemException:
        """The error a frame on Chromium's error page stands for."""
        sent = self.requests.get(frame)
        code = network_code(net_error)
        if sent is not None and sent.redirected:
            # refused on a redirect's next hop: the request before it reached the portal
            code = CONNECTION_LOST
        url = sent.url if sent is not None else "a page"
        return passing(
            t("营账系统没有响应"),
            t("稍后重放;一直如此请确认营账系统是否在运行"),
            code,
            f"{url}: {net_error or 'Chromium error page'}",
        )

    def raise_shown(
        self,
        ignore: frozenset[str] = frozenset(),
        awaited: tuple[Page, Chain] | None = None,
        only: frozenset[str] | None = None,
    ) -> None:
        """Raise the typed error a visible marker (or Chromium's error page) stands for;
        return when none shows. The portal's own answer, when it shows, says most. Markers
        named in ``ignore`` showed before the action: they are not its answer; when
        ``only`` is given, only the markers it names can be (``answering``).

        ``awaited``: the window and frame chain where the answer was awaited. Chromium's
        error page there comes first: it replaced whatever that frame showed, so it is the
        answer to this request, while a message in another frame or window may be left
        from an earlier call (taken for the answer, a change that went out would pass for
        refused)."""
        if awaited is not None:
            down = self.down_along(*awaited)
            if down is not None:
                raise self.no_answer(*down)
        found = self.find(ignore, only)
        if found is None:
            down = self.down()
            if down is not None:
                raise self.no_answer(*down)
            return
        marker, text, _ = found
        ref = marker.target.ref
        if marker.kind == "business_error" and text in marker.retry_later:
            # a refusal that passes with time (e.g. a number an unfinished order still
            # holds): not the order's fault, so a system error the queue retries later
            raise SystemException.said(
                text,
                advice_later(text),
                code="refused_for_now",
                detail=f"{ref}: {text} ({marker.retry_later[text]})",
                retryable=False,
                marker=ref,
            )
        if marker.kind == "business_error":
            raise BusinessException.said(
                text or t("营账系统拒绝了这一步,但没有说明原因"),
                advice(text),
                code="portal_refused",
                detail=f"{ref}: {text}",
                marker=ref,
            )
        error = _shows(marker.kind, text if marker.quote else "")
        error.detail = f"{ref} shows"
        error.context["marker"] = ref
        error.context["after_send"] = marker.after_send
        if self._after_redirect(found):
            # the page answered a redirect's next hop: the portal took the request before it
            error.context["redirected"] = True
        raise error

    def _after_redirect(self, found: Shown) -> bool:
        """Whether the frame ``found`` shows in got its document from a redirect's next
        hop (as last seen; False when the frame is gone)."""
        window = self.session.page(found.marker.target.page.popup)
        frame = FrameChains.end_of(window.main_frame, found.chain)
        sent = self.requests.get(frame) if frame is not None else None
        return sent is not None and sent.redirected

    # ---- the way back --------------------------------------------------------------
    def recover(self, kind: str, timeout_ms: float = 10000) -> None:
        """Before a retry after a busy page: open the screen again as the marker asks, until
        the marker is gone (the recovery's own request can be answered busy too).

        The marker that shows decides: a busy *page* in the work area (``back``) opens the
        form the POST came from again (its URL, recorded when the POST went out: no
        dependence on which history entry is the previous one) or loads a GET again;
        ``reload`` reloads the marker's page; a busy *message* from an AJAX call (``none``)
        just waits.
        """
        if self.session.repository is None:
            return
        for tries in range(RECOVER_TRIES + 1):
            found = self.find()
            marker = found.marker if found is not None and found.marker.kind == kind else None
            if found is None or marker is None or marker.recover == "none":
                return
            if tries == RECOVER_TRIES:
                still = _shows(kind)
                still.detail = f"{marker.target.ref} still shows after {RECOVER_TRIES} recoveries"
                raise still
            try:
                self._recover_once(marker, found.chain, kind, timeout_ms)
            except Error as error:
                raise translate(error, t("重新打开页面"), timeout_ms, marker.target.ref) from None

    def _recover_once(
        self, marker: MarkerRef, chain: Chain, kind: str, timeout_ms: float
    ) -> None:
        session = self.session
        page = session.live_page(marker.target.page.popup)
        what = t("重新打开页面")
        if marker.recover == "reload":
            self.patiently(
                lambda: page.reload(wait_until="load", timeout=timeout_ms),
                what,
                timeout_ms,
                where=f"reload after {kind}",
            )
            return
        frame = session.frames.walk(page, chain, timeout_ms=timeout_ms)
        sent = self.requests.get(frame, Sent("GET", "", frame.url, False))
        # the form's page itself, loaded whole ("load": a screen may finish itself in an
        # onload script, e.g. a modal after an alert); the redo fills it in again
        url = sent.origin if sent.method == "POST" and sent.origin else frame.url
        self.patiently(
            lambda: frame.goto(url, wait_until="load", timeout=timeout_ms),
            what,
            timeout_ms,
            where=f"{url} after {kind}",
        )

    def reconnect(self, timeout_ms: float) -> None:
        """After Chromium's error page: wait for the portal with growing pauses (at most
        ``DOWN_BUDGET_S``), then open each frame that shows the error page again the way
        the busy recovery does (the form a POST left, or the GET again)."""
        deadline = time.monotonic() + DOWN_BUDGET_S
        for _ in range(RECOVER_TRIES):
            found = self.down()
            if found is None:
                return
            frame, net_error = found
            self.patiently(
                partial(self._load_again, frame, timeout_ms),
                t("重新打开页面"),
                timeout_ms,
                deadline,
                where=f"loading again after {net_error or 'a network error'}",
            )

    def _load_again(self, frame: Frame, timeout_ms: float) -> None:
        sent = self.requests.get(frame)
        if sent is None or (sent.method == "POST" and not sent.origin):
            # never send a POST again blindly: its form's page is what would be loaded
            raise SystemException.said(
                t("窗口显示浏览器的错误页,且不知道它原来是哪一页"),
                t("请先在营账系统核实这一步是否已办理,再重放"),
                code="screen_lost",
                detail="a window shows Chromium's error page and the page it came from is "
                "not known: nothing to load again",
                retryable=False,
            )
        url = sent.origin if sent.method == "POST" else sent.url
        frame.goto(url, wait_until="load", timeout=timeout_ms)

    def patiently(
        self,
        load: Callable[[], object],
        what: str,
        timeout_ms: float,
        deadline: float | None = None,
        where: str = "",
    ) -> None:
        """Run ``load`` (a navigation to the portal) until the portal answers it: a request
        it did not answer goes again after a growing pause, until ``deadline`` (by default
        ``DOWN_BUDGET_S`` from now); then the portal is unavailable, not retried in this
        run (the queue retries the order later). ``what`` says for people what is being
        done; ``where`` names the request for the detail."""
        end = time.monotonic() + DOWN_BUDGET_S if deadline is None else deadline
        wait = DOWN_FIRST_WAIT_S
        while True:
            try:
                load()
                return
            except Error as error:
                failure: BotsError = translate(error, what, timeout_ms, where)
            if failure.code not in NO_ANSWER:
                raise failure
            if time.monotonic() + wait > end:
                raise SystemException.said(
                    silence(failure.code, seconds(DOWN_BUDGET_S * 1000)),
                    t("它可能正在重启或已停机;稍后重放,一直如此请联系营账系统的管理员"),
                    code=UNAVAILABLE,
                    detail=f"{failure.detail}; it did not answer for {DOWN_BUDGET_S:g} s",
                    retryable=False,
                )
            pause(wait)  # yields to the other workers
            wait = min(wait * 2, DOWN_LONGEST_WAIT_S)

    def wait_first(
        self,
        refs: tuple[str, ...],
        timeout_ms: float,
        ignore: frozenset[str] = frozenset(),
        only: frozenset[str] | None = None,
    ) -> str | None:
        """The first of ``refs`` (in that order of preference) that shows within the
        timeout; None when none did or a marker (or Chromium's error page) showed first
        (``raise_shown`` says which; ``ignore`` and ``only`` as there). Used after a
        recovery, where the screens may be in any frame or window, so it polls instead of
        racing one locator."""
        deadline = time.monotonic() + timeout_ms / 1000
        polls = 0
        while True:
            for ref in refs:
                if self.session.visible_now(ref):
                    return ref
            polls += 1
            if time.monotonic() >= deadline or (
                polls % MARKER_POLLS == 0
                and (self.find(ignore, only) is not None or self.down() is not None)
            ):
                return None
            pause(POLL_S)
