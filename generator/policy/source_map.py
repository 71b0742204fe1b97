"""Where things are in the YAML: a lazy map from a data path to line and column, and the YAML 1.1 tags of the
composed node graph (shared with :mod:`generator.policy.yaml_walk`, which turns that graph into data)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

Path = Sequence[str | int]

MAX_DEPTH = 64
"""Nesting cap: collections deeper than this (counting merge sources and aliases) are refused."""

YAML_TAG = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL, TIMESTAMP = (
    YAML_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp")
)
MAP, SEQ, MERGE = YAML_TAG + "map", YAML_TAG + "seq", YAML_TAG + "merge"
PLAIN = "?plain"  # our composer leaves plain untagged scalars unresolved; the walk resolves them inline

# PyYAML's own YAML 1.1 implicit resolvers (first character -> [(tag, regexp)]), so resolution is exactly
# what ``yaml.safe_load`` does; we only skip its per-node method calls.
IMPLICIT: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    first: list(entries) for first, entries in Resolver.yaml_implicit_resolvers.items()
}
RESOLVED_NAME = {
    STR: "str", INT: "int", FLOAT: "float", BOOL: "bool", NULL: "null", TIMESTAMP: "timestamp",
}


@dataclass(frozen=True, slots=True)
class Span:
    """A node's extent in the source, 1-based; the end is exclusive, as libyaml reports it."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True, slots=True)
class ScalarInfo:
    """How a scalar was written and what YAML made of it (for "quote it" hints)."""

    text: str  # the scalar's text: exactly as written for plain scalars; quotes and escapes removed otherwise
    plain: bool  # True when unquoted (plain style)
    resolved: str  # "str" | "int" | "float" | "bool" | "null" | "timestamp"


def span_of(node: Node) -> Span:
    s, e = node.start_mark, node.end_mark
    return Span(s.line + 1, s.column + 1, e.line + 1, e.column + 1)


def _resolve_plain(value: str) -> str:
    """The YAML 1.1 tag PyYAML gives an untagged plain scalar."""
    for tag, rx in IMPLICIT.get(value[:1], ()):
        if rx.match(value):
            return tag
    return STR


def scalar_tag(node: ScalarNode) -> str:
    tag: str = node.tag
    return _resolve_plain(node.value) if tag == PLAIN else tag


def is_merge_key(node: Node) -> bool:
    if not isinstance(node, ScalarNode):
        return False
    return node.tag == MERGE or (node.tag == PLAIN and node.value == "<<")


def _string_key(node: Node) -> str | None:
    """The key as a string, or None when YAML does not read it as one."""
    if not isinstance(node, ScalarNode):
        return None
    tag = scalar_tag(node)
    if tag in (STR, TIMESTAMP):
        return str(node.value)
    return None


class SourceMap:
    """Lazily maps a path (tuple of str keys / int indexes) to positions in the YAML source.

    Paths follow the loaded data: aliases and merge keys are resolved the way the loader resolves them
    (explicit keys win over merged ones; among merge sources the first wins), so a merged value's span is
    where it is written, under its anchor.
    """

    __slots__ = ("_root", "_tables")

    def __init__(self, root: Node | None) -> None:
        self._root = root
        self._tables: dict[int, dict[str, tuple[Node, Node]]] = {}

    @property
    def root(self) -> Node | None:
        return self._root

    def _table(self, node: MappingNode, depth: int = 0) -> dict[str, tuple[Node, Node]]:
        cached = self._tables.get(id(node))
        if cached is not None:
            return cached
        table: dict[str, tuple[Node, Node]] = {}
        self._tables[id(node)] = table  # registered first: a merge cycle sees a partial table, not a loop
        merged: dict[str, tuple[Node, Node]] = {}
        for knode, vnode in node.value:
            if is_merge_key(knode):
                if depth >= MAX_DEPTH:
                    continue
                sources = vnode.value if isinstance(vnode, SequenceNode) else [vnode]
                for src in sources:
                    if isinstance(src, MappingNode):
                        for k, pair in self._table(src, depth + 1).items():
                            merged.setdefault(k, pair)
                continue
            key = _string_key(knode)
            if key is not None:
                table[key] = (knode, vnode)  # on duplicates the last wins, as in PyYAML
        for k, pair in merged.items():
            table.setdefault(k, pair)
        return table

    def _walk(self, path: Path) -> Iterator[tuple[Node | None, Node]]:
        """(key node, value node) for each existing prefix of ``path``, root first."""
        node = self._root
        if node is None:
            return
        yield None, node
        for part in path:
            if isinstance(part, int) and not isinstance(part, bool):
                if not isinstance(node, SequenceNode) or not -1 < part < len(node.value):
                    return
                knode, node = None, node.value[part]
            elif isinstance(part, str) and isinstance(node, MappingNode):
                pair = self._table(node).get(part)
                if pair is None:
                    return
                knode, node = pair
            else:
                return
            yield knode, node

    def _pair(self, path: Path) -> tuple[Node | None, Node] | None:
        steps = list(self._walk(path))
        return steps[-1] if len(steps) == len(path) + 1 else None

    def value(self, path: Path) -> Span | None:
        """The span of the node at ``path``, or None when there is no such node."""
        pair = self._pair(path)
        return None if pair is None else span_of(pair[1])

    def key(self, path: Path) -> Span | None:
        """The span of the mapping key whose value is at ``path`` (None for list items and the root)."""
        pair = self._pair(path)
        return None if pair is None or pair[0] is None else span_of(pair[0])

    def locate(self, path: Path) -> tuple[int, int]:
        """Best (line, column) for a diagnostic about ``path``.

        The value's start when it exists; otherwise the nearest existing ancestor, at its key when it has
        one (``daily:`` for a field missing from ``plans.daily``), else at its value; (1, 1) as a last resort.
        """
        steps = list(self._walk(path))
        if not steps:
            return (1, 1)
        knode, vnode = steps[-1]
        span = span_of(vnode) if len(steps) == len(path) + 1 or knode is None else span_of(knode)
        return (span.line, span.column)

    def anchor(self, path: Path) -> tuple[int, int]:
        """Where a diagnostic about the value at ``path`` points: a scalar or a one-line value (``[a, b]``)
        at the value; a mapping or list that spans lines at its key (``lock:``), which names it."""
        pair = self._pair(path)
        if pair is not None and pair[0] is not None and not isinstance(pair[1], ScalarNode):
            key, value = span_of(pair[0]), span_of(pair[1])
            if value.line != key.line:
                return (key.line, key.column)
        return self.locate(path)

    def scalar(self, path: Path) -> ScalarInfo | None:
        """How the scalar at ``path`` was written; None when there is no scalar there."""
        pair = self._pair(path)
        if pair is None or not isinstance(pair[1], ScalarNode):
            return None
        node = pair[1]
        tag = scalar_tag(node)
        resolved = RESOLVED_NAME.get(tag, "str" if tag.startswith(YAML_TAG) else tag)
        return ScalarInfo(text=str(node.value), plain=not node.style, resolved=resolved)
