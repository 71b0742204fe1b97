"""``dsql-backup rollout``: the manifest's apply order as input for the CI system or Atlantis a team has.

Pure functions from a compile manifest (``generator.output.manifest``) to text:

- ``github-matrix``: ``KEY=VALUE`` lines for ``$GITHUB_OUTPUT``; ``wave_<n>`` is a ``strategy.matrix``
  (``{"include": [...]}``, one entry per root) and ``wave_<n>_count`` its size, for every wave slot
  ``1..MAX_WAVES`` so a workflow can have one job per slot whatever the policy.
- ``json``: the waves and their roots, each root with the roots it depends on.
- ``atlantis``: an ``atlantis.yaml`` (repo config version 3) with one project per root,
  ``execution_order_group`` = wave and ``depends_on`` = every root of the earlier waves.
- ``gitlab-pipeline``: a GitLab CI child pipeline with one job per root, one stage per wave; each job
  ``extends`` a hidden job the team defines (``.dsql-backup-apply``).
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

FORMATS = ("github-matrix", "json", "atlantis", "gitlab-pipeline")
FORMAT = "dsql-backup/rollout"
VERSION = 1
# The model orders roots in at most three waves: the management account, accounts that receive
# cross-account copies, workload accounts (generator.model.build, Builder.wave). A test keeps this in step.
MAX_WAVES = 3
GITLAB_TEMPLATE_JOB = ".dsql-backup-apply"
ATLANTIS_WHEN_MODIFIED = ("*.tf", "*.tf.json", ".terraform.lock.hcl")


@dataclass(frozen=True, slots=True)
class RolloutRoot:
    name: str
    dir: str  # relative to the repository root: <output dir>/<root path>
    wave: int
    accounts: tuple[str, ...]
    account_ids: tuple[str, ...]
    regions: tuple[str, ...]
    content_hash: str | None  # None when a format writes the root later (cdktf-app)
    depends_on: tuple[str, ...]  # every root of the earlier waves


@dataclass(frozen=True, slots=True)
class Rollout:
    policy: str
    layout: str
    output_dir: str
    waves: tuple[tuple[int, str, tuple[RolloutRoot, ...]], ...]  # (wave, reason, roots)

    @property
    def roots(self) -> tuple[RolloutRoot, ...]:
        return tuple(r for _, _, roots in self.waves for r in roots)


def _join(directory: str, path: str) -> str:
    directory = posixpath.normpath(directory.strip().replace("\\", "/") or ".")
    return posixpath.normpath(path) if directory == "." else posixpath.normpath(f"{directory}/{path}")


def rollout_from_manifest(manifest: Mapping[str, Any], output_dir: str) -> Rollout:
    """``output_dir`` is where ``compile -o`` writes the roots, relative to the repository root."""
    by_name = {r["name"]: r for r in manifest["roots"]}
    waves: list[tuple[int, str, tuple[RolloutRoot, ...]]] = []
    earlier: list[str] = []
    for w in manifest["apply_order"]:
        if w["wave"] > MAX_WAVES:
            raise ValueError(f"manifest wave {w['wave']} is past the {MAX_WAVES} wave slots rollout knows")
        roots = []
        for name in w["roots"]:
            r = by_name[name]
            roots.append(RolloutRoot(
                name=name,
                dir=_join(output_dir, r["path"]),
                wave=w["wave"],
                accounts=tuple(a["key"] for a in r["accounts"]),
                account_ids=tuple(a["id"] for a in r["accounts"]),
                regions=tuple(r["regions"]),
                content_hash=r["content_hash"],
                depends_on=tuple(earlier),
            ))
        waves.append((w["wave"], w["reason"], tuple(roots)))
        earlier.extend(w["roots"])
    return Rollout(manifest["policy"], manifest["layout"], output_dir, tuple(waves))


def _matrix_entry(r: RolloutRoot) -> dict[str, Any]:
    return {"root": r.name, "dir": r.dir, "wave": r.wave, "accounts": list(r.accounts), "regions": list(r.regions)}


def as_github_matrix(ro: Rollout) -> str:
    lines = [f"policy={ro.policy}", f"waves={len(ro.waves)}"]
    by_wave = {w: roots for w, _, roots in ro.waves}
    for slot in range(1, MAX_WAVES + 1):
        roots = by_wave.get(slot, ())
        matrix = {"include": [_matrix_entry(r) for r in roots]}
        lines.append(f"wave_{slot}={json.dumps(matrix, separators=(',', ':'))}")
        lines.append(f"wave_{slot}_count={len(roots)}")
    return "\n".join(lines) + "\n"


def as_json(ro: Rollout) -> str:
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "policy": ro.policy,
        "layout": ro.layout,
        "output_dir": ro.output_dir,
        "waves": [
            {
                "wave": w,
                "reason": reason,
                "roots": [
                    {
                        "name": r.name,
                        "dir": r.dir,
                        "accounts": [{"key": k, "id": i} for k, i in zip(r.accounts, r.account_ids, strict=True)],
                        "regions": list(r.regions),
                        "content_hash": r.content_hash,
                        "depends_on": list(r.depends_on),
                    }
                    for r in roots
                ],
            }
            for w, reason, roots in ro.waves
        ],
    }
    return json.dumps(doc, indent=2) + "\n"


def atlantis_project_name(ro: Rollout, root: str) -> str:
    """Prefixed with the policy so several policies' projects can share one atlantis.yaml."""
    return f"{ro.policy}-{root}"


