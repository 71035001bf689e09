"""One handler per action; ``HANDLERS`` is the registry the runner dispatches on.

A handler gets the session and a ``Call`` (the step, its evaluated arguments, the
timeout) and returns the step's outputs. Healed candidates are noted on the call.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from playwright.sync_api import Error, Locator, expect

from bots.actions.failures import passing, translate
from bots.actions.session import BrowserSession
from bots.errors import (
    BadInput,
    BotsError,
    BusinessException,
    DefinitionError,
    ReviewNeeded,
    SystemException,
)
from bots.flow.models import Step
from bots.messages import t
from bots.pause import pause
from bots.selectors.names import element_words


@dataclass
class Call:
    step: Step
    args: dict[str, Any]
    timeout_ms: float
    healed: list[str] = field(default_factory=list)
    sent: bool = False
    # the action sends a commit's change: it returns once it went out, never waiting for
    # the page it asked for (the wait for ``expect`` does that, and tells a late answer
    # from an action that never went out)
    sends: bool = False
    # markers showing before the action (a message left from an earlier one): not its answer
    stale: frozenset[str] = frozenset()
    # which candidate of each element did the work (1-based), for the run record
    acted: dict[str, int] = field(default_factory=dict)

    def note(self, ref: str, candidate: int) -> None:
        self.acted[ref] = candidate
        if candidate > 1:
            self.healed.append(t("{ref}:靠第{n}个候选才找到", ref=ref, n=candidate))


Handler = Callable[[BrowserSession, Call], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}


def handler(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        return fn

    return register


def _act(
    s: BrowserSession,
    call: Call,
    ref: str,
    fn: Callable[[Locator, float], Any],
    what: str,
    *,
    acting: bool = True,
    watched: bool = False,
    timeout_ms: float | None = None,
) -> Any:
    """``fn`` on ``ref`` (``acting``: an action, done once; else a look). ``what`` says
    what is done, ``{element}`` standing for the element (``t("点击{element}")``);
    ``watched``: ``fn`` may be run again, so a marker may end its wait (``s.act``);
    ``timeout_ms``: what is left of the step's timeout, when something came first."""
    left = call.timeout_ms if timeout_ms is None else timeout_ms
    result, candidate = s.act(ref, fn, left, what, acting=acting, watched=watched)
    call.sent = True
    call.note(ref, candidate)
    return result


def _before(s: BrowserSession, call: Call) -> frozenset[str]:
    """The markers showing before the action, near where its answer may show: its
    ``expect``, and for an action that sends, where it is made (``classify`` takes an
    answer from either)."""
    refs = [call.args.get("expect")] + ([call.args.get("target")] if call.sends else [])
    wanted = [str(r) for r in dict.fromkeys(refs) if r]
    return s.markers.shown(*wanted) if wanted else frozenset()


def _then(s: BrowserSession, call: Call, stale: frozenset[str] = frozenset()) -> None:
    expected = call.args.get("expect")
    if expected:
        s.wait_visible(expected, call.timeout_ms, stale)


@handler("goto")
def goto(s: BrowserSession, call: Call) -> dict[str, Any]:
    url = str(call.args["url"])
    relative = not re.match(r"^[a-z]+:", url)
    if relative and not s.base_url:
        raise BadInput.said(
            t("不知道营账系统的地址,无法打开相对地址{url}", url=url),
            t("请用 --portal 或 BOTS_PORTAL_URL 给出营账系统的地址"),
            code="portal_url_missing",
        )
    if relative and s.base_url:
        url = urljoin(s.base_url.rstrip("/") + "/", url.lstrip("/"))
    page = s.page(call.step.page)
    if call.step.page is None and not call.args.get("frame_of") and s.landed == url == page.url:
        return {}  # the login has just left the window on this page: it shows already

    def load() -> None:
        if call.args.get("frame_of"):
            # the screen opens inside the portal's iframe, as its own menu links do
            s.frame_of(str(call.args["frame_of"]), call.timeout_ms).goto(
                url, timeout=call.timeout_ms, wait_until="domcontentloaded"
            )
        else:
            page.goto(url, timeout=call.timeout_ms, wait_until="domcontentloaded")

    # a GET changes nothing: while the portal does not answer (a restart), ask again
    s.markers.patiently(load, t("打开{url}", url=url), call.timeout_ms, where=url)
    return {}


