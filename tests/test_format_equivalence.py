"""The three Terraform outputs are plan-equivalent.

* HCL and Terraform JSON: every example is planned offline in both, and per root the planned resources
  (address, type, provider and its alias, ``after``, ``after_unknown``) and outputs are identical. The roots of
  an example are planned in one terraform run per format (tests/terraform_plans.py); the HCL plans are the ones
  tests/test_terraform_examples.py asserts on. Every root is compared, but in the 12-root landing zone one root
  of each kind (its mgmt, backup and two kinds of workload root: ``planned_alone``); the other eight are
  workload roots rendered by the same functions with other accounts and clusters.
* CDKTF: tests/test_formats.py (``test_cdktf_stacks_hold_exactly_the_tf_json_blocks``) finds the synthesized
  ``cdk.tf.json`` of every root to be, but for the ``//`` comment and metadata keys that Terraform skips, the
  very Terraform JSON the ``tf-json`` format writes for that root (its files merged): Terraform reads the same
  configuration and plans the same, so a third plan per example would prove nothing more.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, example_group
from tests.terraform_plans import PlanCache, RootPlan, dump

pytestmark = pytest.mark.terraform

FORMATS = ("hcl", "tf-json")
# Roots compared in an example of more than four (tests/terraform_plans.py: one of each kind)
COMPARED = {"landing-zone": ["analytics", "backup", "billing", "mgmt"]}

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
def test_hcl_and_tf_json_plan_the_same_resources(example: Path, plan_cache: PlanCache) -> None:
    plans = {fmt: rows(plan_cache.plans(example, fmt)) for fmt in FORMATS}
    hcl = plans["hcl"]
    assert hcl and all(len(r) > 1 for r in hcl.values())
    for fmt in FORMATS[1:]:
        assert sorted(plans[fmt]) == COMPARED.get(example.stem, sorted(hcl)), fmt
        for root in plans[fmt]:
            want, got = hcl[root], plans[fmt][root]
            assert [r[0] for r in got] == [r[0] for r in want], (fmt, root)
            for w, g in zip(want, got, strict=True):
                assert g == w, (fmt, root, w[0])

