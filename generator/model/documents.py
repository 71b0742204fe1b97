"""The documents and ARNs the model derives: vault access policies, KMS key policies, the SNS topic policy, the
backup role's trust policy, and the ARNs of vaults and account principals. Pure functions of their arguments,
used by the builder."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from generator.model.nodes import Ref

PARTITION = "aws"
POLICY_VERSION = "2012-10-17"
BACKUP_SERVICE = "backup.amazonaws.com"
# What a vault access policy denies unless the policy allows deletion (see vault_access_policy)
RECOVERY_POINT_ACTIONS = ("backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle")
POLICY_CHANGE = "backup:PutBackupVaultAccessPolicy"
POLICY_REMOVAL = "backup:DeleteBackupVaultAccessPolicy"
_KEY_USE = ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*",
            "kms:ReEncrypt*"]


def vault_arn(region: str, account_id: str, name: str) -> str:
    return f"arn:{PARTITION}:backup:{region}:{account_id}:backup-vault:{name}"


def root_principal(account_id: str) -> str:
    return f"arn:{PARTITION}:iam::{account_id}:root"


def dsql_wildcard_arn(region: str, account_id: str) -> str:
    """Every DSQL cluster of an account in a Region: the resources of a tag selection."""
    return f"arn:{PARTITION}:dsql:{region}:{account_id}:cluster/*"


def deny_exempt(role_arn: str | None, break_glass_role_arns: Sequence[str]) -> tuple[str, ...]:
    """The principals a vault access policy's denials exempt in an account: the role Terraform deploys with (so
    it can still update the policy) and the account's break-glass roles; sorted, no repeats."""
    return tuple(sorted({*((role_arn,) if role_arn else ()), *break_glass_role_arns}))


def vault_access_policy(allow_deletion: bool, source_account_ids: Sequence[str], organization_id: str | None,
                        deployer_role_arn: str | None = None,
                        break_glass_role_arns: Sequence[str] = ()) -> dict[str, Any] | None:
    """Copy-in for the accounts that copy into the vault (or the whole organization, when ``organization_id`` is
    given), and, unless the policy allows deletion, the statement AWS's BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED
    control looks for: one Deny with Principal and Resource "*" of backup:DeleteRecoveryPoint,
    backup:UpdateRecoveryPointLifecycle and backup:PutBackupVaultAccessPolicy (AWS Config rule
    backup-recovery-point-manual-deletion-disabled), exempting :func:`deny_exempt` through ArnNotLike
    aws:PrincipalArn. The policy is denied to change itself only when the deploying role is known: otherwise
    Terraform itself could never update it again. None when there is nothing to grant or deny."""
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
        exempt = deny_exempt(deployer_role_arn, break_glass_role_arns)
        unless = {"Condition": {"ArnNotLike": {"aws:PrincipalArn": list(exempt)}}} if exempt else {}
        guarded = deployer_role_arn is not None
        statements.append({"Sid": "DenyRecoveryPointDeletion", "Effect": "Deny", "Principal": {"AWS": "*"},
                           "Action": sorted([*RECOVERY_POINT_ACTIONS, *((POLICY_CHANGE,) if guarded else ())]),
                           "Resource": "*", **unless})
        if guarded:
            statements.append({"Sid": "DenyVaultPolicyRemoval", "Effect": "Deny", "Principal": {"AWS": "*"},
                               "Action": POLICY_REMOVAL, "Resource": "*", **unless})
    if not statements:
        return None
    return {"Version": POLICY_VERSION, "Statement": statements}


def backup_source_condition(account_id: str, region: str | None, vault_arns: Sequence[str], *,
                            confirmed: bool) -> dict[str, Any]:
    """The condition that keeps AWS Backup (a service principal) from acting for another account (the confused
    deputy): aws:SourceAccount, and aws:SourceArn where ``region`` names the vaults' Region. AWS Backup does not
    document sending either key (capability ``backup_source_conditions``), and a condition on a key the request
    lacks fails: unless ``confirmed``, each key is tested only when present (...IfExists) and aws:SourceArn
    admits any AWS Backup resource of the account and Region, so notifications and jobs keep working."""
    if confirmed:
        cond: dict[str, Any] = {"StringEquals": {"aws:SourceAccount": account_id}}
        if region is not None:
            cond["ArnLike"] = {"aws:SourceArn": list(vault_arns)}
        return cond
    cond = {"StringEqualsIfExists": {"aws:SourceAccount": account_id}}
    if region is not None:
        cond["ArnLikeIfExists"] = {"aws:SourceArn": f"arn:{PARTITION}:backup:{region}:{account_id}:*"}
    return cond


def backup_role_trust_policy(account_id: str, *, confirmed: bool) -> dict[str, Any]:
    """Lets AWS Backup assume the account's backup role, for this account only."""
    return {"Version": POLICY_VERSION, "Statement": [{
        "Effect": "Allow",
        "Principal": {"Service": BACKUP_SERVICE},
        "Action": "sts:AssumeRole",
        "Condition": backup_source_condition(account_id, None, (), confirmed=confirmed),
    }]}


def _account_administers(account_id: str) -> dict[str, Any]:
    """The statement every key policy starts with: the account (its IAM policies) administers the key."""
    return {"Sid": "AccountAdministers", "Effect": "Allow",
            "Principal": {"AWS": root_principal(account_id)}, "Action": "kms:*", "Resource": "*"}


def vault_key_policy(account_id: str, region: str, source_account_ids: Sequence[str]) -> dict[str, Any]:
    """The account administers the key; copying accounts use it through AWS Backup in that Region only."""
    statements: list[dict[str, Any]] = [
        _account_administers(account_id),
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
        _account_administers(account_id),
        {"Sid": "AuroraDsqlAndBackupUse", "Effect": "Allow",
         "Principal": {"AWS": root_principal(account_id)},
         "Action": list(_KEY_USE),
         "Resource": "*",
         "Condition": {"StringEquals": {"kms:ViaService": [f"backup.{region}.amazonaws.com",
                                                            f"dsql.{region}.amazonaws.com"]}}},
    ]}


def topic_policy(topic: Ref, account_id: str, region: str, vault_arns: Sequence[str], *,
                 confirmed: bool) -> Mapping[str, Any]:
    """Lets AWS Backup publish the events of ``vault_arns`` to a topic the policy creates."""
    return {
        "Version": POLICY_VERSION,
        "Statement": [{
            "Sid": "AwsBackupPublishes", "Effect": "Allow",
            "Principal": {"Service": BACKUP_SERVICE}, "Action": "SNS:Publish",
            "Resource": topic,
            "Condition": backup_source_condition(account_id, region, vault_arns, confirmed=confirmed),
        }],
    }


def topic_key_policy(account_id: str, region: str, vault_arns: Sequence[str], *, confirmed: bool) -> dict[str, Any]:
    """The key of an encrypted topic: the account administers it; AWS Backup encrypts the events it publishes
    (SNS needs kms:GenerateDataKey* and kms:Decrypt from the publisher), under the topic policy's conditions."""
    return {"Version": POLICY_VERSION, "Statement": [
        _account_administers(account_id),
        {"Sid": "AwsBackupPublishesEncrypted", "Effect": "Allow",
         "Principal": {"Service": BACKUP_SERVICE},
         "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
         "Resource": "*",
         "Condition": backup_source_condition(account_id, region, vault_arns, confirmed=confirmed)},
    ]}
