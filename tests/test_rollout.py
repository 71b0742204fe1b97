"""``dsql-backup rollout``: the GitHub matrix, JSON, atlantis.yaml and GitLab child pipeline match the
manifest compile writes (landing-zone example: 12 roots in 3 waves).

The atlantis.yaml is checked against the keys of Atlantis's repo-level config, version 3, as documented
(runatlantis.io/docs/repo-level-atlantis-yaml.md) and parsed by Atlantis (server/core/config/raw: RepoCfg,
Project, Autoplan)."""

from __future__ import annotations

import io
import json
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.cli import main
from generator.terraform.rollout import GITLAB_TEMPLATE_JOB, MAX_WAVES

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))
LANDING_ZONE = REPO / "examples" / "landing-zone.yaml"
GITLAB_TEMPLATE = REPO / "examples" / "ci" / "gitlab" / "ci" / "dsql-backup-apply.gitlab-ci.yml"

ATLANTIS_TOP_LEVEL = {  # RepoCfg
    "version", "projects", "workflows", "policies", "autodiscover", "automerge", "parallel_apply",
    "parallel_plan", "delete_source_branch_on_merge", "emoji_reaction", "allowed_regexp_prefixes",
    "abort_on_execution_order_fail", "repo_locks", "silence_pr_comments",
}
ATLANTIS_PROJECT = {  # Project
    "name", "branch", "dir", "workspace", "workflow", "terraform_distribution", "terraform_version", "autoplan",
    "plan_requirements", "apply_requirements", "import_requirements", "depends_on",
    "delete_source_branch_on_merge", "repo_locking", "repo_locks", "execution_order_group", "policy_check",
    "custom_policy_check", "silence_pr_comments",
}
ATLANTIS_AUTOPLAN = {"enabled", "when_modified"}


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def rollout(fmt: str, *extra: str, policy: Path = LANDING_ZONE) -> str:
    code, out, err = run(["rollout", str(policy), "--format", fmt, *extra])
    assert code == 0, err
    assert " error DSB" not in err  # warnings of the examples may show on stderr
    return out


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The landing zone compiled into <repo>/out, as CI would: (repository root, manifest)."""
    repo = tmp_path_factory.mktemp("repo")
    code, _, err = run(["compile", str(LANDING_ZONE), "-o", str(repo / "out"), "--quiet"])
    assert code == 0, err
    manifest = json.loads((repo / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["roots"]) == 12 and len(manifest["apply_order"]) == 3
    return repo, manifest


def test_github_matrix_has_every_wave_slot_and_matches_the_manifest(compiled: tuple[Path, dict[str, Any]]) -> None:
    repo, manifest = compiled
    lines = rollout("github-matrix").splitlines()
    outputs = dict(line.split("=", 1) for line in lines)
    assert len(outputs) == len(lines), "one KEY=VALUE per line, each key once ($GITHUB_OUTPUT)"
    assert outputs["policy"] == "acme-lz"
    assert outputs["waves"] == "3"
    by_name = {r["name"]: r for r in manifest["roots"]}
    waves = {w["wave"]: w["roots"] for w in manifest["apply_order"]}
    for slot in range(1, MAX_WAVES + 1):
        matrix = json.loads(outputs[f"wave_{slot}"])
        assert list(matrix) == ["include"]
        assert [e["root"] for e in matrix["include"]] == waves.get(slot, [])
        assert outputs[f"wave_{slot}_count"] == str(len(waves.get(slot, [])))
        for e in matrix["include"]:
            r = by_name[e["root"]]
            assert e == {"root": r["name"], "dir": f"out/{r['path']}", "wave": slot,
                         "accounts": [a["key"] for a in r["accounts"]], "regions": r["regions"]}
            assert (repo / e["dir"] / "providers.tf").is_file()


def test_github_matrix_keeps_empty_wave_slots_for_a_one_root_policy() -> None:
    outputs = dict(line.split("=", 1) for line in rollout(
        "github-matrix", policy=REPO / "examples" / "single-region.yaml").splitlines())
    assert json.loads(outputs["wave_1"]) == {"include": [{"root": "prod", "dir": "out/prod", "wave": 1,
                                                          "accounts": ["prod"], "regions": ["eu-west-1"]}]}
    assert (outputs["wave_2"], outputs["wave_2_count"]) == ('{"include":[]}', "0")
    assert (outputs["wave_3"], outputs["wave_3_count"]) == ('{"include":[]}', "0")


def test_json_lists_the_waves_with_their_dependencies(compiled: tuple[Path, dict[str, Any]]) -> None:
    _, manifest = compiled
    doc = json.loads(rollout("json", "--dir", "infra/dsql"))
    assert (doc["format"], doc["version"], doc["policy"], doc["output_dir"]) == (
        "dsql-backup/rollout", 1, "acme-lz", "infra/dsql")
    assert [(w["wave"], [r["name"] for r in w["roots"]], w["reason"]) for w in doc["waves"]] == [
        (w["wave"], w["roots"], w["reason"]) for w in manifest["apply_order"]]
    by_name = {r["name"]: r for r in manifest["roots"]}
    earlier: list[str] = []
    for w in doc["waves"]:
        for r in w["roots"]:
            m = by_name[r["name"]]
            assert r == {"name": m["name"], "dir": f"infra/dsql/{m['path']}", "accounts": m["accounts"],
                         "regions": m["regions"], "content_hash": m["content_hash"], "depends_on": earlier}
        earlier = earlier + [r["name"] for r in w["roots"]]


def test_atlantis_yaml_uses_documented_keys_and_matches_the_manifest(compiled: tuple[Path, dict[str, Any]]) -> None:
    repo, manifest = compiled
    text = rollout("atlantis")
    assert text.startswith("# Generated by dsql-backup from ")
    doc = yaml.safe_load(text)
    assert set(doc) <= ATLANTIS_TOP_LEVEL
    assert doc["version"] == 3
    for key in ("automerge", "parallel_plan", "parallel_apply", "abort_on_execution_order_fail"):
        assert isinstance(doc[key], bool)
    projects = doc["projects"]
    assert isinstance(projects, list)
    wave_of = {r["name"]: r["wave"] for r in manifest["roots"]}
    by_project: dict[str, dict[str, Any]] = {}
    for p in projects:
        assert set(p) <= ATLANTIS_PROJECT
        assert set(p["autoplan"]) <= ATLANTIS_AUTOPLAN
        assert p["autoplan"]["enabled"] is True
        assert all(isinstance(g, str) for g in p["autoplan"]["when_modified"])
        name = p["name"]
        # Atlantis: names are URL safe except '/'; dir is relative, with no '..'
        assert name.replace("/", "-") == urllib.parse.quote_plus(name.replace("/", "-"))
        assert ".." not in p["dir"] and not p["dir"].startswith("/")
        assert (repo / p["dir"] / "versions.tf").is_file()
        assert p["workspace"] == "default"
        assert isinstance(p["execution_order_group"], int)
        by_project[name] = p
    assert len(by_project) == len(projects)
    # one project per root, its wave as execution order group, every root of the earlier waves as dependency
    assert sorted(by_project) == sorted(f"acme-lz-{r['name']}" for r in manifest["roots"])
    for root in manifest["roots"]:
        p = by_project[f"acme-lz-{root['name']}"]
        assert p["dir"] == f"out/{root['path']}"
        assert p["execution_order_group"] == root["wave"]
        expected = [f"acme-lz-{r}" for w in manifest["apply_order"] if w["wave"] < root["wave"] for r in w["roots"]]
        assert p["depends_on"] == expected
        for dep in p["depends_on"]:
            assert wave_of[dep.removeprefix("acme-lz-")] < root["wave"]
    assert [p["execution_order_group"] for p in projects] == sorted(p["execution_order_group"] for p in projects)


def test_atlantis_dir_follows_the_output_directory() -> None:
    doc = yaml.safe_load(rollout("atlantis", "--dir", "./terraform/dsql/"))
    assert {p["dir"] for p in doc["projects"]} >= {"terraform/dsql/mgmt", "terraform/dsql/backup"}
    doc = yaml.safe_load(rollout("atlantis", "--dir", "."))
    assert {p["dir"] for p in doc["projects"]} >= {"mgmt", "backup"}


def test_gitlab_pipeline_has_one_job_per_root_in_its_wave_stage(compiled: tuple[Path, dict[str, Any]]) -> None:
    _, manifest = compiled
    child = yaml.safe_load(rollout("gitlab-pipeline"))
    template = yaml.safe_load(GITLAB_TEMPLATE.read_text(encoding="utf-8"))
    assert GITLAB_TEMPLATE_JOB in template
    assert "script" in template[GITLAB_TEMPLATE_JOB]
    merged = {**template, **child}  # GitLab merges the files trigger:include lists
    assert merged["stages"] == ["wave-1", "wave-2", "wave-3"]
    jobs = {k: v for k, v in merged.items() if k != "stages" and not k.startswith(".")}
    assert sorted(jobs) == sorted(f"apply {r['name']}" for r in manifest["roots"])
    for root in manifest["roots"]:
        job = jobs[f"apply {root['name']}"]
        assert job["extends"] in merged
        assert job["stage"] == f"wave-{root['wave']}"
        assert job["variables"] == {"DSQL_BACKUP_ROOT": root["name"], "DSQL_BACKUP_ROOT_DIR": f"out/{root['path']}",
                                    "DSQL_BACKUP_WAVE": str(root["wave"])}
        assert job["resource_group"] == f"dsql-backup-acme-lz-{root['name']}"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_example_fits_the_wave_slots(example: Path) -> None:
    """The GitHub template has one apply job per slot: no policy may need more than MAX_WAVES."""
    doc = json.loads(rollout("json", policy=example))
    assert [w["wave"] for w in doc["waves"]] == list(range(1, len(doc["waves"]) + 1))
    assert len(doc["waves"]) <= MAX_WAVES


def test_an_invalid_policy_prints_diagnostics_on_stderr_only(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text((REPO / "examples" / "single-region.yaml").read_text(encoding="utf-8")
                   .replace("vault: local", "vault: nowhere"), encoding="utf-8")
    code, out, err = run(["rollout", str(bad), "--format", "github-matrix"])
    assert (code, out) == (1, "")
    assert "error DSB203 plan 'daily': vault 'nowhere' is not defined" in err


@pytest.mark.parametrize("directory", ["../out", "/abs/out", "out/../../x"])
def test_dir_outside_the_repository_is_a_usage_error(directory: str) -> None:
    code, out, err = run(["rollout", str(LANDING_ZONE), "--format", "atlantis", "--dir", directory])
    assert (code, out) == (2, "")
    assert "relative to the repository root" in err


def test_format_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["rollout", str(LANDING_ZONE)])
    assert code == 2
    assert "--format" in err
