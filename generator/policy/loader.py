"""Load a policy file: YAML text -> plain JSON-compatible data, a lazy source map, and diagnostics.

libyaml composes the node graph (with line/column marks) at C speed; :mod:`generator.policy.yaml_walk` then
walks the graph itself instead of using PyYAML's pure-Python constructor. The walk

* builds only JSON-compatible values (timestamps stay strings, ``.inf``/``.nan`` stay strings),
* counts the nodes it re-visits through aliases and stops past :data:`MAX_NODES` (alias bombs),
* stops past :data:`MAX_DEPTH` levels (libyaml itself refuses 1000 levels; we refuse far fewer),
* reports duplicate keys, non-string keys and unsupported tags, all of them, before giving up.

Nothing here raises for bad input: every problem becomes a :class:`Diagnostic` (DSB001-DSB012); a plain
scalar that YAML 1.2 tools read differently is a warning (DSB013) and the policy still loads.
Positions are computed lazily by :class:`SourceMap` from the retained root node.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from generator.diagnostics import Diagnostic, has_errors, json_path
from generator.diagnostics.codes import diag
from generator.policy.source_map import MAP, MAX_DEPTH, PLAIN, SEQ, STR, ScalarInfo, SourceMap, Span, span_of
from generator.policy.yaml_walk import MAX_NODES, Stop, Walk

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


# Characters YAML does not allow in a stream (c-printable, YAML 1.1 section 5.1); lone surrogates included.
_NON_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_ALIAS_NAME = re.compile(r"\*([^\s,\[\]{}]+)")
_ANCHOR_NAME = re.compile(r"&([^\s,\[\]{}]+)")


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

    Plain untagged scalars get the tag ``PLAIN`` and are resolved inline by the walk (same tables).
    """

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            return PLAIN if implicit[0] else STR
        return MAP if kind is MappingNode else SEQ

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
    if root is None or (isinstance(root, ScalarNode) and root.tag == PLAIN and root.value == ""):
        return Loaded(file, None, smap, (diag(
            "DSB006", "the policy is empty", "start with 'version: 1' and the sections of a policy",
            line=1, column=1, file=file),))
    if not isinstance(root, MappingNode):
        kind = "a list" if isinstance(root, SequenceNode) else "a single value"
        span = span_of(root)
        return Loaded(file, None, smap, (diag(
            "DSB007", f"the policy is {kind}, not a mapping of sections",
            "write the policy as 'key: value' lines, starting with 'version: 1'",
            line=span.line, column=span.column, file=file),))

    builder = Walk()
    data: Any = None
    stop: Stop | None = None
    try:
        data = builder.build(root, (), 1, False)
    except Stop as exc:
        stop = exc
    diags: list[Diagnostic] = []
    for code, message, hint, node, path in builder.diags:
        mark = node.start_mark
        diags.append(diag(code, message, hint, line=mark.line + 1, column=mark.column + 1,
                          path=json_path(path), file=file))
    if (summary := builder.cap.summary()) is not None:
        diags.append(summary.with_file(file))
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
    if has_errors(unique) or not isinstance(data, dict):
        return Loaded(file, None, smap, tuple(unique))
    return Loaded(file, data, smap, tuple(unique))  # warnings only (DSB013): the policy reads on
