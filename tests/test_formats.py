"""The tf-json, cdktf and cdktf-app formats without terraform: same roots, file split and addresses as HCL,
Terraform JSON escaping, CDKTF stacks equal to the Terraform JSON, machine-independent cdktf output, the
generated app, and clear errors when the cdktf toolchain is missing. (Plan equivalence with real terraform:
tests/test_format_equivalence.py.)"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from generator.cli import main
from generator.output.compile import FORMATS, Compiled, compile_policy
from generator.policy.typed import Policy
from generator.policy.validate import validate_file
from generator.render import cdktf
from generator.render.tfjson import jsonencode, literal
from tests.conftest import EXAMPLES, REPO

_HCL_RESOURCE = re.compile(r'^resource "([^"]+)" "([^"]+)"', re.MULTILINE)
_HCL_OUTPUT = re.compile(r'^output "([^"]+)"', re.MULTILINE)


@cache
def _policy(example: Path) -> Policy:
    v = validate_file(example)
    assert v.policy is not None
    return v.policy


@cache
def _compiled(example: Path, fmt: str) -> Compiled:
    return compile_policy(_policy(example), fmt)


def _strip_comments(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_comments(v) for k, v in value.items() if k != "//"}
    if isinstance(value, list):
        return [_strip_comments(v) for v in value]
    return value


def _merged_tf_json(compiled: Compiled, root: str) -> dict[str, Any]:
    """A root's *.tf.json files merged into one document, comments dropped (what a stack should hold)."""
    doc: dict[str, Any] = {"resource": {}, "provider": {"aws": []}, "output": {}, "terraform": {}}
    for path, text in sorted(compiled.files.items()):
        if not path.startswith(f"{root}/"):
            continue
        part = _strip_comments(json.loads(text))
        for rtype, blocks in part.get("resource", {}).items():
            doc["resource"].setdefault(rtype, {}).update(blocks)
        doc["provider"]["aws"] += part.get("provider", {}).get("aws", [])
        doc["output"].update(part.get("output", {}))
        doc["terraform"].update(part.get("terraform", {}))
    return doc


def test_compile_formats_and_cli_choices_agree() -> None:
    from generator.cli import build_parser

    compile_parser = build_parser()._subparsers._group_actions[0].choices["compile"]  # type: ignore[union-attr]
    choices = next(a.choices for a in compile_parser._actions if a.dest == "format")
    assert tuple(choices) == FORMATS == ("hcl", "tf-json", "cdktf", "cdktf-app")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_tf_json_has_the_same_roots_files_resources_and_outputs_as_hcl(example: Path) -> None:
    hcl, tfj = _compiled(example, "hcl"), _compiled(example, "tf-json")
    hcl_files = {p for p in hcl.files if p.endswith(".tf")}
    assert {p for p in tfj.files if p != "manifest.json"} == {p + ".json" for p in hcl_files}
    for path in hcl_files:
        doc = json.loads(tfj.files[path + ".json"])
        got = sorted((t, label) for t, blocks in doc.get("resource", {}).items() for label in blocks)
        assert got == sorted(_HCL_RESOURCE.findall(hcl.files[path])), path
        assert sorted(doc.get("output", {})) == sorted(_HCL_OUTPUT.findall(hcl.files[path])), path
    for a, b in zip(hcl.manifest["roots"], tfj.manifest["roots"], strict=True):
        assert (a["name"], a["resource_types"], a["wave"]) == (b["name"], b["resource_types"], b["wave"])
    assert tfj.manifest["output_format"] == "tf-json"


def test_tf_json_strings_escape_template_sequences() -> None:
    assert literal("${var.x} %{if} $${ok} plain $ {") == "$${var.x} %%{if} $$${ok} plain $ {"


def test_jsonencode_matches_terraform_jsonencode_conventions() -> None:
    from generator.model.nodes import Ref

    doc = {"b": ["<&>", True, 3], "a": {"Resource": Ref("aws_sns_topic.t.arn"), "x": "${no}\u2028"}}
    assert jsonencode(doc) == ('{"a":{"Resource":"${aws_sns_topic.t.arn}","x":"$${no}\\u2028"},'
                               '"b":["\\u003c\\u0026\\u003e",true,3]}')


