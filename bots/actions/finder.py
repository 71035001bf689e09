"""Finding an element among its candidates, and acting on it exactly once.

It knows the repository's candidates of an element and what "found" means (exactly one
match; for an action, visible and enabled too), how long the first candidate may take before
the others are looked at, and when a miss is a wrong selector rather than a slow page. It
does not know steps, retries or the run: the session hands it the element and the action.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from playwright.sync_api import Error, Frame, Locator

from bots.actions.failures import passing, translate
from bots.errors import BotsError, DefinitionError, SelectorError, SystemException
from bots.messages import t
from bots.selectors.names import element_name, element_words, selector_file
from bots.selectors.repository import Target

if TYPE_CHECKING:
    from bots.actions.session import BrowserSession

T = TypeVar("T")
# how long the first candidate gets (at most a third of the step's timeout) before the
# others are tried: the "healing" path, slow on purpose so the repository gets fixed
HEAL_PROBE_MS = 1000
# one look at a frame that is already there
LOOK_MS = 500


# Playwright's words for a selector its engines cannot read (CSS, then XPath): a wrong
# selector file, never a glitch a retry could pass
_UNPARSABLE = ("while parsing css selector", "is not a valid xpath expression",
               "is not a valid selector")  # fmt: skip


def _unparsable(error: Error) -> bool:
    first = (error.message or "").lower()
    return any(words in first for words in _UNPARSABLE)


def _loaded(frame: Frame) -> bool:
    return bool(frame.evaluate("document.readyState") == "complete")


class Finder:
    """One session's way to its elements."""

    def __init__(self, session: BrowserSession) -> None:
        self.session = session

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
        the candidate it ran on (more than 1: "healed"). ``what`` says what is done, with
        ``{element}`` where the element's name goes (``t("点击{element}")``).

        Single-candidate elements go straight to Playwright, whose strict locators already
        refuse 0 or 2+ matches (no extra round trip). With several candidates an action
        (``acting``) first *finds* its element — the first candidate gets a short budget to
        show visible and enabled, then any candidate is waited for — and only then acts,
        once, with the step's whole timeout: an action that went out (a click whose form
        POST is slow) is never tried again on another candidate. A look (``acting=False``:
        assert, extract, wait) changes nothing, so it simply tries the next candidate.
        """
        target = self.session.target(ref)
        frames = self.session.frames
        chain, timeout_ms = frames.settle(target, timeout_ms)
        doing = what.format(element=element_words(target))
        deadline = time.monotonic() + timeout_ms / 1000
        frame, _scope = frames.place(self.session.page(target.page.popup), chain)
        try:
            done = self._act(target, fn, timeout_ms, doing, acting)
        except BotsError:
            # a look in a frame that went before the look began (the portal's new work
            # area, not heard of yet) is made again where it is now; an action never is
            if acting or frame is None or not frame.is_detached():
                raise
            left = max((deadline - time.monotonic()) * 1000, 1)
            done = self._act(target, fn, left, doing, acting)
        frames.found(target)  # the element was there: its chain is the page's from now on
        return done

    def _act(
        self,
        target: Target,
        fn: Callable[[Locator, float], T],
        timeout_ms: float,
        doing: str,
        acting: bool,
    ) -> tuple[T, int]:
        cands = self.session.candidates(target)
        if len(cands) == 1:
            try:
                return fn(cands[0], timeout_ms), 1
            except Error as error:
                raise self.failure(target, error, doing, timeout_ms) from None
        if not acting:
            return self._look(target, fn, timeout_ms, doing)
        chosen = self._find(target, timeout_ms, doing)
        try:
            return fn(cands[chosen], timeout_ms), chosen + 1
        except Error as error:
            raise translate(error, doing, timeout_ms, target.ref) from None

    def _ready(self, locator: Locator, budget_ms: float) -> bool:
        """Whether ``locator`` shows exactly one visible, enabled element within the budget."""
        try:
            locator.wait_for(state="visible", timeout=budget_ms)
            return locator.is_enabled(timeout=budget_ms)
        except Error:
            return False  # none, several, or not in time: the other candidates are looked at

    def _find(self, target: Target, timeout_ms: float, doing: str) -> int:
        """The index of the candidate to act on: the first one when it shows within its short
        budget, else the first that matches exactly one element (visible and enabled ones
        first) once any candidate shows."""
        cands = self.session.candidates(target)
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
            shown = [i for i in unique if self.session.visible(cands[i])]
            usable = [i for i in shown if cands[i].is_enabled(timeout=remaining)]
        except Error as error:
            raise self.failure(target, error, doing, timeout_ms) from None
        for found in (usable, shown, unique):
            if found:
                return found[0]
        raise self._not_unique(target, counts, doing)

    def _look(
        self, target: Target, fn: Callable[[Locator, float], T], timeout_ms: float, doing: str
    ) -> tuple[T, int]:
        cands = self.session.candidates(target)
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
            raise self.failure(target, error, doing, timeout_ms) from None
        raise self._not_unique(target, counts, doing)

    @staticmethod
    def _union(cands: tuple[Locator, ...]) -> Locator:
        union = cands[0]
        for c in cands[1:]:
            union = union.or_(c)
        return union

    def _fix(self, target: Target) -> str:
        """The advice for a selector that does not fit the page."""
        file = selector_file(self.session.repository, target.page_name)
        return t("请按运行报告修正 {file}", file=file)

    def _not_unique(self, target: Target, counts: list[int], doing: str) -> SystemException:
        return passing(
            t("{doing}时找不到唯一的元素(选择器 {ref} 没有一个候选恰好匹配一个)",
              doing=doing, ref=target.ref),  # fmt: skip
            self._fix(target),
            "not_unique",
            f"{target.ref}: {tried(target, counts)}",
        )

    def failure(self, target: Target, error: Error, doing: str, timeout_ms: float) -> BotsError:
        """The typed error for a failed wait on ``target``. A time-out on a page that has
        loaded, where no candidate matches anything, is a wrong selector — not a glitch."""
        failure = translate(error, doing, timeout_ms, target.ref)
        if _unparsable(error):
            return DefinitionError.said(
                t("选择器 {ref} 的写法有误,浏览器无法解析", ref=target.ref),
                self._fix(target),
                code="selector_syntax",
                detail=failure.detail,
                element=target.ref,
            )
        if failure.code != "timeout":
            return failure
        counts = self.match_counts(target)
        if counts is None or any(counts):
            return failure
        name, n = element_name(target), len(counts)
        return SelectorError.said(
            t("找不到{element}(选择器 {ref} 的{n}个候选都未匹配)",
              element=name, ref=target.ref, n=n)  # fmt: skip
            if name is not None
            else t("找不到选择器 {ref} 所指的元素({n}个候选都未匹配)", ref=target.ref, n=n),
            self._fix(target),
            code="no_candidate_matched",
            detail=f"{target.ref}: {tried(target, counts)}; {failure.detail}",
            element=target.ref,
            counts=counts,
            candidates=[
                {"selector": c.describe(), "matches": n}
                for c, n in zip(target.element.candidates, counts, strict=True)
            ],
        )

    def match_counts(self, target: Target) -> list[int] | None:
        """How many elements each candidate of ``target`` matches right now, or None when
        its window or a frame of its chain is missing or still loading (then a missing
        element may just be late)."""
        chain = self.session.frames.chosen(target)
        if chain is None:
            return None  # which of its page's frame chains the portal shows is not known
        try:
            page = self.session.page(target.page.popup)
            frame: Frame = page.main_frame
            if not _loaded(frame):
                return None
            for css in chain:
                holder = frame.locator(css)
                if holder.count() != 1:
                    return None
                handle = holder.element_handle(timeout=LOOK_MS)
                inner = handle.content_frame() if handle is not None else None
                if inner is None or not _loaded(inner):
                    return None
                frame = inner
            return [c.count() for c in self.session.candidates(target)]
        except (Error, SystemException):
            return None


def tried(target: Target, counts: list[int]) -> str:
    """Each candidate with its match count, for the detail:
    ``candidate 1 css='.submit': 2 matches; candidate 2 css='button': 6 matches``."""
    return "; ".join(
        f"candidate {i + 1} {c.describe()}: {n} matches"
        for i, (c, n) in enumerate(zip(target.element.candidates, counts, strict=True))
    )
