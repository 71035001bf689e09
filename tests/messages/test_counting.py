"""A count and its noun in English: ``{count:|row|rows}``; Chinese has no plural."""

from __future__ import annotations

from bots.messages import language_of, t


def test_one_is_singular_and_any_other_count_plural_in_english() -> None:
    said = "流程或选择器文件里有{count}个问题;什么都没有运行"
    with language_of("en"):
        assert [t(said, count=n) for n in (1, 2, 0)] == [
            "1 problem in the flow/selector files; nothing was run",
            "2 problems in the flow/selector files; nothing was run",
            "0 problems in the flow/selector files; nothing was run",
        ]
    with language_of("zh"):
        assert t(said, count=1) == "流程或选择器文件里有1个问题;什么都没有运行"


def test_the_noun_alone_beside_a_count_the_page_shows_apart() -> None:
    # (the console's upload check read "1 good rows, ready to enqueue")
    with language_of("en"):
        assert [t("条合格,可以入队", n=n) for n in (1, 11)] == [
            "good row, ready to enqueue", "good rows, ready to enqueue",
        ]  # fmt: skip
        assert t("把{n}条合格订单入队", n=1) == "Enqueue the 1 good order"
    with language_of("zh"):
        assert t("条合格,可以入队", n=1) == "条合格,可以入队"
