"""The ledger's refusals; each is a ``BotsError``, so the CLI's one handler prints it."""

from __future__ import annotations

from bots.errors import BadInput, BotsError, SetupError
from bots.messages import t


class IllegalTransition(BotsError):
    """An action asked of an item in a state that does not allow it."""

    kind = "illegal_transition"


class LeaseLost(BotsError):
    """A worker acted on an item it no longer holds (its lease expired and was reaped)."""

    kind = "lease_lost"


class NotFound(BadInput):
    """No work item has the reference."""


class DuplicateReference(BadInput):
    """An enqueue named a reference the ledger already holds."""


class SchemaOutOfDate(SetupError):
    """The database's schema is older (or newer) than this version of bots."""


class LedgerUnusable(SetupError):
    """The ledger itself cannot serve the command: missing (for a command that only reads),
    read-only, locked, damaged, or unreachable. One line naming it and what to do; nothing
    was written. The backends map their drivers' errors onto the makers below."""

    @classmethod
    def missing(cls, where: str) -> LedgerUnusable:
        return cls(
            t("账本{where}不存在:检查 --db 或 BOTS_DB 的写法;只有录入订单(bots enqueue)和"
              " bots work 会新建账本", where=where),
            code="ledger_missing",
        )

    @classmethod
    def read_only(cls, where: str) -> LedgerUnusable:
        return cls(
            t(
                "账本{where}是只读的:换一个能写它的用户运行,或改正它和它所在文件夹的权限",
                where=where,
            ),
            code="ledger_read_only",
        )

    @classmethod
    def no_write_grant(cls, where: str) -> LedgerUnusable:
        return cls(
            t("账本{where}不让这个数据库用户写入:给它授予写权限,或连到可写的主库", where=where),
            code="ledger_read_only",
        )

    @classmethod
    def locked(cls, where: str, seconds: float) -> LedgerUnusable:
        return cls(
            t(
                "账本{where}被另一个进程锁住(已等{seconds}秒):等它结束再试,或找出卡住的进程",
                where=where,
                seconds=f"{seconds:g}",
            ),
            code="ledger_locked",
        )

    @classmethod
    def damaged(cls, where: str) -> LedgerUnusable:
        return cls(
            t(
                "账本{where}已损坏,不是可用的 SQLite 数据库:从备份恢复,或用 --db 指向另一个账本",
                where=where,
            ),
            code="ledger_damaged",
        )

    @classmethod
    def cannot_open(cls, where: str, reason: str) -> LedgerUnusable:
        return cls(
            t("无法打开账本{where}:{reason};检查路径和权限", where=where, reason=reason),
            code="ledger_unreachable",
        )

    @classmethod
    def unreachable(cls, where: str, seconds: float, reason: str) -> LedgerUnusable:
        return cls(
            t(
                "连不上账本{where}(已等{seconds}秒):{reason};检查数据库服务器和网络后重新运行",
                where=where,
                seconds=f"{seconds:g}",
                reason=reason,
            ),
            code="ledger_unreachable",
        )

    @classmethod
    def lost(cls, where: str, reason: str, *, sent: bool) -> LedgerUnusable:
        """The connection broke during a call. ``sent``: it broke after the write's COMMIT
        went out, so the server may have applied it (nobody can tell from here)."""
        if sent:
            message = t(
                "与账本{where}的连接在写入时断了({reason}):这次改动可能已经生效,也可能没有;"
                "先查看订单现在的状态,再决定是否重做",
                where=where,
                reason=reason,
            )
        else:
            message = t(
                "与账本{where}的连接断了({reason}):这次改动没有生效,重新运行即可",
                where=where,
                reason=reason,
            )
        return cls(message, code="ledger_lost", sent=sent, reason=reason)

    @classmethod
    def disk(cls, where: str, reason: str) -> LedgerUnusable:
        return cls(
            t("账本{where}写不进磁盘:{reason};腾出空间或检查磁盘", where=where, reason=reason),
            code="ledger_disk",
        )
