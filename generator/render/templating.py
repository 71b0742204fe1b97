"""The one jinja2 environment factory: StrictUndefined, trimmed blocks, no autoescape; strings reach a
template's output through the ``q`` filter (:func:`generator.render.hcl_syntax.quote`)."""

from __future__ import annotations

import jinja2

from generator.render.hcl_syntax import quote


def make_environment(package: str = "generator.templates") -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(package, ""),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["q"] = quote
    return env
