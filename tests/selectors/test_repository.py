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
        "应为页面 'login' 的元素,实际为未知的选择器 'login.usr';是否想写 'login.user'?"
    )
    assert repo.problem("logn.user") == (
        "应为选择器库中的页面,实际为未知的页面 'logn';是否想写 'login.user'?"
    )
    # the near name is looked for among the page's own elements, not every page.element
    assert repo.problem("login.notce") == (
        "应为页面 'login' 的元素,实际为未知的选择器 'login.notce';这个页面的元素有:user, password"
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
        f"{file}:4:5: ==> 键 pages.home =====> 标记 'busy' 指向元素 'nothing',"
        "但这个页面没有这个元素"
    )


def test_same_page_in_two_files_is_refused(tmp_path):
    one = write(tmp_path, "one.yaml", "pages:\n  home:\n    elements:\n      x: {css: a}\n")
    two = write(tmp_path, "two.yaml", "pages:\n  home:\n    elements:\n      y: {css: b}\n")
    with pytest.raises(DefinitionError) as caught:
        load_repository([one, two])
    assert (
        str(caught.value)
        == f"{two}:3:5: =====> 页面 'home' 已在 {one} 中定义;请改名其中一个"
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
        f"{bad}:4:5: ==> 键 pages.work =====> 'retry_later' 只能用在 business_error 标记上,"
        "实际用在 'busy' 上"
    )


def test_a_busy_marker_says_what_it_means_after_a_send(tmp_path):
    good = write(
        tmp_path,
        "e.yaml",
        """
pages:
  work:
    elements:
      busy: {css: ".busy"}
    markers:
      busy: busy
  stale_form:
    elements:
      notice: {text: 页面已过期或重复提交, exact: false}
    markers:
      busy: {element: notice, after_send: unknown}
""",
    )
    assert [(m.target.ref, m.after_send) for m in load_repository([good]).markers] == [
        ("work.busy", "did_nothing"),
        ("stale_form.notice", "unknown"),
    ]


@pytest.mark.parametrize(("marker", "key", "kind"), [
    ("business_error: {element: x, after_send: unknown}", "after_send", "business_error"),
    ("session_lost: {element: x, quote: true}", "quote", "session_lost"),
])  # fmt: skip
def test_a_busy_only_key_on_another_marker_is_refused(
    tmp_path: Path, marker: str, key: str, kind: str
) -> None:
    bad = write(tmp_path, "f.yaml", f"""
pages:
  work:
    elements:
      x: {{css: ".x"}}
    markers:
      {marker}
""")  # fmt: skip
    with pytest.raises(DefinitionError) as caught:
        load_repository([bad])
    assert str(caught.value) == (
        f"{bad}:4:5: ==> 键 pages.work =====> '{key}' 只能用在 busy 标记上,实际用在 '{kind}' 上"
    )


ONE_PAGE = """
pages:
  login:
    elements:
      user: [{label: 工号}]
"""


def test_an_unchanged_file_is_read_once_and_a_changed_one_again(tmp_path, monkeypatch):
    from bots.selectors import repository

    file = write(tmp_path, "c.yaml", ONE_PAGE)
    reads: list[Path] = []
    real = repository.load_yaml
    monkeypatch.setattr(repository, "load_yaml", lambda p, d=None: reads.append(p) or real(p, d))
    first = repository.load_selector_file(file)
    assert repository.load_selector_file(file) is first
    assert load_repository([file]).target("login.user").element is (
        load_repository([file]).target("login.user").element
    )
    assert len(reads) == 1
    write(tmp_path, "c.yaml", ONE_PAGE.replace("工号", "用户名"))
    changed = repository.load_selector_file(file)
    assert changed.pages["login"].elements["user"].candidates[0].label == "用户名"
    assert len(reads) == 2


def test_a_bad_file_is_read_again_each_time(tmp_path, monkeypatch):
    from bots.selectors import repository

    file = write(tmp_path, "d.yaml", "pages:\n  login:\n    elements:\n      user: [{lable: x}]\n")
    reads: list[Path] = []
    real = repository.load_yaml
    monkeypatch.setattr(repository, "load_yaml", lambda p, d=None: reads.append(p) or real(p, d))
    for _ in range(2):
        with pytest.raises(DefinitionError) as caught:
            load_repository([file])
        assert str(caught.value) == (
            f"{file}:4:13: ==> 键 pages.login.elements.user.candidates.0.lable "
            "=====> 不认识的键 'lable'"
        )
    assert len(reads) == 2


def test_alternative_frame_chains_and_caption_candidates(tmp_path):
    repo = load_repository([write(tmp_path, "c.yaml", """
pages:
  work:
    frames: ["iframe[name=workarea]", ["frame[name=mainFrame]", "iframe.tab:visible"], []]
    elements:
      name: [{caption: 客户名称}, {caption: 随套餐内手机, exact: false}]
  one:
    frame: "iframe#main"
    elements:
      x: {css: "#x"}
""")])
    work = repo.target("work.name")
    assert work.page.chains == (
        ("iframe[name=workarea]",), ("frame[name=mainFrame]", "iframe.tab:visible"), ())
    assert [c.describe() for c in work.element.candidates] == [
        "caption='客户名称'", "caption='随套餐内手机'"]
    assert work.element.candidates[1].exact is False
    assert repo.target("one.x").page.chains == (("iframe#main",),)
    assert repo.pages["one"].frames == ()


def test_frame_and_frames_together_are_refused(tmp_path):
    file = write(tmp_path, "d.yaml", """
pages:
  work:
    frame: "iframe#a"
    frames: ["iframe#b"]
    elements:
      x: {css: "#x"}
""")
    with pytest.raises(DefinitionError) as caught:
        load_repository([file])
    assert str(caught.value) == (
        f"{file}:4:5: ==> 键 pages.work =====> 'frame' 和 'frames' 只能写一个,实际两个都写了")
