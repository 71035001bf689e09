"""Safe YAML loading that remembers where every value came from.

Only plain YAML types are built (no ``!!python/...`` or any other object tag), and a
map of key path → (line, column) lets every later check point at the exact spot.
libyaml's parser (when PyYAML has it) builds the same nodes and marks several times faster;
a file it refuses is parsed again by PyYAML's own, whose words the error keeps.

Aliases (``*name``) are built as copies, so a few lines of nested aliases (a "billion
laughs") could expand without end: at most ``MAX_ALIASED`` values are built through
aliases in one file, and past that the file is refused at the alias that went over.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bots.flow.problems import DefinitionProblems, Mark, Problem
from bots.messages import t

PathKey = tuple[str | int, ...]
MAX_ALIASED = 1_000  # values built through aliases in one file; a flow needs a few dozen
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


class _Aliases:
    """What building one file has met of its aliases: the collections built once, how many
    values were built through an alias, and (PyYAML's own parser only) each alias's name."""

    def __init__(self, names: dict[int, tuple[str, yaml.Mark]] | None = None) -> None:
        self.names = names
        self.built_once: set[int] = set()
        self.aliased = 0


class _TooManyAliases(Exception):
    """Raised under libyaml's parser, which keeps no alias names: PyYAML's parses again to
    name the alias in the error."""


class _Loader(yaml.SafeLoader):
    """PyYAML's parser, remembering for each anchored node its name and where an alias
    last used it."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.aliases: dict[int, tuple[str, yaml.Mark]] = {}

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event() if self.check_event(yaml.AliasEvent) else None
        node: yaml.Node | None = super().compose_node(parent, index)
        if event is not None:
            self.aliases.setdefault(id(node), (str(event.anchor), event.start_mark))
        return node


def _count_alias(
    node: yaml.Node, marks: Marks, seen: _Aliases, via: yaml.Node | None
) -> yaml.Node | None:
    """The alias ``node`` is built through (None: it is not); refuse past ``MAX_ALIASED``
    values built that way, naming the outermost alias being expanded."""
    if id(node) in seen.built_once:
        via = via or node
    elif isinstance(node, yaml.CollectionNode):
        seen.built_once.add(id(node))
    if via is not None:
        seen.aliased += 1
        if seen.aliased > MAX_ALIASED:
            if seen.names is None:
                raise _TooManyAliases
            name, mark = seen.names.get(id(via), ("?", via.start_mark))
            raise _problem(
                marks.file,
                mark,
                t(
                    "别名*{name}展开超过{limit}个值(别名里又套别名):把值直接写出来,或少用几层别名",
                    name=name,
                    limit=MAX_ALIASED,
                ),
            )
    return via


def _build(
    node: yaml.Node,
    path: PathKey,
    marks: Marks,
    loader: Any,
    seen: _Aliases,
    via: yaml.Node | None = None,
) -> Any:
    via = _count_alias(node, marks, seen, via)
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
            out[skey] = _build(value_node, (*path, skey), marks, loader, seen, via)
        return out
    if isinstance(node, yaml.SequenceNode):
        children = enumerate(node.value)
        return [_build(child, (*path, i), marks, loader, seen, via) for i, child in children]
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
            except (yaml.YAMLError, _TooManyAliases):
                marks = Marks(file)
        return _compose(text, _Loader, marks), marks
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
        if node is None:
            return None
        seen = _Aliases(getattr(loader, "aliases", None))
        return _build(node, (), marks, loader, seen)
    finally:
        loader.dispose()
