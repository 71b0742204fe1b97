"""``dsql-backup restore`` through botocore's Stubber: the exact AWS calls of each path, in order.

Paths: single-Region (the newest completed recovery point over every vault the policy sends the cluster
to), multi-Region with the peer copy present and missing (copy job first; ``--no-copy`` stops with the
command), the backup account's vault (its own AWS Backup role), ``--dry-run`` (reads made, nothing
started), a recovery point of another cluster (refused unless ``--force``), no confirmation possible, a
failed job and AccessDenied. Expected values are written here, not taken from the code under test.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from tests.recovery_stubs import (
    APP,
    BACKUP,
    LEDGER_E1,
    LEDGER_E2,
    NEW_E1,
    NEW_E2,
    ORDERS,
    Stubs,
    point,
    rp,
    run_cli,
    vault,
)

NOW = dt.datetime.now(dt.UTC)
T1 = (NOW - dt.timedelta(hours=3)).replace(microsecond=0)
T0 = (NOW - dt.timedelta(hours=27)).replace(microsecond=0)
APP_ROLE = "arn:aws:iam::111111111111:role/acme-backup"
BACKUP_ROLE = "arn:aws:iam::222222222222:role/acme-backup"


@pytest.fixture(autouse=True)
def _times() -> None:
    """Recovery point times relative to when the test runs, not to when the module was imported (under
    xdist, minutes apart): the ages restore prints are then exact."""
    global NOW, T1, T0  # noqa: PLW0603
    NOW = dt.datetime.now(dt.UTC)
    T1 = (NOW - dt.timedelta(hours=3)).replace(microsecond=0)
    T0 = (NOW - dt.timedelta(hours=27)).replace(microsecond=0)


def run(*args: str) -> tuple[int, str, str]:
    return run_cli("restore", *args)


def regional(params: dict[str, Any]) -> list[dict[str, Any]]:
    return list(json.loads(params["Metadata"]["regionalConfig"]))


def cluster_doc(arn: str, status: str = "ACTIVE", peers: tuple[str, ...] = ()) -> dict[str, Any]:
    ident = arn.rsplit("/", 1)[1]
    doc: dict[str, Any] = {"identifier": ident, "arn": arn, "status": status, "creationTime": NOW,
                           "deletionProtectionEnabled": True, "endpoint": f"{ident}.dsql.{arn.split(':')[3]}.on.aws"}
    if peers:
        doc["multiRegionProperties"] = {"witnessRegion": "us-west-2", "clusters": list(peers)}
    return doc


def job_done(job: str, created: str) -> dict[str, Any]:
    return {"RestoreJobId": job, "Status": "COMPLETED", "PercentDone": "100.0", "CreatedResourceArn": created}


# --------------------------------------------------------------------------- single-Region


def orders_points(s: Stubs) -> None:
    """orders in us-east-1: an older and a newer completed backup, a newer one still running; its copy in the
    backup account's central vault."""
    s.identity("us-east-1", "app", APP)
    s.add("backup", "us-east-1", "app", "list_recovery_points_by_backup_vault", {"RecoveryPoints": [
        point(rp("us-east-1", APP, "OLD"), ORDERS, T0, "acme-local"),
        point(rp("us-east-1", APP, "NEW"), ORDERS, T1, "acme-local"),
        point(rp("us-east-1", APP, "RUNNING"), ORDERS, NOW, "acme-local", status="CREATING"),
    ]}, {"BackupVaultName": "acme-local", "ByResourceArn": ORDERS})
    s.identity("us-east-2", "backup", BACKUP)
    s.add("backup", "us-east-2", "backup", "list_recovery_points_by_backup_vault", {"RecoveryPoints": [
        point(rp("us-east-2", BACKUP, "COPY"), ORDERS, T1, "acme-central")]},
        {"BackupVaultName": "acme-central", "ByResourceArn": ORDERS})


