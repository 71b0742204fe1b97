"""The output formats of ``dsql-backup compile``: each a pure function of the model (``cdktf`` also runs the
CDKTF library in node, in a temporary directory). Chosen by generator.output.compile."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from generator.model.nodes import Model

FORMATS = ("hcl", "tf-json", "cdktf", "cdktf-app")


@dataclass(frozen=True, slots=True)
class Rendered:
    files: Mapping[str, str]  # what compile writes, relative paths
    root_files: Mapping[str, str]  # what compile writes into each root, keyed <root>/<file>
    counted: Mapping[str, str] | None = None  # what the manifest counts resources in (default root_files)
    root_path: str = "{root}"  # where a root's files are, relative to the output directory
    app_files: tuple[str, ...] = field(default=())  # files outside the roots (cdktf-app)


def render(model: Model, output_format: str, policy_source: str | None = None) -> Rendered:
    if output_format == "hcl":
        from generator.render.hcl import render_hcl

        files = render_hcl(model)
        return Rendered(files, files)
    if output_format == "tf-json":
        from generator.render.tfjson import render_tfjson

        files = render_tfjson(model)
        return Rendered(files, files)
    if output_format == "cdktf":
        from generator.render.cdktf import render_cdktf

        files = render_cdktf(model)
        return Rendered(files, files)
    if output_format == "cdktf-app":
        from generator.render.cdktf import APP_OUT, render_cdktf_app
        from generator.render.tfjson import render_tfjson

        if policy_source is None:
            raise ValueError("--format cdktf-app needs the policy's source text")
        files = render_cdktf_app(model, policy_source)
        # The stacks appear when the app runs (cdktf.out/stacks/<root>); they hold the Terraform JSON resources.
        return Rendered(files, {}, render_tfjson(model), f"{APP_OUT}/stacks/{{root}}", tuple(sorted(files)))
    raise ValueError(f"unknown output format {output_format!r}")
