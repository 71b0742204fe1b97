"""manifest.json: what compile wrote, where, and the order CI applies the roots in (waves)."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

from generator import __version__
from generator.model.nodes import Model

MANIFEST = "manifest.json"
FORMAT = "dsql-backup/manifest"
VERSION = 1

_HCL_RESOURCE = re.compile(r'^resource "([^"]+)" "', re.MULTILINE)


def resource_types(files: Mapping[str, str]) -> Counter[str]:
    """Resource counts by type, read from rendered HCL (``*.tf``) or Terraform JSON (``*.tf.json``)."""
    counts: Counter[str] = Counter()
    for path, text in files.items():
        if path.endswith(".tf.json"):
            for rtype, blocks in (json.loads(text).get("resource") or {}).items():
                counts[rtype] += len(blocks)
        elif path.endswith(".tf"):
            counts.update(_HCL_RESOURCE.findall(text))
    return counts


def content_hash(files: Mapping[str, str]) -> str:
    h = hashlib.sha256()
    for path in sorted(files):
        h.update(path.encode())
        h.update(b"\0")
        h.update(files[path].encode())
        h.update(b"\0")
    return "sha256:" + h.hexdigest()


def _of_root(files: Mapping[str, str], root: str) -> dict[str, str]:
    return {p.split("/", 1)[1]: t for p, t in files.items() if p.split("/", 1)[0] == root}


def build_manifest(model: Model, files: Mapping[str, str], output_format: str, *,
                   counted: Mapping[str, str] | None = None, root_path: str = "{root}",
                   app_files: tuple[str, ...] = ()) -> dict[str, Any]:
    """``files`` are keyed ``<root>/<file>``; the manifest lists them per root with counts and a hash.

    ``counted`` (same keys) is what resources are counted in when the roots' files are produced later
    (``cdktf-app``: the stacks appear at ``root_path`` when the app runs); ``app_files`` are generated
    files outside the roots."""
    roots: list[dict[str, Any]] = []
    for root in model.roots:
        own = _of_root(files, root.name)
        counts = resource_types(_of_root(files if counted is None else counted, root.name))
        roots.append({
            "name": root.name,
            "path": root_path.format(root=root.name),
            "wave": root.wave,
            "wave_reason": root.wave_reason,
            "accounts": [{"key": k, "id": i} for k, i in zip(root.accounts, root.account_ids, strict=True)],
            "regions": list(root.regions),
            "resources": sum(counts.values()),
            "resource_types": dict(sorted(counts.items())),
            "content_hash": content_hash(own) if own else None,
            "files": sorted(own),
        })
    waves: list[dict[str, Any]] = []
    for w in sorted({r["wave"] for r in roots}):
        members = [r for r in roots if r["wave"] == w]
        waves.append({"wave": w, "roots": [r["name"] for r in members], "reason": members[0]["wave_reason"]})
    extra = {"app_files": list(app_files)} if app_files else {}
    return {
        "format": FORMAT,
        "version": VERSION,
        "generator": {"name": "dsql-backup", "version": __version__},
        "policy": model.policy_name,
        "layout": model.layout,
        "output_format": output_format,
        "roots": roots,
        "apply_order": waves,
        "totals": {"roots": len(roots), "resources": sum(r["resources"] for r in roots)},
        **extra,
    }


def manifest_text(manifest: Mapping[str, Any]) -> str:
    return json.dumps(manifest, indent=2, sort_keys=False) + "\n"


def generated_files(manifest: Mapping[str, Any]) -> set[str]:
    """Relative paths the manifest says compile generated (used to carry user files over on rewrite)."""
    out = {MANIFEST}
    out.update(f for f in manifest.get("app_files", []) if isinstance(f, str))
    for root in manifest.get("roots", []):
        if isinstance(root, dict):
            out.update(f"{root.get('path')}/{f}" for f in root.get("files", []) if isinstance(f, str))
    return out
