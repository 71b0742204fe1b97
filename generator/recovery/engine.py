"""The AWS calls of a restore, each with its wait: copy a recovery point, restore it, read the new cluster,
tag it, delete it. ``restore`` and ``drill`` are sequences of these.

Restore metadata is the documented one (restore-auroradsql.html; the runbook prints the same):
``regionalConfig`` (a JSON string: per Region ``region``, ``isDeletionProtectionEnabled``, ``kmsKeyId``) and,
for a multi-Region restore, ``witnessRegion``, ``useMultiRegionOrchestration`` = ``"true"`` and
``peerRegion`` (a JSON string: the *other* peer Region only).

Under ``dry_run`` every call that changes something is written to the log instead of made, and the waits
are skipped; the reads (listing recovery points, looking up keys) are made and written too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TextIO

from generator.insight.recovery_sites import KmsChoice, PolicyRecovery, Recovery, Site
from generator.model.documents import vault_arn
from generator.recovery.clients import Clients
from generator.recovery.errors import RecoveryError
from generator.recovery.points import Point
from generator.recovery.wait import Clock, format_duration, poll

DONE = ("COMPLETED", "FAILED", "ABORTED", "EXPIRED", "PARTIAL")
DRY_RUN_ID = "(dry-run)"


@dataclass(frozen=True, slots=True)
class NewCluster:
    region: str
    arn: str
    identifier: str
    endpoint: str
    status: str
    peers: tuple[str, ...] = ()  # ARNs of the other clusters of a multi-Region cluster


def identifier(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def _snake(operation: str) -> str:
    """The boto3 method of an API operation: StartCopyJob -> start_copy_job."""
    from botocore import xform_name

    return str(xform_name(operation))


class Engine:
    def __init__(self, clients: Clients, pr: PolicyRecovery, *, clock: Clock | None = None, poll_seconds: float = 15,
                 timeout_seconds: float = 3600, progress: TextIO | None = None, dry_run: bool = False) -> None:
        self.clients = clients
        self.pr = pr
        self.clock = clock or Clock()
        self.poll_seconds = poll_seconds
        self.timeout_seconds = timeout_seconds
        self.progress = progress
        self.dry_run = dry_run

    def say(self, text: str) -> None:
        if self.progress is not None:
            self.progress.write(text + "\n")
            self.progress.flush()

    # -- what to send

    def kms_key_id(self, choice: KmsChoice | None, account: str, region: str) -> str | None:
        if choice is None or choice.kind == "default":
            return None
        if choice.kind == "arn":
            return choice.value
        meta = self.clients("kms", region, account).describe_key(KeyId=choice.value)["KeyMetadata"]
        return str(meta["Arn"])

    def metadata(self, rec: Recovery, point: Point, *, multi_region: bool, deletion_protection: bool) -> dict[str, str]:
        regions = [point.region, rec.peer_of(point.region)] if multi_region else [point.region]
        configs: list[dict[str, object]] = []
        for r in regions:
            config: dict[str, object] = {"region": r, "isDeletionProtectionEnabled": deletion_protection}
            key = self.kms_key_id(rec.kms.get((point.account, r)), point.account, r)
            if key:
                config["kmsKeyId"] = key
            configs.append(config)
        meta = {"regionalConfig": json.dumps(configs)}
        if multi_region:
            meta.update({"witnessRegion": str(rec.witness_region), "useMultiRegionOrchestration": "true",
                         "peerRegion": json.dumps([regions[1]])})  # the other peer only
        return meta

    def copy_destination(self, rec: Recovery, point: Point) -> Site:
        """Where a multi-Region restore's copy goes in the peer Region: the vault the policy copies to, else a
        vault of the policy in that account and Region."""
        peer = rec.peer_of(point.region)
        promised = rec.promised_copy(point.region, peer) if point.account == rec.account else None
        if promised is not None:
            return promised
        own = rec.sites_of(point.region, point.account, peer)
        if own:
            return own[0]
        vaults = self.pr.vaults.get((point.account, peer), ())
        if not vaults:
            raise RecoveryError(f"the policy has no vault in account '{point.account}' {peer} to copy recovery point "
                                f"{point.arn} into, so cluster '{rec.cluster}' cannot be restored as multi-Region "
                                "from it (DSB604)")
        key, name = vaults[0]
        account_id = self.pr.account_id(point.account)
        days = point.site.retention_days if point.site else 35
        return Site(point.account, account_id, peer, key, name, vault_arn(peer, account_id, name), point.region,
                    "copy", days)

    def copy_params(self, point: Point, dest: Site) -> dict[str, Any]:
        return {"RecoveryPointArn": point.arn, "SourceBackupVaultName": point.vault_name,
                "DestinationBackupVaultArn": dest.vault_arn, "IamRoleArn": self.pr.role_arns[point.account],
                "Lifecycle": {"DeleteAfterDays": dest.retention_days}}

    def restore_params(self, point: Point, metadata: Mapping[str, str]) -> dict[str, Any]:
        return {"RecoveryPointArn": point.arn, "IamRoleArn": self.pr.role_arns[point.account],
                "Metadata": dict(metadata), "CopySourceTagsToRestoredResource": True}

    # -- jobs

    def _job_progress(self, kind: str, job_id: str, where: str) -> Any:
        last: list[tuple[str, str]] = []

        def show(doc: Mapping[str, Any], elapsed: float) -> None:
            state = str(doc.get("Status") or doc.get("State") or "?")
            pct = str(doc.get("PercentDone") or "")
            if last and last[-1] == (state, pct):
                return
            last.append((state, pct))
            self.say(f"  {kind} job {job_id} ({where}): {state}{f' {pct}%' if pct else ''}, "
                     f"{format_duration(elapsed)} elapsed")

        return show

    def _start(self, point: Point, operation: str, params: Mapping[str, Any], id_key: str) -> str:
        """Start a job in the account and Region of ``point`` (under dry_run: only say so); its ID."""
        if self.dry_run:
            self.clients.would_call("backup", point.region, point.account, operation, params)
            return DRY_RUN_ID
        backup = self.clients("backup", point.region, point.account)
        return str(getattr(backup, _snake(operation))(**params)[id_key])

    def _wait(self, kind: str, job: str, where: str, fetch: Any, *, state_key: str,
              timeout: float) -> Mapping[str, Any]:
        """Poll job ``job`` until it ends; its last description (whatever the end)."""
        doc: Mapping[str, Any] = poll(f"{kind} job {job}", fetch, lambda d: d.get(state_key) in DONE,
                                      timeout=timeout, interval=self.poll_seconds, clock=self.clock,
                                      progress=self._job_progress(kind, job, where))
        return doc

    @staticmethod
    def _completed(kind: str, job: str, doc: Mapping[str, Any], state_key: str) -> None:
        if doc.get(state_key) != "COMPLETED":
            why = doc.get("StatusMessage") or "no reason given"
            raise RecoveryError(f"{kind} job {job} ended {doc.get(state_key)}: {why}")

    def start_copy(self, point: Point, dest: Site) -> str:
        job = self._start(point, "StartCopyJob", self.copy_params(point, dest), "CopyJobId")
        self.say(f"started copy job {job}: {point.region} -> {dest.vault_name} in {dest.region}")
        return job

    def wait_copy(self, point: Point, job: str) -> str:
        """Wait for copy job ``job`` (started in the Region of ``point``); the ARN of the copy."""
        backup = self.clients("backup", point.region, point.account)
        doc = self._wait("copy", job, f"{point.account} {point.region}",
                         lambda: backup.describe_copy_job(CopyJobId=job)["CopyJob"], state_key="State",
                         timeout=self.timeout_seconds)
        self._completed("copy", job, doc, "State")
        return str(doc.get("DestinationRecoveryPointArn", ""))

    def start_restore(self, point: Point, metadata: Mapping[str, str]) -> str:
        job = self._start(point, "StartRestoreJob", self.restore_params(point, metadata), "RestoreJobId")
        self.say(f"started restore job {job} in {point.account} {point.region}")
        return job

    def restore_job(self, account: str, region: str, job: str) -> Mapping[str, Any]:
        doc: Mapping[str, Any] = self.clients("backup", region, account).describe_restore_job(RestoreJobId=job)
        return doc

    def await_restore(self, account: str, region: str, job: str, timeout: float | None = None) -> Mapping[str, Any]:
        """Wait for restore job ``job`` to end, however it ends; its last description."""
        return self._wait("restore", job, f"{account} {region}", lambda: self.restore_job(account, region, job),
                          state_key="Status", timeout=self.timeout_seconds if timeout is None else timeout)

    def wait_restore(self, account: str, region: str, job: str) -> str:
        """Wait for restore job ``job``; the ARN of the cluster it created."""
        doc = self.await_restore(account, region, job)
        self._completed("restore", job, doc, "Status")
        return str(doc["CreatedResourceArn"])

    # -- clusters

    def cluster(self, account: str, region: str, arn: str) -> NewCluster:
        doc = self.clients("dsql", region, account).get_cluster(identifier=identifier(arn))
        peers = tuple(a for a in (doc.get("multiRegionProperties") or {}).get("clusters", []) if a != doc["arn"])
        ident = str(doc["identifier"])
        return NewCluster(region, str(doc["arn"]), ident, str(doc.get("endpoint") or f"{ident}.dsql.{region}.on.aws"),
                          str(doc["status"]), peers)

    def wait_active(self, account: str, region: str, arn: str) -> NewCluster:
        def show(c: NewCluster, elapsed: float) -> None:
            self.say(f"  cluster {c.identifier} ({region}): {c.status}, {format_duration(elapsed)} elapsed")

        c = poll(f"cluster {identifier(arn)}", lambda: self.cluster(account, region, arn),
                 lambda c: c.status in ("ACTIVE", "FAILED", "DELETING", "DELETED"), timeout=self.timeout_seconds,
                 interval=self.poll_seconds, clock=self.clock, progress=show)
        if c.status != "ACTIVE":
            raise RecoveryError(f"restored cluster {c.arn} is {c.status}, not ACTIVE")
        return c

    def tag(self, account: str, region: str, arn: str, tags: Mapping[str, str]) -> None:
        if self.dry_run:
            self.clients.would_call("dsql", region, account, "TagResource", {"resourceArn": arn, "tags": tags})
            return
        self.clients("dsql", region, account).tag_resource(resourceArn=arn, tags=dict(tags))

    def delete(self, account: str, region: str, arn: str) -> None:
        """Delete a cluster this tool created (deletion protection is turned off first if it is on)."""
        if self.dry_run:
            self.clients.would_call("dsql", region, account, "DeleteCluster", {"identifier": identifier(arn)})
            return
        dsql = self.clients("dsql", region, account)
        doc = dsql.get_cluster(identifier=identifier(arn))
        if doc.get("status") in ("DELETING", "DELETED"):
            return
        if doc.get("deletionProtectionEnabled"):
            dsql.update_cluster(identifier=identifier(arn), deletionProtectionEnabled=False)
        dsql.delete_cluster(identifier=identifier(arn))