def test_single_region_latest(stubs: Stubs, acme_policy: str) -> None:
    orders_points(stubs)
    stubs.add("backup", "us-east-1", "app", "start_restore_job", {"RestoreJobId": "job-1"})
    stubs.add("backup", "us-east-1", "app", "describe_restore_job",
              {"RestoreJobId": "job-1", "Status": "RUNNING", "PercentDone": "40.0"})
    stubs.add("backup", "us-east-1", "app", "describe_restore_job", job_done("job-1", NEW_E1))
    stubs.add("dsql", "us-east-1", "app", "get_cluster", cluster_doc(NEW_E1))
    rc, out, err = run(acme_policy, "orders", "--latest", "--arn", f"us-east-1={ORDERS}", "--yes")
    assert rc == 0, err
    assert stubs.calls == [
        "sts:GetCallerIdentity us-east-1 app",
        "backup:ListRecoveryPointsByBackupVault us-east-1 app",
        "sts:GetCallerIdentity us-east-2 backup",
        "backup:ListRecoveryPointsByBackupVault us-east-2 backup",
        "backup:StartRestoreJob us-east-1 app",
        "backup:DescribeRestoreJob us-east-1 app",
        "backup:DescribeRestoreJob us-east-1 app",
        "dsql:GetCluster us-east-1 app",
    ]
    stubs.assert_done()
    (start,) = stubs.params["backup:StartRestoreJob"]
    # the backup in the cluster's own vault, not its copy with the same creation time, nor the running one
    assert start["RecoveryPointArn"] == rp("us-east-1", APP, "NEW")
    assert start["IamRoleArn"] == APP_ROLE
    assert start["CopySourceTagsToRestoredResource"] is True
    assert start["Metadata"].keys() == {"regionalConfig"}
    assert regional(start) == [{"region": "us-east-1", "isDeletionProtectionEnabled": False}]
    assert out == f"us-east-1\t{NEW_E1}\tnewone\tnewone.dsql.us-east-1.on.aws\n"
    assert "(3.0 hours ago)" in err and "RUNNING 40.0%" in err and "COMPLETED" in err


def test_from_the_backup_accounts_vault(stubs: Stubs, acme_policy: str) -> None:
    """The workload account is the one in trouble: restore the copy in the backup account, as its role."""
    stubs.identity("us-east-2", "backup", BACKUP)
    stubs.add("backup", "us-east-2", "backup", "list_recovery_points_by_backup_vault", {"RecoveryPoints": [
        point(rp("us-east-2", BACKUP, "COPY"), ORDERS, T1, "acme-central")]},
        {"BackupVaultName": "acme-central", "ByResourceArn": ORDERS})
    stubs.add("backup", "us-east-2", "backup", "start_restore_job", {"RestoreJobId": "job-2"})
    stubs.add("backup", "us-east-2", "backup", "describe_restore_job", job_done("job-2", NEW_E2))
    stubs.add("dsql", "us-east-2", "backup", "get_cluster", cluster_doc(NEW_E2))
    rc, out, err = run(acme_policy, "orders", "--latest", "--account", "backup", "--arn", f"us-east-1={ORDERS}",
                       "--yes")
    assert rc == 0, err
    assert [c.split(" ", 1)[0] for c in stubs.calls] == [
        "sts:GetCallerIdentity", "backup:ListRecoveryPointsByBackupVault", "backup:StartRestoreJob",
        "backup:DescribeRestoreJob", "dsql:GetCluster"]
    assert all(c.endswith("us-east-2 backup") for c in stubs.calls), stubs.calls
    (start,) = stubs.params["backup:StartRestoreJob"]
    assert start["IamRoleArn"] == BACKUP_ROLE
    # the cluster's key belongs to its own account: the new cluster in the backup account gets the default key
    assert regional(start) == [{"region": "us-east-2", "isDeletionProtectionEnabled": False}]
    assert out.startswith(f"us-east-2\t{NEW_E2}\t")


# --------------------------------------------------------------------------- multi-Region


