"""How a person calls an element: the button's name, the field's label, the text it shows.

It knows the candidates' strategies and turns the first one a person can read into words
(``"收费"按钮``, ``"工号"栏``); an element found only by CSS or a test id is called by
its ``page.element`` name. It does not know pages, frames or the browser.
"""

from __future__ import annotations

from collections.abc import Callable

from bots.messages import t
from bots.selectors.repository import Repository, Target

# a role's name as a person says it; any other role is just its quoted name
_ROLES: dict[str, Callable[[str], str]] = {
    "button": lambda name: t('"{name}"按钮', name=name),
    "link": lambda name: t('"{name}"链接', name=name),
    "checkbox": lambda name: t('"{name}"复选框', name=name),
    "radio": lambda name: t('"{name}"选项', name=name),
    "tab": lambda name: t('"{name}"标签页', name=name),
}


def element_name(target: Target) -> str | None:
    """``"收费"按钮`` for ``{role: button, name: 收费}``; None when no candidate has words
    a person would read (CSS, a test id)."""
    for c in target.element.candidates:
        if c.role is not None and c.name:
            return _ROLES.get(c.role, lambda name: t('"{name}"', name=name))(c.name)
        field = c.label if c.label is not None else c.placeholder
        if field is not None:
            return t('"{name}"栏', name=field)
        if c.text is not None:
            return t('"{name}"', name=c.text)
    return None


def element_words(target: Target) -> str:
    """The element's name, else ``元素"fees.order_no"``."""
    return element_name(target) or t('元素"{ref}"', ref=target.ref)


def selector_file(repository: Repository | None, page: str) -> str:
    """The selector file that defines ``page``, as the repository names it."""
    found = repository.origins.get(page) if repository is not None else None
    return found or "selectors/"
