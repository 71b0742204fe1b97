"""AWS Backup jobs and recovery points of Aurora DSQL clusters for the extended moto server, and its test-only
fault injection. What they do, exactly, is in the package docstring (tests/moto_ext/__init__.py)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache, wraps
from typing import Any
from urllib.parse import unquote

from moto.backup.exceptions import (
    BackupClientError,
    InvalidParameterValueException,
    InvalidRequestException,
    ResourceNotFoundException,
)

from tests.moto_ext import AGE_PATH, FAULTS_PATH

# The jobs' kinds: the state member, the first state, the terminal states a fault may end a job in (the model's
# BackupJobState, CopyJobState and RestoreJobStatus enums) and the operation that starts one
KINDS: dict[str, dict[str, Any]] = {
    "backup": {"key": "State", "first": "CREATED", "ends": ("FAILED", "ABORTED", "EXPIRED", "PARTIAL"),
               "start": "StartBackupJob"},
    "copy": {"key": "State", "first": "CREATED", "ends": ("FAILED", "PARTIAL"), "start": "StartCopyJob"},
    "restore": {"key": "Status", "first": "PENDING", "ends": ("FAILED", "ABORTED"), "start": "StartRestoreJob"},
}
_LOCK = threading.RLock()  # the server answers requests on threads: one request at a time touches jobs and faults
_FAULTS: dict[str, list[dict[str, Any]]] = {"jobs": [], "calls": []}  # lives in the server process


class MissingParameterValueException(BackupClientError):
    def __init__(self, msg: str):
        super().__init__("MissingParameterValueException", msg)


class InvalidResourceStateException(BackupClientError):
    def __init__(self, msg: str):
        super().__init__("InvalidResourceStateException", msg)


class JobFailure(Exception):
    """A job ends FAILED with this message (AWS reports job failures asynchronously, in Describe*)."""


def _now() -> float:
    """Now, to the millisecond (as AWS reports times, and so a time read back compares equal)."""
    return round(time.time(), 3)


@cache
def _model(service: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(service)


def _shaped(shape: Any, record: dict[str, Any]) -> dict[str, Any]:
    """The members of ``record`` the model's ``shape`` has, without None (the private ``_`` keys go too)."""
    return {k: v for k, v in record.items() if k in shape.members and v is not None}


def _output(operation: str, record: dict[str, Any]) -> str:
    return json.dumps(_shaped(_model("backup").operation_model(operation).output_shape, record))


def _listed(operation: str, key: str, items: list[dict[str, Any]], query: dict[str, list[str]]) -> str:
    """A page of ``items`` under ``key`` (NextToken is the index of the next item), each item cut to its shape."""
    shape = _model("backup").operation_model(operation).output_shape
    start = int(_q(query, "nextToken") or 0)
    size = int(_q(query, "maxResults") or 1000)
    page = [_shaped(shape.members[key].member, item) for item in items[start:start + size]]
    body: dict[str, Any] = {key: page}
    if start + size < len(items):
        body["NextToken"] = str(start + size)
    return json.dumps(body)


