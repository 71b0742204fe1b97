"""Test-only extension of moto's server (measured against moto 5.2.5) for the end-to-end tests.

moto implements 17 of AWS Backup's operations; the compiled roots need more. This module adds, before a
:class:`moto.server.ThreadedMotoServer` starts, exactly what ``tests/e2e/policy.yaml`` and the restore and
drill tests need, shaped by
botocore's service model (``botocore/data/backup/2018-11-15/service-2.json``): the same HTTP methods and
paths the Go SDK sends and the same request/response member names. moto routes a request to an action
through that model, so each operation only needs a route (when moto has none) and a method on
``BackupResponse`` named after the operation.

Added (AWS Backup):

* CreateBackupSelection ``PUT /backup/plans/{backupPlanId}/selections/``, GetBackupSelection and
  DeleteBackupSelection ``GET|DELETE /backup/plans/{backupPlanId}/selections/{selectionId}``,
  ListBackupSelections ``GET /backup/plans/{backupPlanId}/selections/``;
* UpdateBackupPlan ``POST /backup/plans/{backupPlanId}`` (a changed rule or retention updates in place);
* Put/Get/DeleteBackupVaultAccessPolicy ``/backup-vaults/{backupVaultName}/access-policy``;
* Put/Get/DeleteBackupVaultNotifications ``/backup-vaults/{backupVaultName}/notification-configuration``;
* UpdateRegionSettings/DescribeRegionSettings ``PUT|GET /account-settings``;
* UpdateGlobalSettings/DescribeGlobalSettings ``PUT|GET /global-settings``;

  CreateBackupSelection, PutBackupVaultAccessPolicy, PutBackupVaultNotifications and UpdateRegionSettings check
  their request as AWS does before they store it (tests/moto_ext/checks.py: the model's shapes, an existing role
  of the account, a policy document, an SNS topic ARN, known resource types), with AWS's error codes;
* jobs and recovery points of Aurora DSQL clusters (tests/moto_ext/jobs.py), below.

Added (AWS Backup jobs; responses hold only members of the model's output shapes):

* StartBackupJob ``PUT /backup-jobs``: the vault must exist (ResourceNotFoundException); ResourceArn must be
  a DSQL cluster ARN of this account and Region (InvalidParameterValueException otherwise) of an existing
  cluster (ResourceNotFoundException). It creates the job and, at once, its recovery point
  ``arn:aws:backup:{region}:{account}:recovery-point:{UUID upper}`` with Status CREATING, ResourceType
  ``DSQL``, ResourceName the cluster identifier, CreationDate the job's, Lifecycle of the request and
  CalculatedLifecycle (DeleteAt, MoveToColdStorageAt) from them; it turns COMPLETED when the job completes and is
  removed if the job fails. RecoveryPointTags tag it (ListTags). Not supported: IdempotencyToken; the
  start and completion windows are not enforced.
* DescribeBackupJob ``GET /backup-jobs/{backupJobId}``, ListBackupJobs ``GET /backup-jobs/``.
* ListRecoveryPointsByBackupVault ``GET /backup-vaults/{backupVaultName}/recovery-points/``,
  ListRecoveryPointsByResource ``GET /resources/{resourceArn}/recovery-points/`` (this account and Region),
  DescribeRecoveryPoint and DeleteRecoveryPoint ``GET|DELETE /backup-vaults/{backupVaultName}/recovery-points/
  {recoveryPointArn}`` (deleting one that is not COMPLETED: InvalidResourceStateException; it goes at once),
  GetRecoveryPointRestoreMetadata ``GET .../recovery-points/{recoveryPointArn}/restore-metadata``: always
  ``{"regionalConfig": "[{\"region\": \"<its Region>\", \"isDeletionProtectionEnabled\": true}]"}``.
  ListBackupVaults and DescribeBackupVault count NumberOfRecoveryPoints.
* StartCopyJob ``PUT /copy-jobs``: the source vault and the recovery point in it must exist
  (ResourceNotFoundException) and be COMPLETED (InvalidRequestException); DestinationBackupVaultArn must be a
  vault ARN (InvalidParameterValueException), in any account and Region. A missing destination vault fails the
  job (AWS reports copy failures in the job), StatusMessage ``Copy job failed: destination backup vault {name}
  does not exist in account {account} Region {region}``. On completion the destination vault holds an identical
  copy: a new recovery point ARN of the destination's account and Region with the same ResourceArn,
  ResourceType, ResourceName and CreationDate, SourceBackupVaultArn the source vault, Lifecycle of the request;
  the job's DestinationRecoveryPointArn names it. Vault access policies are not enforced.
* DescribeCopyJob ``GET /copy-jobs/{copyJobId}`` (``{"CopyJob": ...}``), ListCopyJobs ``GET /copy-jobs/`` (in
  the account and Region of the source).
* StartRestoreJob ``PUT /restore-jobs``: the recovery point must be of this account and Region
  (InvalidParameterValueException), exist (ResourceNotFoundException; any vault) and be COMPLETED
  (InvalidRequestException); IamRoleArn is required (MissingParameterValueException); Metadata
  ``regionalConfig`` and ``peerRegion`` must be JSON (InvalidParameterValueException). On completion it creates
  a new DSQL cluster in this account and Region: deletion protection ``isDeletionProtectionEnabled`` (a
  boolean or "true"/"false"; default true, as AWS) and KMS key ``kmsKeyId`` of the ``regionalConfig`` entry of
  its Region (a JSON list of ``{region, isDeletionProtectionEnabled, kmsKeyId}``), the source cluster's tags
  when CopySourceTagsToRestoredResource and that cluster still exists; CreatedResourceArn names it.
  Multi-Region (``useMultiRegionOrchestration`` "true", ``witnessRegion``, ``peerRegion`` a JSON list holding
  the one OTHER peer Region, ``regionalConfig`` an entry per peer): the job fails unless the peer Region holds,
  in a vault of the same account, a COMPLETED recovery point with the same ResourceArn and CreationDate (an
  identical copy); StatusMessage ``Multi-Region restore needs an identical copy of recovery point {arn}
  (resource {resource}, created {iso time}) in a backup vault of account {account} in the peer Region {peer};
  there is none``. It also fails when peerRegion contains the job's Region (``peerRegion [...] contains the
  Region of the restore job (r); it names the other peer Region only``), names other than one Region, the
  witness is a peer or missing, regionalConfig names a Region that is not a peer, or peerRegion/witnessRegion
  come without useMultiRegionOrchestration. On completion it creates a cluster in each peer Region, both with
  multiRegionProperties ``{"witnessRegion": w, "clusters": [ARN here, ARN in the peer]}``; CreatedResourceArn
  is the cluster of the job's Region.
* DescribeRestoreJob ``GET /restore-jobs/{restoreJobId}`` (with SourceResourceArn, RecoveryPointCreationDate),
  ListRestoreJobs ``GET /restore-jobs/``.

Lists filter by every ``By*`` query parameter of the model: a string ``ByX`` keeps items whose member X
equals it (ByDestinationVaultArn: DestinationBackupVaultArn), ``ByCreatedAfter|Before`` and
``ByCompleteAfter|Before`` bound CreationDate and CompletionDate (inclusive, to the millisecond); they list
oldest first, MaxResults and NextToken page. Times are kept to the millisecond.

Jobs advance one step per Describe* call of the job, and only then (a list shows a job as its last Describe
left it): StartXJob leaves it CREATED (restore: PENDING), PercentDone "0.0"; the 1st Describe makes it
RUNNING, "50.00"; the 2nd COMPLETED, "100.0", CompletionDate set, its effect (the recovery point completed, the
copy, the clusters) done. A job whose check fails (copy: the destination vault missing; restore: the
multi-Region rules above; a deleted source) ends FAILED with its StatusMessage at the Describe that notices it,
normally the 1st. A job's state, recovery points and clusters live with the backends of its account and Region,
so moto's reset wipes them.

Time (test only, not AWS): ``POST {url}/moto-api/dsql-backup/age`` with ``{"hours": H}`` makes every
recovery point H hours older (its CreationDate, so copies stay identical to their source):
``MotoServer.age_recovery_points(H)``. A drill's missed-backup check needs a backup older than the RPO.

Fault injection (test only, not AWS): ``POST {url}/moto-api/dsql-backup/faults`` with a JSON object queues a
fault (400 ``{"error": ...}`` if malformed), ``GET`` returns the queue ``{"jobs": [...], "calls": [...]}``,
``DELETE`` empties it; ``MotoServer.fault(...)``, ``faults()`` and ``clear_faults()`` call it, and
``MotoServer.reset()`` (any ``/moto-api/reset``) empties it too. Faults live in the server process, for
every account and Region; each is used by the next ``times`` (default 1) matching jobs or calls, in order:

* ``{"job": "backup"|"copy"|"restore", "state": S, "message": M, "effect": bool}``: the next job of the kind
  ends in S at the Describe that would complete it, StatusMessage M (default ``Injected S``); with effect
  its effect is done first (recovery point completed, copy made, clusters created), without it there is
  none (a backup's recovery point is removed). S: backup FAILED|ABORTED|EXPIRED|PARTIAL, copy FAILED|PARTIAL,
  restore FAILED|ABORTED (the model's states; a copy cannot be ABORTED).
* ``{"job": kind, "stall": true}``: the job stays RUNNING for ever; ``{"job": kind, "delay": N}``: it stays
  RUNNING for N more Describe calls, then completes (a slow restore: its cluster appears late). These combine
  with ``state``.
* ``{"operation": "StartRestoreJob", "message": M}``: the next call of that AWS Backup or Aurora DSQL
  operation (any in their botocore models, e.g. ListRecoveryPointsByBackupVault, DeleteCluster) answers
  HTTP 403 ``{"__type": "AccessDeniedException", "message": M}`` (boto3: ClientError, Code
  AccessDeniedException) and does nothing.

Fixed:

* ListTags ``GET /tags/{resourceArn}/``: moto reads the ARN as ``path.split("/")[-2]``, which needs the
  trailing slash boto3 sends; the Go SDK sends none, so moto answered ``{}`` and every vault and plan
  showed a perpetual tag diff.
* Aurora DSQL Regions: moto serves DSQL only in us-east-1 and us-east-2; the list is widened.
* CreateServiceLinkedRole for ``dsql.amazonaws.com``: moto would name the role ``AWSServiceRoleFordsql``;
  AWS names it ``AWSServiceRoleForAuroraDsql`` (Aurora DSQL User Guide, "Using service-linked roles").

Not added (the fixture and the tests avoid them): backup and restore of resources other than DSQL clusters,
restore testing, audit frameworks, logically air-gapped vaults, StopBackupJob, composite (parent and child)
jobs, DSQL multi-Region peering (the AWS provider 5.100.0 panics creating ``aws_dsql_cluster_peering``
against moto, and moto reports multi-Region clusters ACTIVE instead of PENDING_SETUP).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import unquote

DSQL_REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-west-3",
                "eu-central-1", "ap-southeast-1", "ap-northeast-1", "ap-northeast-2", "ca-central-1"]

REPO = Path(__file__).resolve().parent.parent.parent
FAULTS_PATH = "/moto-api/dsql-backup/faults"  # test only (not AWS): see "Fault injection" above
AGE_PATH = "/moto-api/dsql-backup/age"  # test only (not AWS): see "Time" above
_patched = False


def _ext(backend: Any) -> dict[str, Any]:
    """Per account and Region state of the added operations (moto's reset re-creates backends, so it goes too)."""
    state: dict[str, Any] = backend.__dict__.setdefault("_dsql_backup_ext", {
        "selections": {},  # plan id -> {selection id -> record}
        "policies": {},  # vault name -> policy text
        "notifications": {},  # vault name -> (topic ARN, events)
        "opt_in": {"Aurora": True, "DSQL": False, "DynamoDB": True, "EBS": True, "EC2": True, "EFS": True,
                   "RDS": True, "S3": False},
        "management": {"DynamoDB": True, "EFS": True},
        "global": {"isCrossAccountBackupEnabled": "false", "isDelegatedAdministratorEnabled": "false",
                   "isMpaEnabled": "false"},
        "global_updated": time.time(),
    })
    return state


def _segment(path: str, after: str) -> str:
    """The URL-decoded path segment that follows ``/after/``."""
    return unquote(path.split(f"/{after}/", 1)[1].split("/", 1)[0])


def patch_moto() -> None:  # noqa: PLR0915 (one flat list of added operations)
    """Add the operations and fixes above to moto (idempotent; call before the server starts)."""
    global _patched  # noqa: PLW0603
    if _patched:
        return
    from moto.backup import urls as backup_urls
    from moto.backup.exceptions import ResourceNotFoundException
    from moto.backup.models import Plan
    from moto.backup.responses import BackupResponse
    from moto.dsql import models as dsql_models
    from moto.iam import models as iam_models

    from tests.moto_ext import checks  # what AWS checks before the added operations store anything
    from tests.moto_ext.jobs import MissingParameterValueException

    dsql_models.dsql_backends._additional_regions = list(DSQL_REGIONS)
    # CreateServiceLinkedRole names the role after the service; AWS names Aurora DSQL's AWSServiceRoleForAuroraDsql
    iam_models.SERVICE_NAME_CONVERSION["dsql"] = "AuroraDsql"

    backup_urls.url_paths.update({
        "{0}/backup-vaults/(?P<name>[^/]+)/access-policy$": BackupResponse.dispatch,
        "{0}/backup-vaults/(?P<name>[^/]+)/notification-configuration$": BackupResponse.dispatch,
        "{0}/account-settings$": BackupResponse.dispatch,
        "{0}/global-settings$": BackupResponse.dispatch,
    })

    def backend(self: Any) -> Any:
        return self.backup_backend

    def vault_arn(self: Any, name: str) -> str:
        return str(backend(self).describe_backup_vault(name).backup_vault_arn)

    # -- ListTags: the Go SDK sends no trailing slash
    def list_tags(self: Any) -> str:
        arn = unquote(self.path.split("/tags/", 1)[1].split("?", 1)[0].rstrip("/"))
        return json.dumps({"Tags": backend(self).list_tags(resource_arn=arn)})

    # -- UpdateBackupPlan
    def update_backup_plan(self: Any) -> str:
        plan_id = _segment(self.path, "plans")
        plan = backend(self).get_backup_plan(backup_plan_id=plan_id, version_id=None)
        body = json.loads(self.body)
        normalised = Plan(body["BackupPlan"], plan.creator_request_id, backend(self))  # applies moto's rule defaults
        plan.backup_plan = normalised.backup_plan
        plan.version_id = normalised.version_id
        plan.advanced_backup_settings = normalised.advanced_backup_settings
        return json.dumps(plan.to_dict())

    # -- selections
    def _selections(self: Any, plan_id: str) -> dict[str, Any]:
        backend(self).get_backup_plan(backup_plan_id=plan_id, version_id=None)  # 404 for an unknown plan
        sels: dict[str, Any] = _ext(backend(self))["selections"].setdefault(plan_id, {})
        return sels

    def create_backup_selection(self: Any) -> str:
        plan_id = _segment(self.path, "plans")
        body = json.loads(self.body)
        _selections(self, plan_id)  # 404 for an unknown plan, first
        checks.request("CreateBackupSelection", {**body, "BackupPlanId": plan_id})
        checks.selection(backend(self).account_id, body)
        sel_id = str(uuid.uuid4())
        record = {"SelectionId": sel_id, "BackupPlanId": plan_id, "CreationDate": time.time(),
                  "CreatorRequestId": body.get("CreatorRequestId"), "BackupSelection": body["BackupSelection"]}
        _selections(self, plan_id)[sel_id] = record
        return json.dumps({k: record[k] for k in ("SelectionId", "BackupPlanId", "CreationDate")})

    def _selection(self: Any) -> tuple[dict[str, Any], str]:
        plan_id = _segment(self.path, "plans")
        sel_id = _segment(self.path, "selections")
        sels = _selections(self, plan_id)
        if sel_id not in sels:
            raise ResourceNotFoundException(f"Backup selection {sel_id} not found in plan {plan_id}")
        return sels, sel_id

    def get_backup_selection(self: Any) -> str:
        sels, sel_id = _selection(self)
        return json.dumps({k: v for k, v in sels[sel_id].items() if v is not None})

    def delete_backup_selection(self: Any) -> str:
        sels, sel_id = _selection(self)
        del sels[sel_id]
        return "{}"

    def list_backup_selections(self: Any) -> str:
        plan_id = _segment(self.path, "plans")
        items = [{"SelectionId": r["SelectionId"], "SelectionName": r["BackupSelection"]["SelectionName"],
                  "BackupPlanId": plan_id, "CreationDate": r["CreationDate"],
                  "IamRoleArn": r["BackupSelection"]["IamRoleArn"]}
                 for r in _selections(self, plan_id).values()]
        return json.dumps({"BackupSelectionsList": items})

    # -- vault access policy
    def put_backup_vault_access_policy(self: Any) -> str:
        name = _segment(self.path, "backup-vaults")
        vault_arn(self, name)
        body = json.loads(self.body)
        checks.request("PutBackupVaultAccessPolicy", {**body, "BackupVaultName": name})
        if body.get("Policy") is None:
            raise MissingParameterValueException("Policy is required")
        checks.access_policy(body["Policy"])
        _ext(backend(self))["policies"][name] = body["Policy"]
        return "{}"

    def get_backup_vault_access_policy(self: Any) -> str:
        name = _segment(self.path, "backup-vaults")
        arn = vault_arn(self, name)
        policies = _ext(backend(self))["policies"]
        if name not in policies:
            raise ResourceNotFoundException(f"Backup vault {name} has no access policy")
        return json.dumps({"BackupVaultName": name, "BackupVaultArn": arn, "Policy": policies[name]})

    def delete_backup_vault_access_policy(self: Any) -> str:
        _ext(backend(self))["policies"].pop(_segment(self.path, "backup-vaults"), None)
        return "{}"

    # -- vault notifications
    def put_backup_vault_notifications(self: Any) -> str:
        name = _segment(self.path, "backup-vaults")
        vault_arn(self, name)
        body = json.loads(self.body)
        checks.request("PutBackupVaultNotifications", {**body, "BackupVaultName": name})
        checks.topic(body["SNSTopicArn"])
        _ext(backend(self))["notifications"][name] = (body["SNSTopicArn"], list(body["BackupVaultEvents"]))
        return "{}"

    def get_backup_vault_notifications(self: Any) -> str:
        name = _segment(self.path, "backup-vaults")
        arn = vault_arn(self, name)
        notes = _ext(backend(self))["notifications"]
        if name not in notes:
            raise ResourceNotFoundException(f"Backup vault {name} has no notifications")
        topic, events = notes[name]
        return json.dumps({"BackupVaultName": name, "BackupVaultArn": arn, "SNSTopicArn": topic,
                           "BackupVaultEvents": events})

    def delete_backup_vault_notifications(self: Any) -> str:
        _ext(backend(self))["notifications"].pop(_segment(self.path, "backup-vaults"), None)
        return "{}"

    # -- Region and global settings
    def update_region_settings(self: Any) -> str:
        body = json.loads(self.body or "{}")
        checks.request("UpdateRegionSettings", body)
        checks.region_settings(body)
        state = _ext(backend(self))
        state["opt_in"].update(body.get("ResourceTypeOptInPreference") or {})
        state["management"].update(body.get("ResourceTypeManagementPreference") or {})
        return "{}"

    def describe_region_settings(self: Any) -> str:
        state = _ext(backend(self))
        return json.dumps({"ResourceTypeOptInPreference": state["opt_in"],
                           "ResourceTypeManagementPreference": state["management"]})

    def update_global_settings(self: Any) -> str:
        body = json.loads(self.body or "{}")
        state = _ext(backend(self))
        state["global"].update(body.get("GlobalSettings") or {})
        state["global_updated"] = time.time()
        return "{}"

    def describe_global_settings(self: Any) -> str:
        state = _ext(backend(self))
        return json.dumps({"GlobalSettings": state["global"], "LastUpdateTime": state["global_updated"]})

    from tests.moto_ext import jobs

    jobs.patch()
    for fn in (list_tags, update_backup_plan, create_backup_selection, get_backup_selection,
               delete_backup_selection, list_backup_selections, put_backup_vault_access_policy,
               get_backup_vault_access_policy, delete_backup_vault_access_policy, put_backup_vault_notifications,
               get_backup_vault_notifications, delete_backup_vault_notifications, update_region_settings,
               describe_region_settings, update_global_settings, describe_global_settings):
        setattr(BackupResponse, fn.__name__, fn)
    _patched = True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class MotoServer:
    """moto with this extension on 127.0.0.1 and a free port, in a process of its own (``python -m
    tests.moto_ext PORT``): the server's request threads never compete with the test process for its GIL."""

    def __init__(self, iam_managed_policies: bool = True) -> None:
        self.iam_managed_policies = iam_managed_policies  # off: each reset costs ~2 s less (no IAM policy load)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop); the server output, shown on failure

    def start(self, timeout: float = 60.0) -> MotoServer:
        # the backup role of the compiled roots attaches managed policies
        env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": str(self.iam_managed_policies).lower()}
        self._process = subprocess.Popen([sys.executable, "-m", "tests.moto_ext", str(self.port)], cwd=REPO,
                                         env=env, stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the moto server exited ({self._process.returncode}): {self._output()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the moto server did not listen on port {self.port} within {timeout} s: {self._output()}")

    def _output(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-4000:]

    def reset(self) -> None:
        """Wipe every backend and the queued faults (moto keeps deleted plan names reserved, so each scenario
        starts clean)."""
        self._request("POST", "/moto-api/reset")

    def client(self, service: str, region: str, role_arn: str | None = None) -> Any:
        """A boto3 client of this server, as moto's default account or as the account of ``role_arn`` (assumed
        through STS)."""
        import boto3

        kw: dict[str, Any] = {"endpoint_url": self.url, "region_name": region, "aws_access_key_id": "testing",
                              "aws_secret_access_key": "testing"}
        if role_arn:
            creds = boto3.client("sts", **kw).assume_role(RoleArn=role_arn, RoleSessionName="e2e-check")[
                "Credentials"]
            kw.update(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                      aws_session_token=creds["SessionToken"])
        return boto3.client(service, **kw)

    def fault(self, *, job: str | None = None, operation: str | None = None, state: str | None = None,
              message: str | None = None, effect: bool = False, stall: bool = False, delay: int = 0,
              times: int = 1) -> None:
        """Queue a test-only fault in the server (see the module docstring, "Fault injection"); ValueError if
        the server refuses it."""
        spec: dict[str, Any] = {"job": job, "operation": operation, "state": state, "message": message,
                                "effect": effect or None, "stall": stall or None, "delay": delay or None,
                                "times": times}
        self._request("POST", FAULTS_PATH, {k: v for k, v in spec.items() if v is not None})

    def faults(self) -> dict[str, list[dict[str, Any]]]:
        """The queued faults: {"jobs": [...], "calls": [...]}, each with the uses ("times") it has left."""
        queued: dict[str, list[dict[str, Any]]] = self._request("GET", FAULTS_PATH)
        return queued

    def age_recovery_points(self, hours: float) -> int:
        """Make every recovery point ``hours`` older (test only); how many there are."""
        aged: int = self._request("POST", AGE_PATH, {"hours": hours})["aged"]
        return aged

    def clear_faults(self) -> None:
        self._request("DELETE", FAULTS_PATH)

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        import urllib.error
        import urllib.request

        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as e:
            if e.code == 400:
                raise ValueError(json.loads(e.read()).get("error")) from None
            raise

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._log.close()


def serve(port: int) -> None:
    """Run the extended moto server in this process until it is terminated."""
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log
    patch_moto()
    from moto.server import ThreadedMotoServer

    ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False).start()
    while True:
        time.sleep(3600)
