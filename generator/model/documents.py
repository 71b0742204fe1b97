"""The documents and ARNs the model derives: vault access policies, KMS key policies, the SNS topic policy,
and the ARNs of vaults and account principals. Pure functions of their arguments, used by the builder."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from generator.model.nodes import Ref

PARTITION = "aws"
POLICY_VERSION = "2012-10-17"
_KEY_USE = ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*",
            "kms:ReEncrypt*"]


def vault_arn(region: str, account_id: str, name: str) -> str:
    return f"arn:{PARTITION}:backup:{region}:{account_id}:backup-vault:{name}"


def root_principal(account_id: str) -> str:
    return f"arn:{PARTITION}:iam::{account_id}:root"


def dsql_wildcard_arn(region: str, account_id: str) -> str:
    """Every DSQL cluster of an account in a Region: the resources of a tag selection."""
    return f"arn:{PARTITION}:dsql:{region}:{account_id}:cluster/*"


def vault_access_policy(allow_deletion: bool, source_account_ids: Sequence[str],
                        organization_id: str | None) -> dict[str, Any] | None:
    """Copy-in for the accounts that copy into the vault (or the whole organization), and a deny of
    recovery-point deletion unless the policy allows it; None when neither applies."""
    statements: list[dict[str, Any]] = []
    if source_account_ids:
        allow: dict[str, Any] = {"Sid": "AllowCopyIntoFromPolicyAccounts", "Effect": "Allow",
                                 "Action": "backup:CopyIntoBackupVault", "Resource": "*"}
        if organization_id:
            allow["Principal"] = {"AWS": "*"}
            allow["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": organization_id}}
        else:
            allow["Principal"] = {"AWS": [root_principal(s) for s in source_account_ids]}
        statements.append(allow)
    if not allow_deletion:
        statements.append({"Sid": "DenyRecoveryPointDeletion", "Effect": "Deny", "Principal": {"AWS": "*"},
                           "Action": "backup:DeleteRecoveryPoint", "Resource": "*"})
    if not statements:
        return None
    return {"Version": POLICY_VERSION, "Statement": statements}


def vault_key_policy(account_id: str, region: str, source_account_ids: Sequence[str]) -> dict[str, Any]:
    """The account administers the key; copying accounts use it through AWS Backup in that Region only."""
    statements: list[dict[str, Any]] = [
        {"Sid": "AccountAdministers", "Effect": "Allow",
         "Principal": {"AWS": root_principal(account_id)}, "Action": "kms:*", "Resource": "*"},
    ]
    if source_account_ids:
        statements.append({
            "Sid": "CopyingAccountsUseThroughBackup", "Effect": "Allow",
            "Principal": {"AWS": [root_principal(s) for s in source_account_ids]},
            "Action": list(_KEY_USE),
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:ViaService": f"backup.{region}.amazonaws.com"}},
        })
    return {"Version": POLICY_VERSION, "Statement": statements}


def cluster_key_policy(account_id: str, region: str) -> dict[str, Any]:
    """The account administers the key; Aurora DSQL and AWS Backup use it in that Region."""
    return {"Version": POLICY_VERSION, "Statement": [
        {"Sid": "AccountAdministers", "Effect": "Allow",
         "Principal": {"AWS": root_principal(account_id)}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "AuroraDsqlAndBackupUse", "Effect": "Allow",
         "Principal": {"AWS": root_principal(account_id)},
         "Action": list(_KEY_USE),
         "Resource": "*",
         "Condition": {"StringEquals": {"kms:ViaService": [f"backup.{region}.amazonaws.com",
                                                            f"dsql.{region}.amazonaws.com"]}}},
    ]}


def topic_policy(topic: Ref) -> Mapping[str, Any]:
    """Lets AWS Backup publish vault events to a topic the policy creates."""
    return {
        "Version": POLICY_VERSION,
        "Statement": [{
            "Sid": "AwsBackupPublishes", "Effect": "Allow",
            "Principal": {"Service": "backup.amazonaws.com"}, "Action": "SNS:Publish",
            "Resource": topic,
        }],
    }