def _q(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _when(text: str) -> float:
    """A timestamp of a query string: ISO 8601 (what botocore sends) or epoch seconds."""
    try:
        return float(text)
    except ValueError:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


_ALIASES = {"DestinationVaultArn": "DestinationBackupVaultArn"}  # ListCopyJobs' filter of another name


def _filtered(operation: str, key: str, items: list[dict[str, Any]], query: dict[str, list[str]]) -> str:
    """A page of the ``items`` (oldest first) the query's filters keep, read through the model: a string
    ``ByX`` keeps items whose member ``X`` equals it; ``ByCreatedAfter|Before`` and ``ByCompleteAfter|Before``
    bound CreationDate and CompletionDate."""
    model = _model("backup").operation_model(operation)
    item_shape = model.output_shape.members[key].member
    kept = sorted(items, key=lambda i: float(i["CreationDate"]))
    for name, shape in model.input_shape.members.items():
        value = _q(query, shape.serialization.get("name", ""))
        if not name.startswith("By") or value is None or shape.serialization.get("location") != "querystring":
            continue
        member = _ALIASES.get(name[2:], name[2:])
        if shape.type_name == "timestamp":
            field = "CreationDate" if name.startswith("ByCreated") else "CompletionDate"
            bound, after = round(_when(value), 3), name.endswith("After")
            kept = [i for i in kept if i.get(field) is not None
                    and (round(i[field], 3) >= bound if after else round(i[field], 3) <= bound)]
        elif shape.type_name == "string" and member in item_shape.members:
            kept = [i for i in kept if i.get(member) == value]
    return _listed(operation, key, kept, query)


def _state(backend: Any) -> dict[str, dict[str, dict[str, Any]]]:
    """Recovery points (by ARN) and jobs (by kind, then id) of one account and Region, kept on its backend."""
    state: dict[str, dict[str, dict[str, Any]]] = backend.__dict__.setdefault(
        "_dsql_backup_jobs", {"points": {}, "backup": {}, "copy": {}, "restore": {}})
    return state


def _backup(account: str, region: str) -> Any:
    from moto.backup.models import backup_backends

    try:
        return backup_backends[account][region]
    except KeyError:
        raise JobFailure(f"AWS Backup is not available in Region {region}") from None


def _dsql(account: str, region: str) -> Any:
    from moto.dsql.models import dsql_backends

    try:
        return dsql_backends[account][region]
    except KeyError:
        raise JobFailure(f"Aurora DSQL is not available in Region {region}") from None


def _arn(arn: str, service: str, kind: str) -> tuple[str, str, str]:
    """(Region, account, resource id) of ``arn:aws:{service}:{region}:{account}:{kind}{sep}{id}``."""
    parts = arn.split(":", 5)
    if (len(parts) != 6 or parts[0] != "arn" or parts[2] != service or not parts[3] or not parts[4]
            or not parts[5].startswith(kind) or len(parts[5]) <= len(kind) + 1):
        raise InvalidParameterValueException(f"Invalid {service} {kind} ARN: {arn}")
    return parts[3], parts[4], parts[5][len(kind) + 1:]


def _cluster(arn: str) -> Any | None:
    """The DSQL cluster of ``arn`` if it exists (and is not being deleted), without advancing its state."""
    region, account, ident = _arn(arn, "dsql", "cluster")
    try:
        cluster = _dsql(account, region).clusters.get(ident)
    except JobFailure:
        return None
    return cluster if cluster is not None and cluster.status not in ("DELETING", "DELETED") else None


def _vault(backend: Any, name: str) -> Any:
    if name not in backend.vaults:
        raise ResourceNotFoundException(f"Backup vault {name} does not exist in account {backend.account_id} "
                                        f"Region {backend.region_name}")
    return backend.vaults[name]


def _count(backend: Any, name: str) -> None:
    """NumberOfRecoveryPoints of vault ``name`` (ListBackupVaults shows it)."""
    if name in backend.vaults:
        backend.vaults[name].num_of_recovery_points = sum(
            1 for p in _state(backend)["points"].values() if p["BackupVaultName"] == name)


def _lifecycle(created: float, lifecycle: dict[str, Any] | None) -> dict[str, float] | None:
    days = {"DeleteAt": (lifecycle or {}).get("DeleteAfterDays"),
            "MoveToColdStorageAt": (lifecycle or {}).get("MoveToColdStorageAfterDays")}
    calculated = {k: created + int(v) * 86400 for k, v in days.items() if v is not None}
    return calculated or None


def _point(backend: Any, vault: Any, source: dict[str, Any], **members: Any) -> dict[str, Any]:
    """A recovery point in ``vault`` of ``backend`` of the resource of ``source`` (a job or a recovery point)."""
    point = {
        "RecoveryPointArn": f"arn:aws:backup:{backend.region_name}:{backend.account_id}:recovery-point:"
                            f"{str(uuid.uuid4()).upper()}",
        "BackupVaultName": vault.backup_vault_name, "BackupVaultArn": vault.backup_vault_arn,
        "ResourceArn": source["ResourceArn"], "ResourceType": source["ResourceType"],
        "ResourceName": source["ResourceName"], "EncryptionKeyArn": vault.encryption_key_arn, "IsEncrypted": True,
        "VaultType": "BACKUP_VAULT", "StorageClass": "WARM", "BackupSizeInBytes": 0, "BackupSizeBytes": 0,
        **members}
    point["CalculatedLifecycle"] = _lifecycle(point["CreationDate"], point.get("Lifecycle"))
    _state(backend)["points"][point["RecoveryPointArn"]] = point
    _count(backend, vault.backup_vault_name)
    return point


def _find_point(backend: Any, arn: str, vault: str | None = None) -> dict[str, Any]:
    point = _state(backend)["points"].get(arn)
    if point is None or (vault is not None and point["BackupVaultName"] != vault):
        where = f"backup vault {vault}" if vault else f"account {backend.account_id} Region {backend.region_name}"
        raise ResourceNotFoundException(f"Recovery point {arn} not found in {where}")
    return point


def _drop_point(backend: Any, arn: str) -> None:
    point = _state(backend)["points"].pop(arn, None)
    if point is not None:
        _count(backend, point["BackupVaultName"])


# -- fault injection (test only) ------------------------------------------------------------------------------

def add_fault(spec: dict[str, Any]) -> None:
    """Queue a fault (see the package docstring); ValueError says what is wrong with ``spec``."""
    known = {"job", "state", "message", "effect", "stall", "delay", "operation", "times"}
    if unknown := sorted(set(spec) - known):
        raise ValueError(f"unknown fault keys {unknown}; known: {sorted(known)}")
    if ("job" in spec) == ("operation" in spec):
        raise ValueError("a fault names either a job kind ('job') or an operation ('operation')")
    times = spec.get("times", 1)
    if not isinstance(times, int) or times < 1:
        raise ValueError("times: a positive integer")
    if "operation" in spec:
        operation = spec["operation"]
        if not any(operation in _model(s).operation_names for s in ("backup", "dsql")):
            raise ValueError(f"operation {operation!r}: not an AWS Backup or Aurora DSQL operation")
        if set(spec) - {"operation", "message", "times"}:
            raise ValueError("an operation fault takes only 'message' and 'times'")
        fault = {"operation": operation, "message": spec.get("message"), "times": times}
        with _LOCK:
            _FAULTS["calls"].append(fault)
        return
    kind = spec["job"]
    if kind not in KINDS:
        raise ValueError(f"job {kind!r}: one of {sorted(KINDS)}")
    state, delay = spec.get("state"), spec.get("delay", 0)
    if state is not None and state not in KINDS[kind]["ends"]:
        raise ValueError(f"state {state!r}: a {kind} job can end in {list(KINDS[kind]['ends'])} (botocore model)")
    if not isinstance(delay, int) or delay < 0:
        raise ValueError("delay: a number of Describe calls, 0 or more")
    if state is None and not spec.get("stall") and not delay:
        raise ValueError("a job fault needs 'state', 'stall' or 'delay'")
    fault = {"job": kind, "state": state, "message": spec.get("message") or (f"Injected {state}" if state else None),
             "effect": bool(spec.get("effect")), "stall": bool(spec.get("stall")), "delay": delay, "times": times}
    with _LOCK:
        _FAULTS["jobs"].append(fault)


def _take(section: str, field: str, value: str) -> dict[str, Any] | None:
    """The first queued fault of ``section`` whose ``field`` is ``value``, used once."""
    with _LOCK:
        for fault in _FAULTS[section]:
            if fault[field] == value:
                fault["times"] -= 1
                if fault["times"] == 0:
                    _FAULTS[section].remove(fault)
                return dict(fault)
    return None


def clear_faults() -> None:
    with _LOCK:
        _FAULTS["jobs"].clear()
        _FAULTS["calls"].clear()


def faults_response(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    """``POST|GET|DELETE /moto-api/dsql-backup/faults``: queue a fault, list the queued ones, clear them."""
    if request.method == "POST":
        try:
            spec = json.loads(request.data or b"{}")
            if not isinstance(spec, dict):
                raise ValueError("the body is a JSON object")
            add_fault(spec)
        except ValueError as e:
            return 400, {"Content-Type": "application/json"}, json.dumps({"error": str(e)})
    elif request.method == "DELETE":
        clear_faults()
    with _LOCK:
        return 200, {"Content-Type": "application/json"}, json.dumps(_FAULTS)


def age_response(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    """``POST /moto-api/dsql-backup/age`` ``{"hours": H}``: every recovery point H hours older (test only)."""
    from moto.backup.models import backup_backends

    try:
        hours = float(json.loads(request.data or b"{}")["hours"])
    except (ValueError, KeyError, TypeError):
        return 400, {"Content-Type": "application/json"}, json.dumps({"error": 'the body is {"hours": H}'})
    aged = 0
    with _LOCK:
        for regions in backup_backends.values():
            for backend in regions.values():
                for point in backend.__dict__.get("_dsql_backup_jobs", {}).get("points", {}).values():
                    point["CreationDate"] -= hours * 3600
                    aged += 1
    return 200, {"Content-Type": "application/json"}, json.dumps({"aged": aged})


def denied(response: Any) -> tuple[int, dict[str, str], str] | None:
    """HTTP 403 AccessDeniedException when an operation fault names this request's operation."""
    if not _FAULTS["calls"]:
        return None
    operation = response._get_action()
    fault = operation and _take("calls", "operation", operation)
    if not fault:
        return None
    prefix = response.service_name
    message = fault["message"] or (f"User: arn:aws:iam::{response.current_account}:user/test is not authorized "
                                   f"to perform: {prefix}:{operation} (injected by the test)")
    return 403, {"Content-Type": "application/json", "x-amzn-ErrorType": "AccessDeniedException"}, json.dumps(
        {"__type": "AccessDeniedException", "message": message, "Message": message})


# -- jobs ---------------------------------------------------------------------------------------------------

def _new_job(kind: str, backend: Any, members: dict[str, Any]) -> dict[str, Any]:
    fault = _take("jobs", "job", kind) or {}
    now = _now()
    job = {"AccountId": backend.account_id, KINDS[kind]["key"]: KINDS[kind]["first"], "PercentDone": "0.0",
           "CreationDate": now, "IsParent": False, "_fault": fault, "_delay": fault.get("delay", 0),
           **members}
    _state(backend)[kind][job[f"{kind.capitalize()}JobId"]] = job
    return job


def _end(job: dict[str, Any], key: str, state: str, message: str | None) -> None:
    job[key] = state
    job["StatusMessage"] = message
    job["CompletionDate"] = _now()
    if state == "COMPLETED":
        job["PercentDone"] = "100.0"


def advance(kind: str, backend: Any, job: dict[str, Any]) -> None:
    """One step of a job (a Describe* of it): first -> RUNNING (50 %) -> COMPLETED (100 %, its effect done), or
    FAILED where its check fails; a fault may hold it RUNNING (stall, delay) or end it in another state."""
    key, first = KINDS[kind]["key"], KINDS[kind]["first"]
    if job[key] not in (first, "RUNNING"):
        return
    check, effect, undo = _STEPS[kind]
    fault = job["_fault"]
    try:
        check(backend, job)
        if job[key] == first:
            job[key], job["PercentDone"] = "RUNNING", "50.00"
            return
        if fault.get("stall"):
            return
        if job["_delay"] > 0:
            job["_delay"] -= 1
            return
        if fault.get("state") is None or fault.get("effect"):
            effect(backend, job)
    except JobFailure as failure:
        undo(backend, job)
        _end(job, key, "FAILED", str(failure))
        return
    if fault.get("state") is None:
        _end(job, key, "COMPLETED", None)
        return
    if not fault.get("effect"):
        undo(backend, job)
    _end(job, key, fault["state"], fault["message"])


# backup: the recovery point exists from the start (CREATING), COMPLETED with the job, removed if the job fails

def _check_backup(backend: Any, job: dict[str, Any]) -> None:
    if job["BackupVaultName"] not in backend.vaults:
        raise JobFailure(f"Backup vault {job['BackupVaultName']} was deleted")
    if _cluster(job["ResourceArn"]) is None:
        raise JobFailure(f"Resource {job['ResourceArn']} no longer exists")


def _complete_backup(backend: Any, job: dict[str, Any]) -> None:
    point = _state(backend)["points"].get(job["RecoveryPointArn"])
    if point is None:
        raise JobFailure(f"Recovery point {job['RecoveryPointArn']} was deleted")
    point.update(Status="COMPLETED", CompletionDate=_now())


def _undo_backup(backend: Any, job: dict[str, Any]) -> None:
    _drop_point(backend, job["RecoveryPointArn"])


# copy: an identical copy (same resource and CreationDate) lands in the destination vault on completion

def _destination(job: dict[str, Any]) -> tuple[Any, Any]:
    region, account, name = _arn(job["DestinationBackupVaultArn"], "backup", "backup-vault")
    backend = _backup(account, region)
    if name not in backend.vaults:
        raise JobFailure(f"Copy job failed: destination backup vault {name} does not exist in account {account} "
                         f"Region {region}")
    return backend, backend.vaults[name]


def _check_copy(backend: Any, job: dict[str, Any]) -> None:
    if job["SourceRecoveryPointArn"] not in _state(backend)["points"]:
        raise JobFailure(f"Source recovery point {job['SourceRecoveryPointArn']} was deleted")
    _destination(job)


def _complete_copy(backend: Any, job: dict[str, Any]) -> None:
    source = _state(backend)["points"][job["SourceRecoveryPointArn"]]
    dest_backend, vault = _destination(job)
    copy = _point(dest_backend, vault, source, CreationDate=source["CreationDate"], CompletionDate=_now(),
                  Status="COMPLETED", SourceBackupVaultArn=job["SourceBackupVaultArn"],
                  IamRoleArn=job["IamRoleArn"], Lifecycle=job.get("DestinationRecoveryPointLifecycle"))
    job["DestinationRecoveryPointArn"] = copy["RecoveryPointArn"]


def _undo_copy(backend: Any, job: dict[str, Any]) -> None:
    arn = job.pop("DestinationRecoveryPointArn", None)
    if arn:
        region, account, _ = _arn(arn, "backup", "recovery-point")
        _drop_point(_backup(account, region), arn)


# restore: new DSQL cluster(s) on completion

def _bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() == "true"


def _json_list(metadata: dict[str, str], key: str) -> list[Any]:
    try:
        value = json.loads(metadata[key]) if key in metadata else []
    except json.JSONDecodeError as e:
        raise JobFailure(f"Metadata {key} is not JSON: {e}") from None
    if not isinstance(value, list):
        raise JobFailure(f"Metadata {key} is not a JSON list")
    return value


def _restore_plan(backend: Any, job: dict[str, Any]) -> tuple[list[str], dict[str, dict[str, Any]], str | None]:
    """The peer Regions (the job's first), regionalConfig by Region and the witness Region of a restore, or
    JobFailure."""
    metadata, region = job["_metadata"], backend.region_name
    regional = _json_list(metadata, "regionalConfig")
    if not all(isinstance(c, dict) for c in regional):
        raise JobFailure("Metadata regionalConfig is a JSON list of objects")
    multi = str(metadata.get("useMultiRegionOrchestration", "")).lower() == "true"
    if not multi:
        if "peerRegion" in metadata or "witnessRegion" in metadata:
            raise JobFailure('peerRegion and witnessRegion need useMultiRegionOrchestration "true"')
        configs = {c.get("region", region): c for c in regional}
        if set(configs) - {region}:
            raise JobFailure(f"regionalConfig names Regions {sorted(set(configs) - {region})}; a single-Region "
                             f"restore creates a cluster in {region} only")
        return [region], configs, None
    peers, witness = _json_list(metadata, "peerRegion"), metadata.get("witnessRegion")
    if region in peers:
        raise JobFailure(f"peerRegion {peers} contains the Region of the restore job ({region}); it names the "
                         f"other peer Region only")
    if len(peers) != 1 or not isinstance(peers[0], str):
        raise JobFailure(f"peerRegion {peers}: a multi-Region restore names exactly one other peer Region")
    if not witness or witness in (region, peers[0]):
        raise JobFailure(f"witnessRegion {witness!r}: a Region other than the peers {region} and {peers[0]}")
    configs = {c.get("region"): c for c in regional}
    if set(configs) - {region, peers[0]}:
        raise JobFailure(f"regionalConfig names {sorted(set(configs) - {region, peers[0]}, key=str)}, not a peer "
                         f"Region of this restore ({region}, {peers[0]})")
    return [region, peers[0]], configs, witness


def _check_restore(backend: Any, job: dict[str, Any]) -> None:
    point = _state(backend)["points"].get(job["RecoveryPointArn"])
    if point is None:
        raise JobFailure(f"Recovery point {job['RecoveryPointArn']} was deleted")
    regions, _, _ = _restore_plan(backend, job)
    for peer in regions[1:]:
        copies = [p for p in _state(_backup(backend.account_id, peer))["points"].values()
                  if p["ResourceArn"] == point["ResourceArn"] and p["CreationDate"] == point["CreationDate"]
                  and p["Status"] == "COMPLETED"]
        if not copies:
            created = datetime.fromtimestamp(point["CreationDate"], UTC).isoformat()
            raise JobFailure(
                f"Multi-Region restore needs an identical copy of recovery point {point['RecoveryPointArn']} (resource "
                f"{point['ResourceArn']}, created {created}) in a backup vault of account {backend.account_id} in the "
                f"peer Region {peer}; there is none")


def _complete_restore(backend: Any, job: dict[str, Any]) -> None:
    regions, configs, witness = _restore_plan(backend, job)
    source = _cluster(job["SourceResourceArn"]) if job["_copy_tags"] else None
    tags = dict(source.tags or {}) if source is not None else None
    clusters = []
    for region in regions:
        config = configs.get(region, {})
        clusters.append(_dsql(backend.account_id, region).create_cluster(
            deletion_protection_enabled=_bool(config.get("isDeletionProtectionEnabled", True)),
            tags=dict(tags) if tags else None, client_token=None, kms_encryption_key=config.get("kmsKeyId")))
    if witness:
        for cluster in clusters:
            cluster.multi_region_properties = {"witnessRegion": witness, "clusters": [c.arn for c in clusters]}
    job["CreatedResourceArn"] = clusters[0].arn
    job["_created"] = [c.arn for c in clusters]
    _state(backend)["points"][job["RecoveryPointArn"]]["LastRestoreTime"] = _now()


def _undo_restore(backend: Any, job: dict[str, Any]) -> None:
    for arn in job.pop("_created", []):
        region, account, ident = _arn(arn, "dsql", "cluster")
        _dsql(account, region).clusters.pop(ident, None)
    job.pop("CreatedResourceArn", None)


_STEPS: dict[str, tuple[Callable[[Any, dict[str, Any]], None], ...]] = {
    "backup": (_check_backup, _complete_backup, _undo_backup),
    "copy": (_check_copy, _complete_copy, _undo_copy),
    "restore": (_check_restore, _complete_restore, _undo_restore),
}


# -- the operations (methods of BackupResponse) --------------------------------------------------------------

def _locked(fn: Callable[[Any], str]) -> Callable[[Any], str]:
    @wraps(fn)
    def wrapper(self: Any) -> str:
        with _LOCK:
            return fn(self)
    return wrapper


def _body(self: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(self.body or "{}")
    return body


def _path(self: Any) -> str:
    return str(self.path).split("?", 1)[0]


def _tail(self: Any, after: str) -> str:
    """The URL-decoded rest of the path after ``/after/`` (an ARN may hold slashes)."""
    return unquote(_path(self).split(f"/{after}/", 1)[1].rstrip("/"))


def _job(self: Any, kind: str) -> dict[str, Any]:
    job_id = _tail(self, f"{kind}-jobs")
    job = _state(self.backup_backend)[kind].get(job_id)
    if job is None:
        raise ResourceNotFoundException(f"{kind.capitalize()} job {job_id} not found")
    return job


def start_backup_job(self: Any) -> str:
    backend, body = self.backup_backend, _body(self)
    vault = _vault(backend, body["BackupVaultName"])
    arn = body["ResourceArn"]
    region, account, ident = _arn(arn, "dsql", "cluster")
    if (region, account) != (backend.region_name, backend.account_id):
        raise InvalidParameterValueException(f"Resource {arn} is not in account {backend.account_id} Region "
                                             f"{backend.region_name}")
    if _cluster(arn) is None:
        raise ResourceNotFoundException(f"Resource {arn} not found")
    job_id = str(uuid.uuid4())
    source = {"ResourceArn": arn, "ResourceType": "DSQL", "ResourceName": ident}
    job = _new_job("backup", backend, {
        "BackupJobId": job_id, "BackupVaultName": vault.backup_vault_name, "BackupVaultArn": vault.backup_vault_arn,
        "IamRoleArn": body["IamRoleArn"], "RecoveryPointLifecycle": body.get("Lifecycle"),
        "EncryptionKeyArn": vault.encryption_key_arn, "IsEncrypted": True, "VaultType": "BACKUP_VAULT",
        "BackupOptions": body.get("BackupOptions"), "BackupType": "FULL", "BackupSizeInBytes": 0, **source})
    job["StartBy"] = job["CreationDate"] + 60 * int(body.get("StartWindowMinutes") or 480)
    point = _point(backend, vault, source, CreationDate=job["CreationDate"], Status="CREATING",
                   IamRoleArn=body["IamRoleArn"], Lifecycle=body.get("Lifecycle"))
    job["RecoveryPointArn"] = point["RecoveryPointArn"]
    if body.get("RecoveryPointTags"):
        backend.tag_resource(point["RecoveryPointArn"], body["RecoveryPointTags"])
    return _output("StartBackupJob", job)


def list_recovery_points_by_backup_vault(self: Any) -> str:
    name = unquote(_path(self).split("/backup-vaults/", 1)[1].split("/", 1)[0])
    _vault(self.backup_backend, name)
    points = [p for p in _state(self.backup_backend)["points"].values() if p["BackupVaultName"] == name]
    return _filtered("ListRecoveryPointsByBackupVault", "RecoveryPoints", points, self.querystring)


def list_recovery_points_by_resource(self: Any) -> str:
    arn = unquote(_path(self).split("/resources/", 1)[1].rstrip("/").rsplit("/recovery-points", 1)[0])
    points = [p for p in _state(self.backup_backend)["points"].values() if p["ResourceArn"] == arn]
    return _filtered("ListRecoveryPointsByResource", "RecoveryPoints", points, self.querystring)


def _vault_and_point(self: Any) -> tuple[Any, dict[str, Any]]:
    path = _path(self).removesuffix("/restore-metadata")
    name = unquote(path.split("/backup-vaults/", 1)[1].split("/", 1)[0])
    vault = _vault(self.backup_backend, name)
    return vault, _find_point(self.backup_backend, unquote(path.split("/recovery-points/", 1)[1]), name)


def describe_recovery_point(self: Any) -> str:
    return _output("DescribeRecoveryPoint", _vault_and_point(self)[1])


def get_recovery_point_restore_metadata(self: Any) -> str:
    vault, point = _vault_and_point(self)
    config = [{"region": self.backup_backend.region_name, "isDeletionProtectionEnabled": True}]
    return _output("GetRecoveryPointRestoreMetadata", {
        "BackupVaultArn": vault.backup_vault_arn, "RecoveryPointArn": point["RecoveryPointArn"],
        "ResourceType": point["ResourceType"], "RestoreMetadata": {"regionalConfig": json.dumps(config)}})


def delete_recovery_point(self: Any) -> str:
    _, point = _vault_and_point(self)
    if point["Status"] != "COMPLETED":
        raise InvalidResourceStateException(f"Recovery point {point['RecoveryPointArn']} is {point['Status']}")
    _drop_point(self.backup_backend, point["RecoveryPointArn"])
    return "{}"


def start_copy_job(self: Any) -> str:
    backend, body = self.backup_backend, _body(self)
    source_vault = _vault(backend, body["SourceBackupVaultName"])
    point = _find_point(backend, body["RecoveryPointArn"], source_vault.backup_vault_name)
    if point["Status"] != "COMPLETED":
        raise InvalidRequestException(f"Recovery point {point['RecoveryPointArn']} is {point['Status']}, not "
                                      f"COMPLETED")
    _arn(body["DestinationBackupVaultArn"], "backup", "backup-vault")
    job = _new_job("copy", backend, {
        "CopyJobId": str(uuid.uuid4()), "SourceBackupVaultArn": source_vault.backup_vault_arn,
        "SourceRecoveryPointArn": point["RecoveryPointArn"],
        "DestinationBackupVaultArn": body["DestinationBackupVaultArn"], "IamRoleArn": body["IamRoleArn"],
        "DestinationRecoveryPointLifecycle": body.get("Lifecycle"), "ResourceArn": point["ResourceArn"],
        "ResourceType": point["ResourceType"], "ResourceName": point["ResourceName"], "BackupSizeInBytes": 0})
    return _output("StartCopyJob", job)


def start_restore_job(self: Any) -> str:
    backend, body = self.backup_backend, _body(self)
    arn = body["RecoveryPointArn"]
    region, account, _ = _arn(arn, "backup", "recovery-point")
    if (region, account) != (backend.region_name, backend.account_id):
        raise InvalidParameterValueException(f"Recovery point {arn} is not in account {backend.account_id} Region "
                                             f"{backend.region_name}")
    point = _find_point(backend, arn)
    if point["Status"] != "COMPLETED":
        raise InvalidRequestException(f"Recovery point {arn} is {point['Status']}, not COMPLETED")
    if not body.get("IamRoleArn"):
        raise MissingParameterValueException("IamRoleArn is required to restore a DSQL recovery point")
    metadata = body.get("Metadata") or {}
    for key in ("regionalConfig", "peerRegion"):
        try:
            json.loads(metadata.get(key, "[]"))
        except json.JSONDecodeError as e:
            raise InvalidParameterValueException(f"Metadata {key} is not JSON: {e}") from None
    job = _new_job("restore", backend, {
        "RestoreJobId": str(uuid.uuid4()), "RecoveryPointArn": arn, "SourceResourceArn": point["ResourceArn"],
        "BackupVaultArn": point["BackupVaultArn"], "IamRoleArn": body["IamRoleArn"],
        "ResourceType": point["ResourceType"], "RecoveryPointCreationDate": point["CreationDate"],
        "BackupSizeInBytes": 0, "_metadata": metadata,
        "_copy_tags": bool(body.get("CopySourceTagsToRestoredResource"))})
    return _output("StartRestoreJob", job)


def _job_operations(kind: str) -> tuple[Callable[[Any], str], Callable[[Any], str]]:
    """DescribeXJob (one step of the job, see advance) and ListXJobs of a kind of job."""
    name = kind.capitalize()

    def describe(self: Any) -> str:
        job = _job(self, kind)
        advance(kind, self.backup_backend, job)
        if kind == "copy":  # the job is a member of the output
            return json.dumps({"CopyJob": _shaped(_model("backup").shape_for("CopyJob"), job)})
        return _output(f"Describe{name}Job", job)

    def list_jobs(self: Any) -> str:
        return _filtered(f"List{name}Jobs", f"{name}Jobs", list(_state(self.backup_backend)[kind].values()),
                         self.querystring)

    describe.__name__, list_jobs.__name__ = f"describe_{kind}_job", f"list_{kind}_jobs"
    return describe, list_jobs


describe_backup_job, list_backup_jobs = _job_operations("backup")
describe_copy_job, list_copy_jobs = _job_operations("copy")
describe_restore_job, list_restore_jobs = _job_operations("restore")

OPERATIONS = (start_backup_job, describe_backup_job, list_backup_jobs, list_recovery_points_by_backup_vault,
              list_recovery_points_by_resource, describe_recovery_point, get_recovery_point_restore_metadata,
              delete_recovery_point, start_copy_job, describe_copy_job, list_copy_jobs, start_restore_job,
              describe_restore_job, list_restore_jobs)

ROUTES = (  # moto's url_paths, regular expressions on the path (a trailing "/?" would be dropped: both spelled out)
    "{0}/backup-jobs$", "{0}/backup-jobs/$", "{0}/backup-jobs/(?P<job>[^/]+)$",
    "{0}/copy-jobs$", "{0}/copy-jobs/$", "{0}/copy-jobs/(?P<job>[^/]+)$",
    "{0}/restore-jobs$", "{0}/restore-jobs/$", "{0}/restore-jobs/(?P<job>[^/]+)$",
    "{0}/backup-vaults/(?P<name>[^/]+)/recovery-points/$",
    "{0}/backup-vaults/(?P<name>[^/]+)/recovery-points/(?P<arn>.+)$",
    "{0}/resources/(?P<arn>.+)/recovery-points/$",
)


def patch() -> None:
    """Add the operations, their routes, the faults endpoint and the AccessDenied faults to moto."""
    from moto.backup import urls as backup_urls
    from moto.backup.models import Vault
    from moto.backup.responses import BackupResponse
    from moto.core.responses import BaseResponse
    from moto.dsql.responses import AuroraDSQLResponse
    from moto.moto_api._internal import urls as api_urls
    from moto.moto_api._internal.models import MotoAPIBackend

    backup_urls.url_paths.update(dict.fromkeys(ROUTES, BackupResponse.dispatch))
    # DescribeBackupVault serializes the vault by member name: NumberOfRecoveryPoints as well
    Vault.number_of_recovery_points = property(lambda vault: vault.num_of_recovery_points)  # type: ignore[attr-defined]
    for fn in OPERATIONS:
        setattr(BackupResponse, fn.__name__, _locked(fn))
    api_urls.url_paths["{0}" + FAULTS_PATH + "$"] = faults_response
    api_urls.url_paths["{0}" + AGE_PATH + "$"] = age_response

    call_action = BaseResponse.call_action

    def call_action_or_deny(self: Any) -> Any:
        return denied(self) or call_action(self)

    for cls in (BackupResponse, AuroraDSQLResponse):
        cls.call_action = call_action_or_deny  # type: ignore[method-assign]

    reset = MotoAPIBackend.reset

    def reset_with_faults(self: Any) -> None:
        clear_faults()
        reset(self)

    MotoAPIBackend.reset = reset_with_faults  # type: ignore[method-assign]
