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


def action_name(action: str) -> str:
    """重放, 取消, … for what the ledger is asked to do with an item (``replay``, ``cancel``)."""
    names = {
        "claim": t("领取"),
        "heartbeat": t("续租"),
        "commit_started": t("开始提交"),
        "commit_done": t("记下提交结果"),
        "complete": t("完成"),
        "fail_business": t("记为业务失败"),
        "fail_system": t("记为系统失败"),
        "fail_unknown": t("记为结果不明"),
        "reap": t("回收"),
        "release": t("交回队列"),
        "replay": t("重放"),
        "cancel": t("取消"),
        "edit": t("修改"),
        "review": t("标记为已核查"),
    }
    return names.get(str(action), str(action))


def procedure_name(procedure: str) -> str:
    """新装 or 续费 for a procedure (``new_install``, ``renewal``)."""
    names = {"new_install": t("新装"), "renewal": t("续费")}
    return names.get(str(procedure), str(procedure))


def fee_action_name(action: str) -> str:
    """收取, 免收 or 下调为0元 for what the clerk does with a fee line (``collect``,
    ``waive``, ``lower``)."""
    names = {"collect": t("收取"), "waive": t("免收"), "lower": t("下调为0元")}
    return names.get(str(action), str(action))


def step_action_name(action: str) -> str:
    """What a flow step does, as the run report says it (``click`` → 点击)."""
    names = {
        "ask": t("询问"), "assert": t("核对画面"), "check": t("勾选"), "click": t("点击"),
        "extract": t("读取"), "fail": t("核对"), "fill": t("填写"), "goto": t("打开"),
        "press": t("按键"), "screenshot": t("截图"), "select": t("选择"), "sleep": t("等待"),
        "uncheck": t("取消勾选"), "upload": t("上传"), "wait_for": t("等待出现"),
        "run": t("子流程"), "login": t("登录"),
    }  # fmt: skip
    return names.get(str(action), str(action))


def dialog_name(kind: str) -> str:
    """A browser dialog's kind (``confirm`` → 确认框) or what was done with it (``accept`` →
    确定)."""
    names = {
        "alert": t("提示框"), "confirm": t("确认框"), "prompt": t("输入框"),
        "beforeunload": t("离开页面提示"), "accept": t("确定"), "dismiss": t("取消"),
    }  # fmt: skip
    return names.get(str(kind), str(kind))


def role_name(role: str) -> str:
    """录入员, 运维员 or 管理员 for a console role (``clerk``, ``operator``, ``admin``)."""
    names = {"clerk": t("录入员"), "operator": t("运维员"), "admin": t("管理员")}
    return names.get(str(role), str(role))


def history_kind_name(kind: str) -> str:
    """What a row of an item's history records: 入队, 尝试, 修改, 重放, 取消, 已核查."""
    names = {
        "enqueue": t("入队"),
        "attempt": t("尝试"),
        "edit": t("修改"),
        "replay": t("重放"),
        "cancel": t("取消"),
        "review": t("已核查"),
        "reap": t("租约过期回收"),
        "release": t("交回队列"),
    }
    return names.get(str(kind), str(kind))


def error_type_name(error_type: str | None) -> str:
    """What kind of error an attempt ended on, in words (the ledger keeps the class name:
    ``BusinessException``, ``LeaseExpired``, …); an unknown one as it is."""
    names = {
        "BusinessException": t("拒绝办理"),
        "SystemException": t("系统异常"),
        "UnknownOutcome": t("结果不明"),
        "ReviewNeeded": t("需人工核查"),
        "AwaitsPerson": t("等待人工回答"),
        "BadInput": t("订单数据有误"),
        "DefinitionError": t("流程有误"),
        "SelectorError": t("选择器有误"),
        "SetupError": t("环境缺少条件"),
        "LedgerUnusable": t("账本不可用"),
        "LeaseLost": t("租约已失去"),
        "LeaseExpired": t("租约过期"),
        "Released": t("交回队列"),
        "Interrupted": t("被要求停止"),
        "SessionLost": t("会话中断"),
    }
    return names.get(str(error_type), str(error_type))


def error_said(error_type: str | None, message: str) -> str:
    """An attempt's error in a history line: its kind in words, the language's colon, the
    message (``拒绝办理:号码已被占用``, ``refused: …``)."""
    return f"{error_type_name(error_type)}{t(':')}{message}"


def step_status_name(status: str) -> str:
    """A step's result in a run record (``passed``, ``failed``, …) as a report names it."""
    names = {
        "passed": t("通过"),
        "failed": t("失败"),
        "skipped": t("未执行(条件不满足)"),
        "optional_skipped": t("可选步骤未完成"),
        "already_done": t("营账系统中已办理"),
        "interrupted": t("会话中断,已重新登录"),
        "login": t("已登录"),
        "redone": t("重做"),
        "running": t("进行中"),
    }
    return names.get(str(status), str(status))


def stop_name(kind: str) -> str:
    """Why a ``bots work`` process stopped (``finished``, ``signal``, ``portal_down``, …)."""
    names = {
        "finished": t("队列已处理完"),
        "signal": t("收到停止信号"),
        "portal_down": t("营账系统疑似故障"),
        "login": t("登录营账系统被拒"),
        "login_page": t("找不到营账系统的登录页"),
        "crash": t("意外出错"),
        "browser": t("浏览器已退出"),
        "ledger": t("连不上账本"),
        "setup": t("机器人电脑缺少设置"),
    }
    return names.get(str(kind), str(kind))


def migration_name(version: int, stored: str) -> str:
    """What a ledger's schema migration brought (``bots db status``); a migration newer than
    this bots is named as its ledger wrote it."""
    names = {
        1: t("工作项及其历史"),
        2: t("每次领取一个租约令牌;租约过期与尝试分开计数"),
        3: t("控制台的用户和会话、已核查的工作项、工作进程"),
        4: t("入队时被拒的行,数据已遮盖"),
        5: t("流程向人提出的问题及其回答"),
        6: t("按领取顺序排列的可领取工作项索引"),
        7: t("不分大小写的业务参考号索引"),
        8: t("工作项各提交步骤的名称"),
    }
    return names.get(version, stored)


CONSOLE_ACTOR = "console:"  # how the ledger's history writes a console user (web.Viewer)


def actor_name(actor: str | None) -> str:
    """Who did it, as a person reads it: a console user by name, ``王敏(控制台)``; a login
    name or a worker as the ledger wrote it."""
    if not actor:
        return ""
    if actor.startswith(CONSOLE_ACTOR):
        return t("{name}(控制台)", name=actor.removeprefix(CONSOLE_ACTOR))
    return actor
