"""``iam.tf``: the role AWS Backup assumes to back up and restore, with the AWS managed policies, and the
Aurora DSQL service-linked role where an account receives DSQL recovery points but has no cluster."""

from __future__ import annotations

from collections.abc import Iterator

from generator.model.nodes import Ref, Root
from generator.render.blocks import JsonDoc, Resource

BACKUP_SERVICE_ROLE_DESCRIPTION = "AWS Backup service role for Aurora DSQL (dsql-backup)"
MANAGED_POLICIES = (
    ("backup", "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"),
    ("restores", "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"),
)


def describe(root: Root) -> Iterator[Resource]:
    for r in root.roles:
        yield Resource("aws_iam_role", r.label, r.provider, {
            "name": r.name,
            "description": BACKUP_SERVICE_ROLE_DESCRIPTION,
            "assume_role_policy": JsonDoc(r.trust_policy),
        })
        for suffix, arn in MANAGED_POLICIES:
            yield Resource("aws_iam_role_policy_attachment", f"{r.label}_{suffix}", r.provider, {
                "role": Ref(f"aws_iam_role.{r.label}.name"),
                "policy_arn": arn,
            })
    for slr in root.service_linked_roles:
        yield Resource("aws_iam_service_linked_role", slr.label, slr.provider, {"aws_service_name": slr.service},
                       comment=f"{slr.name} in account {slr.account}: {slr.reason}. If the account has it "
                       f"already, set accounts.{slr.account}.dsql_service_linked_role: exists.")
