"""``backup-now``: start an on-demand AWS Backup job for every Region of one cluster, through boto3.

boto3 is an optional extra (``pip install 'dsql-backup[aws]'``). The requests are planned purely from the
policy (:func:`plan_backup_jobs`: vault, role, retention like the first rule that backs the cluster up in
that Region); :func:`start_backup_jobs` sends them through clients it is given, so tests pass clients
wrapped in botocore's ``Stubber``, which checks every request against the AWS service model.

Cluster ARNs: adopted clusters name theirs in the policy; for clusters the policy creates, AWS chose the
identifier, so they come from ``--arn REGION=ARN`` or the ``cluster_arns`` output of ``terraform output -json``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from generator.aws import naming
from generator.insight.explain import explain
from generator.policy.typed import Policy

ClientFactory = Callable[[str, str], Any]  # (service, Region) -> a boto3 client


class BackupNowError(Exception):
    """A problem with the request (unknown Region, missing ARN, wrong credentials): exit 1, no traceback."""


@dataclass(frozen=True, slots=True)
class BackupRequest:
    region: str
    params: Mapping[str, Any]  # StartBackupJob parameters


@dataclass(frozen=True, slots=True)
class BackupStarted:
    region: str
    job_id: str
    recovery_point_arn: str | None
    vault: str


def terraform_cluster_arns(text: str) -> dict[str, str]:
    """``{"<cluster>/<Region>": arn}``: the ``cluster_arns`` map in the JSON of ``terraform output -json`` of a
    compiled root (restore and drill read several roots' maps; backup-now one cluster's)."""
    try:
        doc = json.loads(text)
        value = doc["cluster_arns"]["value"] if "value" in doc.get("cluster_arns", {}) else doc["cluster_arns"]
        return {str(k): str(v) for k, v in value.items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BackupNowError("the terraform outputs hold no cluster_arns map (expected the JSON of "
                             "'terraform output -json')") from exc


def of_cluster(arns: Mapping[str, str], cluster: str) -> dict[str, str]:
    """``{region: arn}`` of ``cluster`` from a ``{"<cluster>/<Region>": arn}`` map."""
    prefix = f"{cluster}/"
    return {k[len(prefix):]: v for k, v in arns.items() if k.startswith(prefix)}


def cluster_arns_from_outputs(text: str, cluster: str) -> dict[str, str]:
    """``{region: arn}`` from the JSON of ``terraform output -json`` (its ``cluster_arns`` map)."""
    return of_cluster(terraform_cluster_arns(text), cluster)


def plan_backup_jobs(policy: Policy, cluster: str, arns: Mapping[str, str]) -> tuple[BackupRequest, ...]:
    c = policy.clusters[cluster]
    view = next(v for v in explain(policy).clusters if v.key == cluster)
    account_id = policy.accounts[c.account].id
    role = f"arn:aws:iam::{account_id}:role/{naming.backup_role_name(policy.name)}"
    known = {**arns, **c.existing_arns}
    unknown = sorted(set(arns) - set(c.regions))
    if unknown:
        raise BackupNowError(f"cluster '{cluster}' has no Region {', '.join(unknown)} (its Regions: "
                             f"{', '.join(c.regions)})")
    out = []
    for region in c.regions:
        cov = next((x for x in view.coverage if x.region == region), None)
        if cov is None:
            raise BackupNowError(f"no plan backs cluster '{cluster}' up in {region}, so the policy names no vault "
                                 "there (DSB221)")
        if region not in known:
            raise BackupNowError(f"the ARN of cluster '{cluster}' in {region} is not known: pass --arn "
                                 f"{region}=ARN or --terraform-outputs FILE ('terraform output -json' of its root)")
        landing = next(x for x in view.landings if x.kind == "backup" and x.region == region
                       and x.plan == cov.plan and x.rule == cov.rule)
        out.append(BackupRequest(region, {
            "BackupVaultName": landing.vault_name,
            "ResourceArn": known[region],
            "IamRoleArn": role,
            "Lifecycle": {"DeleteAfterDays": landing.retention_days},
        }))
    return tuple(out)


def check_account(policy: Policy, cluster: str, factory: ClientFactory) -> None:
    c = policy.clusters[cluster]
    want = policy.accounts[c.account].id
    got = factory("sts", c.regions[0]).get_caller_identity()["Account"]
    if got != want:
        raise BackupNowError(f"the credentials are for account {got}, but cluster '{cluster}' lives in account "
                             f"'{c.account}' ({want}); use a profile for that account (--profile)")


def start_backup_jobs(requests: tuple[BackupRequest, ...], factory: ClientFactory) -> tuple[BackupStarted, ...]:
    started = []
    for r in requests:
        resp = factory("backup", r.region).start_backup_job(**r.params)
        started.append(BackupStarted(r.region, resp["BackupJobId"], resp.get("RecoveryPointArn"),
                                     str(r.params["BackupVaultName"])))
    return tuple(started)


def boto3_factory(policy: Policy, cluster: str, *, profile: str | None = None, endpoint_url: str | None = None,
                  assume_role: bool = True) -> ClientFactory:
    """Clients in the cluster's account, reached as ``restore`` and ``drill`` reach it (the account's
    ``role_arn`` is assumed when the base credentials are for another account); ``ImportError`` when boto3
    is not installed."""
    from generator.insight.recovery_sites import Access
    from generator.recovery.clients import boto3_make

    account = policy.clusters[cluster].account
    a = policy.accounts[account]
    make = boto3_make({account: Access(a.id, a.role_arn, a.external_id)}, profile=profile,
                      endpoint_url=endpoint_url, assume_roles=assume_role, session_name="dsql-backup-backup-now")

    def factory(service: str, region: str) -> Any:
        return make(service, region, account)

    return factory
