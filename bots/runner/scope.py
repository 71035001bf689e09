"""What expressions see: inputs (parsed by their types), env, secrets, step outputs."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from bots.errors import BadInput, BotsError, DefinitionError, SetupError
from bots.flow.expressions import ExpressionError, evaluate, has_expression
from bots.flow.functions import FUNCTIONS
from bots.flow.inputs import parse_value
from bots.flow.models import Flow, Step
from bots.flow.problems import did_you_mean_name
from bots.messages import t

STAFF_ENV = {"BOTS_STAFF_ID": "staff_id", "BOTS_STAFF_PASSWORD": "password"}
# secrets that say who acts, not what lets them in: the portal shows the staff id on every
# page and the operator needs it to know who entered an order, so it is not masked
PUBLIC_SECRETS = ("staff_id", "approver")
# how deep sub-flows are looked into for values to mask before the run starts
LOOK_AHEAD_DEPTH = 4
SECRET_PREFIX = "BOTS_SECRET_"


def secrets_from_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``BOTS_SECRET_<NAME>`` → ``secrets.<name>`` (lower case); staff login as
    ``staff_id``/``password``."""
    environ = os.environ if environ is None else environ
    # an empty one is not set (``BOTS_STAFF_ID=``): typed into the portal, its refusal
    # would read as the order's fault
    found = {
        k[len(SECRET_PREFIX) :].lower(): v
        for k, v in environ.items()
        if k.startswith(SECRET_PREFIX) and v
    }
    found.update({name: environ[var] for var, name in STAFF_ENV.items() if environ.get(var)})
    return found


class Secrets(dict[str, str]):
    """A dict whose missing key says where the secret comes from, without showing others."""

    def __getattr__(self, name: str) -> str:
        if name.startswith("__"):
            raise AttributeError(name)
        if name not in self:
            # the robot's set-up, not the order: every order that reaches this step would
            # fail alike, so a worker stops rather than failing them one by one
            raise SetupError.said(
                t("这台机器人电脑没有设置密钥 {name}", name=name),
                t("请在机器人电脑上设置环境变量 {var}", var=_variable(name)),
                code="secret_missing",
            )
        return self[name]


_SECRET_USE = re.compile(r"\bsecrets\.(\w+)")


def secrets_not_set(files: Iterable[Path], environ: Mapping[str, str] | None = None) -> list[str]:
    """The secrets the flow files name (``${{ secrets.approver }}``) that this computer has
    not set, each with its variable (``approver (BOTS_SECRET_APPROVER)``): said before
    anything runs, as a run would only meet one at the step that reads it (after 提交)."""
    named: set[str] = set()
    for file in files:
        try:
            named.update(_SECRET_USE.findall(file.read_text(encoding="utf-8")))
        except OSError:
            continue  # (the loader says what is wrong with a file it cannot read)
    have = secrets_from_env(environ)
    staff = set(STAFF_ENV.values())  # (bots work logs in with its credentials file)
    return [
        t("{name}({variable})", name=name, variable=_variable(name))
        for name in sorted(named - set(have) - staff)
    ]


def lacking_note(lacking: list[str], stops: str) -> str:
    """The warning of ``secrets_not_set``'s list; ``stops``: what happens when one is needed."""
    return t("这台电脑没有设置流程用到的密钥 {names}:营账系统要求它时(如金库审批),{stops}",
             names=t("、").join(lacking), stops=stops)  # fmt: skip


def _variable(secret: str) -> str:
    """The environment variable a secret is read from."""
    staff = [var for var, name in STAFF_ENV.items() if name == secret]
    return staff[0] if staff else f"{SECRET_PREFIX}{secret.upper()}"


def parse_inputs(
    flow: Flow, raw: Mapping[str, Any], source: str
) -> tuple[dict[str, Any], list[Any]]:
    """Each declared input parsed by its type; returns (values, values to mask)."""
    values: dict[str, Any] = {}
    sensitive: list[Any] = []
    unknown = sorted(set(raw) - set(flow.inputs))
    if unknown:
        raise BadInput.said(
            t("{source} 有未知的输入 {name}(流程声明的输入:{names})",
              source=source, name=unknown[0], names=", ".join(flow.inputs) or "-"),  # fmt: skip
            t("请删去或改正后重放"),
            code="unknown_input",
        )
    for name, spec in flow.inputs.items():
        if name not in raw or raw[name] is None:
            if spec.default is not None:
                values[name] = spec.default
                continue
            if spec.required:
                raise BadInput.said(
                    t("{source} 缺少输入 {name}({type})", source=source, name=name, type=spec.type),
                    t("请在输入中补上后重放"),
                    code="missing_input",
                )
            values[name] = None
            continue
        where = t("{source} 的输入 {name}", source=source, name=name)
        values[name], masked = parse_value(spec, raw[name], where)
        sensitive.extend(masked)
    return values, sensitive


