"""``dsql-backup restore``: restore one cluster of the policy into a new cluster, through boto3.

1. choose the recovery point: ``--recovery-point ARN`` (refused when its source is not the named cluster,
   unless ``force``), or the newest completed one in the vaults the policy sends the cluster to;
2. multi-Region: find its identical copy in the peer Region, or start the copy job and wait for it;
3. one ``StartRestoreJob`` in the recovery point's account and Region (the documented metadata, see
   :mod:`generator.recovery.engine`), run as that account's AWS Backup role;
4. wait, and read the new cluster(s).

The source cluster is never modified or deleted: the only calls that change anything are ``StartCopyJob``
and ``StartRestoreJob``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from generator.insight.recovery_sites import Recovery, Site
from generator.recovery import points
from generator.recovery.engine import DRY_RUN_ID, Engine, NewCluster
from generator.recovery.errors import RecoveryError
from generator.recovery.points import Point


@dataclass(frozen=True, slots=True)
class Choice:
    """What to restore and how (the user's flags)."""

    recovery_point: str | None = None
    region: str | None = None
    vault: str | None = None
    account: str | None = None
    multi_region: bool = False
    copy: bool = True
    deletion_protection: bool | None = None  # None: as the policy says for the cluster
    force: bool = False
    wait: bool = True


@dataclass(frozen=True, slots=True)
class Outcome:
    point: Point
    job_id: str
    peer_copy: str  # "n/a" | "present" | "copied" | "missing"
    clusters: tuple[NewCluster, ...]  # empty under --no-wait and --dry-run


def candidate_sites(rec: Recovery, choice: Choice) -> tuple[Site, ...]:
    sites = tuple(s for s in rec.sites
                  if (choice.region is None or s.region == choice.region)
                  and (choice.account is None or s.account == choice.account)
                  and (choice.vault is None or choice.vault in (s.vault, s.vault_name)))
    if choice.multi_region:  # the restore runs where a peer of the cluster is
        sites = tuple(s for s in sites if s.region in rec.regions and s.source_region == s.region)
    if not sites:
        narrowed = ", ".join(f"--{k} {v}" for k, v in (("account", choice.account), ("region", choice.region),
                                                        ("vault", choice.vault)) if v)
        where = " in a Region of the cluster (needed for --multi-region)" if choice.multi_region else ""
        raise RecoveryError(f"no vault of the policy holds recovery points of cluster '{rec.cluster}'"
                            + (f" with {narrowed}" if narrowed else "") + where)
    return sites


def choose(engine: Engine, rec: Recovery, arns: Mapping[str, str], choice: Choice) -> Point:
    sites = candidate_sites(rec, choice)
    if choice.recovery_point:
        point = points.describe(engine.clients, rec, choice.recovery_point, sites)
        if point.resource_arn not in arns.values() and not choice.force:
            known = ", ".join(sorted(arns.values())) or "not known (pass --arn or --terraform-outputs)"
            source = point.resource_arn or "an unknown resource"
            raise RecoveryError(f"recovery point {point.arn} is a backup of {source}, not of cluster '{rec.cluster}' "
                                f"(its ARNs: {known}); --force restores it anyway")
        if point.status not in ("COMPLETED", ""):
            raise RecoveryError(f"recovery point {point.arn} is {point.status}, not COMPLETED")
        return point
    found: list[Point] = []
    for source in rec.regions:
        here = [s for s in sites if s.source_region == source]
        if not here:
            continue
        if source not in arns:
            raise RecoveryError(f"the ARN of cluster '{rec.cluster}' in {source} is not known, so its recovery points "
                                f"cannot be found: pass --arn {source}=ARN or --terraform-outputs FILE")
        p = points.newest(engine.clients, here, arns[source])
        if p is not None:
            found.append(p)
    if not found:
        vaults = ", ".join(sorted({f"{s.vault_name} ({s.account} {s.region})" for s in sites}))
        raise RecoveryError(f"no completed recovery point of cluster '{rec.cluster}' in {vaults}")
    return max(found, key=points.recency)


def describe_choice(point: Point, now: dt.datetime) -> str:
    return (f"recovery point {point.arn}\n  in vault {point.vault_name} ({point.account} {point.region}), created "
            f"{point.created.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC ({point.age_hours(now):.1f} hours ago), "
            f"backup of {point.resource_arn or '?'}")


def copy_command(engine: Engine, point: Point, dest: Site) -> str:
    p = engine.copy_params(point, dest)
    return (f"aws backup start-copy-job --region {point.region} --recovery-point-arn {p['RecoveryPointArn']} "
            f"--source-backup-vault-name {p['SourceBackupVaultName']} --destination-backup-vault-arn "
            f"{p['DestinationBackupVaultArn']} --iam-role-arn {p['IamRoleArn']} --lifecycle "
            f"'{json.dumps(p['Lifecycle'])}'")


def ensure_peer_copy(engine: Engine, rec: Recovery, point: Point, *, copy: bool) -> str:
    """Make sure the identical copy a multi-Region restore needs is in the peer Region: "present" or
    "copied"; with ``copy`` off, stop with the command to run."""
    peer = rec.peer_of(point.region)
    dest = engine.copy_destination(rec, point)
    found = points.identical_copy(engine.clients, point, [*rec.sites_of(point.region, point.account, peer), dest])
    if found is not None:
        engine.say(f"identical copy in {peer}: {found.arn}")
        return "present"
    if not copy:
        raise RecoveryError(f"no identical copy of {point.arn} in {peer}, which a multi-Region restore needs; copy "
                            "it and wait for the job to complete, then run this again:\n  "
                            + copy_command(engine, point, dest))
    engine.say(f"no identical copy of the recovery point in {peer}: copying it first")
    job = engine.start_copy(point, dest)
    if job != DRY_RUN_ID:
        engine.wait_copy(point, job)
    return "copied"


def restore(engine: Engine, rec: Recovery, point: Point, choice: Choice,
            on_started: Callable[[str], None] | None = None) -> Outcome:
    """Restore ``point`` (already chosen and confirmed)."""
    if choice.multi_region and not rec.multi_region:
        raise RecoveryError(f"cluster '{rec.cluster}' is single-Region: --multi-region does not apply")
    peer_copy = ensure_peer_copy(engine, rec, point, copy=choice.copy) if choice.multi_region else "n/a"
    protection = rec.deletion_protection if choice.deletion_protection is None else choice.deletion_protection
    meta = engine.metadata(rec, point, multi_region=choice.multi_region, deletion_protection=protection)
    job = engine.start_restore(point, meta)
    if on_started is not None:
        on_started(job)
    if job == DRY_RUN_ID or not choice.wait:
        return Outcome(point, job, peer_copy, ())
    arn = engine.wait_restore(point.account, point.region, job)
    first = engine.cluster(point.account, point.region, arn)
    clusters = [first]
    for peer_arn in first.peers:
        clusters.append(engine.cluster(point.account, peer_arn.split(":")[3], peer_arn))
    return Outcome(point, job, peer_copy, tuple(clusters))