def test_tf_json_values_escape_literals_but_not_references() -> None:
    from generator.model.nodes import Ref
    from generator.render.blocks import Blocks, JsonDoc
    from generator.render.tfjson import value

    got = value({"${k}": [Ref("aws_iam_role.r.arn"), "%{x}"], "b": Blocks(({"n": "${y}"},)), "j": JsonDoc({"a": 1})})
    assert got == {"$${k}": ["${aws_iam_role.r.arn}", "%%{x}"], "b": [{"n": "$${y}"}], "j": '{"a":1}'}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_cdktf_stacks_hold_exactly_the_tf_json_blocks(example: Path) -> None:
    tfj, cdk = _compiled(example, "tf-json"), _compiled(example, "cdktf")
    assert sorted(cdk.files) == sorted([f"{r.name}/cdk.tf.json" for r in cdk.model.roots] + ["manifest.json"])
    for root in cdk.model.roots:
        want = _merged_tf_json(tfj, root.name)
        got = _strip_comments(json.loads(cdk.files[f"{root.name}/cdk.tf.json"]))
        assert got["resource"] == want["resource"], root.name
        assert sorted(got["provider"]["aws"], key=lambda p: p["alias"]) == sorted(
            want["provider"]["aws"], key=lambda p: p["alias"])
        assert got.get("output", {}) == want["output"]
        assert got["terraform"] == want["terraform"], root.name
    for a, b in zip(tfj.manifest["roots"], cdk.manifest["roots"], strict=True):
        assert a["resource_types"] == b["resource_types"]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value


def _machine_paths() -> list[str]:
    import tempfile

    paths = {str(REPO), os.getcwd(), sys.prefix, tempfile.gettempdir(), str(Path.home())}
    return sorted(p for p in paths if p not in ("", "/"))


@pytest.mark.parametrize("fmt", ["cdktf", "cdktf-app"])
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_cdktf_output_carries_no_absolute_paths_of_the_build_machine(example: Path, fmt: str) -> None:
    compiled = _compiled(example, fmt) if fmt == "cdktf" else compile_policy(
        _policy(example), fmt, policy_source=example.read_text(encoding="utf-8"))
    machine = _machine_paths()
    for path, text in compiled.files.items():
        assert not any(m in text for m in machine), path
        if path.endswith(".json"):
            absolute = [s for s in _strings(json.loads(text)) if s.startswith("/") and s != "//"]
            assert not absolute, (path, absolute)


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e.stem in ("central-vault", "single-region")],
                         ids=lambda p: p.stem)
def test_cdktf_app_synthesizes_the_same_stacks(example: Path, tmp_path: Path) -> None:
    app_dir, out_dir = tmp_path / "app", tmp_path / "out"
    assert main(["compile", str(example), "-o", str(app_dir), "--format", "cdktf-app", "-q"]) == 0
    assert sorted(p.name for p in app_dir.iterdir()) == [
        ".dsql-backup-output", "cdktf.json", "main.py", "manifest.json", "policy.yaml", "requirements.txt"]
    assert json.loads((app_dir / "cdktf.json").read_text())["app"] == "python3 main.py"
    env = {**os.environ, "CDKTF_OUTDIR": str(out_dir), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    done = subprocess.run([sys.executable, "main.py"], cwd=app_dir, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    stacks = _compiled(example, "cdktf")
    for root in stacks.model.roots:
        synthesized = json.loads((out_dir / "stacks" / root.name / "cdk.tf.json").read_text(encoding="utf-8"))
        assert cdktf.machine_independent(synthesized) == json.loads(stacks.files[f"{root.name}/cdk.tf.json"])
    manifest = json.loads((app_dir / "manifest.json").read_text())
    assert manifest["app_files"] == ["cdktf.json", "main.py", "policy.yaml", "requirements.txt"]
    assert [r["resources"] for r in manifest["roots"]] == [r["resources"] for r in stacks.manifest["roots"]]
    assert all(r["path"] == f"cdktf.out/stacks/{r['name']}" for r in manifest["roots"])


def test_cdktf_without_node_is_a_clear_error(tmp_path: Path) -> None:
    bare = tmp_path / "bin"
    bare.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "JSII_NODE"}
    env["PATH"] = str(bare)
    done = subprocess.run([sys.executable, "-m", "generator", "compile", str(EXAMPLES[0]), "-o",
                           str(tmp_path / "out"), "--format", "cdktf"], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert "error DSB903" in done.stderr and "node was not found" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_cdktf_without_the_library_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    cdktf.load_library.cache_clear()
    cdktf._classes.cache_clear()
    try:
        assert main(["compile", str(EXAMPLES[0]), "-o", str(tmp_path / "o"), "--format", "cdktf"]) == 2
    finally:
        cdktf.load_library.cache_clear()
        cdktf._classes.cache_clear()
    err = capsys.readouterr().err
    assert "error DSB903 --format cdktf needs CDK Terrain (cdktn) or cdktf" in err
    assert "pip install 'dsql-backup[cdktf]'" in err


def test_other_formats_do_not_import_cdktf() -> None:
    code = ("import sys; from generator.cli import main; "
            "main(['compile', sys.argv[1], '-o', sys.argv[2], '--format', 'tf-json', '-q']); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('cdktf', 'cdktn', 'jsii')))")
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run([sys.executable, "-c", code, str(EXAMPLES[0]), str(Path(tmp) / "o")],
                              capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"