def _yaml(doc: Any) -> str:
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, width=120)


def _header(ro: Rollout, source: str, regenerate: str) -> str:
    return (f"# Generated by dsql-backup from {source} (policy {ro.policy}); do not edit, regenerate with:\n"
            f"#   {regenerate}\n")


def as_atlantis(ro: Rollout, source: str) -> str:
    projects = [
        {
            "name": atlantis_project_name(ro, r.name),
            "dir": r.dir,
            "workspace": "default",
            "execution_order_group": r.wave,
            "depends_on": [atlantis_project_name(ro, d) for d in r.depends_on],
            "autoplan": {"enabled": True, "when_modified": list(ATLANTIS_WHEN_MODIFIED)},
        }
        for r in ro.roots
    ]
    doc = {
        "version": 3,
        "automerge": False,
        "parallel_plan": True,
        "parallel_apply": True,
        "abort_on_execution_order_fail": True,
        "projects": projects,
    }
    header = _header(ro, source, f"dsql-backup rollout {source} --format atlantis --dir {ro.output_dir}"
                                  " > atlantis.yaml")
    return header + "# One project per compiled root; execution_order_group is the apply wave.\n" + _yaml(doc)


def as_gitlab_pipeline(ro: Rollout, source: str) -> str:
    present = [w for w, _, _ in ro.waves]
    doc: dict[str, Any] = {"stages": [f"wave-{w}" for w in present]}
    for w, _, roots in ro.waves:
        for r in roots:
            doc[f"apply {r.name}"] = {
                "extends": GITLAB_TEMPLATE_JOB,
                "stage": f"wave-{w}",
                "resource_group": f"dsql-backup-{ro.policy}-{r.name}",
                "variables": {"DSQL_BACKUP_ROOT": r.name, "DSQL_BACKUP_ROOT_DIR": r.dir,
                              "DSQL_BACKUP_WAVE": str(w)},
            }
    header = _header(ro, source, f"dsql-backup rollout {source} --format gitlab-pipeline --dir {ro.output_dir}")
    return header + f"# A child pipeline: one job per root, one stage per wave; jobs extend {GITLAB_TEMPLATE_JOB}.\n" \
        + _yaml(doc)


def render(ro: Rollout, fmt: str, source: str) -> str:
    if fmt == "github-matrix":
        return as_github_matrix(ro)
    if fmt == "json":
        return as_json(ro)
    if fmt == "atlantis":
        return as_atlantis(ro, source)
    if fmt == "gitlab-pipeline":
        return as_gitlab_pipeline(ro, source)
    raise ValueError(f"unknown rollout format {fmt!r}")


def formats() -> Sequence[str]:
    return FORMATS
