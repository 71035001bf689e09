from __future__ import annotations

from pathlib import Path

import pytest

from bots.errors import DefinitionError
from bots.selectors.repository import load_repository


def write(tmp_path: Path, name: str, text: str) -> Path:
    file = tmp_path / name
    file.write_text(text, encoding="utf-8")
    return file


def test_lookup_and_did_you_mean(tmp_path):
    repo = load_repository(
        [
            write(
                tmp_path,
                "a.yaml",
                """
pages:
  login:
    frame: ["iframe#main"]
    elements:
      user: [{role: textbox, name: 工号}, {label: 工号}, {css: "#user"}]
      password: {css: "#pw", sensitive: true}
    markers:
      session_lost: user
""",
            )
        ]
    )
    target = repo.target("login.user")
    assert target.page.frame == ("iframe#main",)
    assert [c.describe() for c in target.element.candidates] == [
        "role='textbox' name='工号'",
        "label='工号'",
        "css='#user'",
    ]
    assert repo.problem("login.user") is None
    assert repo.problem("login.usr") == (
        "expected an element of page 'login', found unknown selector 'login.usr'; "
        "did you mean 'login.user'?"
    )
    assert repo.problem("logn.user") == (
        "expected a page of the selector repository, found unknown page 'logn'; "
        "did you mean 'login.user'?"
    )
    assert [t.ref for t in repo.sensitive_targets()] == ["login.password"]
    assert [(m.kind, m.target.ref) for m in repo.markers] == [("session_lost", "login.user")]


def test_marker_must_name_an_element_of_its_page(tmp_path):
    file = write(
        tmp_path,
        "b.yaml",
        """
pages:
  home:
    elements:
      x: {css: "#x"}
    markers:
      busy: nothing
""",
    )
    with pytest.raises(DefinitionError) as caught:
        load_repository([file])
    assert str(caught.value) == (
        f"{file}:4:5: ==> At key: pages.home =====> marker 'busy' names element 'nothing', "
        "which this page lacks"
    )


def test_same_page_in_two_files_is_refused(tmp_path):
    one = write(tmp_path, "one.yaml", "pages:\n  home:\n    elements:\n      x: {css: a}\n")
    two = write(tmp_path, "two.yaml", "pages:\n  home:\n    elements:\n      y: {css: b}\n")
    with pytest.raises(DefinitionError) as caught:
        load_repository([one, two])
    assert (
        str(caught.value)
        == f"{two}:3:5: =====> page 'home' is already defined in {one}; rename one"
    )


def test_retry_later_refusals_belong_to_the_business_error_marker(tmp_path):
    good = write(
        tmp_path,
        "c.yaml",
        """
pages:
  work:
    elements:
      error: {css: ".error"}
    markers:
      business_error:
        element: error
        retry_later: {号码已被占用: held by another session until it ends}
""",
    )
    [marker] = load_repository([good]).markers
    assert (marker.kind, marker.target.ref) == ("business_error", "work.error")
    assert dict(marker.retry_later) == {"号码已被占用": "held by another session until it ends"}
    bad = write(
        tmp_path,
        "d.yaml",
        """
pages:
  work:
    elements:
      busy: {css: ".busy"}
    markers:
      busy: {element: busy, retry_later: {系统繁忙: later}}
""",
    )
    with pytest.raises(DefinitionError) as caught:
        load_repository([bad])
    assert str(caught.value) == (
        f"{bad}:4:5: ==> At key: pages.work =====> expected 'retry_later' only on a "
        "business_error marker, found it on 'busy'"
    )
