"""Every example through real terraform: fmt -check, init (offline provider mirror), validate -json and an
offline plan of every root on its own (what ``dsql-backup plan --offline`` does), then assertions on
``terraform show -json`` of the plans against the policy (all roots of an example planned in one run, a
single root's own plan shown, see tests/terraform_plans.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from generator.aws import naming
from generator.output.compile import Compiled
from generator.policy.typed import Policy, copy_destination_account, copy_regions, plan_sites
from generator.terraform.binary import TerraformRunner
from generator.terraform.offline import RootPreview
from tests.conftest import EXAMPLES, example_group
from tests.terraform_plans import PlanCache, RootPlan

pytestmark = pytest.mark.terraform

# Roots planned on their own in an example of more than four roots: the first of each kind (tests/terraform_plans.py)
ALONE = {"landing-zone": ["analytics", "backup", "billing", "mgmt"]}

# Examples also planned with the single-root layout (one provider alias per account x Region).
SINGLE_LAYOUT = ("central-vault", "multi-region")


@dataclass
class Planned:
    name: str
    policy: Policy
    compiled: Compiled
    previews: list[RootPreview]  # roots planned on their own (tests/terraform_plans.py: planned_alone)
    plans: dict[str, RootPlan]  # what every root plans, from one terraform run
    compiled_dir: Path
    validation: dict[str, Any]  # terraform validate -json of every root at once

    def resources(self) -> Iterator[dict[str, Any]]:
        """Planned resources with the account ID and Region of their provider, across every root."""
        for plan in self.plans.values():
            yield from plan.resources()

    def of_type(self, rtype: str) -> list[dict[str, Any]]:
        return [r for r in self.resources() if r["type"] == rtype]


CASES = [pytest.param((e, None), id=e.stem, marks=example_group(e)) for e in EXAMPLES] + [
    pytest.param((e, "single"), id=f"{e.stem}-single", marks=example_group(e)) for e in EXAMPLES
    if e.stem in SINGLE_LAYOUT]


@pytest.fixture(scope="module", params=CASES)
def planned(request: pytest.FixtureRequest, plan_cache: PlanCache) -> Planned:
    example, layout = request.param
    previews = plan_cache.previews(example, layout)
    ex = plan_cache.example(example, layout)
    assert ex.preview_dir is not None
    return Planned(example.stem, ex.policy, plan_cache.compiled(example, "hcl", layout), previews,
                   plan_cache.plans(example, "hcl", layout), ex.preview_dir / "compiled",
                   plan_cache.validation(example, layout))


def test_compiled_roots_are_terraform_fmt_clean(planned: Planned, tf_runner: TerraformRunner) -> None:
    for root in planned.compiled.model.roots:
        result = tf_runner.fmt(planned.compiled_dir / root.name)
        assert result.ok, (root.name, result.files, result.diagnostics)


def test_every_root_validates(planned: Planned) -> None:
    """``terraform validate -json`` of all roots at once: each root is a module of the wrapper configuration,
    validated whole (a single root is validated on its own); each root also plans on its own
    (test_every_root_plans_offline)."""
    doc = planned.validation
    assert doc.get("valid") is True, doc.get("diagnostics")
    assert doc.get("error_count") == 0
    assert not [d for d in doc.get("diagnostics", []) if d.get("severity") == "error"]


def test_every_root_plans_offline(planned: Planned) -> None:
    """Every root plans (all together, tests/terraform_plans.py), and on its own as ``plan --offline`` does: all
    of them, or in the landing zone one of each kind."""
    roots = sorted(r.name for r in planned.compiled.model.roots)
    assert sorted(planned.plans) == roots
    assert all(planned.plans[r].changes for r in roots)
    assert sorted(pv.root for pv in planned.previews) == ALONE.get(planned.name, roots)
    for pv in planned.previews:
        assert pv.status == "changes", (pv.root, pv.diagnostics)
        assert not [d for d in pv.diagnostics if d.severity == "error"]
        # the root on its own plans exactly what it plans among the others (what ``terraform show -json`` of
        # the plan holds, for a single root: tests/terraform_plans.py)
        assert pv.add == len(planned.plans[pv.root].changes) > 0
        assert pv.change == 0 and pv.destroy == 0


def test_manifest_counts_match_the_plans(planned: Planned) -> None:
    by_root = {r["name"]: r for r in planned.compiled.manifest["roots"]}
    assert sorted(by_root) == sorted(planned.plans)
    for name, plan in planned.plans.items():
        assert by_root[name]["resources"] == len(plan.changes), name


def _created_vault_arns(planned: Planned) -> set[str]:
    return {f"arn:aws:backup:{v['region']}:{v['account_id']}:backup-vault:{v['change']['after']['name']}"
            for v in planned.of_type("aws_backup_vault")}


def test_every_copy_lands_in_a_vault_some_root_creates(planned: Planned) -> None:
    vaults = _created_vault_arns(planned)
    copies = [c["destination_vault_arn"] for p in planned.of_type("aws_backup_plan")
              for rule in p["change"]["after"]["rule"] for c in rule["copy_action"]]
    assert all(arn in vaults for arn in copies), sorted(set(copies) - vaults)
    # and the copies are exactly the ones the policy asks for
    p = planned.policy
    expected = set()
    for plan in p.plans.values():
        for site in plan_sites(p, plan):
            for rule in plan.rules:
                for c in rule.copy_to:
                    acct = p.accounts[copy_destination_account(p, c, site.account) or ""].id
                    name = naming.vault_name(p.name, c.vault)
                    for region in copy_regions(p, c, site):
                        expected.add(f"arn:aws:backup:{region}:{acct}:backup-vault:{name}")
    assert set(copies) == expected


def test_multi_region_clusters_are_two_peered_clusters_with_one_witness(planned: Planned) -> None:
    clusters = {r["name"]: r for r in planned.of_type("aws_dsql_cluster")}
    peerings = {r["name"]: r for r in planned.of_type("aws_dsql_cluster_peering")}
    for c in planned.policy.clusters.values():
        if c.adopted:
            assert not any(name.startswith(f"{c.key}_") for name in clusters)
            continue
        labels = [naming.label(c.key, r) for r in c.regions]
        for label, region in zip(labels, c.regions, strict=True):
            res = clusters[label]
            assert res["region"] == region
            after = res["change"]["after"]
            assert after["deletion_protection_enabled"] is c.deletion_protection
            if c.multi_region:
                assert after["multi_region_properties"] == [{"witness_region": c.witness_region}]
                assert peerings[label]["change"]["after"]["witness_region"] == c.witness_region
                assert peerings[label]["region"] == region
            else:
                assert label not in peerings
    multi = [c for c in planned.policy.clusters.values() if c.multi_region and not c.adopted]
    assert len(peerings) == 2 * len(multi)


def test_every_region_with_a_protected_cluster_opts_dsql_in(planned: Planned) -> None:
    opted = {(r["account_id"], r["region"]) for r in planned.of_type("aws_backup_region_settings")
             if r["change"]["after"]["resource_type_opt_in_preference"].get("DSQL") is True}
    for plan in planned.of_type("aws_backup_plan"):
        assert (plan["account_id"], plan["region"]) in opted
    for cluster in planned.of_type("aws_dsql_cluster"):
        assert (cluster["account_id"], cluster["region"]) in opted


def test_locks_are_as_written(planned: Planned) -> None:
    p = planned.policy
    locks = planned.of_type("aws_backup_vault_lock_configuration")
    expected = sum(len(v.accounts) * len(v.regions) for v in p.vaults.values() if v.lock)
    assert len(locks) == expected
    by_name = {naming.vault_name(p.name, v.key): v for v in p.vaults.values()}
    vault_names = {(r["root"], r["address"].split(".")[1]): r["change"]["after"]["name"]
                   for r in planned.of_type("aws_backup_vault")}
    for lock in locks:
        v = by_name[vault_names[(lock["root"], lock["address"].split(".")[1])]]
        assert v.lock is not None
        after = lock["change"]["after"]
        assert after["min_retention_days"] == v.lock.min_retention_days
        assert after["max_retention_days"] == v.lock.max_retention_days
        want = v.lock.changeable_for_days if v.lock.mode == "compliance" else None
        assert after["changeable_for_days"] == want


def test_rules_windows_and_retentions_are_as_written(planned: Planned) -> None:
    p = planned.policy
    plans = planned.of_type("aws_backup_plan")
    assert len(plans) == sum(len(plan_sites(p, pl)) for pl in p.plans.values())
    for res in plans:
        after = res["change"]["after"]
        plan = next(pl for pl in p.plans.values() if naming.plan_name(p.name, pl.key) == after["name"])
        rules = {r["rule_name"]: r for r in after["rule"]}
        assert sorted(rules) == sorted(r.name for r in plan.rules)
        for r in plan.rules:
            got = rules[r.name]
            assert got["schedule"] == r.schedule
            assert got["schedule_expression_timezone"] == r.timezone
            assert got["start_window"] == r.start_window_minutes
            assert got["completion_window"] == r.completion_window_minutes
            assert got["lifecycle"] == [{"cold_storage_after": None, "delete_after": r.retention_days,
                                         "opt_in_to_archive_for_supported_resources": None}] or \
                got["lifecycle"][0]["delete_after"] == r.retention_days
            assert sorted(c["lifecycle"][0]["delete_after"] for c in got["copy_action"]) == sorted(
                c.retention_days for c in r.copy_to
                for _ in copy_regions(p, c, next(s for s in plan_sites(p, plan)
                                                 if s.region == res["region"] and p.accounts[s.account].id
                                                 == res["account_id"]))
            )


def test_selections_never_have_two_condition_blocks(planned: Planned) -> None:
    for sel in planned.of_type("aws_backup_selection"):
        after = sel["change"]["after"]
        assert len(after.get("condition") or []) <= 1
        unknown = sel["change"].get("after_unknown") or {}
        assert after.get("resources") or unknown.get("resources") or after.get("condition"), sel["address"]
