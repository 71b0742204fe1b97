"""The one jinja2 environment factory: StrictUndefined, trimmed blocks, no autoescape; the HCL value
filters (``q``, ``hcl``) come from :mod:`generator.render.hcl_syntax`."""

from __future__ import annotations

import jinja2

from generator.render.hcl_syntax import hcl_value, quote


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
    env.filters["hcl"] = hcl_value
    return env
