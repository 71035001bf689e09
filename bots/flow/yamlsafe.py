"""Safe YAML loading that remembers where every value came from.

Only plain YAML types are built (no ``!!python/...`` or any other object tag), and a
map of key path → (line, column) lets every later check point at the exact spot.
libyaml's parser (when PyYAML has it) builds the same nodes and marks several times faster;
a file it refuses is parsed again by PyYAML's own, whose words the error keeps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bots.flow.problems import DefinitionProblems, Mark, Problem

PathKey = tuple[str | int, ...]
_FAST = getattr(yaml, "CSafeLoader", None)

_PLAIN_TAGS = {
    "tag:yaml.org,2002:" + name
    for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
}


class Marks:
    """Where each value (by key path) starts in the file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self._at: dict[PathKey, Mark] = {}
        self._keys: dict[PathKey, Mark] = {}

    def set(self, path: PathKey, node: yaml.Node) -> None:
        self._at[path] = Mark(node.start_mark.line + 1, node.start_mark.column + 1)

    def set_key(self, path: PathKey, node: yaml.Node) -> None:
        self._keys[path] = Mark(node.start_mark.line + 1, node.start_mark.column + 1)

    def key_at(self, path: PathKey) -> Mark:
        """The mark of the key that introduces ``path`` (falls back to the value's)."""
        return self._keys.get(path) or self.at(path)

    def at(self, path: PathKey) -> Mark:
        """The mark of ``path`` or of its nearest ancestor that has one."""
        while path not in self._at and path:
            path = path[:-1]
        return self._at.get(path, Mark(1, 1))


def _problem(file: str, mark: yaml.Mark | None, message: str) -> DefinitionProblems:
    where = Mark(mark.line + 1, mark.column + 1) if mark else Mark(1, 1)
    return DefinitionProblems([Problem(file, where, message)])


def _build(node: yaml.Node, path: PathKey, marks: Marks, loader: Any) -> Any:
    marks.set(path, node)
    if node.tag not in _PLAIN_TAGS:
        raise _problem(
            marks.file,
            node.start_mark,
            "expected plain YAML data, found the tag "
            f"'{node.tag.replace('tag:yaml.org,2002:', '!!')}'"
            "; object tags are never loaded, remove it",
        )
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node)
            if not isinstance(key, str | int | float | bool) or key is None:
                raise _problem(marks.file, key_node.start_mark, "expected a plain key")
            skey = str(key)
            if skey in out:
                raise _problem(
                    marks.file, key_node.start_mark, f"duplicate key '{skey}'; keep only one"
                )
            marks.set_key((*path, skey), key_node)
            out[skey] = _build(value_node, (*path, skey), marks, loader)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(child, (*path, i), marks, loader) for i, child in enumerate(node.value)]
    return loader.construct_object(node)


def load_yaml(path: Path, display: str | None = None) -> tuple[Any, Marks]:
    """Load ``path`` into plain Python data plus its marks, or raise a located DefinitionError."""
    file = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise _problem(file, None, f"cannot read the file: {error.strerror}") from None
    marks = Marks(file)
    try:
        if _FAST is not None:
            try:
                return _compose(text, _FAST, marks), marks
            except yaml.YAMLError:
                marks = Marks(file)
        return _compose(text, yaml.SafeLoader, marks), marks
    except yaml.MarkedYAMLError as error:
        what = error.problem or "invalid YAML"
        context = f" ({error.context})" if error.context else ""
        raise _problem(
            file, error.problem_mark, f"invalid YAML: {what}{context}; check the indentation"
        ) from None


def _compose(text: str, loader_class: Any, marks: Marks) -> Any:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return None if node is None else _build(node, (), marks, loader)
    finally:
        loader.dispose()
