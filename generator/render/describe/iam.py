"""``iam.tf``: the role AWS Backup assumes to back up and restore, with the AWS managed policies."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from generator.model.nodes import Ref, Root
from generator.render.blocks import JsonDoc, Resource

BACKUP_SERVICE_ROLE_DESCRIPTION = "AWS Backup service role for Aurora DSQL (dsql-backup)"
BACKUP_ASSUME_ROLE_POLICY: Mapping[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Principal": {"Service": "backup.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }],
}
MANAGED_POLICIES = (
    ("backup", "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"),
    ("restores", "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"),
)


def describe(root: Root) -> Iterator[Resource]:
    for r in root.roles:
        yield Resource("aws_iam_role", r.label, r.provider, {
            "name": r.name,
            "description": BACKUP_SERVICE_ROLE_DESCRIPTION,
            "assume_role_policy": JsonDoc(BACKUP_ASSUME_ROLE_POLICY),
        })
        for suffix, arn in MANAGED_POLICIES:
            yield Resource("aws_iam_role_policy_attachment", f"{r.label}_{suffix}", r.provider, {
                "role": Ref(f"aws_iam_role.{r.label}.name"),
                "policy_arn": arn,
            })
