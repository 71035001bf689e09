"""The runner: executes a loaded Flow in a page the caller owns."""

from bots.runner.hooks import Hooks
from bots.runner.records import RunResult
from bots.runner.runner import Runner

__all__ = ["Hooks", "RunResult", "Runner"]
