"""compile: determinism, stable addresses, and the writer's guarantees."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from generator.output.compile import compile_policy
from generator.output.writer import MARKER, OutputError, write_output
from generator.policy.validate import validate_text
from tests.conftest import EXAMPLES, REPO

LANDING_ZONE = REPO / "examples" / "landing-zone.yaml"


def _compile_text(text: str) -> dict[str, str]:
    v = validate_text(text, "policy.yaml")
    assert v.policy is not None, [d.message for d in v.diagnostics]
    return dict(compile_policy(v.policy).files)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_output_is_byte_identical_across_hash_seeds(tmp_path: Path) -> None:
    trees = []
    for seed in ("0", "1", "4242"):
        out = tmp_path / f"seed-{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-m", "generator", "compile", str(LANDING_ZONE), "-o", str(out), "-q"],
                              env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        trees.append(_tree(out))
    assert trees[0] == trees[1] == trees[2]
    assert len(trees[0]) > 20


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_reversing_every_mapping_changes_nothing(example: Path) -> None:
    text = example.read_text(encoding="utf-8")

    def reverse(node: object) -> object:
        if isinstance(node, dict):
            return {k: reverse(v) for k, v in reversed(list(node.items()))}
        if isinstance(node, list):
            return [reverse(v) for v in node]
        return node

    shuffled = yaml.safe_dump(reverse(yaml.safe_load(text)), sort_keys=False)
    assert _compile_text(shuffled) == _compile_text(text)


_BLOCK = re.compile(r'^((?:resource|output) "[^"]+"(?: "[^"]+")?) \{\n.*?^\}\n', re.MULTILINE | re.DOTALL)


def _blocks(files: dict[str, str]) -> dict[tuple[str, str], str]:
    """Every top-level resource/output block, keyed by (root, block header)."""
    out = {}
    for path, text in files.items():
        if path.endswith(".tf"):
            root = path.split("/", 1)[0]
            for m in _BLOCK.finditer(text):
                out[(root, m.group(1))] = m.group(0)
    return out


def test_adding_a_cluster_changes_only_what_concerns_it() -> None:
    text = LANDING_ZONE.read_text(encoding="utf-8")
    before = _compile_text(text)
    edited = text.replace("  catalog-db:        { account: catalog,   regions: [us-east-1] }\n",
                          "  catalog-db:        { account: catalog,   regions: [us-east-1] }\n"
                          "  catalog-search:    { account: catalog,   regions: [us-east-1] }\n")
    edited = edited.replace("identity-db, catalog-db,", "identity-db, catalog-db, catalog-search,")
    assert edited.count("catalog-search") == 2
    after = _compile_text(edited)

    changed_files = {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
    assert changed_files == {"manifest.json", "catalog/dsql.tf", "catalog/plans.tf", "catalog/outputs.tf"}

    old, new = _blocks(before), _blocks(after)
    assert set(old) <= set(new), "no resource may disappear or be renamed"
    added = set(new) - set(old)
    assert added == {("catalog", 'resource "aws_dsql_cluster" "catalog-search_us_east_1"')}
    modified = {k for k in old if old[k] != new[k]}
    assert modified == {
        ("catalog", 'resource "aws_backup_selection" "standard_us_east_1"'),  # selects the new cluster too
        ("catalog", 'output "cluster_arns"'),
        ("catalog", 'output "cluster_identifiers"'),
    }
    assert "aws_dsql_cluster.catalog-search_us_east_1.arn" in new[
        ("catalog", 'resource "aws_backup_selection" "standard_us_east_1"')]


# --- writer ----------------------------------------------------------------------------------------------------


def test_an_interrupted_write_leaves_the_previous_output_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = {"prod/a.tf": "first a\n", "prod/b.tf": "first b\n", "manifest.json": "{}\n"}
    write_output(first, out)
    before = _tree(out)

    written = []

    def failing(path: Path, text: str) -> None:
        if len(written) == 1:
            raise OSError(28, "No space left on device")
        written.append(path)
        path.write_text(text, encoding="utf-8")

    second = {"prod/a.tf": "second a\n", "prod/b.tf": "second b\n", "manifest.json": "{}\n"}
    with pytest.raises(OutputError, match="No space left"):
        write_output(second, out, _write=failing)
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"], "no temporary directory may be left behind"


def test_rewrite_keeps_what_compile_did_not_generate(tmp_path: Path) -> None:
    out = tmp_path / "out"
    files = _compile_text((REPO / "examples" / "single-region.yaml").read_text(encoding="utf-8"))
    write_output(files, out)
    (out / "prod" / "terraform.tfstate").write_text('{"version": 4}\n')
    (out / "prod" / ".terraform").mkdir()
    (out / "prod" / ".terraform" / "modules.json").write_text("{}\n")
    os.symlink("/nonexistent/provider", out / "prod" / ".terraform" / "provider-link")
    (out / "prod" / "stale.tf").write_text("# written by compile earlier? no: by a person\n")
    result = write_output(files, out)
    assert (out / "prod" / "terraform.tfstate").read_text() == '{"version": 4}\n'
    assert (out / "prod" / ".terraform" / "modules.json").exists()
    assert os.readlink(out / "prod" / ".terraform" / "provider-link") == "/nonexistent/provider"
    assert (out / "prod" / "stale.tf").exists()
    assert "prod/terraform.tfstate" in result.kept


def test_generated_files_that_are_no_longer_generated_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_output({"prod/a.tf": "a\n", "prod/old.tf": "old\n", "manifest.json":
                  '{"roots": [{"path": "prod", "files": ["a.tf", "old.tf"]}]}\n'}, out)
    write_output({"prod/a.tf": "a2\n", "manifest.json": '{"roots": [{"path": "prod", "files": ["a.tf"]}]}\n'}, out)
    assert sorted(_tree(out)) == [MARKER, "manifest.json", "prod/a.tf"]


def test_a_foreign_directory_is_refused_and_untouched(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("precious\n")
    with pytest.raises(OutputError) as exc:
        write_output({"prod/a.tf": "a\n"}, out)
    assert "not written by dsql-backup" in exc.value.message
    assert _tree(out) == {"notes.txt": b"precious\n"}


def test_an_empty_directory_is_used(tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    write_output({"prod/a.tf": "a\n"}, out)
    assert sorted(_tree(out)) == [MARKER, "prod/a.tf"]


def test_nothing_is_written_outside_the_output_directory(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="outside the output directory"):
        write_output({"../escape.tf": "x\n"}, tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


# --- packaging -------------------------------------------------------------------------------------------------


def test_the_wheel_ships_schemas_templates_and_data(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(tmp_path), str(REPO)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    [wheel] = tmp_path.glob("dsql_backup-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("generator/schemas/policy.v1.json", "generator/templates/hcl/file.tf.j2",
                     "generator/data/capabilities.json", "generator/cli/__init__.py"):
        assert required in names, required
    # every module of every stage package (a package missing from pyproject's list would be left out)
    modules = {p.relative_to(REPO).as_posix() for p in (REPO / "generator").rglob("*.py")}
    assert modules <= names, sorted(modules - names)


def test_model_nodes_know_where_in_the_yaml_they_came_from() -> None:
    from generator.policy.validate import validate_file

    v = validate_file(REPO / "examples" / "multi-region.yaml")
    assert v.policy is not None
    model = compile_policy(v.policy, source_map=v.loaded.source_map).model
    lines = (REPO / "examples" / "multi-region.yaml").read_text(encoding="utf-8").splitlines()
    vault = next(x for r in model.roots for x in r.vaults)
    line, col = model.spans[vault.origin]
    assert lines[line - 1][col - 1:].startswith(f"{vault.key}:")
    cluster = next(x for r in model.roots for x in r.clusters)
    line, col = model.spans[cluster.origin]
    assert lines[line - 1][col - 1:].startswith(f"{cluster.key}:")
    assert set(model.spans) >= {n.origin for r in model.roots for n in (*r.vaults, *r.clusters, *r.plans)}
