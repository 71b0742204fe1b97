"""Walk the composed YAML node graph into plain JSON-compatible data, collecting diagnostics: duplicate keys,
non-string keys, unsupported tags (all of them, before giving up), and stopping at once on alias bombs,
cycles and excessive depth. Scalars resolve exactly as ``yaml.safe_load`` resolves them (YAML 1.1), but
timestamps, ``.inf`` and ``.nan`` stay strings."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from generator.diagnostics import json_path
from generator.diagnostics.cap import Cap
from generator.policy.source_map import (
    BOOL,
    FLOAT,
    IMPLICIT,
    INT,
    MAP,
    MAX_DEPTH,
    NULL,
    PLAIN,
    RESOLVED_NAME,
    SEQ,
    STR,
    TIMESTAMP,
    YAML_TAG,
    is_merge_key,
    scalar_tag,
)

MAX_NODES = 500_000
"""Cap on nodes visited while expanding aliases and merge keys (guards against "billion laughs")."""

MAX_LEADING_ZEROS = 100
"""DSB013 warnings listed per document; past that one more says there are more."""

_TIMESTAMP_RE = next(rx for first in "0123456789" for tag, rx in IMPLICIT[first] if tag == TIMESTAMP)
_BOOLS = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}


class Stop(Exception):
    """Raised inside the walk to give up at once (alias bomb, cycle, too deep)."""

    def __init__(self, code: str, message: str, hint: str, path: tuple[str | int, ...], at_key: bool) -> None:
        super().__init__(message)
        self.code, self.message, self.hint, self.path, self.at_key = code, message, hint, path, at_key


def _show_tag(tag: str) -> str:
    return "!!" + tag[len(YAML_TAG):] if tag.startswith(YAML_TAG) else tag


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
    STR: str,
    INT: _to_int,
    FLOAT: _to_float,
    BOOL: _to_bool,
    NULL: lambda _text: None,
    TIMESTAMP: _to_timestamp,
}


class Walk:
    """Walks the composed node graph into plain data, collecting diagnostics."""

    def __init__(self) -> None:
        self.diags: list[tuple[str, str, str, Node, tuple[str | int, ...]]] = []
        self.seen: set[int] = set()  # collection nodes built at least once (a second visit is an alias)
        self.active: set[int] = set()  # collection nodes on the current path (a cycle check)
        self.expanded = 0  # nodes visited again through aliases or merges
        self.expansion_path: tuple[str | int, ...] = ()
        self.leading_zeros: set[int] = set()  # plain scalars reported as DSB013 (node ids)
        self.cap = Cap()  # a million duplicate keys: the first MAX_REPORTED reported, the rest counted

    def report(self, code: str, message: str, hint: str, node: Node, path: tuple[str | int, ...]) -> None:
        if self.cap.take(code):
            self.diags.append((code, message, hint, node, path))
        elif self.cap.first_left_out is None:
            self.cap.first_left_out = (node.start_mark.line + 1, node.start_mark.column + 1, json_path(path))

    def build(self, node: Node, path: tuple[str | int, ...], depth: int, expanding: bool) -> Any:
        if node.__class__ is ScalarNode:
            return self.scalar(node, path)
        nid = id(node)
        if nid in self.active:
            raise Stop("DSB008", "an alias refers to a node that contains it, so it never ends",
                        "aliases may only refer to complete nodes outside themselves", path, True)
        if not expanding and nid in self.seen:
            expanding = True
            self.expansion_path = path
        if expanding:
            self.expanded += 1 + len(node.value) * (2 if node.__class__ is MappingNode else 1)
            if self.expanded > MAX_NODES:
                raise Stop("DSB008", f"aliases and merge keys expand to more than {MAX_NODES} nodes",
                            "use fewer nested aliases; write the repeated settings out instead",
                            self.expansion_path, True)
        if depth > MAX_DEPTH:
            raise Stop("DSB009", f"the document is nested more than {MAX_DEPTH} levels deep",
                        f"keep nesting under {MAX_DEPTH} levels (aliases and merge keys count)", path, False)
        self.seen.add(nid)
        self.active.add(nid)
        try:
            tag = node.tag
            if node.__class__ is MappingNode:
                if tag != MAP:
                    return self.bad_tag(node, path)
                return self.mapping(node, path, depth, expanding)
            if node.__class__ is SequenceNode:
                if tag != SEQ:
                    return self.bad_tag(node, path)
                depth += 1
                return [self.build(item, (*path, i), depth, expanding) for i, item in enumerate(node.value)]
            return None  # pragma: no cover -- the composer makes only the three node kinds
        finally:
            self.active.discard(nid)

    def bad_tag(self, node: Node, path: tuple[str | int, ...]) -> None:
        shown = _show_tag(str(node.tag))
        if node.tag == YAML_TAG + "binary":
            message, hint = "binary data (!!binary) is not supported in a policy", "write the value as text"
        else:
            message = f"the tag {shown} is not supported"
            hint = "remove the tag; a policy uses plain YAML strings, numbers, booleans, lists and mappings"
        self.report("DSB012", message, hint, node, path)

    def scalar(self, node: ScalarNode, path: tuple[str | int, ...]) -> Any:
        tag = node.tag
        text: str = node.value
        if tag == PLAIN:
            entries = IMPLICIT.get(text[:1])
            if entries is None:
                return text
            tag = STR
            for rtag, rx in entries:
                if rx.match(text):
                    tag = rtag
                    break
            if text[:1] == "0" and len(text) > 1 and text.isdigit() and text.isascii():
                self.leading_zero(node, text, tag, path)
            convert = _CONVERT.get(tag)
            if convert is None:  # "<<" or "=" as a value: plain text, as it reads
                return text
            try:
                return convert(text)
            except ValueError:  # e.g. an int beyond Python's digit limit, or "0b_": keep the text
                return text
        if tag == STR:
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

    def leading_zero(self, node: ScalarNode, text: str, tag: str, path: tuple[str | int, ...]) -> None:
        """DSB013: plain digits with a leading zero read differently here (YAML 1.1: a string, or an octal
        number when every digit is 0-7) and in YAML 1.2 tools (editors, yq, Go: a decimal number)."""
        decimal = int(text)
        if (tag == INT and int(text, 8) == decimal) or id(node) in self.leading_zeros:
            return  # 00 to 07 are the same number either way; a node met again through an alias is reported
        self.leading_zeros.add(id(node))
        if len(self.leading_zeros) > MAX_LEADING_ZEROS:
            if len(self.leading_zeros) == MAX_LEADING_ZEROS + 1:
                self.report("DSB013", f"more than {MAX_LEADING_ZEROS} unquoted numbers start with 0 (this one is "
                            f"{text}); the rest are not listed", "quote every value that starts with 0", node, path)
            return
        if tag == INT:
            here = f"the octal number {int(text, 8)}"
            hint = f'write {decimal} without the leading zero, or "{text}" if it is text'
        else:
            here, hint = f"the string '{text}'", f'quote it: "{text}"'
        self.report("DSB013", f"{text} is unquoted and starts with 0: dsql-backup (YAML 1.1) reads {here}, but "
                    f"YAML 1.2 tools (editors, yq, Go) read the number {decimal}", hint, node, path)

    def mapping(self, node: MappingNode, path: tuple[str | int, ...], depth: int, expanding: bool) -> Any:
        out: dict[str, Any] = {}
        first: dict[str, Node] = {}
        merges: list[tuple[Node, Node]] = []
        for knode, vnode in node.value:
            key: str | None
            ktag = knode.tag
            if knode.__class__ is ScalarNode and (
                ktag == STR or (ktag == PLAIN and knode.value[:1] not in IMPLICIT)
            ):
                key = knode.value  # the common case, decided without a call
            elif is_merge_key(knode):
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
            sources = vnode.value if vnode.__class__ is SequenceNode and vnode.tag == SEQ else [vnode]
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
        tag = scalar_tag(node)
        if tag in (STR, TIMESTAMP):
            return text
        if tag not in RESOLVED_NAME:
            self.bad_tag(node, (*path, text))
            return None
        if tag == NULL and text == "":
            message, hint = "a mapping key is empty", "write a name before the ':'"
        elif tag == NULL:
            message, hint = f"the key {text} is read as null, not a string", f"quote the key: '{text}':"
        else:
            word = {INT: "an integer", FLOAT: "a number", BOOL: "a boolean"}[tag]
            message = f"the key {text} is read as {word}, not a string"
            hint = f"quote the key: '{text}':"
        self.report("DSB011", message, hint, node, (*path, text))
        return None
