"""Load a policy file: YAML text -> plain JSON-compatible data, a lazy source map, and diagnostics.

libyaml composes the node graph (with line/column marks) at C speed; this module then walks the
graph itself instead of using PyYAML's pure-Python constructor. The walk

* builds only JSON-compatible values (timestamps stay strings, ``.inf``/``.nan`` stay strings),
* counts the nodes it re-visits through aliases and stops past :data:`MAX_NODES` (alias bombs),
* stops past :data:`MAX_DEPTH` levels (libyaml itself refuses 1000 levels; we refuse far fewer),
* reports duplicate keys, non-string keys and unsupported tags, all of them, before giving up.

Nothing here raises for bad input: every problem becomes a :class:`Diagnostic` (DSB001-DSB012).
Positions are computed lazily by :class:`SourceMap` from the retained root node.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import math
import os
import re
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from generator.codes import diag
from generator.diagnostics import Diagnostic, json_path

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "Loaded",
    "ScalarInfo",
    "SourceMap",
    "Span",
    "load_policy_file",
    "load_policy_text",
]

MAX_BYTES = 10 * 1024 * 1024
"""Size cap of a policy file in bytes (10 MiB); a real policy is a few hundred KiB at most."""

MAX_DEPTH = 64
"""Nesting cap: collections deeper than this (counting merge sources and aliases) are refused."""

MAX_NODES = 500_000
"""Cap on nodes visited while expanding aliases and merge keys (guards against "billion laughs")."""

Path = Sequence[str | int]

_Y = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP = (
    _Y + t for t in ("str", "int", "float", "bool", "null", "timestamp")
)
_MAP, _SEQ, _MERGE = _Y + "map", _Y + "seq", _Y + "merge"
_PLAIN = "?plain"  # our composer leaves plain untagged scalars unresolved; the walk resolves them inline

# PyYAML's own YAML 1.1 implicit resolvers (first character -> [(tag, regexp)]), so resolution is exactly
# what ``yaml.safe_load`` does; we only skip its per-node method calls.
_IMPLICIT: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    first: list(entries) for first, entries in Resolver.yaml_implicit_resolvers.items()
}
_TIMESTAMP_RE = next(rx for first in "0123456789" for tag, rx in _IMPLICIT[first] if tag == _TIMESTAMP)
_BOOLS = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}
_RESOLVED_NAME = {
    _STR: "str", _INT: "int", _FLOAT: "float", _BOOL: "bool", _NULL: "null", _TIMESTAMP: "timestamp",
}

# Characters YAML does not allow in a stream (c-printable, YAML 1.1 section 5.1); lone surrogates included.
_NON_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_ALIAS_NAME = re.compile(r"\*([^\s,\[\]{}]+)")
_ANCHOR_NAME = re.compile(r"&([^\s,\[\]{}]+)")


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


def _span(node: Node) -> Span:
    s, e = node.start_mark, node.end_mark
    return Span(s.line + 1, s.column + 1, e.line + 1, e.column + 1)


def _resolve_plain(value: str) -> str:
    """The YAML 1.1 tag PyYAML gives an untagged plain scalar."""
    for tag, rx in _IMPLICIT.get(value[:1], ()):
        if rx.match(value):
            return tag
    return _STR


def _scalar_tag(node: ScalarNode) -> str:
    tag: str = node.tag
    return _resolve_plain(node.value) if tag == _PLAIN else tag


def _is_merge_key(node: Node) -> bool:
    if not isinstance(node, ScalarNode):
        return False
    return node.tag == _MERGE or (node.tag == _PLAIN and node.value == "<<")


def _string_key(node: Node) -> str | None:
    """The key as a string, or None when YAML does not read it as one."""
    if not isinstance(node, ScalarNode):
        return None
    tag = _scalar_tag(node)
    if tag in (_STR, _TIMESTAMP):
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
            if _is_merge_key(knode):
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
        return None if pair is None else _span(pair[1])

    def key(self, path: Path) -> Span | None:
        """The span of the mapping key whose value is at ``path`` (None for list items and the root)."""
        pair = self._pair(path)
        return None if pair is None or pair[0] is None else _span(pair[0])

    def locate(self, path: Path) -> tuple[int, int]:
        """Best (line, column) for a diagnostic about ``path``.

        The value's start when it exists; otherwise the nearest existing ancestor, at its key when it has
        one (``daily:`` for a field missing from ``plans.daily``), else at its value; (1, 1) as a last resort.
        """
        steps = list(self._walk(path))
        if not steps:
            return (1, 1)
        knode, vnode = steps[-1]
        span = _span(vnode) if len(steps) == len(path) + 1 or knode is None else _span(knode)
        return (span.line, span.column)

    def anchor(self, path: Path) -> tuple[int, int]:
        """Where a diagnostic about the value at ``path`` points: a scalar or a one-line value (``[a, b]``)
        at the value; a mapping or list that spans lines at its key (``lock:``), which names it."""
        pair = self._pair(path)
        if pair is not None and pair[0] is not None and not isinstance(pair[1], ScalarNode):
            key, value = _span(pair[0]), _span(pair[1])
            if value.line != key.line:
                return (key.line, key.column)
        return self.locate(path)

    def scalar(self, path: Path) -> ScalarInfo | None:
        """How the scalar at ``path`` was written; None when there is no scalar there."""
        pair = self._pair(path)
        if pair is None or not isinstance(pair[1], ScalarNode):
            return None
        node = pair[1]
        tag = _scalar_tag(node)
        resolved = _RESOLVED_NAME.get(tag, "str" if tag.startswith(_Y) else tag)
        return ScalarInfo(text=str(node.value), plain=not node.style, resolved=resolved)


@dataclass(frozen=True, slots=True)
class Loaded:
    file: str
    data: dict[str, Any] | None  # JSON-compatible data; None when loading failed
    source_map: SourceMap
    diagnostics: tuple[Diagnostic, ...]  # loader problems, ``file`` set on each


# --------------------------------------------------------------------------- entry points


def load_policy_file(path: str | os.PathLike[str]) -> Loaded:
    """Read and load a policy file. Never raises for bad input: I/O problems become DSB001."""
    try:
        name = os.fspath(path)
    except TypeError:
        name = repr(path)
    try:
        with open(path, "rb") as fh:
            info = os.fstat(fh.fileno())
            if stat.S_ISREG(info.st_mode) and info.st_size > MAX_BYTES:
                return _failed(name, _too_big(info.st_size))
            raw = fh.read(MAX_BYTES + 1)  # not a regular file (a pipe, /dev/zero): read at most the cap
    except OSError as exc:
        return _failed(name, _unreadable(name, exc))
    except (ValueError, TypeError) as exc:  # an embedded NUL or a bad type in the path
        return _failed(name, diag("DSB001", f"cannot open the policy file {name}: {exc}",
                                  "give the path of a YAML policy file", line=0, column=0))
    if len(raw) > MAX_BYTES:
        return _failed(name, _too_big(None))
    return load_policy_text(raw, name)


def load_policy_text(text: str | bytes, file: str = "<string>") -> Loaded:
    """Load a policy from text (``str``) or the raw bytes of a file. Never raises for bad input."""
    try:
        with _gc_paused():
            return _load(text, file)
    except RecursionError:
        return _failed(file, diag("DSB009", "the document is nested too deeply to load",
                                  f"keep nesting under {MAX_DEPTH} levels", line=1, column=1))
    except MemoryError:
        return _failed(file, diag("DSB002", "the policy is too large to load into memory",
                                  "split the policy or shrink anchors and aliases", line=1, column=1))
    except Exception as exc:  # a bug in this module, never the user's fault; still not a crash
        message = f"internal error while loading the policy: {type(exc).__name__}: {exc}"
        hint = "please report this with the policy file"
        return _failed(file, diag("DSB900", message, hint, line=1, column=1))


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while hundreds of thousands of acyclic nodes are allocated.

    Composing a 1 MB document allocates ~10^6 objects; the generational collector otherwise runs
    hundreds of times over the growing graph and more than doubles the load time. Nothing allocated
    here forms reference cycles, so reference counting frees it all.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _failed(file: str, *diags: Diagnostic) -> Loaded:
    return Loaded(file, None, SourceMap(None), tuple(d.with_file(file) for d in diags))


def _too_big(size: int | None) -> Diagnostic:
    what = f"{size} bytes" if size is not None else "more than the cap"
    return diag("DSB002", f"the policy file is {what}; the cap is {MAX_BYTES} bytes (10 MiB)",
                "split the policy; a real policy is far smaller", line=0, column=0)


def _unreadable(name: str, exc: OSError) -> Diagnostic:
    reason = exc.strerror or str(exc)
    hints = {
        errno.ENOENT: "check the path; no file exists there",
        errno.EACCES: "check the file's permissions",
        errno.EPERM: "check the file's permissions",
        errno.EISDIR: "give the path of a policy file, not a directory",
    }
    return diag("DSB001", f"cannot read the policy file {name}: {reason}",
                hints.get(exc.errno or 0, "check that the file exists and is readable"), line=0, column=0)


# --------------------------------------------------------------------------- text checks


def _line_col(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of ``text[index]``, counting line breaks the way libyaml does."""
    line, start = 1, 0
    for m in _LINE_BREAK.finditer(text, 0, index):
        line, start = line + 1, m.end()
    return line, index - start + 1


