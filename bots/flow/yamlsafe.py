"""Safe YAML loading that remembers where every value came from.

Only plain YAML types are built (no ``!!python/...`` or any other object tag), and a
map of key path → (line, column) lets every later check point at the exact spot.
libyaml's parser (when PyYAML has it) builds the same nodes and marks several times faster;
a file it refuses is parsed again by PyYAML's own, whose words the error keeps.

Aliases (``*name``) are built as copies, so a few lines of nested aliases (a "billion
laughs") could expand without end: at most ``MAX_ALIASED`` values (or, in a longer file,
as many as it has characters) are built through aliases in one file, and past that the
file is refused at the alias that went over.
"""

from __future__ import annotations

from collections.abc import Callable
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

    def __init__(
        self, names: dict[int, tuple[str, yaml.Mark]] | None = None, limit: int = MAX_ALIASED
    ) -> None:
        self.names, self.limit = names, limit
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
    """The alias ``node`` is built through (None: it is not); refuse past ``seen.limit``
    values built that way, naming the outermost alias being expanded."""
    if id(node) in seen.built_once:
        via = via or node
    elif isinstance(node, yaml.CollectionNode):
        seen.built_once.add(id(node))
    if via is not None:
        seen.aliased += 1
        if seen.aliased > seen.limit:
            if seen.names is None:
                raise _TooManyAliases
            name, mark = seen.names.get(id(via), ("?", via.start_mark))
            raise _problem(
                marks.file,
                mark,
                t(
                    "别名*{name}展开超过{limit}个值(别名里又套别名):把值直接写出来,或少用几层别名",
                    name=name,
                    limit=seen.limit,
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
            t("应为普通的 YAML 数据,实际有标签 '{tag}';对象标签一律不加载,请删掉它",
              tag=node.tag.replace("tag:yaml.org,2002:", "!!")),  # fmt: skip
        )
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node)
            if not isinstance(key, str | int | float | bool) or key is None:
                raise _problem(marks.file, key_node.start_mark, t("键应为文字或数字"))
            skey = str(key)
            if skey in out:
                raise _problem(
                    marks.file, key_node.start_mark, t("键 '{key}' 重复;只保留一个", key=skey)
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
        raw = path.read_bytes()
    except OSError as error:
        raise _problem(file, None, t("无法读取文件:{reason}", reason=error.strerror)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        # a GBK file (Notepad on a Chinese Windows): where its first non-UTF-8 byte is
        line_start = raw.rfind(b"\n", 0, error.start) + 1
        where = yaml.Mark(file, error.start, raw.count(b"\n", 0, error.start),
                          error.start - line_start, None, 0)  # fmt: skip
        raise _problem(
            file, where, t("不是 UTF-8 文本:请用编辑器另存为 UTF-8 编码(例如记事本的“另存为”)")
        ) from None
    marks = Marks(file)
    try:
        if _FAST is not None:
            try:
                return _compose(text, _FAST, marks), marks
            except (yaml.YAMLError, _TooManyAliases):
                marks = Marks(file)
        return _compose(text, _Loader, marks), marks
    except yaml.MarkedYAMLError as error:
        # a key without its colon is noticed where the next line starts: the key is where
        # the colon is missing
        keyed = error.context == "while scanning a simple key" and error.context_mark
        mark = error.context_mark if keyed else error.problem_mark
        raise _problem(file, mark, yaml_problem(error)) from None


def _indentation() -> str:
    return t("请检查缩进")


def _quote() -> str:
    return t("请给这个值加上引号")


def _star() -> str:
    return t("以 * 开头的文字请加上引号;别名要先用 &名字 定义")


def _brackets() -> str:
    return t("请补上括号,或在两项之间加逗号;含冒号、逗号或括号的值请加引号")


# PyYAML's usual complaints, said for people (its own words follow, to search by), and what
# to do about each: the first whose words are in PyYAML's speaks
_SAID: tuple[tuple[str, Callable[[], str], Callable[[], str]], ...] = (
    ("expected <block end>", lambda: t("缩进与上文不一致"), _indentation),
    ("mapping values are not allowed here",
     lambda: t("这里不能有键值(冒号后少了空格,或缩进不对)"), _indentation),
    ("found character '\\t'", lambda: t("有 Tab 字符"), lambda: t("缩进只能用空格,不能用 Tab")),
    ("cannot start any token", lambda: t("值以 YAML 不允许的字符开头"), _quote),
    ("could not find expected ':'", lambda: t("少了冒号"), _indentation),
    ("found unexpected end of stream", lambda: t("文件意外结束(引号或括号没有闭合)"),
     lambda: t("请补上没有闭合的引号或括号")),
    ("expected ',' or ']'", lambda: t("方括号 [ ] 里的列表没有闭合"), _brackets),
    ("expected ',' or '}'", lambda: t("花括号 { } 没有闭合,或两项之间少了逗号"), _brackets),
    ("found undefined alias", lambda: t("用了没有定义的别名"), _star),
    ("while scanning an alias", lambda: t("以 * 开头的值被当成了别名"), _star),
    ("while scanning an anchor", lambda: t("以 & 开头的值被当成了锚点"), _quote),
)  # fmt: skip


def yaml_problem(error: yaml.MarkedYAMLError) -> str:
    """What PyYAML refused, in words: ``YAML 格式错误:缩进与上文不一致(expected <block
    end>, …);请检查缩进``."""
    words = error.problem or "invalid YAML"
    if error.context:
        words = f"{error.context}: {words}"
    fix = _indentation
    for known, said, advice in _SAID:
        if known in words:
            words, fix = t("{said}({words})", said=said(), words=words), advice
            break
    return t("YAML 格式错误:{problem};{fix}", problem=words, fix=fix())


def _compose(text: str, loader_class: Any, marks: Marks) -> Any:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        # a long file may reuse an anchor in every item (an order file's `<<: *defaults`):
        # as many values as it has characters, never the exponential growth of a bomb
        seen = _Aliases(getattr(loader, "aliases", None), max(MAX_ALIASED, len(text)))
        return _build(node, (), marks, loader, seen)
    finally:
        loader.dispose()
