"""The three Terraform outputs are plan-equivalent.

* HCL and Terraform JSON: every example is planned offline in both, and per root the planned resources
  (address, type, provider and its alias, ``after``, ``after_unknown``) and outputs are identical. All roots of
  an example are planned in one terraform run per format (tests/terraform_plans.py); the HCL plans are the ones
  tests/test_terraform_examples.py asserts on.
* CDKTF: the synthesized ``cdk.tf.json`` of every root is, but for the ``//`` comment and metadata keys that
  Terraform skips, the very Terraform JSON document the ``tf-json`` format writes for that root (its files
  merged), so Terraform reads the same configuration and plans the same, without a third plan per example.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES, example_group
from tests.terraform_plans import PlanCache, RootPlan, dump

pytestmark = pytest.mark.terraform

FORMATS = ("hcl", "tf-json")  # planned; cdktf is compared to tf-json as a document

Rows = dict[str, list[tuple[str, ...]]]


def rows(plans: dict[str, RootPlan]) -> Rows:
    """Per root: sorted (address, type, provider, provider config key, after, after_unknown), and the outputs."""
    out: Rows = {}
    for root, plan in plans.items():
        found = [(rc["address"], rc["type"], rc["provider_name"], plan.config[rc["address"]],
                  dump(rc["change"]["after"]), dump(rc["change"].get("after_unknown"))) for rc in plan.changes]
        found.append(("outputs", dump(plan.outputs)))
        out[root] = sorted(found)
    return out


@pytest.mark.parametrize("example", [pytest.param(e, id=e.stem, marks=example_group(e)) for e in EXAMPLES])
def test_hcl_tf_json_and_cdktf_plan_the_same_resources(example: Path, plan_cache: PlanCache) -> None:
    plans = {fmt: rows(plan_cache.plans(example, fmt)) for fmt in FORMATS}
    hcl = plans["hcl"]
    assert hcl and all(len(r) > 1 for r in hcl.values())
    for fmt in FORMATS[1:]:
        assert sorted(plans[fmt]) == sorted(hcl), fmt
        for root, want in hcl.items():
            got = plans[fmt][root]
            assert [r[0] for r in got] == [r[0] for r in want], (fmt, root)
            for w, g in zip(want, got, strict=True):
                assert g == w, (fmt, root, w[0])


def without_comments(node: Any) -> Any:
    """``node`` without the ``//`` keys Terraform JSON reserves for comments (CDKTF puts its metadata there)."""
    if isinstance(node, dict):
        return {k: without_comments(v) for k, v in node.items() if k != "//"}
    if isinstance(node, list):
        return [without_comments(v) for v in node]
    return node


def merged(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """Terraform JSON files of one root as one document: block type -> (type ->) label -> body. A label met in
    two files is a duplicate Terraform would refuse, so it fails here too."""
    out: dict[str, Any] = {}
    for doc in documents:
        for block, body in doc.items():
            if block == "//":
                continue
            if block in ("resource", "data"):
                for rtype, labelled in body.items():
                    target = out.setdefault(block, {}).setdefault(rtype, {})
                    assert not set(target) & set(labelled), (block, rtype, set(target) & set(labelled))
                    target.update(labelled)
            elif block == "provider":
                for name, configs in body.items():
                    out.setdefault(block, {}).setdefault(name, []).extend(configs)
            elif block in ("output", "variable", "locals"):
                assert not set(out.get(block, {})) & set(body), block
                out.setdefault(block, {}).update(body)
            else:
                assert block not in out, block
                out[block] = body
    return out


@pytest.mark.parametrize("example", [pytest.param(e, id=e.stem, marks=example_group(e)) for e in EXAMPLES])
def test_cdktf_synthesizes_the_terraform_json_of_every_root(example: Path, plan_cache: PlanCache) -> None:
    tf_json = plan_cache.compiled(example, "tf-json")
    cdktf = plan_cache.compiled(example, "cdktf")
    paths = {r["name"]: r["path"] for r in tf_json.manifest["roots"]}
    assert {r["name"]: r["path"] for r in cdktf.manifest["roots"]} == paths
    for root, path in paths.items():
        files = {name.removeprefix(f"{path}/"): text for name, text in tf_json.files.items()
                 if name.startswith(f"{path}/") and name.endswith(".tf.json")}
        synthesized = [name for name in cdktf.files if name.startswith(f"{path}/") and name.endswith(".tf.json")]
        assert synthesized == [f"{path}/cdk.tf.json"], synthesized
        want = without_comments(merged([json.loads(files[name]) for name in sorted(files)]))
        got = without_comments(json.loads(cdktf.files[f"{path}/cdk.tf.json"]))
        if "provider" in got:  # the order of a provider's configurations does not matter: each has an alias
            got["provider"] = {k: sorted(v, key=json.dumps) for k, v in got["provider"].items()}
            want["provider"] = {k: sorted(v, key=json.dumps) for k, v in want["provider"].items()}
        assert sorted(got) == sorted(want), root
        for block in want:
            assert got[block] == want[block], (root, block)
