"""``plans.tf``: one backup plan per plan, account and Region, with the selections of the clusters it protects."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from generator.model.nodes import Ref, Root
from generator.render.blocks import Blocks, Resource, block

DEPENDS_NOTE = "Copy destinations are addressed by ARN; wait for the ones this root creates."


def string_equals(conditions: tuple[tuple[str, str], ...]) -> Blocks:
    """One condition block whose ``string_equals`` entries (resource tags) must all match."""
    return block(string_equals=Blocks(tuple({"key": f"aws:ResourceTag/{k}", "value": v} for k, v in conditions)))


def cluster_arns(refs: tuple[str, ...], arns: tuple[str, ...]) -> list[Ref | str]:
    """Clusters of this root by reference, then literal ARNs (adopted clusters, or the tag wildcard)."""
    return [*(Ref(f"aws_dsql_cluster.{r}.arn") for r in refs), *arns]


def describe(root: Root) -> Iterator[Resource]:
    for p in root.plans:
        rules = []
        for r in p.rules:
            rule: dict[str, Any] = {
                "rule_name": r.name,
                "target_vault_name": Ref(f"aws_backup_vault.{r.vault_label}.name"),
                "schedule": r.schedule,
                "schedule_expression_timezone": r.timezone,
                "start_window": r.start_window_minutes,
                "completion_window": r.completion_window_minutes,
            }
            if r.recovery_point_tags:
                rule["recovery_point_tags"] = dict(r.recovery_point_tags)
            rule["lifecycle"] = block(delete_after=r.retention_days)
            if r.copies:
                rule["copy_action"] = Blocks(tuple(
                    {"destination_vault_arn": c.destination_arn, "lifecycle": block(delete_after=c.retention_days)}
                    for c in r.copies))
            rules.append(rule)
        depends_on = tuple(f"aws_backup_vault.{label}" for label in p.copy_destination_labels)
        yield Resource("aws_backup_plan", p.label, p.provider, {"name": p.name, "rule": Blocks(tuple(rules))},
                       depends_on=depends_on, notes={"depends_on": DEPENDS_NOTE} if depends_on else {})
        for s in p.selections:
            sel: dict[str, Any] = {
                "name": s.name,
                "plan_id": Ref(f"aws_backup_plan.{p.label}.id"),
                "iam_role_arn": Ref(f"aws_iam_role.{p.role_label}.arn"),
            }
            if s.resource_refs or s.resource_arns:
                sel["resources"] = cluster_arns(s.resource_refs, s.resource_arns)
            if s.tag_conditions:
                sel["condition"] = string_equals(s.tag_conditions)
            yield Resource("aws_backup_selection", s.label, p.provider, sel)
