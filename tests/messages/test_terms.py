from bots.ledger.model import State
from bots.messages import language_of
from bots.messages.terms import error_said, procedure_name, state_name


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


def test_console_roles_and_history_rows_are_named() -> None:
    from bots.ledger.model import ROLES
    from bots.messages.terms import history_kind_name, role_name

    kinds = ["enqueue", "attempt", "edit", "replay", "cancel", "review"]
    with language_of("zh"):
        assert [role_name(r) for r in ROLES] == ["录入员", "运维员", "管理员"]
        assert [history_kind_name(k) for k in kinds] == [
            "入队", "尝试", "修改", "重放", "取消", "已核查",
        ]  # fmt: skip
    with language_of("en"):
        assert [role_name(r) for r in ROLES] == ["clerk", "operator", "admin"]
        assert [history_kind_name(k) for k in kinds] == [
            "Enqueue", "Attempt", "Edit", "Replay", "Cancel", "Reviewed",
        ]  # fmt: skip


def test_the_stops_of_a_worker_process_are_named() -> None:
    from bots.messages.terms import stop_name

    kinds = ["finished", "signal", "portal_down", "login", "crash"]
    with language_of("zh"):
        assert [stop_name(k) for k in kinds] == [
            "队列已处理完", "收到停止信号", "营账系统疑似故障", "登录营账系统被拒", "意外出错",
        ]  # fmt: skip
    with language_of("en"):
        assert stop_name("portal_down") == "the portal looked down"


def test_every_migration_is_named_in_both_languages_and_a_newer_one_as_stored() -> None:
    from bots.ledger.schema import MIGRATIONS
    from bots.messages.terms import migration_name

    with language_of("en"):  # the English names are what the ledger stores
        assert [migration_name(v, "") for v, _, _ in MIGRATIONS] == [d for _, d, _ in MIGRATIONS]
    with language_of("zh"):
        assert migration_name(4, "rows refused at enqueue") == "入队时被拒的行,数据已遮盖"
        assert migration_name(len(MIGRATIONS) + 1, "a newer one") == "a newer one"


def test_a_steps_login_and_redo_read_as_results_not_as_buttons() -> None:
    from bots.messages.terms import step_status_name

    with language_of("zh"):
        assert step_status_name("login") == "已登录"
    with language_of("en"):
        # ("Sign in" is the console's button; a step that logged in has done so)
        assert [step_status_name("login"), step_status_name("redone")] == [
            "logged in", "done again",
        ]  # fmt: skip


def test_an_attempts_error_in_a_history_line_takes_the_languages_colon() -> None:
    # (bots show and the console wrote "需人工核查: 实收…", an ASCII colon and a space)
    with language_of("zh"):
        assert error_said("ReviewNeeded", "实收金额不符") == "需人工核查:实收金额不符"
    with language_of("en"):
        assert error_said("BusinessException", "号码已被占用").endswith(": 号码已被占用")
