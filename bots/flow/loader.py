"""YAML → Flow, once per file: schema, cross-checks and sub-flows, all before a browser starts."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from bots.flow.actions import ACTIONS
from bots.flow.checks import FlowChecker
from bots.flow.models import Flow, FlowHeader, Step, StepMeta
from bots.flow.problems import (
    DefinitionProblems,
    Mark,
    Problem,
    did_you_mean,
    explain,
    kind_of,
    shown,
)
from bots.flow.yamlsafe import Marks, PathKey, load_yaml
from bots.messages import t
from bots.selectors.repository import Repository, load_repository

# path → (every file the flow depends on with its mtime, the flow): an edit to the flow, a
# sub-flow or a selector file reloads it
_CACHE: dict[Path, tuple[tuple[tuple[Path, float], ...], Flow]] = {}
_LOCK = threading.Lock()
_SELECTORS: list[Path] = []  # a folder configured for every flow (bots.config)
_META_KEYS = set(StepMeta.model_fields) - {"if_"} | {"if"}


def display_path(path: Path) -> str:
    try:
        return os.path.relpath(path.resolve(), Path.cwd().resolve())
    except ValueError:
        return str(path)


def use_selectors(root: Path | None) -> None:
    """Take every flow's selectors from ``root`` (bots.toml's ``selectors``), not beside it."""
    _SELECTORS[:] = [root] if root else []
    _CACHE.clear()


def find_selectors_root(flow_path: Path) -> Path | None:
    """The nearest ``selectors/`` directory: beside the flow, then in each parent."""
    if _SELECTORS:
        return _SELECTORS[0]
    for folder in flow_path.resolve().parents:
        candidate = folder / "selectors"
        if candidate.is_dir():
            return candidate
    return None


def _pydantic_problems(
    error: ValidationError,
    marks: Marks,
    prefix: PathKey,
    step: str | None,
    model: type[BaseModel],
    key_prefix: str = "",
) -> list[Problem]:
    problems = []
    for item in error.errors():
        loc = tuple(x for x in item["loc"] if not (isinstance(x, str) and "[" in x))
        loc = tuple("if" if x == "if_" else "with" if x == "with_" else x for x in loc)
        key = ".".join(str(x) for x in (key_prefix, *loc) if x != "") or None
        at = marks.key_at if item["type"] == "extra_forbidden" else marks.at
        message = explain({**item, "loc": loc}, model)
        problems.append(Problem(marks.file, at((*prefix, *loc)), message, step, key))
    return problems


def _step(raw: Any, index: int, marks: Marks, problems: list[Problem]) -> Step | None:
    path: PathKey = ("steps", index)
    if not isinstance(raw, dict):
        problems.append(
            Problem(marks.file, marks.at(path), t("应为一个步骤(映射),实际为 {found}",
                                                  found=shown(raw)))  # fmt: skip
        )
        return None
    step_id = raw.get("id") if isinstance(raw.get("id"), str) else None
    keys = [k for k in raw if k in ACTIONS]
    if len(keys) != 1:
        unknown = [k for k in raw if k not in ACTIONS and k not in _META_KEYS]
        if keys:
            message = t("每步应只有一个动作,实际有{n}个:{keys};请拆成几步",
                        n=len(keys), keys=", ".join(keys))  # fmt: skip
        elif unknown:
            message = t(
                "应为一个动作({actions}),实际为不认识的键 '{key}'",
                actions=", ".join(ACTIONS), key=unknown[0],
            ) + did_you_mean(unknown[0], ACTIONS)  # fmt: skip
            path = (*path, unknown[0])
        else:
            message = t("应为一个动作({actions}),实际没有", actions=", ".join(ACTIONS))
        problems.append(Problem(marks.file, marks.key_at(path), message, step_id))
        return None
    action = keys[0]
    found: list[Problem] = []
    try:
        args = ACTIONS[action].model_validate(raw[action])
    except ValidationError as error:
        found += _pydantic_problems(
            error, marks, (*path, action), step_id, ACTIONS[action], action
        )
        args = None
    meta = {k: v for k, v in raw.items() if k != action}
    try:
        if args is not None:
            return Step.model_validate({**meta, "action": action, "args": args})
        StepMeta.model_validate(meta)
    except ValidationError as error:
        found += _pydantic_problems(error, marks, path, step_id, StepMeta)
    finally:
        problems.extend(found)
    return None


def _repository(header: FlowHeader, flow_path: Path, marks: Marks) -> Repository | None:
    root = find_selectors_root(flow_path)
    if root is None:
        return None
    if header.selectors is None:
        files = sorted(root.glob("*.yaml")) + sorted(root.glob("*.yml"))
    else:
        files = []
        for i, name in enumerate(header.selectors):
            file = root / name
            if not file.is_file():
                raise DefinitionProblems(
                    [
                        Problem(
                            marks.file,
                            marks.at(("selectors", i)),
                            t("应为 {root} 下的选择器文件,实际没有 '{name}'",
                              root=display_path(root), name=name)  # fmt: skip
                            + did_you_mean(name, [p.name for p in root.glob("*.y*ml")]),
                            key="selectors",
                        )
                    ]
                )
            files.append(file)
    return load_repository(files)


def _subflow(
    flow_path: Path,
    ref: str,
    where: PathKey,
    marks: Marks,
    stack: tuple[Path, ...],
    step: str | None,
) -> tuple[Flow | None, list[Problem]]:
    target = (flow_path.parent / ref).resolve()
    if not target.is_file():
        siblings = [p.name for p in flow_path.parent.glob("*.y*ml")]
        return None, [
            Problem(
                marks.file,
                marks.at(where),
                t("应为与本流程同一文件夹的流程文件,实际没有 '{ref}'", ref=ref)
                + did_you_mean(ref, siblings),
                step,
            )
        ]
    if target in stack:
        return None, [
            Problem(marks.file, marks.at(where), t("流程 '{ref}' 运行了它自己(循环)", ref=ref),
                    step)  # fmt: skip
        ]
    try:
        return _load(target, stack), []
    except DefinitionProblems as error:
        return None, error.problems


def _check_with(
    sub: Flow, given: dict[str, Any], where: PathKey, marks: Marks, step: str | None
) -> list[Problem]:
    problems = []
    for name in given:
        if name not in sub.inputs:
            problems.append(
                Problem(
                    marks.file,
                    marks.at((*where, name)),
                    t("应为 {flow} 的输入({inputs}),实际为 '{name}'",
                      flow=Path(sub.path).name, inputs=", ".join(sub.inputs) or "-", name=name)
                    + did_you_mean(name, sub.inputs),
                    step,
                    "with",
                )
            )
    for name, spec in sub.inputs.items():
        if spec.required and spec.default is None and name not in given:
            problems.append(
                Problem(
                    marks.file,
                    marks.at(where),
                    t("应有 {flow} 的输入 '{name}',实际没有;请写在 with 下",
                      flow=Path(sub.path).name, name=name),  # fmt: skip
                    step,
                    "with",
                )
            )
    return problems


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return -1.0


def _load(path: Path, stack: tuple[Path, ...] = ()) -> Flow:
    path = path.resolve()
    cached = _CACHE.get(path)
    if cached and all(_mtime(file) == mtime for file, mtime in cached[0]):
        return cached[1]
    data, marks = load_yaml(path, display_path(path))
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
        raise DefinitionProblems(
            [
                Problem(
                    marks.file,
                    Mark(1, 1),
                    t("应为含 'steps' 列表的映射,实际为{found}",
                      found=t("空文件") if data is None
                      else kind_of(data) if not isinstance(data, dict)
                      else t("没有 'steps' 的映射")),  # fmt: skip
                )
            ]
        )
    problems: list[Problem] = []
    header_raw = {k: v for k, v in data.items() if k != "steps"}
    try:
        header = FlowHeader.model_validate(header_raw)
    except ValidationError as error:
        raise DefinitionProblems(_pydantic_problems(error, marks, (), None, FlowHeader)) from None
    steps = [_step(raw, i, marks, problems) for i, raw in enumerate(data["steps"])]
    repository = _repository(header, path, marks)
    subflows: dict[str, Flow] = {}
    stack = (*stack, path)
    for i, step in enumerate(steps):
        if step is None:
            continue
        refs: list[tuple[str, PathKey, dict[str, Any]]] = []
        if step.action == "run":
            raw_run = data["steps"][i]["run"]
            where: PathKey = (
                ("steps", i, "run", "flow") if isinstance(raw_run, dict) else ("steps", i, "run")
            )
            refs.append((step.args.flow, where, step.args.with_))  # type: ignore[attr-defined]
        if step.guard is not None:
            refs.append((step.guard.run, ("steps", i, "guard", "run"), step.guard.with_))
        for ref, where, given in refs:
            sub, found = _subflow(path, ref, where, marks, stack, step.id)
            problems += found
            if sub is not None:
                subflows[ref] = sub
                problems += _check_with(
                    sub,
                    given,
                    (*where[:-1], "with")
                    if where[-1] in ("flow", "run") and len(where) == 4
                    else (*where, "with"),
                    marks,
                    step.id,
                )
    if header.session is not None:
        sub, found = _subflow(path, header.session.login, ("session", "login"), marks, stack, None)
        problems += found
        if sub is not None:
            subflows[header.session.login] = sub
    if problems:
        raise DefinitionProblems(problems)
    flow = Flow(
        **header.model_dump(by_alias=True),
        path=str(path),
        steps=tuple(s for s in steps if s is not None),
        subflows=subflows,
        repository=repository,
    )
    problems = FlowChecker(flow, data, marks).run()
    if problems:
        raise DefinitionProblems(problems)
    with _LOCK:
        deps = {path: _mtime(path)}
        if repository is not None:
            deps.update({Path(f): _mtime(Path(f)) for f in repository.files})
        for sub in subflows.values():
            deps.update(_CACHE[Path(sub.path)][0] if Path(sub.path) in _CACHE else ())
        _CACHE[path] = (tuple(deps.items()), flow)
    return flow


def load_flow(path: str | Path) -> Flow:
    """Load and fully check a flow (and its sub-flows and selectors); cached per path."""
    file = Path(path)
    if not file.is_file():
        raise DefinitionProblems(
            [Problem(str(path), Mark(1, 1), t("应为流程文件,实际这个路径下什么都没有"))]
        )
    return _load(file)