@handler("click")
def click(s: BrowserSession, call: Call) -> dict[str, Any]:
    double = call.args.get("double")
    ref = call.args["target"]
    stale = call.stale = _before(s, call)

    def press(loc: Locator, t: float) -> None:
        try:
            if double:
                loc.dblclick(timeout=t, no_wait_after=call.sends)
            else:
                loc.click(timeout=t, no_wait_after=call.sends)
        except Error:
            # a popup that writes back to its opener and closes itself inside the click
            # handler ends the click's own wait with "Target closed": the click was done,
            # and the step's expect (in the opener) says whether it did its work
            if not s.closed_by_click(ref):
                raise

    _act(s, call, ref, press, t("点击{element}"))
    _then(s, call, stale)
    return {}


@handler("fill")
def fill(s: BrowserSession, call: Call) -> dict[str, Any]:
    value = "" if call.args["value"] is None else str(call.args["value"])
    type_in = t("填写{element}")
    _act(s, call, call.args["target"], lambda loc, ms: loc.fill(value, timeout=ms), type_in,
         watched=True)  # fmt: skip
    _then(s, call)
    return {}


@handler("select")
def select(s: BrowserSession, call: Call) -> dict[str, Any]:
    value, label = call.args.get("value"), call.args.get("label")

    def pick(loc: Locator, t: float) -> Any:
        if label is not None:
            return loc.select_option(label=str(label), timeout=t)
        return loc.select_option(value=str(value), timeout=t)

    _act(s, call, call.args["target"], pick, t("在{element}中选择"), watched=True)
    return {}


@handler("check")
def check(s: BrowserSession, call: Call) -> dict[str, Any]:
    _act(s, call, call.args["target"], lambda loc, ms: loc.check(timeout=ms), t("勾选{element}"),
         watched=True)  # fmt: skip
    return {}


@handler("uncheck")
def uncheck(s: BrowserSession, call: Call) -> dict[str, Any]:
    doing = t("取消勾选{element}")
    _act(s, call, call.args["target"], lambda loc, ms: loc.uncheck(timeout=ms), doing,
         watched=True)  # fmt: skip
    return {}


@handler("press")
def press(s: BrowserSession, call: Call) -> dict[str, Any]:
    key = str(call.args["key"])
    target = call.args.get("target")
    # a key can send a form as a click does: the same look before, the same wait after
    stale = call.stale = _before(s, call)
    if target:
        doing = t("在{element}中按{key}键", element="{element}", key=key)
        _act(s, call, target, lambda loc, ms: loc.press(key, timeout=ms, no_wait_after=call.sends),
             doing)  # fmt: skip
    else:
        window = s.page(call.step.page)
        # no element to wait for: the key goes out with this call, even if it then fails
        call.sent = True
        try:
            window.keyboard.press(key)
        except Error as error:
            where = f"keyboard.press({key})"
            raise translate(error, t("按{key}键", key=key), call.timeout_ms, where) from None
    _then(s, call, stale)
    return {}


@handler("upload")
def upload(s: BrowserSession, call: Call) -> dict[str, Any]:
    files = call.args["files"]
    paths = [files] if isinstance(files, str) else list(files)
    _act(
        s,
        call,
        call.args["target"],
        lambda loc, ms: loc.set_input_files(paths, timeout=ms),
        t("向{element}上传文件"),
    )
    return {}


@handler("wait_for")
def wait_for(s: BrowserSession, call: Call) -> dict[str, Any]:
    state = call.args.get("state", "visible")
    ref = call.args["target"]
    if state == "visible":
        s.wait_visible(ref, call.timeout_ms)
    else:
        waits = {
            "hidden": t("等待{element}消失"),
            "attached": t("等待{element}载入页面"),
            "detached": t("等待{element}从页面移除"),
        }
        _act(
            s,
            call,
            ref,
            lambda loc, ms: loc.wait_for(state=state, timeout=ms),
            waits[state],
            acting=False,
        )
    return {}


