"""Hooks the worker (or a test) plugs into a run; every method is optional."""

from __future__ import annotations

from typing import Any


class Hooks:
    """Subclass and override what you need. Exceptions in hooks stop the run."""

    def on_step_start(self, step: Any, record: dict[str, Any]) -> None: ...

    def on_step_complete(self, step: Any, record: dict[str, Any]) -> None: ...

    def on_step_failed(self, step: Any, record: dict[str, Any], error: Exception) -> None: ...

    def on_commit_start(self, step: Any) -> None: ...

    def before_send(self, step: Any, record: dict[str, Any]) -> None:
        """Right before each action that sends a commit's change goes out (after
        ``on_commit_start`` for the first): raising here keeps it from going out."""

    def on_commit_done(self, step: Any, outputs: dict[str, Any]) -> None: ...


class HookSet(Hooks):
    """Calls several hook objects in order."""

    def __init__(self, hooks: list[Any]) -> None:
        self.hooks = hooks

    def _call(self, name: str, *args: Any) -> None:
        for hook in self.hooks:
            method = getattr(hook, name, None)
            if method is not None:
                method(*args)

    def on_step_start(self, step: Any, record: dict[str, Any]) -> None:
        self._call("on_step_start", step, record)

    def on_step_complete(self, step: Any, record: dict[str, Any]) -> None:
        self._call("on_step_complete", step, record)

    def on_step_failed(self, step: Any, record: dict[str, Any], error: Exception) -> None:
        self._call("on_step_failed", step, record, error)

    def on_commit_start(self, step: Any) -> None:
        self._call("on_commit_start", step)

    def before_send(self, step: Any, record: dict[str, Any]) -> None:
        self._call("before_send", step, record)

    def on_commit_done(self, step: Any, outputs: dict[str, Any]) -> None:
        self._call("on_commit_done", step, outputs)
