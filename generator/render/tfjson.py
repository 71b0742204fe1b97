"""Terraform JSON renderer: model -> {relative path: file text}, pure Python (no node).

Same roots and file split as the HCL renderer (``vaults.tf`` -> ``vaults.tf.json``), from the block
description in :mod:`generator.render.blocks`. Terraform JSON rules applied here:

* strings (and object keys) are templates in JSON syntax too: ``${`` and ``%{`` are escaped as ``$${`` and
  ``%%{``; a reference is the template ``"${aws_backup_vault.x.arn}"``;
* ``jsonencode(...)`` documents become the JSON string Terraform's ``jsonencode`` would produce (keys
  sorted, no spaces, ``<`` ``>`` ``&`` U+2028 U+2029 escaped), references interpolated into it, so the
  planned value is identical to the HCL output's;
* ``provider`` is ``"aws.<alias>"``, ``depends_on`` and ``lifecycle.ignore_changes`` are plain address
  strings, nested blocks are lists of objects; ``"//"`` properties are comments.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from generator.model.nodes import Model, Ref
from generator.render.blocks import (
    PROVIDER_SOURCE,
    Blocks,
    JsonDoc,
    Output,
    ProviderConfig,
    Resource,
    RootBlocks,
    Settings,
)
from generator.render.describe import describe

_TEMPLATE = re.compile(r"([$%])\{")
# Go's encoding/json (which jsonencode uses) escapes these beyond what Python's json.dumps does.
_GO_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029",
               "\b": "\\u0008", "\f": "\\u000c"}
_GO_ESCAPED = re.compile("[<>&\u2028\u2029\b\f]")


def literal(text: str) -> str:
    """A string as a Terraform JSON string whose value is ``text`` (template sequences escaped)."""
    return _TEMPLATE.sub(r"\1\1{", text)


def _json_string(text: str) -> str:
    out = json.dumps(text, ensure_ascii=False)
    out = out.replace("\\b", "\\u0008").replace("\\f", "\\u000c")
    return _GO_ESCAPED.sub(lambda m: _GO_ESCAPES[m.group(0)], out)


def _encode(value: Any, parts: list[str | Ref]) -> None:
    """Append ``jsonencode(value)`` to ``parts``: literal JSON text, and references to interpolate."""
    if isinstance(value, Ref):
        parts += ['"', value, '"']  # references inside policies are strings (ARNs)
    elif isinstance(value, bool):
        parts.append("true" if value else "false")
    elif isinstance(value, int | float):
        parts.append(json.dumps(value))
    elif value is None:
        parts.append("null")
    elif isinstance(value, str):
        parts.append(_json_string(value))
    elif isinstance(value, Mapping):
        parts.append("{")
        for i, k in enumerate(sorted(value, key=str)):
            if i:
                parts.append(",")
            parts += [_json_string(str(k)), ":"]
            _encode(value[k], parts)
        parts.append("}")
    elif isinstance(value, list | tuple):
        parts.append("[")
        for i, v in enumerate(value):
            if i:
                parts.append(",")
            _encode(v, parts)
        parts.append("]")
    else:
        raise TypeError(f"cannot jsonencode {type(value).__name__}")


def jsonencode(value: Any) -> str:
    """The Terraform JSON string for ``jsonencode(value)``: JSON text, references as ``${...}``."""
    parts: list[str | Ref] = []
    _encode(value, parts)
    return "".join(f"${{{p.expr}}}" if isinstance(p, Ref) else literal(p) for p in parts)


def value(v: Any) -> Any:
    """A block-description value as a Terraform JSON value."""
    if isinstance(v, Ref):
        return f"${{{v.expr}}}"
    if isinstance(v, JsonDoc):
        return jsonencode(v.value)
    if isinstance(v, Blocks):
        return [body(b) for b in v.bodies]
    if isinstance(v, str):
        return literal(v)
    if isinstance(v, bool | int | float) or v is None:
        return v
    if isinstance(v, Mapping):
        return {literal(str(k)): value(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [value(x) for x in v]
    raise TypeError(f"cannot render {type(v).__name__} as Terraform JSON")


def body(args: Mapping[str, Any]) -> dict[str, Any]:
    """Block arguments (names are identifiers, never templates)."""
    return {k: value(v) for k, v in args.items()}


def resource_body(r: Resource, *, comments: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"//": r.comment} if r.comment and comments else {}
    out["provider"] = f"aws.{r.provider}"
    out.update(body(r.args))
    if r.lifecycle:
        lc: dict[str, Any] = {}
        if r.lifecycle.prevent_destroy:
            lc["prevent_destroy"] = True
        if r.lifecycle.ignore_changes:
            lc["ignore_changes"] = list(r.lifecycle.ignore_changes)
        out["lifecycle"] = lc
    if r.depends_on:
        out["depends_on"] = list(r.depends_on)
    return out


def settings_body(s: Settings) -> dict[str, Any]:
    out: dict[str, Any] = {
        "required_version": s.required_version,
        "required_providers": {"aws": {"source": PROVIDER_SOURCE, "version": s.provider_version}},
    }
    if s.backend:
        kind, args = s.backend
        out["backend"] = {kind: body(args)}
    return out


def provider_body(p: ProviderConfig) -> dict[str, Any]:
    return {"alias": p.alias, **body(p.args)}


def output_body(o: Output) -> dict[str, Any]:
    return {"description": literal(o.description), "value": value(o.value)}


def render_root(rb: RootBlocks) -> dict[str, str]:
    files: dict[str, str] = {}
    for f in rb.files:
        doc: dict[str, Any] = {"//": " ".join((*rb.header, f.comment) if f.comment else rb.header)}
        for item in f.items:
            if isinstance(item, Settings):
                doc["terraform"] = settings_body(item)
            elif isinstance(item, ProviderConfig):
                doc.setdefault("provider", {}).setdefault("aws", []).append(provider_body(item))
            elif isinstance(item, Resource):
                doc.setdefault("resource", {}).setdefault(item.type, {})[item.label] = resource_body(item)
            else:
                doc.setdefault("output", {})[item.name] = output_body(item)
        files[f"{f.stem}.tf.json"] = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return files


def render_tfjson(model: Model) -> dict[str, str]:
    """Every root's files, keyed ``<root>/<file>.tf.json``."""
    return {f"{rb.root.name}/{name}": text for rb in describe(model) for name, text in render_root(rb).items()}
