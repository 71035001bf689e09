"""JSON Schemas for editors, generated from the same models the loader uses."""

from __future__ import annotations

from typing import Any, Union

from pydantic import Field, create_model

from bots.flow.actions import ACTIONS
from bots.flow.models import FlowHeader, StepMeta
from bots.selectors.models import SelectorFile


def _step_models() -> list[type]:
    models = []
    for key, action in ACTIONS.items():
        short = float if key == "sleep" else str
        models.append(
            create_model(  # type: ignore[call-overload]
                f"{action.__name__}Step",
                __base__=StepMeta,
                **{key: (Union[action, short], Field(..., description=action.__doc__))},  # noqa: UP007
            )
        )
    return models


def flow_schema() -> dict[str, Any]:
    steps = Union[tuple(_step_models())]  # type: ignore[valid-type]  # noqa: UP007
    model = create_model("Flow", __base__=FlowHeader, steps=(list[steps], ...))  # type: ignore[valid-type]
    schema = model.model_json_schema(by_alias=True)
    schema["title"] = "bots flow"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def selectors_schema() -> dict[str, Any]:
    schema = SelectorFile.model_json_schema(by_alias=True)
    schema["title"] = "bots selector repository"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
