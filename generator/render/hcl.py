"""HCL renderer: model -> {relative path: file text}. Pure; the writer puts the files on disk."""

from __future__ import annotations

import re
from functools import cache

import jinja2

from generator.model import Model, Root
from generator.render.templating import align, make_environment

# file name -> template; a file is written only when its template renders something.
FILES = (
    ("versions.tf", "hcl/versions.tf.j2"),
    ("providers.tf", "hcl/providers.tf.j2"),
    ("dsql.tf", "hcl/dsql.tf.j2"),
    ("vaults.tf", "hcl/vaults.tf.j2"),
    ("iam.tf", "hcl/iam.tf.j2"),
    ("settings.tf", "hcl/settings.tf.j2"),
    ("plans.tf", "hcl/plans.tf.j2"),
    ("restore_testing.tf", "hcl/restore_testing.tf.j2"),
    ("audit.tf", "hcl/audit.tf.j2"),
    ("outputs.tf", "hcl/outputs.tf.j2"),
)

_BLANKS = re.compile(r"\n{3,}")


@cache
def _env() -> jinja2.Environment:
    return make_environment()


def render_root(root: Root, model: Model) -> dict[str, str]:
    files: dict[str, str] = {}
    for name, template in FILES:
        text = _env().get_template(template).render(root=root, model=model)
        text = _BLANKS.sub("\n\n", text).strip("\n")
        if text:
            files[name] = align(text) + "\n"
    return files


def render_hcl(model: Model) -> dict[str, str]:
    """Every root's files, keyed ``<root>/<file>``."""
    return {f"{root.name}/{name}": text for root in model.roots for name, text in render_root(root, model).items()}