def _shown_or_marker(s: BrowserSession, ref: str, timeout_ms: float) -> None:
    """Wait for ``ref`` or the marker the portal shows instead (its busy page after a
    login), which raises at once; an element that does not come is left to the checks,
    which say how it differs."""
    try:
        s.wait_visible(ref, timeout_ms)
    except SystemException as error:
        if error.code != "timeout":
            raise


@handler("assert")
def assert_(s: BrowserSession, call: Call) -> dict[str, Any]:
    a = call.args

    def check_all(loc: Locator, ms: float) -> None:
        e = expect(loc)
        if a.get("visible") is True:
            e.to_be_visible(timeout=ms)
        if a.get("visible") is False:
            e.to_be_hidden(timeout=ms)
        if a.get("text") is not None:
            e.to_have_text(str(a["text"]), timeout=ms)
        if a.get("contains") is not None:
            e.to_contain_text(str(a["contains"]), timeout=ms)
        if a.get("value") is not None:
            e.to_have_value(str(a["value"]), timeout=ms)
        if a.get("checked") is not None:
            e.to_be_checked(checked=bool(a["checked"]), timeout=ms)
        if all(a.get(k) is None for k in ("visible", "text", "contains", "value", "checked")):
            e.to_be_visible(timeout=ms)

    started = time.monotonic()
    try:
        if a.get("visible") is not False:
            _shown_or_marker(s, a["target"], call.timeout_ms)
        left = max(call.timeout_ms - (time.monotonic() - started) * 1000, 1)
        _act(s, call, a["target"], check_all, t("核对{element}"), acting=False, timeout_ms=left)
    except AssertionError as error:
        # Playwright's message quotes the page's text, never our secrets' sources
        first = str(error).strip().splitlines()[0]
        raise passing(
            t("{element}与流程预期的不同", element=element_words(s.target(a["target"]))),
            t("请查看运行报告中的截图,稍后重放"),
            "assertion_failed",
            f"{a['target']}: {first}",
        ) from None
    return {}


@handler("extract")
def extract(s: BrowserSession, call: Call) -> dict[str, Any]:
    a = call.args
    source = "attribute" if a.get("attribute") else a.get("source", "text")

    def read(loc: Locator, t: float) -> str | None:
        if source == "value":
            return loc.input_value(timeout=t)
        if source == "attribute":
            return loc.get_attribute(str(a["attribute"]), timeout=t)
        return loc.inner_text(timeout=t)

    value = _act(s, call, a["target"], read, t("读取{element}"), acting=False)
    value = value.strip() if isinstance(value, str) else value
    if a.get("pattern") and value is not None:
        try:
            match = re.search(str(a["pattern"]), value)
        except re.error as error:
            # the flow's own pattern, made whole by an expression only at run time
            raise DefinitionError(
                t("步骤 '{step}' 的正则表达式 '{pattern}' 无法编译:{error}",
                  step=call.step.id, pattern=a["pattern"], error=error.msg)  # fmt: skip
            ) from None
        if match is None:
            element = element_words(s.target(a["target"]))
            raise passing(
                t("{element}的文字不是流程预期的格式", element=element),
                t("请查看运行报告中的截图,稍后重放"),
                "extract_no_match",
                f"{a['target']}: the text does not match /{a['pattern']}/",
            )
        value = match.group(1) if match.groups() else match.group(0)
    return {a["into"]: value}


@handler("screenshot")
def screenshot(s: BrowserSession, call: Call) -> dict[str, Any]:
    # the runner's screenshot machinery does the work: it always keeps this step's picture
    return {}


@handler("sleep")
def sleep(s: BrowserSession, call: Call) -> dict[str, Any]:
    pause(float(call.args["seconds"]))  # yields to the other workers
    return {}


# what a flow's `fail: {kind}` raises
FAILURES: dict[str, Callable[[str], BotsError]] = {
    "business": lambda message: BusinessException(message, code="flow_refused"),
    "system": lambda message: SystemException(message, code="flow_failed", retryable=False),
    "review": lambda message: ReviewNeeded(message, code="money_moved"),
}


@handler("fail")
def fail(s: BrowserSession, call: Call) -> dict[str, Any]:
    if not call.args.get("when", True):
        return {}  # the rule holds: checked, and passed
    raise FAILURES[call.args.get("kind", "business")](str(call.args["message"]))
