"""Stage 5: model -> files. Chooses the renderer for the output format and adds the manifest."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from generator.build import build_model
from generator.capabilities import load_capabilities
from generator.loader import SourceMap
from generator.manifest import MANIFEST, build_manifest, manifest_text
from generator.model import Model
from generator.policy import Policy
from generator.render.hcl import render_hcl

FORMATS = ("hcl",)


@dataclass(frozen=True, slots=True)
class Compiled:
    model: Model
    files: Mapping[str, str]  # relative path -> text, manifest.json included
    manifest: Mapping[str, Any]


def compile_policy(policy: Policy, output_format: str = "hcl", source_map: SourceMap | None = None) -> Compiled:
    model = build_model(policy, load_capabilities(), source_map)
    if output_format != "hcl":
        raise ValueError(f"unknown output format {output_format!r}")
    files = render_hcl(model)
    manifest = build_manifest(model, files, output_format)
    return Compiled(model, {**files, MANIFEST: manifest_text(manifest)}, manifest)
