"""What expressions see: inputs (parsed by their types), env, secrets, step outputs."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bots.errors import BadInput, BotsError, DefinitionError
from bots.flow.expressions import ExpressionError, evaluate, has_expression
from bots.flow.functions import FUNCTIONS
from bots.flow.inputs import parse_value
from bots.flow.models import Flow, Step
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
    found = {
        k[len(SECRET_PREFIX) :].lower(): v
        for k, v in environ.items()
        if k.startswith(SECRET_PREFIX)
    }
    found.update({name: environ[var] for var, name in STAFF_ENV.items() if var in environ})
    return found


class Secrets(dict[str, str]):
    """A dict whose missing key says where the secret comes from, without showing others."""

    def __getattr__(self, name: str) -> str:
        if name.startswith("__"):
            raise AttributeError(name)
        if name not in self:
            raise BadInput(
                f"secret '{name}' is not set: export {SECRET_PREFIX}{name.upper()} "
                "(staff login: BOTS_STAFF_ID / BOTS_STAFF_PASSWORD) or pass it to the Runner",
                code="secret_missing",
            )
        return self[name]


def parse_inputs(
    flow: Flow, raw: Mapping[str, Any], source: str
) -> tuple[dict[str, Any], list[Any]]:
    """Each declared input parsed by its type; returns (values, values to mask)."""
    values: dict[str, Any] = {}
    sensitive: list[Any] = []
    unknown = sorted(set(raw) - set(flow.inputs))
    if unknown:
        raise BadInput(
            f"{source}: unknown input '{unknown[0]}'; "
            f"the flow declares {', '.join(flow.inputs) or 'none'}"
        )
    for name, spec in flow.inputs.items():
        if name not in raw or raw[name] is None:
            if spec.default is not None:
                values[name] = spec.default
                continue
            if spec.required:
                raise BadInput(
                    f"{source}: input '{name}' is required ({spec.type}); add it to the input file"
                )
            values[name] = None
            continue
        values[name], masked = parse_value(spec, raw[name], f"{source}: input '{name}'")
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
    if error.missing is not None and error.missing.root in flow.inputs:
        where = (
            t("步骤{step}", step=step)
            if step is not None
            else t("{flow}的输出", flow=Path(flow.path).name)
        )
        return BadInput(
            t("{where}:{problem}", where=where, problem=str(error)),
            code="input_field_missing",
            field=f"{error.missing.path}.{error.missing.field}",
        )
    where = f"step '{step}'" if step is not None else f"outputs of {Path(flow.path).name}"
    return DefinitionError(f"{where}: {error}", code="expression_error")
