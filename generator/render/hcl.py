"""HCL writer: the block description (:mod:`generator.render.describe`) as commented, ``terraform fmt``-clean
HCL files. Pure: model -> {relative path: file text}; the writer puts the files on disk.

The file layout (header, file comment, one block after another, each with its comment) is the jinja2
template ``templates/hcl/file.tf.j2``; block bodies are written here, recursively: attributes first as
they come, a blank line before each nested block, comments (``Resource.notes``) above their argument.
Every value goes through :func:`generator.render.hcl_syntax.hcl_value`, every string through ``quote``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2

from generator.model.nodes import Model, Ref
from generator.render.blocks import (
    PROVIDER_SOURCE,
    Blocks,
    Item,
    Obj,
    Output,
    ProviderConfig,
    Resource,
    RootBlocks,
    Settings,
)
from generator.render.describe import describe
from generator.render.hcl_syntax import INDENT, attribute_lines, hcl_value
from generator.render.templating import make_environment

COMMENT_WIDTH = 100


@dataclass(frozen=True, slots=True)
class HclBlock:
    """A top-level block as the template prints it: ``kind "label" ... {`` body ``}``."""

    kind: str
    labels: tuple[str, ...]
    body: str  # indented lines, no trailing newline
    comment: str = ""


@cache
def _env() -> jinja2.Environment:
    env = make_environment()
    env.filters["comment"] = comment_lines
    return env


@cache
def comment_lines(text: str, width: int = COMMENT_WIDTH) -> str:
    """``text`` as ``#`` comment lines of at most ``width`` characters."""
    return "\n".join("# " + line for line in textwrap.wrap(text, width - 2, break_on_hyphens=False))


def body_lines(args: Mapping[str, Any], level: int, notes: Mapping[str, str] | None = None) -> list[str]:
    """The lines of a block body at ``level``: attributes in order (``=`` aligned in runs, as ``terraform fmt``
    does), a blank line before each nested block (and before an attribute that follows one), each note as a
    comment above its argument (a comment ends an alignment run)."""
    pad = INDENT * level
    lines: list[str] = []
    run: list[tuple[str, str]] = []
    after_block = False
    for name, value in args.items():
        if isinstance(value, Blocks):
            lines += attribute_lines(run, pad)
            run = []
            for b in value.bodies:
                if lines:
                    lines.append("")
                lines += [f"{pad}{name} {{", *body_lines(b, level + 1), f"{pad}}}"]
            after_block = True
            continue
        if after_block:
            lines.append("")
            after_block = False
        if notes and name in notes:
            lines += attribute_lines(run, pad)
            run = []
            lines += [pad + line for line in comment_lines(notes[name], COMMENT_WIDTH - len(pad)).split("\n")]
        run.append((name, hcl_value(value, level)))
    return lines + attribute_lines(run, pad)


def _resource(r: Resource) -> HclBlock:
    body: dict[str, Any] = {"provider": Ref(f"aws.{r.provider}"), **r.args}
    if lc := r.lifecycle:
        meta: dict[str, Any] = {}
        if lc.prevent_destroy:
            meta["prevent_destroy"] = True
        if lc.ignore_changes:
            meta["ignore_changes"] = [Ref(name) for name in lc.ignore_changes]
        body["lifecycle"] = Blocks((meta,))
    if r.depends_on:
        body["depends_on"] = [Ref(address) for address in r.depends_on]
    return HclBlock("resource", (r.type, r.label), "\n".join(body_lines(body, 1, r.notes)), r.comment)


def _settings(s: Settings) -> HclBlock:
    body: dict[str, Any] = {
        "required_version": s.required_version,
        "required_providers": Blocks(({"aws": Obj(source=PROVIDER_SOURCE, version=s.provider_version)},)),
    }
    lines = body_lines(body, 1)
    if s.backend:
        kind, args = s.backend
        lines += ["", f'{INDENT}backend "{kind}" {{', *body_lines(args, 2), f"{INDENT}}}"]
    return HclBlock("terraform", (), "\n".join(lines))


def _block(item: Item) -> HclBlock:
    if isinstance(item, Resource):
        return _resource(item)
    if isinstance(item, ProviderConfig):
        return HclBlock("provider", ("aws",), "\n".join(body_lines({"alias": item.alias, **item.args}, 1)))
    if isinstance(item, Output):
        return HclBlock("output", (item.name,),
                        "\n".join(body_lines({"description": item.description, "value": item.value}, 1)))
    return _settings(item)


def render_root(rb: RootBlocks) -> Iterator[tuple[str, str]]:
    template = _env().get_template("hcl/file.tf.j2")
    for f in rb.files:
        text = template.render(header=rb.header, comment=f.comment, blocks=[_block(i) for i in f.items])
        yield f"{f.stem}.tf", text.strip("\n") + "\n"


def render_hcl(model: Model) -> dict[str, str]:
    """Every root's files, keyed ``<root>/<file>``."""
    return {f"{rb.root.name}/{name}": text for rb in describe(model) for name, text in render_root(rb)}
