"""The AWS Backup jobs and recovery points tests/moto_ext adds to moto, and its test-only fault injection, through
boto3 against one moto server (its own process) reset before each test."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from botocore.exceptions import ClientError

from tests.moto_ext import MotoServer, jobs

ACCOUNT = "123456789012"  # moto's default account
OTHER = "222222222222"
OTHER_ROLE = f"arn:aws:iam::{OTHER}:role/x"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole"
POINT_ARN = re.compile(r"arn:aws:backup:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):recovery-point:[0-9A-F-]{36}")


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    server = MotoServer(iam_managed_policies=False).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def clean(moto: MotoServer) -> None:
    moto.reset()


def client(moto: MotoServer, service: str, region: str = "us-east-1", role_arn: str | None = None) -> Any:
    return moto.client(service, region, role_arn)


def states(describe: Callable[[], dict[str, Any]], key: str, calls: int = 4) -> list[tuple[str, str | None]]:
    """(state, PercentDone) of ``calls`` Describe calls of one job."""
    return [(r[key], r.get("PercentDone")) for r in (describe() for _ in range(calls))]


def backed_up(moto: MotoServer, region: str = "us-east-1", vault: str = "primary",
              tags: dict[str, str] | None = None) -> tuple[str, dict[str, Any]]:
    """A new cluster of ``region`` backed up into the new ``vault``: (cluster ARN, its recovery point)."""
    backup, dsql = client(moto, "backup", region), client(moto, "dsql", region)
    cluster = dsql.create_cluster(deletionProtectionEnabled=False, tags=tags or {})["arn"]
    if vault not in [v["BackupVaultName"] for v in backup.list_backup_vaults()["BackupVaultList"]]:
        backup.create_backup_vault(BackupVaultName=vault)
    job = backup.start_backup_job(BackupVaultName=vault, ResourceArn=cluster, IamRoleArn=ROLE,
                                  Lifecycle={"DeleteAfterDays": 35})
    assert states(lambda: backup.describe_backup_job(BackupJobId=job["BackupJobId"]), "State", 2)[-1][0] == "COMPLETED"
    return cluster, backup.describe_recovery_point(BackupVaultName=vault, RecoveryPointArn=job["RecoveryPointArn"])


def code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def test_every_added_operation_is_in_the_model_and_routed_by_moto() -> None:
    import botocore.session
    from moto.backup.responses import BackupResponse
    from moto.core.request import Request
    from moto.core.routing import get_service_router
    from werkzeug.test import EnvironBuilder

    from tests.moto_ext import patch_moto

    patch_moto()
    model = botocore.session.get_session().get_service_model("backup")
    samples = {"backupJobId": "job-1", "copyJobId": "job-2", "restoreJobId": "job-3", "backupVaultName": "primary",
               "recoveryPointArn": f"arn:aws:backup:us-east-1:{ACCOUNT}:recovery-point:0A1B",
               "resourceArn": f"arn:aws:dsql:us-east-1:{ACCOUNT}:cluster/abc"}
    names = [fn.__name__ for fn in jobs.OPERATIONS]
    assert len(names) == 14
    for name in names:
        operation = "".join(part.capitalize() for part in name.split("_"))
        assert operation in model.operation_names, operation
        http = model.operation_model(operation).http
        path = re.sub(r"\{(\w+)\}", lambda m: quote(samples[m.group(1)], safe=""), http["requestUri"])
        environ = EnvironBuilder(path=path, method=http["method"],
                                 base_url="https://backup.us-east-1.amazonaws.com").get_environ()
        request = Request({**environ, "RAW_URI": path})  # as the server sees it: the path still percent-encoded
        assert get_service_router("backup").match(request)[0].name == operation, (operation, path)
        routes = [r.format("") for r in jobs.ROUTES]
        assert any(re.fullmatch(r.rstrip("$"), request.path) for r in routes), (operation, request.path)
        assert callable(getattr(BackupResponse, name))


def test_backup_job_runs_step_by_step_and_leaves_a_recovery_point(moto: MotoServer) -> None:
    backup, dsql = client(moto, "backup"), client(moto, "dsql")
    cluster = dsql.create_cluster(deletionProtectionEnabled=False)
    backup.create_backup_vault(BackupVaultName="primary")
    job = backup.start_backup_job(BackupVaultName="primary", ResourceArn=cluster["arn"], IamRoleArn=ROLE,
                                  Lifecycle={"DeleteAfterDays": 7})
    point_arn = job["RecoveryPointArn"]
    assert POINT_ARN.fullmatch(point_arn) and POINT_ARN.fullmatch(point_arn)["account"] == ACCOUNT  # type: ignore[index]

    listed = backup.list_backup_jobs(ByResourceArn=cluster["arn"])["BackupJobs"]
    assert [(j["BackupJobId"], j["State"]) for j in listed] == [(job["BackupJobId"], "CREATED")]
    assert backup.list_recovery_points_by_backup_vault(BackupVaultName="primary")["RecoveryPoints"][0][
        "Status"] == "CREATING"
    assert states(lambda: backup.describe_backup_job(BackupJobId=job["BackupJobId"]), "State", 3) == [
        ("RUNNING", "50.00"), ("COMPLETED", "100.0"), ("COMPLETED", "100.0")]

    described = backup.describe_backup_job(BackupJobId=job["BackupJobId"])
    assert described["CreationDate"] == job["CreationDate"] and described["CompletionDate"] >= job["CreationDate"]
    assert (described["AccountId"], described["BackupVaultName"], described["ResourceType"],
            described["ResourceName"], described["IamRoleArn"], described["RecoveryPointLifecycle"]) == (
        ACCOUNT, "primary", "DSQL", cluster["identifier"], ROLE, {"DeleteAfterDays": 7})

    point = backup.describe_recovery_point(BackupVaultName="primary", RecoveryPointArn=point_arn)
    assert {k: point[k] for k in ("Status", "ResourceArn", "ResourceType", "ResourceName", "IamRoleArn",
                                  "BackupVaultName", "BackupVaultArn", "Lifecycle")} == {
        "Status": "COMPLETED", "ResourceArn": cluster["arn"], "ResourceType": "DSQL",
        "ResourceName": cluster["identifier"], "IamRoleArn": ROLE, "BackupVaultName": "primary",
        "BackupVaultArn": f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:primary",
        "Lifecycle": {"DeleteAfterDays": 7}}
    assert point["CreationDate"] == job["CreationDate"]
    assert point["CalculatedLifecycle"]["DeleteAt"] == job["CreationDate"] + timedelta(days=7)
    assert "SourceBackupVaultArn" not in point
    vaults = backup.list_backup_vaults()["BackupVaultList"]
    assert [(v["BackupVaultName"], v["NumberOfRecoveryPoints"]) for v in vaults] == [("primary", 1)]
    assert backup.describe_backup_vault(BackupVaultName="primary")["NumberOfRecoveryPoints"] == 1

    assert [j["BackupJobId"] for j in backup.list_backup_jobs(ByState="COMPLETED")["BackupJobs"]] == [
        job["BackupJobId"]]
    assert backup.list_backup_jobs(ByState="RUNNING")["BackupJobs"] == []
    assert backup.list_backup_jobs(ByBackupVaultName="other")["BackupJobs"] == []
    assert backup.list_backup_jobs(ByBackupVaultName="primary")["BackupJobs"][0]["State"] == "COMPLETED"


def test_start_backup_job_refuses_unknown_vaults_and_resources(moto: MotoServer) -> None:
    backup, dsql = client(moto, "backup"), client(moto, "dsql")
    cluster = dsql.create_cluster(deletionProtectionEnabled=False)["arn"]
    backup.create_backup_vault(BackupVaultName="primary")
    cases = [("missing", cluster, "ResourceNotFoundException"),
             ("primary", f"arn:aws:dsql:us-east-1:{ACCOUNT}:cluster/nosuchcluster", "ResourceNotFoundException"),
             ("primary", cluster.replace("us-east-1", "us-east-2"), "InvalidParameterValueException"),
             ("primary", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t", "InvalidParameterValueException")]
    for vault, arn, expected in cases:
        with pytest.raises(ClientError) as error:
            backup.start_backup_job(BackupVaultName=vault, ResourceArn=arn, IamRoleArn=ROLE)
        assert code(error) == expected, (vault, arn)
    with pytest.raises(ClientError) as error:
        backup.describe_backup_job(BackupJobId="nosuchjob")
    assert code(error) == "ResourceNotFoundException"


def test_recovery_points_by_vault_and_by_resource(moto: MotoServer) -> None:
    backup = client(moto, "backup")
    first, p1 = backed_up(moto)
    second, p2 = backed_up(moto)
    job = backup.start_backup_job(BackupVaultName="primary", ResourceArn=first, IamRoleArn=ROLE)
    backup.describe_backup_job(BackupJobId=job["BackupJobId"])
    backup.describe_backup_job(BackupJobId=job["BackupJobId"])
    p3 = job["RecoveryPointArn"]

    def listed(**kw: Any) -> list[str]:
        return [p["RecoveryPointArn"] for p in
                backup.list_recovery_points_by_backup_vault(BackupVaultName="primary", **kw)["RecoveryPoints"]]

    assert listed() == [p1["RecoveryPointArn"], p2["RecoveryPointArn"], p3]  # oldest first
    assert listed(ByResourceArn=first) == [p1["RecoveryPointArn"], p3]
    assert listed(ByResourceType="DSQL") == listed()
    assert listed(ByResourceType="EBS") == []
    assert listed(ByCreatedAfter=p2["CreationDate"]) == [p2["RecoveryPointArn"], p3]
    assert listed(ByCreatedBefore=p2["CreationDate"]) == [p1["RecoveryPointArn"], p2["RecoveryPointArn"]]
    page = backup.list_recovery_points_by_backup_vault(BackupVaultName="primary", MaxResults=2)
    rest = backup.list_recovery_points_by_backup_vault(BackupVaultName="primary", MaxResults=2,
                                                       NextToken=page["NextToken"])
    assert [p["RecoveryPointArn"] for p in page["RecoveryPoints"] + rest["RecoveryPoints"]] == listed()
    assert "NextToken" not in rest
    with pytest.raises(ClientError) as error:
        backup.list_recovery_points_by_backup_vault(BackupVaultName="missing")
    assert code(error) == "ResourceNotFoundException"

    by_resource = backup.list_recovery_points_by_resource(ResourceArn=first)["RecoveryPoints"]
    assert [(p["RecoveryPointArn"], p["BackupVaultName"], p["Status"], p["ResourceName"]) for p in by_resource] == [
        (p1["RecoveryPointArn"], "primary", "COMPLETED", first.split("/")[-1]),
        (p3, "primary", "COMPLETED", first.split("/")[-1])]
    assert client(moto, "backup", "us-east-2").list_recovery_points_by_resource(ResourceArn=first)[
        "RecoveryPoints"] == []

    metadata = backup.get_recovery_point_restore_metadata(BackupVaultName="primary", RecoveryPointArn=p3)
    assert (metadata["ResourceType"], json.loads(metadata["RestoreMetadata"]["regionalConfig"])) == (
        "DSQL", [{"region": "us-east-1", "isDeletionProtectionEnabled": True}])

    backup.delete_recovery_point(BackupVaultName="primary", RecoveryPointArn=p3)
    assert listed() == [p1["RecoveryPointArn"], p2["RecoveryPointArn"]]
    assert backup.list_backup_vaults()["BackupVaultList"][0]["NumberOfRecoveryPoints"] == 2
    with pytest.raises(ClientError) as error:
        backup.describe_recovery_point(BackupVaultName="primary", RecoveryPointArn=p3)
    assert code(error) == "ResourceNotFoundException"
    running = backup.start_backup_job(BackupVaultName="primary", ResourceArn=second, IamRoleArn=ROLE)
    with pytest.raises(ClientError) as error:
        backup.delete_recovery_point(BackupVaultName="primary", RecoveryPointArn=running["RecoveryPointArn"])
    assert code(error) == "InvalidResourceStateException"


def copied(backup: Any, point: dict[str, Any], destination: str, lifecycle: dict[str, int] | None = None) -> dict[
        str, Any]:
    """Run a copy job of ``point`` to the vault ARN ``destination`` to its end: its last DescribeCopyJob."""
    job = backup.start_copy_job(RecoveryPointArn=point["RecoveryPointArn"], SourceBackupVaultName="primary",
                                DestinationBackupVaultArn=destination, IamRoleArn=ROLE,
                                **({"Lifecycle": lifecycle} if lifecycle else {}))
    assert backup.list_copy_jobs(BySourceRecoveryPointArn=point["RecoveryPointArn"], ByState="CREATED")[
        "CopyJobs"][0]["CopyJobId"] == job["CopyJobId"]
    described = [backup.describe_copy_job(CopyJobId=job["CopyJobId"])["CopyJob"] for _ in range(3)]
    last: dict[str, Any] = described[-1]
    last["seen"] = [d["State"] for d in described]
    return last


def test_copy_to_another_region_and_to_another_account_keeps_resource_and_creation_date(moto: MotoServer) -> None:
    backup = client(moto, "backup")
    cluster, point = backed_up(moto)
    west = client(moto, "backup", "us-west-2")
    west_vault = west.create_backup_vault(BackupVaultName="dr")["BackupVaultArn"]
    other = client(moto, "backup", "us-east-1", OTHER_ROLE)
    other_vault = other.create_backup_vault(BackupVaultName="central")["BackupVaultArn"]
    assert other_vault == f"arn:aws:backup:us-east-1:{OTHER}:backup-vault:central"

    for dest_client, vault_arn, vault_name, region, account in [
            (west, west_vault, "dr", "us-west-2", ACCOUNT), (other, other_vault, "central", "us-east-1", OTHER)]:
        job = copied(backup, point, vault_arn, {"DeleteAfterDays": 90})
        assert job["seen"] == ["RUNNING", "COMPLETED", "COMPLETED"]
        assert (job["State"], job["SourceBackupVaultArn"], job["SourceRecoveryPointArn"], job["ResourceArn"],
                job["ResourceType"], job["DestinationBackupVaultArn"], job["IamRoleArn"], job["AccountId"]) == (
            "COMPLETED", point["BackupVaultArn"], point["RecoveryPointArn"], cluster, "DSQL", vault_arn, ROLE, ACCOUNT)
        match = POINT_ARN.fullmatch(job["DestinationRecoveryPointArn"])
        assert match and (match["region"], match["account"]) == (region, account)
        copies = dest_client.list_recovery_points_by_backup_vault(BackupVaultName=vault_name)["RecoveryPoints"]
        assert [(c["RecoveryPointArn"], c["ResourceArn"], c["ResourceName"], c["CreationDate"], c["Status"],
                 c["SourceBackupVaultArn"], c["Lifecycle"]) for c in copies] == [
            (job["DestinationRecoveryPointArn"], cluster, cluster.split("/")[-1], point["CreationDate"], "COMPLETED",
             point["BackupVaultArn"], {"DeleteAfterDays": 90})]
        assert copies[0]["CalculatedLifecycle"]["DeleteAt"] == point["CreationDate"] + timedelta(days=90)

    jobs_ = backup.list_copy_jobs()["CopyJobs"]
    assert [j["DestinationBackupVaultArn"] for j in jobs_] == [west_vault, other_vault]
    assert [j["DestinationBackupVaultArn"] for j in backup.list_copy_jobs(ByDestinationVaultArn=other_vault)[
        "CopyJobs"]] == [other_vault]
    assert len(backup.list_copy_jobs(ByResourceArn=cluster, ByState="COMPLETED")["CopyJobs"]) == 2
    assert backup.list_copy_jobs(ByResourceArn=cluster.replace("/", "/x"))["CopyJobs"] == []
    assert west.list_copy_jobs()["CopyJobs"] == []  # listed in the Region of the source


def test_copy_to_a_missing_vault_fails_in_the_job(moto: MotoServer) -> None:
    backup = client(moto, "backup")
    _, point = backed_up(moto)
    missing = f"arn:aws:backup:eu-west-1:{ACCOUNT}:backup-vault:nowhere"
    job = copied(backup, point, missing)
    assert (job["seen"], job["StatusMessage"]) == (
        ["FAILED"] * 3, f"Copy job failed: destination backup vault nowhere does not exist in account {ACCOUNT} Region "
                  "eu-west-1")
    assert "DestinationRecoveryPointArn" not in job
    with pytest.raises(ClientError) as error:
        backup.start_copy_job(RecoveryPointArn=point["RecoveryPointArn"], SourceBackupVaultName="primary",
                              DestinationBackupVaultArn="not-an-arn", IamRoleArn=ROLE)
    assert code(error) == "InvalidParameterValueException"


def restored(backup: Any, point: dict[str, Any], metadata: dict[str, str], copy_tags: bool = False) -> dict[str, Any]:
    job = backup.start_restore_job(RecoveryPointArn=point["RecoveryPointArn"], IamRoleArn=ROLE, Metadata=metadata,
                                   CopySourceTagsToRestoredResource=copy_tags)
    seen = states(lambda: backup.describe_restore_job(RestoreJobId=job["RestoreJobId"]), "Status", 3)
    last: dict[str, Any] = backup.describe_restore_job(RestoreJobId=job["RestoreJobId"])
    last["seen"] = seen
    return last


def test_single_region_restore_creates_a_cluster_as_asked(moto: MotoServer) -> None:
    backup, dsql = client(moto, "backup"), client(moto, "dsql")
    cluster, point = backed_up(moto, tags={"team": "payments", "env": "prod"})
    key = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234"
    job = backup.start_restore_job(
        RecoveryPointArn=point["RecoveryPointArn"], IamRoleArn=ROLE, CopySourceTagsToRestoredResource=True,
        Metadata={"regionalConfig": json.dumps([{"region": "us-east-1", "isDeletionProtectionEnabled": False,
                                                 "kmsKeyId": key}])})
    assert [j["Status"] for j in backup.list_restore_jobs()["RestoreJobs"]] == ["PENDING"]
    assert states(lambda: backup.describe_restore_job(RestoreJobId=job["RestoreJobId"]), "Status", 3) == [
        ("RUNNING", "50.00"), ("COMPLETED", "100.0"), ("COMPLETED", "100.0")]
    done = backup.describe_restore_job(RestoreJobId=job["RestoreJobId"])
    assert (done["RecoveryPointArn"], done["SourceResourceArn"], done["BackupVaultArn"], done["ResourceType"],
            done["IamRoleArn"], done["AccountId"], done["RecoveryPointCreationDate"]) == (
        point["RecoveryPointArn"], cluster, point["BackupVaultArn"], "DSQL", ROLE, ACCOUNT, point["CreationDate"])
    assert done["CompletionDate"] >= done["CreationDate"]
    new = dsql.get_cluster(identifier=done["CreatedResourceArn"].split("/")[-1])
    assert new["arn"] == done["CreatedResourceArn"] != cluster
    assert (new["deletionProtectionEnabled"], new["encryptionDetails"]["kmsKeyArn"]) == (False, key)
    assert dsql.list_tags_for_resource(resourceArn=new["arn"])["tags"] == {"team": "payments", "env": "prod"}
    assert "multiRegionProperties" not in new

    plain = restored(backup, point, {})
    assert plain["seen"][-1] == ("COMPLETED", "100.0")
    default = dsql.get_cluster(identifier=plain["CreatedResourceArn"].split("/")[-1])
    assert default["deletionProtectionEnabled"] is True
    assert dsql.list_tags_for_resource(resourceArn=default["arn"])["tags"] == {}
    assert len(dsql.list_clusters()["clusters"]) == 3

    assert len(backup.list_restore_jobs(ByStatus="COMPLETED", ByResourceType="DSQL")["RestoreJobs"]) == 2
    assert backup.list_restore_jobs(ByStatus="FAILED")["RestoreJobs"] == []
    assert [j["RestoreJobId"] for j in backup.list_restore_jobs(ByCreatedAfter=done["CreationDate"] + timedelta(
        milliseconds=1))["RestoreJobs"]] == [plain["RestoreJobId"]]
    with pytest.raises(ClientError) as error:
        backup.start_restore_job(RecoveryPointArn=point["RecoveryPointArn"], Metadata={})
    assert code(error) == "MissingParameterValueException"
    with pytest.raises(ClientError) as error:
        backup.start_restore_job(RecoveryPointArn=point["RecoveryPointArn"].replace("us-east-1", "us-east-2"),
                                 IamRoleArn=ROLE, Metadata={})
    assert code(error) == "InvalidParameterValueException"


MULTI = {"useMultiRegionOrchestration": "true", "witnessRegion": "us-west-2", "peerRegion": json.dumps(["us-east-2"]),
         "regionalConfig": json.dumps([{"region": "us-east-1", "isDeletionProtectionEnabled": False},
                                       {"region": "us-east-2", "isDeletionProtectionEnabled": True}])}


def test_multi_region_restore_creates_two_linked_clusters_from_identical_copies(moto: MotoServer) -> None:
    backup = client(moto, "backup")
    cluster, point = backed_up(moto, tags={"team": "payments"})
    peer_vault = client(moto, "backup", "us-east-2").create_backup_vault(BackupVaultName="peer")["BackupVaultArn"]
    assert copied(backup, point, peer_vault)["State"] == "COMPLETED"

    job = restored(backup, point, MULTI, copy_tags=True)
    assert (job["seen"], job["Status"]) == ([("RUNNING", "50.00"), ("COMPLETED", "100.0"), ("COMPLETED", "100.0")],
                                            "COMPLETED")
    east, east2 = client(moto, "dsql"), client(moto, "dsql", "us-east-2")
    here = east.get_cluster(identifier=job["CreatedResourceArn"].split("/")[-1])
    assert here["arn"].startswith(f"arn:aws:dsql:us-east-1:{ACCOUNT}:cluster/")
    [peer_summary] = east2.list_clusters()["clusters"]
    peer = east2.get_cluster(identifier=peer_summary["identifier"])
    assert here["multiRegionProperties"] == peer["multiRegionProperties"] == {
        "witnessRegion": "us-west-2", "clusters": [here["arn"], peer["arn"]]}
    assert (here["deletionProtectionEnabled"], peer["deletionProtectionEnabled"]) == (False, True)
    assert east2.list_tags_for_resource(resourceArn=peer["arn"])["tags"] == {"team": "payments"}
    assert {c["arn"] for c in east.list_clusters()["clusters"]} == {cluster, here["arn"]}


def test_multi_region_restore_fails_without_a_copy_in_the_peer_region(moto: MotoServer) -> None:
    backup = client(moto, "backup")
    cluster, point = backed_up(moto)
    client(moto, "backup", "us-east-2").create_backup_vault(BackupVaultName="peer")  # empty
    job = restored(backup, point, MULTI)
    created = point["CreationDate"].astimezone(UTC).isoformat()
    assert (job["seen"][0], job["Status"], job["StatusMessage"]) == (
        ("FAILED", "0.0"), "FAILED",
        f"Multi-Region restore needs an identical copy of recovery point {point['RecoveryPointArn']} (resource "
        f"{cluster}, created {created}) in a backup vault of account {ACCOUNT} in the peer Region us-east-2; "
        "there is none")
    assert "CreatedResourceArn" not in job
    assert client(moto, "dsql", "us-east-2").list_clusters()["clusters"] == []
    assert [j["RestoreJobId"] for j in backup.list_restore_jobs(ByStatus="FAILED")["RestoreJobs"]] == [
        job["RestoreJobId"]]


def test_multi_region_restore_fails_when_peer_region_names_the_job_region(moto: MotoServer) -> None:
    backup = client(moto, "backup")
    _, point = backed_up(moto)
    job = restored(backup, point, {**MULTI, "peerRegion": json.dumps(["us-east-1", "us-east-2"])})
    assert (job["Status"], job["StatusMessage"]) == (
        "FAILED", "peerRegion ['us-east-1', 'us-east-2'] contains the Region of the restore job (us-east-1); it "
                  "names the other peer Region only")
    assert len(client(moto, "dsql").list_clusters()["clusters"]) == 1  # only the source


def test_fault_ends_the_next_job_of_a_kind_with_or_without_its_effect(moto: MotoServer) -> None:
    backup, dsql = client(moto, "backup"), client(moto, "dsql")
    cluster, point = backed_up(moto)

    moto.fault(job="backup", state="FAILED", message="Backup of cluster failed: snapshot error")
    job = backup.start_backup_job(BackupVaultName="primary", ResourceArn=cluster, IamRoleArn=ROLE)
    assert states(lambda: backup.describe_backup_job(BackupJobId=job["BackupJobId"]), "State", 3)[1:] == [
        ("FAILED", "50.00")] * 2
    assert backup.describe_backup_job(BackupJobId=job["BackupJobId"])["StatusMessage"] == (
        "Backup of cluster failed: snapshot error")
    assert [p["RecoveryPointArn"] for p in backup.list_recovery_points_by_resource(ResourceArn=cluster)[
        "RecoveryPoints"]] == [point["RecoveryPointArn"]]  # without its effect: no recovery point

    moto.fault(job="restore", state="ABORTED", message="Restore aborted by the test", effect=True)
    aborted = restored(backup, point, {})
    assert (aborted["Status"], aborted["StatusMessage"]) == ("ABORTED", "Restore aborted by the test")
    assert dsql.get_cluster(identifier=aborted["CreatedResourceArn"].split("/")[-1])["status"] in ("CREATING",
                                                                                                 "ACTIVE")
    moto.fault(job="restore", state="FAILED")
    failed = restored(backup, point, {})
    assert (failed["Status"], failed["StatusMessage"], "CreatedResourceArn" in failed) == (
        "FAILED", "Injected FAILED", False)
    assert len(dsql.list_clusters()["clusters"]) == 2  # the source and the aborted restore's

    west_vault = client(moto, "backup", "us-west-2").create_backup_vault(BackupVaultName="dr")["BackupVaultArn"]
    moto.fault(job="copy", state="FAILED", message="copy broke", effect=True)
    copy = copied(backup, point, west_vault)
    assert (copy["State"], copy["StatusMessage"]) == ("FAILED", "copy broke")
    assert client(moto, "backup", "us-west-2").list_recovery_points_by_backup_vault(BackupVaultName="dr")[
        "RecoveryPoints"][0]["RecoveryPointArn"] == copy["DestinationRecoveryPointArn"]
    with pytest.raises(ValueError, match=r"a copy job can end in \['FAILED', 'PARTIAL'\]"):
        moto.fault(job="copy", state="ABORTED")
    assert moto.faults() == {"jobs": [], "calls": []}


def test_fault_holds_a_job_running_forever_or_for_more_describe_calls(moto: MotoServer) -> None:
    backup, dsql = client(moto, "backup"), client(moto, "dsql")
    cluster, point = backed_up(moto)

    moto.fault(job="backup", stall=True)
    job = backup.start_backup_job(BackupVaultName="primary", ResourceArn=cluster, IamRoleArn=ROLE)
    assert states(lambda: backup.describe_backup_job(BackupJobId=job["BackupJobId"]), "State", 6) == [
        ("RUNNING", "50.00")] * 6

    moto.fault(job="restore", delay=3)
    slow = backup.start_restore_job(RecoveryPointArn=point["RecoveryPointArn"], IamRoleArn=ROLE, Metadata={})
    seen = []
    for _ in range(6):
        status = backup.describe_restore_job(RestoreJobId=slow["RestoreJobId"])
        seen.append((status["Status"], len(dsql.list_clusters()["clusters"])))
    assert seen == [("RUNNING", 1)] * 4 + [("COMPLETED", 2)] * 2  # its cluster appears late
    assert restored(backup, point, {})["seen"][1][0] == "COMPLETED"  # the fault was used up


def test_fault_denies_the_next_call_of_an_operation(moto: MotoServer) -> None:
    backup, dsql = client(moto, "backup"), client(moto, "dsql")
    cluster, point = backed_up(moto)
    moto.fault(operation="StartRestoreJob", message="no restores today")
    moto.fault(operation="ListRecoveryPointsByBackupVault", times=2)
    moto.fault(operation="DeleteCluster")
    assert [(f["operation"], f["times"]) for f in moto.faults()["calls"]] == [
        ("StartRestoreJob", 1), ("ListRecoveryPointsByBackupVault", 2), ("DeleteCluster", 1)]

    calls: list[Callable[[], Any]] = [
        lambda: backup.start_restore_job(RecoveryPointArn=point["RecoveryPointArn"], IamRoleArn=ROLE, Metadata={}),
        lambda: backup.list_recovery_points_by_backup_vault(BackupVaultName="primary"),
        lambda: backup.list_recovery_points_by_backup_vault(BackupVaultName="primary"),
        lambda: dsql.delete_cluster(identifier=cluster.split("/")[-1])]
    errors = []
    for call in calls:
        with pytest.raises(ClientError) as error:
            call()
        errors.append((code(error), error.value.response["ResponseMetadata"]["HTTPStatusCode"]))
    assert errors == [("AccessDeniedException", 403)] * 4
    assert moto.faults() == {"jobs": [], "calls": []}

    assert backup.start_restore_job(RecoveryPointArn=point["RecoveryPointArn"], IamRoleArn=ROLE, Metadata={})
    assert len(backup.list_recovery_points_by_backup_vault(BackupVaultName="primary")["RecoveryPoints"]) == 1
    assert dsql.delete_cluster(identifier=cluster.split("/")[-1])["status"] == "DELETING"

    moto.fault(operation="StartRestoreJob", message="no restores today")
    with pytest.raises(ClientError) as error:
        backup.start_restore_job(RecoveryPointArn=point["RecoveryPointArn"], IamRoleArn=ROLE, Metadata={})
    assert error.value.response["Error"]["Message"] == "no restores today"
    with pytest.raises(ValueError, match="not an AWS Backup or Aurora DSQL operation"):
        moto.fault(operation="NoSuchOperation")


def test_reset_clears_faults(moto: MotoServer) -> None:
    moto.fault(job="restore", stall=True)
    moto.fault(operation="GetCluster")
    assert len(moto.faults()["jobs"]) == len(moto.faults()["calls"]) == 1
    moto.reset()
    assert moto.faults() == {"jobs": [], "calls": []}
    moto.fault(job="backup", delay=1)
    moto.clear_faults()
    assert moto.faults() == {"jobs": [], "calls": []}


# -- what the added operations check before they store anything (tests/moto_ext/checks.py)

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "DenyDeletion", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "backup:DeleteRecoveryPoint",
     "Resource": "*"}]}


def unchecked(moto: MotoServer, service: str = "backup") -> Any:
    """A boto3 client that sends what it is given (no client-side parameter validation): what the server does."""
    import boto3
    from botocore.config import Config

    return boto3.client(service, endpoint_url=moto.url, region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing", config=Config(parameter_validation=False))


def refused(call: Callable[[], Any]) -> tuple[str, str]:
    """(error code, message) of a call the server must refuse with HTTP 400."""
    with pytest.raises(ClientError) as error:
        call()
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return code(error), str(error.value.response["Error"]["Message"])


def test_backup_selection_needs_an_existing_role_of_the_account_and_the_models_shape(moto: MotoServer) -> None:
    backup = unchecked(moto)
    role = client(moto, "iam").create_role(RoleName="backup", Path="/service-role/",
                                           AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    assert role == f"arn:aws:iam::{ACCOUNT}:role/service-role/backup"
    plan = backup.create_backup_plan(BackupPlan={"BackupPlanName": "p", "Rules": [
        {"RuleName": "daily", "TargetBackupVaultName": "v"}]})["BackupPlanId"]
    cluster = f"arn:aws:dsql:us-east-1:{ACCOUNT}:cluster/abc"
    good = {"SelectionName": "sel", "IamRoleArn": role, "Resources": [cluster],
            "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "daily"}]}

    def create(**change: Any) -> Any:
        return backup.create_backup_selection(BackupPlanId=plan, BackupSelection={**good, **change})

    invalid = "InvalidParameterValueException"
    assert refused(lambda: create(IamRoleArn=f"arn:aws:iam::{ACCOUNT}:role/missing")) == (
        invalid, f"IAM role arn:aws:iam::{ACCOUNT}:role/missing does not exist in account {ACCOUNT}")
    assert refused(lambda: create(IamRoleArn=f"arn:aws:iam::{OTHER}:role/service-role/backup")) == (
        invalid, f"IamRoleArn arn:aws:iam::{OTHER}:role/service-role/backup is not a role of account {ACCOUNT}")
    assert refused(lambda: create(IamRoleArn=f"arn:aws:iam::{ACCOUNT}:user/backup"))[0] == invalid
    assert refused(lambda: create(IamRoleArn="backup"))[0] == invalid
    assert refused(lambda: create(Resources=["cluster/abc"])) == (
        invalid, "BackupSelection.Resources: cluster/abc is not an ARN")
    assert refused(lambda: create(SelectionName="two words"))[0] == invalid  # the model's pattern
    assert refused(lambda: create(SelectionName="sel\n"))[0] == invalid  # the whole string
    assert refused(lambda: create(ListOfTags=[{**good["ListOfTags"][0], "ConditionType": "STRINGLIKE"}]))[0] == invalid
    assert refused(lambda: create(Resources=cluster))[0] == invalid  # a string, not a list
    assert refused(lambda: create(IamRoleArn=None)) == (
        "MissingParameterValueException", "CreateBackupSelection.BackupSelection.IamRoleArn is required")
    assert backup.list_backup_selections(BackupPlanId=plan)["BackupSelectionsList"] == []  # nothing stored

    sel = create()["SelectionId"]
    stored = backup.get_backup_selection(BackupPlanId=plan, SelectionId=sel)["BackupSelection"]
    assert stored == good


def test_a_member_the_model_lacks_is_refused() -> None:  # boto3 cannot send one: checked in-process
    from moto.backup.exceptions import InvalidParameterValueException

    from tests.moto_ext import checks

    with pytest.raises(InvalidParameterValueException,
                       match=re.escape("CreateBackupSelection.BackupSelection has no member Resource")):
        checks.request("CreateBackupSelection", {"BackupPlanId": "p", "BackupSelection": {
            "SelectionName": "s", "IamRoleArn": ROLE, "Resource": ["*"]}})


def test_vault_access_policy_must_be_a_policy_document(moto: MotoServer) -> None:
    backup = unchecked(moto)
    backup.create_backup_vault(BackupVaultName="primary")

    def put(policy: Any) -> Any:
        return backup.put_backup_vault_access_policy(BackupVaultName="primary", Policy=policy)

    invalid = "InvalidParameterValueException"
    statement = POLICY["Statement"][0]
    assert refused(lambda: put("{'Version': '2012-10-17'}"))[0] == invalid
    assert refused(lambda: put(json.dumps({"Statement": [statement]}))) == (
        invalid, "Policy needs Version 2012-10-17 or 2008-10-17")
    assert refused(lambda: put(json.dumps({"Version": "2012-10-17"}))) == (invalid, "Policy needs a Statement")
    assert refused(lambda: put(json.dumps({"Version": "2012-10-17", "Statement": []})))[0] == invalid
    assert refused(lambda: put(json.dumps({**POLICY, "Statement": [{**statement, "Effect": "Permit"}]}))) == (
        invalid, "Policy Statement[0] needs Effect Allow or Deny")
    no_principal = {k: v for k, v in statement.items() if k != "Principal"}
    assert refused(lambda: put(json.dumps({**POLICY, "Statement": [no_principal]}))) == (
        invalid, "Policy Statement[0] needs one of Principal or NotPrincipal")
    assert refused(lambda: put(json.dumps({**POLICY, "Statement": [{**statement, "NotAction": "backup:*"}]})))[
        0] == invalid
    assert refused(lambda: put(None))[0] == "MissingParameterValueException"
    with pytest.raises(ClientError) as error:  # nothing stored
        backup.get_backup_vault_access_policy(BackupVaultName="primary")
    assert code(error) == "ResourceNotFoundException"

    put(json.dumps(POLICY))
    assert json.loads(backup.get_backup_vault_access_policy(BackupVaultName="primary")["Policy"]) == POLICY
    put(json.dumps({**POLICY, "Statement": statement}))  # one statement need not be in a list


def test_vault_notifications_need_a_topic_arn_and_the_models_event_names(moto: MotoServer) -> None:
    backup = unchecked(moto)
    backup.create_backup_vault(BackupVaultName="primary")
    topic = f"arn:aws:sns:us-east-1:{ACCOUNT}:backup-events"

    def put(arn: Any = topic, events: Any = ("COPY_JOB_FAILED", "BACKUP_JOB_FAILED")) -> Any:
        return backup.put_backup_vault_notifications(BackupVaultName="primary", SNSTopicArn=arn,
                                                     BackupVaultEvents=list(events) if events else events)

    invalid = "InvalidParameterValueException"
    assert refused(lambda: put(events=["COPY_JOB_FAILED", "COPY_JOB_SUCCEEDED"]))[0] == invalid  # not in the model
    assert refused(lambda: put(events=["copy_job_failed"]))[0] == invalid
    assert refused(lambda: put(arn=f"arn:aws:sqs:us-east-1:{ACCOUNT}:backup-events")) == (
        invalid, f"SNSTopicArn arn:aws:sqs:us-east-1:{ACCOUNT}:backup-events is not an SNS topic ARN")
    assert refused(lambda: put(arn="backup-events"))[0] == invalid
    assert refused(lambda: put(events=None)) == (
        "MissingParameterValueException", "PutBackupVaultNotifications.BackupVaultEvents is required")
    with pytest.raises(ClientError) as error:  # nothing stored
        backup.get_backup_vault_notifications(BackupVaultName="primary")
    assert code(error) == "ResourceNotFoundException"

    put()
    got = backup.get_backup_vault_notifications(BackupVaultName="primary")
    assert (got["SNSTopicArn"], got["BackupVaultEvents"]) == (topic, ["COPY_JOB_FAILED", "BACKUP_JOB_FAILED"])


def test_region_settings_take_only_resource_types_aws_backup_knows(moto: MotoServer) -> None:
    backup = unchecked(moto)
    before = backup.describe_region_settings()
    invalid = "InvalidParameterValueException"
    assert refused(lambda: backup.update_region_settings(ResourceTypeOptInPreference={"Dsql": True})) == (
        invalid, "ResourceTypeOptInPreference: unsupported resource type(s) Dsql")
    assert refused(lambda: backup.update_region_settings(ResourceTypeOptInPreference={"DSQL ": True}))[0] == invalid
    assert refused(lambda: backup.update_region_settings(ResourceTypeManagementPreference={"EBS": True})) == (
        invalid, "ResourceTypeManagementPreference: unsupported resource type(s) EBS")
    assert refused(lambda: backup.update_region_settings(ResourceTypeOptInPreference={"DSQL": "true"}))[0] == invalid
    after = backup.describe_region_settings()
    assert (after["ResourceTypeOptInPreference"], after["ResourceTypeManagementPreference"]) == (
        before["ResourceTypeOptInPreference"], before["ResourceTypeManagementPreference"])  # nothing stored
    assert after["ResourceTypeOptInPreference"]["DSQL"] is False

    backup.update_region_settings(ResourceTypeOptInPreference={"DSQL": True, "Storage Gateway": False},
                                  ResourceTypeManagementPreference={"DSQL": True})
    after = backup.describe_region_settings()
    assert (after["ResourceTypeOptInPreference"]["DSQL"], after["ResourceTypeOptInPreference"]["Storage Gateway"],
            after["ResourceTypeManagementPreference"]["DSQL"]) == (True, False, True)
