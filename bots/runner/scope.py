"""What expressions see: inputs (parsed by their types), env, secrets, step outputs."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from bots.errors import BadInput
from bots.flow.expressions import evaluate, has_expression
from bots.flow.inputs import parser_for
from bots.flow.models import Flow, Step

STAFF_ENV = {"BOTS_STAFF_ID": "staff_id", "BOTS_STAFF_PASSWORD": "password"}
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
) -> tuple[dict[str, Any], list[str]]:
    """Each declared input parsed by its type; returns (values, values to mask)."""
    values: dict[str, Any] = {}
    sensitive: list[str] = []
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
        data, masked = parser_for(spec.type)(raw[name], f"{source}: input '{name}'")
        values[name] = data
        sensitive.extend(masked)
        if spec.sensitive:
            sensitive.append(data if isinstance(data, str) else str(data))
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
