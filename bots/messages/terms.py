"""The names a user reads for the project's fixed terms: an order's state, a procedure.

It knows the words, not where they come from (the ledger's states, the rules' procedures
are plain strings here) — so the command line, the reports and the console name a state
the same way, in the user's language.
"""

from __future__ import annotations

from bots.messages import t


def state_name(state: str) -> str:
    """待处理, 处理中, … for a ledger state (its value, e.g. ``needs_review``)."""
    names = {
        "pending": t("待处理"),
        "running": t("处理中"),
        "done": t("已完成"),
        "failed": t("失败"),
        "retry_wait": t("等待重试"),
        "needs_review": t("待人工核查"),
        "cancelled": t("已取消"),
    }
    return names.get(str(state), str(state))


def procedure_name(procedure: str) -> str:
    """新装 or 续费 for a procedure (``new_install``, ``renewal``)."""
    names = {"new_install": t("新装"), "renewal": t("续费")}
    return names.get(str(procedure), str(procedure))


def history_kind_name(kind: str) -> str:
    """尝试, 录入, … for a kind of history row (``attempt``, ``enqueue``, ``edit``, …)."""
    names = {
        "attempt": t("尝试"),
        "enqueue": t("录入"),
        "edit": t("修改"),
        "replay": t("重放"),
        "cancel": t("取消"),
        "reap": t("租约过期回收"),
        "release": t("交回队列"),
    }
    return names.get(str(kind), str(kind))
