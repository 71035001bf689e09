from bots.ledger.model import State
from bots.messages import language_of
from bots.messages.terms import procedure_name, state_name


def test_every_state_has_a_chinese_and_an_english_name() -> None:
    with language_of("zh"):
        zh = [state_name(s) for s in State]
    with language_of("en"):
        en = [state_name(s) for s in State]
    assert zh == ["待处理", "处理中", "已完成", "失败", "等待重试", "待人工核查", "已取消"]
    assert en == ["pending", "running", "done", "failed", "waiting to retry", "needs review",
                  "cancelled"]  # fmt: skip


def test_procedures_are_named() -> None:
    with language_of("zh"):
        assert [procedure_name("new_install"), procedure_name("renewal")] == ["新装", "续费"]
    with language_of("en"):
        assert procedure_name("renewal") == "renewal"
