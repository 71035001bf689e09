"""Loads selector files and answers ``page.element`` look-ups for flows and the runner.

A selector file is read and checked once per process while it is unchanged (same size and
modification time): every flow of a run builds its repository from the same files, and a
worker loads its flows again for every order.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from bots.flow.problems import (
    DefinitionProblems,
    Problem,
    did_you_mean,
    did_you_mean_name,
    explain,
    suggest,
)
from bots.flow.yamlsafe import Marks, load_yaml
from bots.messages import t
from bots.selectors.models import Element, Page, SelectorFile


@dataclass(frozen=True)
class Target:
    """A resolved reference: the page (frames, popup) and the element's candidates."""

    ref: str
    page_name: str
    page: Page
    element: Element


@dataclass(frozen=True)
class MarkerRef:
    kind: str
    target: Target
    recover: str
    retry_later: Mapping[str, str] = field(default_factory=dict)
    after_send: str = "did_nothing"
    quote: bool = False  # a busy marker says its element's text, not 营账系统繁忙


class Repository:
    def __init__(
        self, pages: dict[str, Page], origins: dict[str, str], files: tuple[str, ...] = ()
    ) -> None:
        self.pages = pages
        self.files = files
        self.origins = origins
        self._targets: dict[str, Target] = {}
        self.markers: tuple[MarkerRef, ...] = tuple(
            MarkerRef(
                kind, self.target(f"{name}.{m.element}"), m.recover, m.retry_later, m.after_send,
                m.quote,
            )
            for name, page in pages.items()
            for kind, m in page.markers.items()
        )

    def refs(self) -> list[str]:
        return [f"{p}.{e}" for p, page in self.pages.items() for e in page.elements]

    def problem(self, ref: str) -> str | None:
        """Why ``ref`` does not name an element, with a suggestion; None when it does."""
        page_name, _, element = ref.partition(".")
        if not element:
            return t("应为 '页面.元素',实际为 '{ref}'", ref=ref) + did_you_mean(ref, self.refs())
        page = self.pages.get(page_name)
        if page is None:
            return t(
                "应为选择器库中的页面,实际为未知的页面 '{page}'", page=page_name
            ) + self._near_page(page_name, element)
        if element not in page.elements:
            near = did_you_mean_name(element, page.elements)
            return t(
                "应为页面 '{page}' 的元素,实际为未知的选择器 '{ref}'", page=page_name, ref=ref
            ) + (
                suggest(f"{page_name}.{near}")
                if near
                else t(";这个页面的元素有:{elements}", elements=", ".join(page.elements))
            )
        return None

    def _near_page(self, page_name: str, element: str) -> str:
        """The did-you-mean of a misspelt page: the near page with the element, if it has it."""
        near = did_you_mean_name(page_name, self.pages)
        if near is None:
            return ""
        return suggest(f"{near}.{element}" if element in self.pages[near].elements else near)

    def target(self, ref: str) -> Target:
        found = self._targets.get(ref)
        if found is None:
            page_name, _, element = ref.partition(".")
            page = self.pages[page_name]
            found = Target(ref, page_name, page, page.elements[element])
            self._targets[ref] = found
        return found

    def sensitive_targets(self) -> tuple[Target, ...]:
        return tuple(
            self.target(f"{p}.{e}")
            for p, page in self.pages.items()
            for e, el in page.elements.items()
            if el.sensitive
        )


def _pydantic_problems(
    error: ValidationError, marks: Marks, prefix: tuple[str, ...] = ()
) -> list[Problem]:
    out = []
    errors = error.errors()
    deeper = [tuple(e["loc"]) for e in errors]
    for item in errors:
        here = tuple(item["loc"])
        if item["type"] == "too_short" and any(
            len(d) > len(here) and d[: len(here)] == here for d in deeper
        ):
            continue  # the list is empty only because its items failed: report those
        loc = tuple(str(x) if not isinstance(x, int) else x for x in item["loc"])
        loc = tuple(x for x in loc if x not in ("function-after[_one_strategy(), Candidate]",))
        key = ".".join(str(x) for x in loc) or None
        msg = explain({**item, "loc": loc}, SelectorFile)
        out.append(Problem(marks.file, marks.at((*prefix, *loc)), msg, key=key))
    return out


# resolved path → (size and mtime, the checked file); the models are frozen. A file with
# problems is not kept: its problems name it as the caller shows it
_FILES: dict[Path, tuple[tuple[int, int], SelectorFile]] = {}
_FILES_LOCK = threading.Lock()


def load_selector_file(path: Path, display: str | None = None) -> SelectorFile:
    key = path.resolve()
    try:
        stat = path.stat()
        version = (stat.st_size, stat.st_mtime_ns)
    except OSError:
        version = None  # load_yaml says what is wrong with the path
    cached = _FILES.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    data, marks = load_yaml(path, display)
    try:
        loaded = SelectorFile.model_validate(data)
    except ValidationError as error:
        raise DefinitionProblems(_pydantic_problems(error, marks)) from None
    if version is not None:
        with _FILES_LOCK:
            _FILES[key] = (version, loaded)
    return loaded


def load_repository(files: list[Path], display_root: Path | None = None) -> Repository:
    pages: dict[str, Page] = {}
    origins: dict[str, str] = {}
    problems: list[Problem] = []
    for path in files:
        display = _display(path, display_root)
        try:
            loaded = load_selector_file(path, display)
        except DefinitionProblems as error:
            problems.extend(error.problems)
            continue
        for name, page in loaded.pages.items():
            if name in pages:
                _, marks = load_yaml(path, display)
                problems.append(
                    Problem(
                        display,
                        marks.at(("pages", name)),
                        t("页面 '{page}' 已在 {file} 中定义;请改名其中一个",
                          page=name, file=origins[name]),  # fmt: skip
                    )
                )
            pages[name] = page
            origins[name] = display
    if problems:
        raise DefinitionProblems(problems)
    return Repository(pages, origins, tuple(str(f.resolve()) for f in files))


def _display(path: Path, root: Path | None) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