def ledger_points(s: Stubs, *, copy_there: bool) -> None:
    s.identity("us-east-1", "app", APP)
    s.add("backup", "us-east-1", "app", "list_recovery_points_by_backup_vault", {"RecoveryPoints": [
        point(rp("us-east-1", APP, "E1"), LEDGER_E1, T1, "acme-local")]},
        {"BackupVaultName": "acme-local", "ByResourceArn": LEDGER_E1})
    s.add("backup", "us-east-2", "app", "list_recovery_points_by_backup_vault", {"RecoveryPoints": [
        point(rp("us-east-2", APP, "E2"), LEDGER_E2, T0, "acme-local")]},
        {"BackupVaultName": "acme-local", "ByResourceArn": LEDGER_E2})
    copies = [point(rp("us-east-2", APP, "OLDCOPY"), LEDGER_E1, T0, "acme-local")]
    if copy_there:
        copies.append(point(rp("us-east-2", APP, "E1COPY"), LEDGER_E1, T1, "acme-local"))
    s.add("backup", "us-east-2", "app", "list_recovery_points_by_backup_vault", {"RecoveryPoints": copies},
          {"BackupVaultName": "acme-local", "ByResourceArn": LEDGER_E1})


def ledger_restore(s: Stubs) -> None:
    for region in ("us-east-1", "us-east-2"):
        s.add("kms", region, "app", "describe_key",
              {"KeyMetadata": {"KeyId": "k", "Arn": f"arn:aws:kms:{region}:{APP}:key/{region}-key"}},
              {"KeyId": "alias/acme-cluster-ledger"})
    s.add("backup", "us-east-1", "app", "start_restore_job", {"RestoreJobId": "job-m"})
    s.add("backup", "us-east-1", "app", "describe_restore_job", job_done("job-m", NEW_E1))
    s.add("dsql", "us-east-1", "app", "get_cluster", cluster_doc(NEW_E1, peers=(NEW_E1, NEW_E2)))
    s.add("dsql", "us-east-2", "app", "get_cluster", cluster_doc(NEW_E2, peers=(NEW_E1, NEW_E2)))


def assert_multi_region_metadata(start: dict[str, Any]) -> None:
    meta = start["Metadata"]
    assert start["RecoveryPointArn"] == rp("us-east-1", APP, "E1")
    assert meta["witnessRegion"] == "us-west-2"
    assert meta["useMultiRegionOrchestration"] == "true"
    assert json.loads(meta["peerRegion"]) == ["us-east-2"]  # the other peer only
    assert regional(start) == [
        {"region": "us-east-1", "isDeletionProtectionEnabled": True,
         "kmsKeyId": f"arn:aws:kms:us-east-1:{APP}:key/us-east-1-key"},
        {"region": "us-east-2", "isDeletionProtectionEnabled": True,
         "kmsKeyId": f"arn:aws:kms:us-east-2:{APP}:key/us-east-2-key"},
    ]


LEDGER_ARGS = ("ledger", "--latest", "--multi-region", "--arn", f"us-east-1={LEDGER_E1}", "--arn",
               f"us-east-2={LEDGER_E2}", "--yes")


def test_multi_region_with_the_copy_present(stubs: Stubs, acme_policy: str) -> None:
    ledger_points(stubs, copy_there=True)
    ledger_restore(stubs)
    rc, out, err = run(acme_policy, *LEDGER_ARGS)
    assert rc == 0, err
    assert [c.split(" ", 1)[0] for c in stubs.calls] == [
        "sts:GetCallerIdentity",
        "backup:ListRecoveryPointsByBackupVault",  # us-east-1: the newest point, in the Region the job runs in
        "backup:ListRecoveryPointsByBackupVault",  # us-east-2: that Region's own backups (older)
        "backup:ListRecoveryPointsByBackupVault",  # us-east-2: copies of the us-east-1 cluster
        "kms:DescribeKey", "kms:DescribeKey",
        "backup:StartRestoreJob", "backup:DescribeRestoreJob", "dsql:GetCluster", "dsql:GetCluster"]
    stubs.assert_done()
    (start,) = stubs.params["backup:StartRestoreJob"]
    assert_multi_region_metadata(start)
    assert "backup:StartCopyJob" not in stubs.params
    assert out.splitlines() == [f"us-east-1\t{NEW_E1}\tnewone\tnewone.dsql.us-east-1.on.aws",
                                f"us-east-2\t{NEW_E2}\tnewtwo\tnewtwo.dsql.us-east-2.on.aws"]


