"""Step screenshots: which steps get one, and taking them (sensitive elements masked).

Under ``every_step`` each step that changed something gets a picture, but not each its
own capture: a screen's edits (fills, selects, the click that opened it) are pictured
once, right before the next step that may change the screen (a click, a key press, a
page load) or at the end of the run, and the steps share that picture. That costs one
capture per screen instead of one per step, and each picture still shows its steps' work.
A click the flow says keeps its screen (``keeps_screen``: a 查询 under its form) leaves
what it was owed on screen, so its picture waits for the next one too.
"""

from __future__ import annotations

from typing import Any

from bots.actions import BrowserSession
from bots.flow.models import Step
from bots.masking import Masker
from bots.runner.runfolder import RunFolder

# actions that only look: the page is as the step before left it (no new picture needed)
READ_ONLY = ("wait_for", "assert", "extract", "sleep", "run", "ask", "fail")
# before these, the pictures owed are taken: they may leave the screen the owed steps changed
CHANGES_SCREEN = ("click", "press", "goto")


def keeps_screen(step: Step) -> bool:
    """A click the flow says changes its screen in place."""
    return bool(getattr(step.args, "keeps_screen", False))


def leaves_screen(step: Step) -> bool:
    """Whether ``step`` may take away the screen the pictures owed would show."""
    return step.action in CHANGES_SCREEN and not keeps_screen(step)


def changed_page(step: Step, record: dict[str, Any]) -> bool:
    """A look (wait, assert, extract), a sub-flow (its steps have theirs) or a skipped step
    shows nothing new; every other step gets a picture under ``every_step``."""
    if record["status"] in ("skipped", "optional_skipped"):
        return False
    return record["status"] == "already_done" or step.action not in READ_ONLY


def capture(
    session: BrowserSession,
    folder: RunFolder,
    masker: Masker,
    record: dict[str, Any],
    page_name: str | None,
    extra_mask: tuple[str, ...] = (),
    full_page: bool = False,
) -> None:
    path = folder.screen_path(record["n"], record["id"].replace("/", "__"))
    try:
        session.screenshot(str(path), page_name, extra_mask, full_page)
        record["screenshot"] = str(path.relative_to(folder.path))
    except Exception as error:  # noqa: BLE001 - a missing picture must not change the run's result
        record["screenshot_error"] = masker.text(f"{type(error).__name__}: {error}".splitlines()[0])


def sensitive_target(step: Step) -> tuple[str, ...]:
    target = getattr(step.args, "target", None)
    return (target,) if step.sensitive and target else ()


class Pending:
    """The pictures owed to steps that changed the screen, taken once per screen."""

    def __init__(self, session: BrowserSession, folder: RunFolder, masker: Masker) -> None:
        self.session, self.folder, self.masker = session, folder, masker
        self._owed: list[tuple[Step, dict[str, Any], str | None]] = []

    def add(self, step: Step, record: dict[str, Any], page_name: str | None) -> None:
        self._owed.append((step, record, step.opens or page_name))

    def take(self) -> None:
        """One capture per window the owed steps acted in, named after the last of them."""
        owed, self._owed = self._owed, []
        by_page: dict[str | None, list[tuple[Step, dict[str, Any]]]] = {}
        for step, record, page in owed:
            by_page.setdefault(page, []).append((step, record))
        for page, steps in by_page.items():
            last = steps[-1][1]
            masks = tuple(ref for step, _ in steps for ref in sensitive_target(step))
            capture(self.session, self.folder, self.masker, last, page, masks)
            self._share(last, [record for _, record in steps[:-1]])

    def drop(self, why: str) -> None:
        """The pictures owed cannot be taken any more: each owed step says ``why``."""
        owed, self._owed = self._owed, []
        for _, record, _ in owed:
            record["screenshot_error"] = why

    def share(self, pictured: dict[str, Any]) -> None:
        """A picture just taken (a failure, a ``screenshot`` step) shows the owed steps too."""
        owed, self._owed = self._owed, []
        self._share(pictured, [record for _, record, _ in owed])

    @staticmethod
    def _share(pictured: dict[str, Any], records: list[dict[str, Any]]) -> None:
        for record in records:
            for key in ("screenshot", "screenshot_error"):
                if pictured.get(key):
                    record[key] = pictured[key]
