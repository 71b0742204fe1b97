"""HCL syntax: every value the HCL output writes goes through here.

``quote`` is the one way a string reaches HCL: it escapes quotes, backslashes, control characters and
Terraform's template sequences ``${`` and ``%{``, so Terraform reads the text back unchanged.
``hcl_value`` writes any description value (maps span lines); ``attribute_lines`` lines up ``=`` as
``terraform fmt`` does. Pure Python (no jinja), so the terraform stage quotes its override files with it too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from generator.model.nodes import Ref
from generator.render.blocks import JsonDoc, Obj

INDENT = "  "


# What needs escaping in an HCL quoted string: quotes, backslashes, control characters, template sequences.
_SPECIAL = re.compile(r'["\\\x00-\x1f\x7f]|[$%]\{')


def quote(value: str) -> str:
    """A string as an HCL quoted literal that Terraform reads back unchanged."""
    if _SPECIAL.search(value) is None:  # the common case: nothing to escape
        return f'"{value}"'
    out = ['"']
    i, n = 0, len(value)
    while i < n:
        ch = value[i]
        nxt = value[i + 1] if i + 1 < n else ""
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch in "$%" and nxt == "{":
            out.append(ch + ch + "{")  # $${ and %%{ are literal ${ and %{
            i += 1
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
        i += 1
    out.append('"')
    return "".join(out)


def hcl_value(value: Any, level: int = 0) -> str:
    """A description value as an HCL expression; maps and lists of maps span lines, indented for ``level``."""
    if isinstance(value, Ref):
        return value.expr
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, JsonDoc):
        return f"jsonencode({hcl_value(value.value, level)})"
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        pad = INDENT * (level + 1)
        key = str if isinstance(value, Obj) else (lambda k: quote(str(k)))  # Obj keys are argument names
        lines = attribute_lines([(key(k), hcl_value(v, level + 1)) for k, v in value.items()], pad)
        return "{\n" + "\n".join(lines) + "\n" + INDENT * level + "}"
    if isinstance(value, list | tuple):
        if not any(isinstance(v, Mapping | list | tuple) for v in value):
            return "[" + ", ".join(hcl_value(v, level) for v in value) + "]"
        pad = INDENT * (level + 1)
        items = [f"{pad}{hcl_value(v, level + 1)}," for v in value]
        return "[\n" + "\n".join(items) + "\n" + INDENT * level + "]"
    raise TypeError(f"cannot render {type(value).__name__} as HCL")


def attribute_lines(attributes: list[tuple[str, str]], pad: str) -> list[str]:
    """``key = value`` lines at ``pad``, with ``=`` aligned in each run of single-line values, exactly as
    ``terraform fmt`` does: a value that spans lines ends the run and is not padded itself."""
    out: list[str] = []
    run: list[tuple[str, str]] = []

    def flush() -> None:
        if run:
            width = max(len(k) for k, _ in run)
            out.extend(f"{pad}{k.ljust(width)} = {v}" for k, v in run)
            run.clear()

    for key, text in attributes:
        if "\n" in text:
            flush()
            out.append(f"{pad}{key} = {text}")
        else:
            run.append((key, text))
    flush()
    return out