def test_multi_region_copies_first_when_the_copy_is_missing(stubs: Stubs, acme_policy: str) -> None:
    ledger_points(stubs, copy_there=False)
    stubs.add("backup", "us-east-1", "app", "start_copy_job", {"CopyJobId": "copy-1"})
    stubs.add("backup", "us-east-1", "app", "describe_copy_job", {"CopyJob": {"CopyJobId": "copy-1",
                                                                                "State": "RUNNING"}})
    stubs.add("backup", "us-east-1", "app", "describe_copy_job", {"CopyJob": {
        "CopyJobId": "copy-1", "State": "COMPLETED", "DestinationRecoveryPointArn": rp("us-east-2", APP, "C")}})
    ledger_restore(stubs)
    rc, _, err = run(acme_policy, *LEDGER_ARGS)
    assert rc == 0, err
    names = [c.split(" ", 1)[0] for c in stubs.calls]
    assert names[4:7] == ["backup:StartCopyJob", "backup:DescribeCopyJob", "backup:DescribeCopyJob"]
    assert names.index("backup:StartRestoreJob") > names.index("backup:StartCopyJob")
    (copy,) = stubs.params["backup:StartCopyJob"]
    copy.pop("IdempotencyToken", None)  # botocore fills it in
    assert copy == {"RecoveryPointArn": rp("us-east-1", APP, "E1"), "SourceBackupVaultName": "acme-local",
                    "DestinationBackupVaultArn": vault("us-east-2", APP, "acme-local"), "IamRoleArn": APP_ROLE,
                    "Lifecycle": {"DeleteAfterDays": 35}}
    assert_multi_region_metadata(stubs.params["backup:StartRestoreJob"][0])
    assert "copying it first" in err


def test_multi_region_no_copy_stops_with_the_command(stubs: Stubs, acme_policy: str) -> None:
    ledger_points(stubs, copy_there=False)
    rc, out, err = run(acme_policy, *LEDGER_ARGS, "--no-copy")
    assert rc == 1 and out == ""
    assert "no identical copy" in err and "aws backup start-copy-job --region us-east-1" in err
    assert not any(c.startswith(("backup:Start", "dsql:")) for c in stubs.calls), stubs.calls


def test_multi_region_of_a_single_region_cluster_is_a_clear_error(stubs: Stubs, acme_policy: str) -> None:
    rc, _, err = run(acme_policy, "orders", "--latest", "--multi-region", "--yes")
    assert rc == 1 and "'orders' is single-Region" in err and "Traceback" not in err
    assert stubs.calls == []


# --------------------------------------------------------------------------- dry run, safety


def test_dry_run_makes_the_reads_and_prints_the_restore_it_would_start(stubs: Stubs, acme_policy: str) -> None:
    orders_points(stubs)
    rc, out, err = run(acme_policy, "orders", "--latest", "--arn", f"us-east-1={ORDERS}", "--dry-run")
    assert rc == 0, err
    assert not any("Start" in c for c in stubs.calls), stubs.calls
    stubs.assert_done()
    assert "call backup:ListRecoveryPointsByBackupVault in app us-east-1" in err
    line = next(x for x in err.splitlines() if x.startswith("would call backup:StartRestoreJob in app us-east-1 "))
    params = json.loads(line.split(" us-east-1 ", 1)[1])
    assert params["RecoveryPointArn"] == rp("us-east-1", APP, "NEW") and params["IamRoleArn"] == APP_ROLE
    assert "dry run: nothing was changed" in err and out == ""


def test_a_recovery_point_of_another_cluster_is_refused_unless_forced(stubs: Stubs, acme_policy: str) -> None:
    other = f"arn:aws:dsql:us-east-1:{APP}:cluster/someoneelse"
    arn = rp("us-east-1", APP, "OTHER")

    def describe() -> None:
        stubs.add("backup", "us-east-1", "app", "describe_recovery_point",
                  {"RecoveryPointArn": arn, "ResourceArn": other, "Status": "COMPLETED", "CreationDate": T1,
                   "BackupVaultName": "acme-local"}, {"BackupVaultName": "acme-local", "RecoveryPointArn": arn})

    stubs.identity("us-east-1", "app", APP)
    describe()
    rc, _, err = run(acme_policy, "orders", "--recovery-point", arn, "--arn", f"us-east-1={ORDERS}", "--yes")
    assert rc == 1 and f"is a backup of {other}, not of cluster 'orders'" in err and "--force" in err
    assert "backup:StartRestoreJob" not in stubs.params
    stubs.identity("us-east-1", "app", APP)  # a new run checks the account again
    describe()
    stubs.add("backup", "us-east-1", "app", "start_restore_job", {"RestoreJobId": "job-f"})
    rc, out, err = run(acme_policy, "orders", "--recovery-point", arn, "--arn", f"us-east-1={ORDERS}", "--yes",
                       "--force", "--no-wait")
    assert rc == 0, err
    assert out == "job-f\n" and stubs.params["backup:StartRestoreJob"][0]["RecoveryPointArn"] == arn