class StepArgs:
    """A step's arguments for this run: evaluated each time only when an expression (or a
    mapping / list that may hold one) is in them, else the same dict (the common case)."""

    def __init__(self) -> None:
        self._raw: dict[int, tuple[dict[str, Any], bool]] = {}

    def of(self, step: Step, scope: dict[str, Any]) -> dict[str, Any]:
        cached = self._raw.get(id(step))
        if cached is None:
            raw = step.args.model_dump(by_alias=True, exclude_none=True)
            cached = (
                raw,
                any(has_expression(v) or isinstance(v, dict | list) for v in raw.values()),
            )
            self._raw[id(step)] = cached
        raw, dynamic = cached
        return evaluate(raw, scope) if dynamic else raw


# arguments that name things (an element, a screen to wait for, an output, a pattern), not
# data a step types or compares: a sensitive step's names are never masked (masking the
# output name "id_number" would hide every mention of the word)
STRUCTURAL_ARGS = frozenset({"target", "expect", "into", "pattern", "source", "frame_of"})


def typed_args(args: Mapping[str, Any]) -> dict[str, Any]:
    """The data a step types or compares, without the arguments that name things."""
    return {k: v for k, v in args.items() if k not in STRUCTURAL_ARGS}


def sensitive_ahead(
    flow: Flow,
    values: Mapping[str, Any],
    env: Mapping[str, Any],
    secrets: Secrets,
    depth: int = 0,
) -> list[Any]:
    """What the flow's ``sensitive`` steps (its sub-flows' and its login's too) will type,
    as far as inputs, env and secrets tell before any step runs: masked from the run's first
    byte, whether or not those steps ever run. A value that needs a step's outputs is
    masked when its step runs."""
    scope = {**values, "env": env, "secrets": secrets, "steps": {}, "fn": FUNCTIONS}
    found: list[Any] = []
    calls: list[tuple[str, dict[str, Any]]] = [
        (step.args.flow, step.args.with_)  # type: ignore[attr-defined]
        for step in flow.steps
        if step.action == "run"
    ]
    if flow.session is not None:
        calls.append((flow.session.login, flow.session.with_))
    for step in flow.steps:
        if not step.sensitive:
            continue
        args = step.args.model_dump(by_alias=True, exclude_none=True)
        try:
            shown = evaluate(typed_args(args), scope)
        except (ExpressionError, BotsError):
            continue
        found.extend(shown.values())
    if depth >= LOOK_AHEAD_DEPTH:
        return found
    for ref, given in calls:
        sub = flow.subflows[ref]
        try:
            sub_values, masked = parse_inputs(sub, evaluate(given, scope), ref)
        except (ExpressionError, BotsError):
            continue
        found.extend(masked)
        found.extend(sensitive_ahead(sub, sub_values, env, secrets, depth + 1))
    return found


def expression_failure(flow: Flow, error: ExpressionError, step: str | None) -> BotsError:
    """An expression of ``step`` (None: the flow's outputs) that failed while running:
    reading a field an input lacks is the input's fault (fix the data, exit 4); anything
    else is the flow's (exit 3)."""
    file = Path(flow.path).name
    where = t("步骤 {step}", step=step) if step is not None else t("{flow} 的输出", flow=file)
    missing = error.missing
    if missing is not None and missing.root in flow.inputs:
        close = did_you_mean_name(missing.field, missing.known)
        return BadInput.said(
            t("{where} 要读的字段 {field} 在输入中没有",
              where=where, field=f"{missing.path}.{missing.field}"),  # fmt: skip
            t("输入里有相近的 '{name}',若是流程写错了请修正 {file};否则请在输入中补上后重放",
              name=close, file=file)  # fmt: skip
            if close
            else t("请在输入中补上这个字段后重放"),
            code="input_field_missing",
            detail=str(error),
            field=f"{missing.path}.{missing.field}",
        )
    return DefinitionError.said(
        t("步骤 {step} 的表达式无法计算", step=step)
        if step is not None
        else t("{flow} 输出中的表达式无法计算", flow=file),
        t("请按运行文件夹中的详情修正 {file}", file=file),
        code="expression_error",
        detail=str(error),
    )
