"""The three Terraform outputs are plan-equivalent: every example is planned offline as HCL, Terraform JSON and
synthesized CDKTF, and per root the planned resources (address, type, provider and its alias, ``after``,
``after_unknown``) and outputs are identical."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator.output.compile import compile_policy
from generator.policy.validate import validate_file
from generator.terraform.binary import TerraformRunner
from generator.terraform.offline import preview
from tests.conftest import EXAMPLES

pytestmark = pytest.mark.terraform

FORMATS = ("hcl", "tf-json", "cdktf")

Planned = dict[str, list[tuple[str, ...]]]


def planned(example: Path, fmt: str, runner: TerraformRunner, scratch: Path) -> Planned:
    """Per root: sorted (address, type, provider, provider config key, after, after_unknown, outputs)."""
    v = validate_file(example)
    assert v.policy is not None
    compiled = compile_policy(v.policy, fmt)
    out: Planned = {}
    for pv in preview(compiled, runner, scratch, parallel=2, show=True):
        assert pv.status == "changes", (fmt, pv.root, pv.diagnostics)
        doc: dict[str, Any] = pv.plan_json or {}
        config = {r["address"]: r["provider_config_key"]
                  for r in doc["configuration"]["root_module"].get("resources", [])}
        rows = [(rc["address"], rc["type"], rc["provider_name"], config[rc["address"]],
                 json.dumps(rc["change"]["after"], sort_keys=True),
                 json.dumps(rc["change"].get("after_unknown"), sort_keys=True))
                for rc in doc["resource_changes"]]
        rows.append(("output_changes", json.dumps(doc.get("output_changes"), sort_keys=True)))
        out[pv.root] = sorted(rows)
    return out


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_hcl_tf_json_and_cdktf_plan_the_same_resources(example: Path, tf_runner: TerraformRunner,
                                                       tmp_path: Path) -> None:
    plans = {fmt: planned(example, fmt, tf_runner, tmp_path / fmt) for fmt in FORMATS}
    hcl = plans["hcl"]
    assert hcl and all(len(rows) > 1 for rows in hcl.values())
    for fmt in FORMATS[1:]:
        assert sorted(plans[fmt]) == sorted(hcl), fmt
        for root, rows in hcl.items():
            other = plans[fmt][root]
            assert [r[0] for r in other] == [r[0] for r in rows], (fmt, root)
            for want, got in zip(rows, other, strict=True):
                assert got == want, (fmt, root, want[0])
