"""``restore_testing.tf``: restore-testing plans and their selections."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from generator.model.nodes import Ref, Root
from generator.render.blocks import Resource, block
from generator.render.describe.plans import cluster_arns, string_equals


def describe(root: Root) -> Iterator[Resource]:
    for t in root.restore_tests:
        yield Resource("aws_backup_restore_testing_plan", t.label, t.provider, {
            "name": t.name,
            "schedule_expression": t.schedule,
            "schedule_expression_timezone": t.timezone,
            "start_window_hours": t.start_window_hours,
            "recovery_point_selection": block(
                algorithm=t.algorithm,
                include_vaults=list(t.include_vault_arns),
                recovery_point_types=["SNAPSHOT"],
                selection_window_days=t.selection_window_days,
            ),
        })
        for s in t.selections:
            sel: dict[str, Any] = {
                "name": s.name,
                "restore_testing_plan_name": Ref(f"aws_backup_restore_testing_plan.{t.label}.name"),
                "protected_resource_type": t.resource_type,
                "iam_role_arn": Ref(f"aws_iam_role.{t.role_label}.arn"),
                "validation_window_hours": t.validation_window_hours,
            }
            if s.resource_refs or s.resource_arns:
                sel["protected_resource_arns"] = cluster_arns(s.resource_refs, s.resource_arns)
            if s.tag_conditions:
                sel["protected_resource_conditions"] = string_equals(s.tag_conditions)
            yield Resource("aws_backup_restore_testing_selection", s.label, t.provider, sel)