def test_without_a_terminal_restore_needs_yes(stubs: Stubs, acme_policy: str) -> None:
    orders_points(stubs)
    rc, _, err = run(acme_policy, "orders", "--latest", "--arn", f"us-east-1={ORDERS}")
    assert rc == 2 and "confirm with --yes" in err
    assert "backup:StartRestoreJob" not in stubs.params


def test_a_failed_restore_job_says_why(stubs: Stubs, acme_policy: str) -> None:
    orders_points(stubs)
    stubs.add("backup", "us-east-1", "app", "start_restore_job", {"RestoreJobId": "job-x"})
    stubs.add("backup", "us-east-1", "app", "describe_restore_job",
              {"RestoreJobId": "job-x", "Status": "FAILED", "StatusMessage": "KMS key is disabled"})
    rc, out, err = run(acme_policy, "orders", "--latest", "--arn", f"us-east-1={ORDERS}", "--yes")
    assert rc == 1 and out == ""
    assert "restore job job-x ended FAILED: KMS key is disabled" in err and "Traceback" not in err


def test_access_denied_names_the_permission(stubs: Stubs, acme_policy: str) -> None:
    orders_points(stubs)
    stubs.error("backup", "us-east-1", "app", "start_restore_job", "AccessDeniedException", "not authorized", 403)
    rc, _, err = run(acme_policy, "orders", "--latest", "--arn", f"us-east-1={ORDERS}", "--yes")
    assert rc == 1
    assert "AWS refused StartRestoreJob" in err and "AccessDeniedException" in err
    assert "backup:StartRestoreJob and iam:PassRole" in err and "Traceback" not in err


def test_wrong_account_credentials_are_refused(stubs: Stubs, acme_policy: str) -> None:
    stubs.identity("us-east-1", "app", "999999999999")
    rc, _, err = run(acme_policy, "orders", "--latest", "--arn", f"us-east-1={ORDERS}", "--yes")
    assert rc == 1 and "credentials are for account 999999999999, not account 'app' (111111111111)" in err
    assert stubs.calls == ["sts:GetCallerIdentity us-east-1 app"]


def test_usage_errors(acme_policy: str) -> None:
    for args, message in ((("orders", "--latest", "--arn", "nonsense"), "expected REGION=ARN"),
                          (("orders", "--latest", "--no-copy"), "--no-copy only applies with --multi-region"),
                          (("orders", "--latest", "--account", "nope"), "the policy has no such account"),
                          (("orders",), "one of the arguments --recovery-point --latest is required")):
        rc, _, err = run(acme_policy, *args)
        assert rc == 2 and message in err, (args, err)
    rc, _, err = run(acme_policy, "order", "--latest")
    assert rc == 1 and "did you mean 'orders'" in err


def test_interrupted_wait_says_the_job_goes_on(stubs: Stubs, acme_policy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.recovery import engine
    from generator.recovery.wait import Clock

    def interrupt(_: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(engine, "Clock", lambda: Clock(sleep=interrupt))
    orders_points(stubs)
    stubs.add("backup", "us-east-1", "app", "start_restore_job", {"RestoreJobId": "job-i"})
    stubs.add("backup", "us-east-1", "app", "describe_restore_job", {"RestoreJobId": "job-i", "Status": "RUNNING"})
    rc, _, err = run(acme_policy, "orders", "--latest", "--arn", f"us-east-1={ORDERS}", "--yes")
    assert rc == 130
    assert "interrupted: restore job job-i goes on in AWS" in err and "--restore-job-id job-i" in err
