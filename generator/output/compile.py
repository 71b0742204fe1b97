"""Stage 5: model -> files. Chooses the renderer for the output format and adds the manifest."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from generator.aws.capabilities import load_capabilities
from generator.model.build import build_model
from generator.model.nodes import Model
from generator.output.manifest import MANIFEST, build_manifest, manifest_text
from generator.policy.loader import SourceMap
from generator.policy.typed import Policy
from generator.render.formats import FORMATS, render

__all__ = ["FORMATS", "Compiled", "compile_policy"]


@dataclass(frozen=True, slots=True)
class Compiled:
    model: Model
    files: Mapping[str, str]  # relative path -> text, manifest.json included
    manifest: Mapping[str, Any]


def compile_policy(policy: Policy, output_format: str = "hcl", source_map: SourceMap | None = None, *,
                   policy_source: str | None = None) -> Compiled:
    """``policy_source`` (the policy file's text) is needed by ``cdktf-app`` only, which ships a copy.
    ``cdktf`` raises generator.render.cdktf.ToolchainMissing without the CDKTF library or node."""
    if output_format not in FORMATS:
        raise ValueError(f"unknown output format {output_format!r}")
    model = build_model(policy, load_capabilities(), source_map)
    r = render(model, output_format, policy_source)
    manifest = build_manifest(model, r.root_files, output_format, counted=r.counted, root_path=r.root_path,
                              app_files=r.app_files)
    return Compiled(model, {**r.files, MANIFEST: manifest_text(manifest)}, manifest)