def _decode(raw: bytes) -> str | Diagnostic:
    for bom, enc in ((b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe\x00\x00", "UTF-32"),
                     (b"\xfe\xff", "UTF-16"), (b"\xff\xfe", "UTF-16")):
        if raw.startswith(bom):
            return diag("DSB003", f"the policy file is {enc} text, not UTF-8",
                        "save the file as UTF-8", line=1, column=1)
    nul = raw.find(b"\x00")
    end = nul if nul >= 0 else len(raw)
    try:
        text = raw[:end].decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = raw[: exc.start].decode("utf-8", errors="replace")
        line, col = _line_col(prefix, len(prefix))
        return diag("DSB003", f"the policy file is not UTF-8: byte 0x{raw[exc.start]:02x} cannot start or "
                    "continue a UTF-8 character", "save the file as UTF-8", line=line, column=col)
    if nul >= 0:
        line, col = _line_col(text, len(text))
        return diag("DSB003", "the policy file contains a NUL byte; it looks like a binary file",
                    "a policy is a UTF-8 YAML text file", line=line, column=col)
    return text


def _check_text(text: str) -> Diagnostic | None:
    bad = _NON_PRINTABLE.search(text)
    if bad is None:
        return None
    line, col = _line_col(text, bad.start())
    char = bad.group()
    if char == "\x00":
        return diag("DSB003", "the policy contains a NUL character; it looks like binary data",
                    "a policy is a UTF-8 YAML text file", line=line, column=col)
    if "\ud800" <= char <= "\udfff":
        return diag("DSB003", f"the policy contains a lone surrogate U+{ord(char):04X}, which is not valid "
                    "Unicode text", "save the file as UTF-8", line=line, column=col)
    return diag("DSB003", f"the policy contains the control character U+{ord(char):04X}, which YAML does "
                "not allow", "remove it, or write it as an escape inside a double-quoted string",
                line=line, column=col)


# --------------------------------------------------------------------------- composing


class _Composer(yaml.CSafeLoader):
    """libyaml's composer with PyYAML's per-node Python resolver calls made trivial.

    Plain untagged scalars get the tag ``_PLAIN`` and are resolved inline by the walk (same tables).
    """

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            return _PLAIN if implicit[0] else _STR
        return _MAP if kind is MappingNode else _SEQ

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


def _compose(text: str) -> Node | None:
    loader = _Composer(text)
    try:
        node: Node | None = loader.get_single_node()
        return node
    finally:
        loader.dispose()


def _syntax_diagnostic(exc: yaml.YAMLError, text: str) -> Diagnostic:
    if isinstance(exc, yaml.reader.ReaderError):  # our own checks run first; kept for safety
        return diag("DSB003", f"the policy cannot be read as text: {exc.reason}",
                    "save the file as UTF-8 text without control characters", line=1, column=1)
    problem = str(getattr(exc, "problem", None) or exc)
    context = str(getattr(exc, "context", None) or "")
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    index = int(mark.index) if mark is not None else -1
    char = text[index] if 0 <= index < len(text) else ""

    def at(code: str, message: str, hint: str) -> Diagnostic:
        return diag(code, message, hint, line=line, column=col)

    if "maximum nesting depth" in problem:
        return at("DSB009", "the document is nested too deeply for the YAML parser",
                  f"keep nesting under {MAX_DEPTH} levels")
    if "expected a single document" in context:
        first = getattr(exc, "context_mark", None)
        return at("DSB010", f"a second YAML document starts here (the first starts on line "
                  f"{first.line + 1 if first is not None else 1})",
                  "a policy is one YAML document: remove the extra '---' or split it into separate files")
    return at("DSB004", *_explain(problem, context, char, text, index))


def _explain(problem: str, context: str, char: str, text: str, index: int) -> tuple[str, str]:
    """A syntax problem in plain words, with what to write instead."""
    tabs = "indent with spaces, not tabs"
    if "tab character" in problem or (problem.startswith("found character that cannot") and char == "\t"):
        return "a tab character is used where YAML expects spaces", tabs
    if problem.startswith("found character that cannot start any token"):
        shown = char if char.isprintable() and char else f"U+{ord(char or '?'):04X}"
        hint = "put the value in quotes"
        if char in "@`":
            hint = f"'{char}' is reserved in YAML and cannot start a plain value: put the value in quotes"
        return f"'{shown}' cannot start a value here", hint
    if problem.startswith("mapping values are not allowed"):
        return ("a ':' followed by a space is not allowed here",
                "check this line's indentation, or quote a value that contains ': '")
    if problem.startswith(("did not find expected key", "expected <block end>")):
        return ("this line is not indented like the keys of the mapping it belongs to",
                "line up the keys of one mapping at the same column, using spaces")
    if problem.startswith("did not find expected '-' indicator"):
        return ("expected another list item ('- ') at this indentation",
                "line list items up at the same column; do not mix list items and keys at one level")
    if problem.startswith("did not find expected ',' or ']'"):
        return "the flow list '[...]' is not closed", "separate items with ',' and close the list with ']'"
    if problem.startswith("did not find expected ',' or '}'"):
        return "the flow mapping '{...}' is not closed", "separate entries with ',' and close it with '}'"
    if problem.startswith("could not find expected ':'"):
        return "a key is missing its ':'", "write 'key: value'; quote a value that spans several lines"
    if "end of stream" in problem and "quoted scalar" in context:
        return "a quoted string is not closed", "add the closing quote"
    if "unknown escape" in problem:
        return ("unknown escape sequence in a double-quoted string",
                "write '\\\\' for a backslash, or use single quotes, where '\\' is literal")
    if problem.startswith("found undefined alias"):
        m = _ALIAS_NAME.match(text, index) if index >= 0 else None
        name = m.group(1) if m else "name"
        return f"the alias *{name} refers to no anchor", f"define the anchor &{name} before the alias *{name}"
    if "duplicate anchor" in context:
        m = _ANCHOR_NAME.match(text, index) if index >= 0 else None
        name = m.group(1) if m else "name"
        return f"the anchor &{name} is defined twice", "give each anchor its own name"
    if "document start" in problem:
        return ("content after the end of the document ('...')",
                "remove the '...' line or the content after it; a policy is one document")
    words = f"{problem} ({context})" if context else problem
    return f"YAML syntax error: {words}", "check the YAML syntax at this position"


# --------------------------------------------------------------------------- building data


class _Stop(Exception):
    """Raised inside the walk to give up at once (alias bomb, cycle, too deep)."""

    def __init__(self, code: str, message: str, hint: str, path: tuple[str | int, ...], at_key: bool) -> None:
        super().__init__(message)
        self.code, self.message, self.hint, self.path, self.at_key = code, message, hint, path, at_key


def _show_tag(tag: str) -> str:
    return "!!" + tag[len(_Y):] if tag.startswith(_Y) else tag


def _to_int(text: str) -> int:
    """PyYAML's YAML 1.1 int construction (``0777`` octal, ``0x``, ``0b``, ``1:30`` sexagesimal, ``_``)."""
    value = text.replace("_", "")
    sign = -1 if value[:1] == "-" else 1
    if value[:1] in ("-", "+"):
        value = value[1:]
    if value == "0":
        return 0
    if value.startswith("0b"):
        return sign * int(value[2:], 2)
    if value.startswith("0x"):
        return sign * int(value[2:], 16)
    if value.startswith("0") and ":" not in value:
        return sign * int(value, 8)
    if ":" in value:
        total = 0
        for part in value.split(":"):
            total = total * 60 + int(part)
        return sign * total
    return sign * int(value)


def _to_float(text: str) -> float | str:
    """PyYAML's float construction; values JSON cannot carry (``.inf``, ``.nan``, overflow) stay text."""
    value = text.replace("_", "").lower()
    sign = -1.0 if value[:1] == "-" else 1.0
    if value[:1] in ("-", "+"):
        value = value[1:]
    if ":" in value:
        total = 0.0
        for part in value.split(":"):
            total = total * 60 + float(part)
        result = sign * total
    else:
        result = sign * float(value)
    return result if math.isfinite(result) else text


def _to_bool(text: str) -> bool:
    return _BOOLS[text.lower()]


def _to_timestamp(text: str) -> str:
    if not _TIMESTAMP_RE.match(text):
        raise ValueError(text)
    return text


_CONVERT: dict[str, Callable[[str], Any]] = {
    _STR: str,
    _INT: _to_int,
    _FLOAT: _to_float,
    _BOOL: _to_bool,
    _NULL: lambda _text: None,
    _TIMESTAMP: _to_timestamp,
}


class _Builder:
    """Walks the composed node graph into plain data, collecting diagnostics."""

    def __init__(self) -> None:
        self.diags: list[tuple[str, str, str, Node, tuple[str | int, ...]]] = []
        self.seen: set[int] = set()  # collection nodes built at least once (a second visit is an alias)
        self.active: set[int] = set()  # collection nodes on the current path (a cycle check)
        self.expanded = 0  # nodes visited again through aliases or merges
        self.expansion_path: tuple[str | int, ...] = ()

    def report(self, code: str, message: str, hint: str, node: Node, path: tuple[str | int, ...]) -> None:
        self.diags.append((code, message, hint, node, path))

    def build(self, node: Node, path: tuple[str | int, ...], depth: int, expanding: bool) -> Any:
        if node.__class__ is ScalarNode:
            return self.scalar(node, path)
        nid = id(node)
        if nid in self.active:
            raise _Stop("DSB008", "an alias refers to a node that contains it, so it never ends",
                        "aliases may only refer to complete nodes outside themselves", path, True)
        if not expanding and nid in self.seen:
            expanding = True
            self.expansion_path = path
        if expanding:
            self.expanded += 1 + len(node.value) * (2 if node.__class__ is MappingNode else 1)
            if self.expanded > MAX_NODES:
                raise _Stop("DSB008", f"aliases and merge keys expand to more than {MAX_NODES} nodes",
                            "use fewer nested aliases; write the repeated settings out instead",
                            self.expansion_path, True)
        if depth > MAX_DEPTH:
            raise _Stop("DSB009", f"the document is nested more than {MAX_DEPTH} levels deep",
                        f"keep nesting under {MAX_DEPTH} levels (aliases and merge keys count)", path, False)
        self.seen.add(nid)
        self.active.add(nid)
        try:
            tag = node.tag
            if node.__class__ is MappingNode:
                if tag != _MAP:
                    return self.bad_tag(node, path)
                return self.mapping(node, path, depth, expanding)
            if node.__class__ is SequenceNode:
                if tag != _SEQ:
                    return self.bad_tag(node, path)
                depth += 1
                return [self.build(item, (*path, i), depth, expanding) for i, item in enumerate(node.value)]
            return None  # pragma: no cover -- the composer makes only the three node kinds
        finally:
            self.active.discard(nid)

    def bad_tag(self, node: Node, path: tuple[str | int, ...]) -> None:
        shown = _show_tag(str(node.tag))
        if node.tag == _Y + "binary":
            message, hint = "binary data (!!binary) is not supported in a policy", "write the value as text"
        else:
            message = f"the tag {shown} is not supported"
            hint = "remove the tag; a policy uses plain YAML strings, numbers, booleans, lists and mappings"
        self.report("DSB012", message, hint, node, path)

    def scalar(self, node: ScalarNode, path: tuple[str | int, ...]) -> Any:
        tag = node.tag
        text: str = node.value
        if tag == _PLAIN:
            entries = _IMPLICIT.get(text[:1])
            if entries is None:
                return text
            tag = _STR
            for rtag, rx in entries:
                if rx.match(text):
                    tag = rtag
                    break
            convert = _CONVERT.get(tag)
            if convert is None:  # "<<" or "=" as a value: plain text, as it reads
                return text
            try:
                return convert(text)
            except ValueError:  # e.g. an int beyond Python's digit limit, or "0b_": keep the text
                return text
        if tag == _STR:
            return text
        convert = _CONVERT.get(tag)
        if convert is None:
            return self.bad_tag(node, path)
        try:
            return convert(text)
        except (ValueError, KeyError):
            self.report("DSB012", f"'{text}' cannot be read as {_show_tag(tag)}",
                        f"remove the tag {_show_tag(tag)} or write a valid value", node, path)
            return None

    def mapping(self, node: MappingNode, path: tuple[str | int, ...], depth: int, expanding: bool) -> Any:
        out: dict[str, Any] = {}
        first: dict[str, Node] = {}
        merges: list[tuple[Node, Node]] = []
        for knode, vnode in node.value:
            key: str | None
            ktag = knode.tag
            if knode.__class__ is ScalarNode and (
                ktag == _STR or (ktag == _PLAIN and knode.value[:1] not in _IMPLICIT)
            ):
                key = knode.value  # the common case, decided without a call
            elif _is_merge_key(knode):
                merges.append((knode, vnode))
                continue
            else:
                key = self.key(knode, path)
                if key is None:
                    continue
            prior = first.get(key)
            if prior is not None:
                first_line = prior.start_mark.line + 1
                self.report("DSB005", f"duplicate key '{key}' (first defined on line {first_line})",
                            "remove one of them or combine their contents; YAML would keep only the last",
                            knode, (*path, key))
            else:
                first[key] = knode
            vpath = (*path, key)
            if vnode.__class__ is ScalarNode:
                out[key] = self.scalar(vnode, vpath)
            else:
                out[key] = self.build(vnode, vpath, depth + 1, expanding)
        if not merges:
            return out
        merged: dict[str, Any] = {}
        for knode, vnode in merges:
            sources = vnode.value if vnode.__class__ is SequenceNode and vnode.tag == _SEQ else [vnode]
            for src in sources:
                if src.__class__ is not MappingNode:
                    self.report("DSB004", "the merge key '<<' needs a mapping or a list of mappings",
                                "write '<<: *anchor' or '<<: [*one, *two]' where the anchors name mappings",
                                knode, (*path, "<<"))
                    continue
                value = self.build(src, path, depth + 1, expanding)
                if isinstance(value, dict):
                    for k, v in value.items():
                        merged.setdefault(k, v)  # the first merge source wins
        for k, v in merged.items():
            out.setdefault(k, v)  # explicit keys win over merged ones
        return out

    def key(self, node: Node, path: tuple[str | int, ...]) -> str | None:
        if node.__class__ is not ScalarNode:
            kind = "list" if node.__class__ is SequenceNode else "mapping"
            self.report("DSB011", f"a {kind} is used as a mapping key",
                        "use a plain name as the key", node, path)
            return None
        text: str = node.value
        tag = _scalar_tag(node)
        if tag in (_STR, _TIMESTAMP):
            return text
        if tag not in _RESOLVED_NAME:
            self.bad_tag(node, (*path, text))
            return None
        if tag == _NULL and text == "":
            message, hint = "a mapping key is empty", "write a name before the ':'"
        elif tag == _NULL:
            message, hint = f"the key {text} is read as null, not a string", f"quote the key: '{text}':"
        else:
            word = {_INT: "an integer", _FLOAT: "a number", _BOOL: "a boolean"}[tag]
            message = f"the key {text} is read as {word}, not a string"
            hint = f"quote the key: '{text}':"
        self.report("DSB011", message, hint, node, (*path, text))
        return None


def _load(text: str | bytes, file: str) -> Loaded:
    if isinstance(text, bytes | bytearray | memoryview):
        raw = bytes(text)
        if len(raw) > MAX_BYTES:
            return _failed(file, _too_big(len(raw)))
        decoded = _decode(raw)
        if isinstance(decoded, Diagnostic):
            return _failed(file, decoded)
        text = decoded
    elif not isinstance(text, str):
        return _failed(file, diag("DSB001", f"the policy is a {type(text).__name__}, not text",
                                  "pass the policy as str or bytes", line=0, column=0))
    elif len(text) > MAX_BYTES:
        return _failed(file, _too_big(len(text)))
    text = text.removeprefix("\ufeff")
    problem = _check_text(text)
    if problem is not None:
        return _failed(file, problem)
    if not text.isascii() and len(text.encode("utf-8")) > MAX_BYTES:
        return _failed(file, _too_big(None))

    try:
        root = _compose(text)
    except yaml.YAMLError as exc:
        return _failed(file, _syntax_diagnostic(exc, text))
    smap = SourceMap(root)
    if root is None or (isinstance(root, ScalarNode) and root.tag == _PLAIN and root.value == ""):
        return Loaded(file, None, smap, (diag(
            "DSB006", "the policy is empty", "start with 'version: 1' and the sections of a policy",
            line=1, column=1, file=file),))
    if not isinstance(root, MappingNode):
        kind = "a list" if isinstance(root, SequenceNode) else "a single value"
        span = _span(root)
        return Loaded(file, None, smap, (diag(
            "DSB007", f"the policy is {kind}, not a mapping of sections",
            "write the policy as 'key: value' lines, starting with 'version: 1'",
            line=span.line, column=span.column, file=file),))

    builder = _Builder()
    data: Any = None
    stop: _Stop | None = None
    try:
        data = builder.build(root, (), 1, False)
    except _Stop as exc:
        stop = exc
    diags: list[Diagnostic] = []
    for code, message, hint, node, path in builder.diags:
        mark = node.start_mark
        diags.append(diag(code, message, hint, line=mark.line + 1, column=mark.column + 1,
                          path=json_path(path), file=file))
    if stop is not None:
        line, col = smap.locate(stop.path)
        if stop.at_key and (kspan := smap.key(stop.path)) is not None:
            line, col = kspan.line, kspan.column
        diags.append(diag(stop.code, stop.message, stop.hint, line=line, column=col,
                          path=json_path(stop.path), file=file))
    # A problem inside an aliased node is met once per alias: report it once, at its first path.
    seen: set[tuple[str, int, int, str]] = set()
    unique: list[Diagnostic] = []
    for d in diags:
        if (d.code, d.line, d.column, d.message) not in seen:
            seen.add((d.code, d.line, d.column, d.message))
            unique.append(d)
    if unique or not isinstance(data, dict):
        return Loaded(file, None, smap, tuple(unique))
    return Loaded(file, data, smap, ())
