"""Cross-checks after the schema: ids, selector references, expression names, sub-flows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bots.flow.expressions import ExpressionError, expressions_in, references, unclosed
from bots.flow.functions import known_functions
from bots.flow.inputs import known_types
from bots.flow.models import Flow, InputSpec, Step
from bots.flow.problems import Problem, did_you_mean
from bots.flow.yamlsafe import Marks, PathKey
from bots.messages import t

BUILTIN_NAMES = ("env", "secrets", "steps", "fn")


def _strings(value: Any, path: PathKey) -> Iterator[tuple[PathKey, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, (*path, i))


def produced_outputs(step: Step, flow: Flow) -> set[str] | None:
    """Output names a step makes; None when unknown (then any name is accepted)."""
    names: set[str] = set()
    into = getattr(step.args, "into", None)
    if into:
        names.add(into)
    if step.action == "run":
        sub = flow.subflows.get(step.args.flow)  # type: ignore[attr-defined]
        if sub is None:
            return None
        names.update(sub.outputs)
    if step.guard is not None:
        sub = flow.subflows.get(step.guard.run)
        if sub is not None:
            names.update(sub.outputs)
    if step.on_dialog:
        names.add("dialog")
    return names


class FlowChecker:
    def __init__(self, flow: Flow, raw: dict[str, Any], marks: Marks) -> None:
        self.flow = flow
        self.raw = raw
        self.marks = marks
        self.problems: list[Problem] = []

    def add(
        self, path: PathKey, message: str, step: str | None = None, key: str | None = None
    ) -> None:
        self.problems.append(Problem(self.marks.file, self.marks.at(path), message, step, key))

    def run(self) -> list[Problem]:
        self._inputs()
        seen: dict[str, int] = {}
        for i, step in enumerate(self.flow.steps):
            path: PathKey = ("steps", i)
            if step.id in seen:
                self.add(
                    (*path, "id"),
                    t("步骤 id 应唯一,实际 '{id}' 重复(第一次在第{n}步);请改名其中一个",
                      id=step.id, n=seen[step.id] + 1),  # fmt: skip
                    step.id,
                    "id",
                )
            seen.setdefault(step.id, i)
            if step.redo_from is not None and step.redo_from not in seen:
                earlier = [s.id for s in self.flow.steps[:i]]
                self.add(
                    (*path, "redo_from"),
                    t("应为前面某一步的 id,实际为 '{id}'", id=step.redo_from)
                    + did_you_mean(step.redo_from, earlier),
                    step.id,
                    "redo_from",
                )
            self._targets(step, path)
            self._expressions(i, step, path)
            self._double_sends(step, path)
        self._flow_outputs()
        self._session()
        return self.problems

    def _double_sends(self, step: Step, path: PathKey) -> None:
        """A commit step's sub-flow that marks no step ``sends:`` sends with every click
        (``bots.runner.commits``): a double click in it would submit twice."""
        if not step.commit or step.action != "run":
            return
        inner = list(self.flow.run_by(step))
        if any(s.sends for s in inner):
            return
        for s in inner:
            if s.action == "click" and getattr(s.args, "double", False):
                self.add(
                    (*path, "run"),
                    t("提交步骤运行的子流程没有标出 'sends',其中每一次点击都会发出更改,"
                      "双击 '{inner}' 会提交两次:去掉 'double',或给发出更改的那一步写上 "
                      "'sends: true'", inner=s.id),  # fmt: skip
                    step.id,
                    "run",
                )
                return

    def _inputs(self) -> None:
        def walk(specs: dict[str, InputSpec], path: tuple[str, ...]) -> None:
            for name, spec in specs.items():
                at = (*path, name)
                if spec.type not in known_types():
                    self.add(
                        (*at, "type"),
                        t("应为一种输入类型({types}),实际为 '{type}'",
                          types=", ".join(known_types()), type=spec.type)  # fmt: skip
                        + did_you_mean(spec.type, known_types()),
                        key=".".join(str(p) for p in (*at, "type")),
                    )
                if spec.fields is not None:
                    walk(spec.fields, (*at, "fields"))

        walk(self.flow.inputs, ("inputs",))

    def _targets(self, step: Step, path: PathKey) -> None:
        repo = self.flow.repository
        if step.if_shown is not None and repo is not None:
            problem = repo.problem(step.if_shown)
            if problem:
                self.add((*path, "if_shown"), problem, step.id, "if_shown")
        frame_of = getattr(step.args, "frame_of", None)
        if frame_of is not None and repo is not None and frame_of not in repo.pages:
            self.add(
                (*path, step.action, "frame_of"),
                t("应为选择器库中的页面,实际为未知的页面 '{page}'", page=frame_of)
                + did_you_mean(frame_of, list(repo.pages)),
                step.id,
                f"{step.action}.frame_of",
            )
        for field in type(step.args).targets:
            ref = getattr(step.args, field, None)
            if ref is None:
                continue
            if "${{" in ref:
                problem = t("应为固定的 '页面.元素'(选择器不能计算),实际为 '{ref}'", ref=ref)
            elif repo is None:
                problem = t("应有 selectors/ 文件夹中的选择器文件,实际没有找到")
            else:
                problem = repo.problem(ref)
            if problem:
                raw_args = self.raw["steps"][path[1]][step.action]
                where = (*path, step.action) + ((field,) if isinstance(raw_args, dict) else ())
                self.add(
                    where,
                    problem,
                    step.id,
                    f"{step.action}.{field}" if isinstance(raw_args, dict) else step.action,
                )

    def _names(self, extra: tuple[str, ...] = ()) -> list[str]:
        return [*self.flow.inputs, *BUILTIN_NAMES, *extra]

    def _check_value(
        self, value: Any, path: PathKey, upto: int, step_id: str | None, extra: tuple[str, ...] = ()
    ) -> None:
        for where, text in _strings(value, path):
            if unclosed(text):
                self.add(
                    where,
                    t("表达式应以 {close} 结束,实际 '{text}' 中的 {open} 没有闭合;补上 {close}",
                      open="'${{'", close="'}}'", text=text),  # fmt: skip
                    step_id,
                    _key(where),
                )
            for source in expressions_in(text):
                try:
                    refs = references(source)
                except ExpressionError as error:
                    self.add(where, str(error), step_id, _key(where))
                    continue
                for name, chain in refs:
                    self._check_ref(name, chain, where, upto, step_id, extra)

    def _check_ref(
        self,
        name: str,
        chain: tuple[str, ...],
        where: PathKey,
        upto: int,
        step_id: str | None,
        extra: tuple[str, ...],
    ) -> None:
        names = self._names(extra)
        if name not in names:
            self.add(
                where,
                t("应为已声明的输入或 {builtins} 之一,实际为未声明的名字 '{name}'",
                  builtins=", ".join(BUILTIN_NAMES), name=name)  # fmt: skip
                + did_you_mean(name, names),
                step_id,
                _key(where),
            )
            return
        if name in self.flow.inputs and self.flow.inputs[name].fields is not None:
            self._check_fields(name, chain, where, step_id)
            return
        if name == "fn":
            if chain and chain[0] not in known_functions():
                self.add(
                    where,
                    t("应为已注册的函数({names}),实际为 'fn.{name}'",
                      names=", ".join(known_functions()), name=chain[0])  # fmt: skip
                    + did_you_mean(chain[0], known_functions()),
                    step_id,
                    _key(where),
                )
            return
        if name != "steps" or not chain:
            return
        earlier = {s.id: s for s in self.flow.steps[:upto]}
        ref_id = chain[0]
        if ref_id not in earlier:
            self.add(
                where,
                t("应为前面某一步的 id,实际为 '{id}'", id=ref_id)
                + did_you_mean(ref_id, list(earlier)),
                step_id,
                _key(where),
            )
            return
        if len(chain) >= 3 and chain[1] == "outputs":
            made = produced_outputs(earlier[ref_id], self.flow)
            if made is not None and chain[2] not in made:
                self.add(
                    where,
                    t("应为步骤 '{step}' 的输出({outputs}),实际为 '{name}'", step=ref_id,
                      outputs=", ".join(sorted(made)) or "-", name=chain[2])  # fmt: skip
                    + did_you_mean(chain[2], made),
                    step_id,
                    _key(where),
                )

    def _check_fields(
        self, name: str, chain: tuple[str, ...], where: PathKey, step_id: str | None
    ) -> None:
        """An input that declares its fields: each field read must be one of them."""
        spec: InputSpec = self.flow.inputs[name]
        path = name
        for key in chain:
            if spec.fields is None:
                return  # (a field without declared fields of its own: anything goes)
            if key not in spec.fields:
                self.add(
                    where,
                    t(
                        "输入 {path} 没有字段 {field}(声明的字段:{fields}){hint}",
                        path=path,
                        field=key,
                        fields=", ".join(spec.fields),
                        hint=did_you_mean(key, list(spec.fields)),
                    ),
                    step_id,
                    _key(where),
                )
                return
            spec = spec.fields[key]
            path = f"{path}.{key}"

    def _expressions(self, i: int, step: Step, path: PathKey) -> None:
        raw = self.raw["steps"][i]
        for key, value in raw.items():
            if key == "guard" and isinstance(value, dict):
                self._check_value(value.get("with", {}), (*path, "guard", "with"), i, step.id)
                self._check_value(
                    value.get("skip_if", ""), (*path, "guard", "skip_if"), i, step.id, ("guard",)
                )
            else:
                self._check_value(value, (*path, key), i, step.id)

    def _flow_outputs(self) -> None:
        self._check_value(self.raw.get("outputs", {}), ("outputs",), len(self.flow.steps), None)

    def _session(self) -> None:
        session = self.flow.session
        if session is None:
            return
        self._check_value(self.raw["session"].get("with", {}), ("session", "with"), 0, None)
        ids = [s.id for s in self.flow.steps]
        if session.resume is not None and session.resume not in ids:
            self.add(
                ("session", "resume"),
                t("应为本流程的某个步骤 id,实际为 '{id}'", id=session.resume)
                + did_you_mean(session.resume, ids),
                key="session.resume",
            )


def _key(path: PathKey) -> str:
    # steps, i, then the key path inside the step
    return (
        ".".join(str(p) for p in path[2:])
        if path and path[0] == "steps"
        else ".".join(str(p) for p in path)
    )
