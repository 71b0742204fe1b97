"""``backup-now``, ``restore`` and ``drill`` end to end against the moto server (tests/moto_ext adds AWS
Backup's jobs and recovery points, and test-only faults), through the CLI with ``--endpoint-url``.

The world is made with boto3 (no terraform: the compiled roots are applied in tests/test_e2e_moto.py): an
application account (moto's default account) with adopted clusters, one single-Region and one multi-Region,
vaults in both peer Regions, and a backup account (reached by assuming its ``role_arn`` through STS) with a
central vault. Every failure path of the drill ends with the same check: no cluster the drill created is
left (every cluster not there before the drill is deleted), listed through the DSQL API.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator import cli
from tests.moto_ext import MotoServer

# one emulator, one ordered scenario: the tests build on the recovery points and copies the earlier ones made
pytestmark = pytest.mark.xdist_group("recovery-moto")

APP = "123456789012"  # moto's default account: the base credentials
BACKUP = "222222222222"
BACKUP_DEPLOYER = f"arn:aws:iam::{BACKUP}:role/deployer"
ROLE = f"arn:aws:iam::{APP}:role/acme-backup"
REGIONS = ("us-east-1", "us-east-2")

POLICY = """\
version: 1
name: acme
organization: {{ id: o-abc1234567, management_account: app }}
accounts:
  app: {{ id: "{app}" }}
  backup: {{ id: "{backup}", role_arn: "{deployer}" }}
clusters:
  orders:
    account: app
    regions: [us-east-1]
    deletion_protection: false
    existing_arns: {{ us-east-1: "{orders}" }}
  ledger:
    account: app
    regions: [us-east-1, us-east-2]
    witness_region: us-west-2
    deletion_protection: false
    existing_arns: {{ us-east-1: "{ledger1}", us-east-2: "{ledger2}" }}
  empty:
    account: app
    regions: [us-east-1]
    deletion_protection: false
    existing_arns: {{ us-east-1: "{empty}" }}
vaults:
  local: {{ account: app, regions: [us-east-1, us-east-2] }}
  central: {{ account: backup, regions: [us-east-2] }}
plans:
  orders:
    targets: {{ clusters: [orders, empty] }}
    rules:
      - name: daily
        schedule: cron(0 5 ? * * *)
        vault: local
        retention_days: 35
        copy_to: [{{ vault: central, region: us-east-2, retention_days: 90 }}]
  ledger:
    targets: {{ clusters: [ledger] }}
    rules:
      - name: daily
        schedule: cron(0 5 ? * * *)
        vault: local
        retention_days: 35
        copy_to: [{{ vault: local, regions: peers, retention_days: 35 }}]
"""


def dsb(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = cli.main(list(args), stdout=out, stderr=err)
    return rc, out.getvalue(), err.getvalue()


class World:
    def __init__(self, moto: MotoServer, policy: Path) -> None:
        self.moto = moto
        self.policy = str(policy)
        self.arns: dict[str, str] = {}

    def aws(self, *args: str) -> tuple[str, ...]:
        """The options every command here needs: the emulator, no waiting between polls."""
        return (*args, "--endpoint-url", self.moto.url, "--poll-seconds", "0")

    def live(self, account: str = "app") -> set[str]:
        """ARNs of the clusters of ``account`` that are not being deleted, in both Regions."""
        role = BACKUP_DEPLOYER if account == "backup" else None
        out = set()
        for region in REGIONS:
            dsql = self.moto.client("dsql", region, role)
            for c in dsql.list_clusters()["clusters"]:
                try:
                    status = dsql.get_cluster(identifier=c["identifier"])["status"]
                except dsql.exceptions.ResourceNotFoundException:  # deleted
                    continue
                if status not in ("DELETING", "DELETED"):
                    out.add(c["arn"])
        return out

    def backup_now(self, cluster: str) -> None:
        rc, out, err = dsb(*self.aws("backup-now", self.policy, cluster)[:-2])  # backup-now does not poll
        assert rc == 0, err
        for line in out.splitlines():  # wait for each job as a person would: describe-backup-job until done
            region, job = line.split("\t")[:2]
            backup = self.moto.client("backup", region)
            states = [backup.describe_backup_job(BackupJobId=job)["State"] for _ in range(2)]
            assert states == ["RUNNING", "COMPLETED"], states


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    env = pytest.MonkeyPatch()  # the CLI's base credentials: moto's default account
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        env.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        env.delenv(name, raising=False)
    moto = MotoServer(iam_managed_policies=False).start()
    try:
        moto.reset()
        arns = {}
        for key, region in (("orders", "us-east-1"), ("ledger1", "us-east-1"), ("ledger2", "us-east-2"),
                            ("empty", "us-east-1")):
            arns[key] = moto.client("dsql", region).create_cluster(
                deletionProtectionEnabled=True, tags={"app": key})["arn"]
        for region in REGIONS:
            moto.client("backup", region).create_backup_vault(BackupVaultName="acme-local")
        moto.client("backup", "us-east-2", BACKUP_DEPLOYER).create_backup_vault(BackupVaultName="acme-central")
        policy = tmp_path_factory.mktemp("recovery") / "acme.yaml"
        policy.write_text(POLICY.format(app=APP, backup=BACKUP, deployer=BACKUP_DEPLOYER, **arns), encoding="utf-8")
        w = World(moto, policy)
        w.arns = arns
        w.backup_now("orders")
        w.backup_now("ledger")
        yield w
    finally:
        moto.stop()
        env.undo()


@pytest.fixture(autouse=True)
def no_faults(world: World) -> None:
    world.moto.clear_faults()


# --------------------------------------------------------------------------- restore


def test_restore_latest_creates_a_new_cluster_and_leaves_the_source_alone(world: World) -> None:
    before = world.live()
    rc, out, err = dsb(*world.aws("restore", world.policy, "orders", "--latest", "--yes"))
    assert rc == 0, err
    region, arn, ident, endpoint = out.strip().split("\t")
    assert region == "us-east-1" and arn.startswith(f"arn:aws:dsql:us-east-1:{APP}:cluster/")
    assert world.live() == before | {arn}
    dsql = world.moto.client("dsql", "us-east-1")
    new = dsql.get_cluster(identifier=ident)
    assert new["status"] == "ACTIVE" and endpoint.startswith(ident)
    assert new["deletionProtectionEnabled"] is False  # as the policy says for orders
    assert new["tags"]["app"] == "orders"  # the source's tags, copied
    source = dsql.get_cluster(identifier=world.arns["orders"].rsplit("/", 1)[1])
    assert source["status"] == "ACTIVE" and source["deletionProtectionEnabled"] is True  # untouched
    assert "hours ago" in err and "COMPLETED" in err


def test_restore_multi_region_copies_to_the_peer_first(world: World) -> None:
    """backup-now made one recovery point per Region and no copies: the restore copies the newest one to
    the peer Region, then restores both peers with the witness."""
    before = world.live()
    rc, out, err = dsb(*world.aws("restore", world.policy, "ledger", "--latest", "--multi-region", "--yes"))
    assert rc == 0, err
    assert "copying it first" in err and "started copy job" in err
    lines = [x.split("\t") for x in out.strip().splitlines()]
    assert sorted(x[0] for x in lines) == ["us-east-1", "us-east-2"]
    created = {x[1] for x in lines}
    assert world.live() == before | created
    for region, arn, ident, _ in lines:
        props = world.moto.client("dsql", region).get_cluster(identifier=ident)["multiRegionProperties"]
        assert props["witnessRegion"] == "us-west-2" and set(props["clusters"]) == created, (arn, props)
    # the copy is there now: a second multi-Region restore finds it and copies nothing
    rc, _, err = dsb(*world.aws("restore", world.policy, "ledger", "--latest", "--multi-region", "--yes",
                                "--no-copy", "--no-wait"))
    assert rc == 0, err
    assert "identical copy in" in err and "started copy job" not in err


def test_restore_from_the_backup_accounts_copy(world: World) -> None:
    """The workload account is the one in trouble: copy into the central vault, restore there as the backup
    account (its role_arn assumed through STS)."""
    app = world.moto.client("backup", "us-east-1")
    point = app.list_recovery_points_by_backup_vault(BackupVaultName="acme-local",
                                                     ByResourceArn=world.arns["orders"])["RecoveryPoints"][0]
    job = app.start_copy_job(RecoveryPointArn=point["RecoveryPointArn"], SourceBackupVaultName="acme-local",
                             DestinationBackupVaultArn=f"arn:aws:backup:us-east-2:{BACKUP}:backup-vault:acme-central",
                             IamRoleArn=ROLE)["CopyJobId"]
    assert [app.describe_copy_job(CopyJobId=job)["CopyJob"]["State"] for _ in range(2)][-1] == "COMPLETED"
    before = world.live("backup")
    rc, out, err = dsb(*world.aws("restore", world.policy, "orders", "--latest", "--account", "backup", "--yes"))
    assert rc == 0, err
    region, arn = out.split("\t")[:2]
    assert region == "us-east-2" and f":{BACKUP}:cluster/" in arn
    assert world.live("backup") == before | {arn}


def test_restore_dry_run_starts_nothing(world: World) -> None:
    before = world.live()
    rc, _, err = dsb(*world.aws("restore", world.policy, "orders", "--latest", "--dry-run"))
    assert rc == 0, err
    assert "would call backup:StartRestoreJob" in err and "call backup:ListRecoveryPointsByBackupVault" in err
    assert world.live() == before


# --------------------------------------------------------------------------- drill


def drill(world: World, tmp_path: Path, *args: str) -> tuple[int, str, str, dict[str, Any]]:
    report = tmp_path / "drill.json"
    rc, out, err = dsb(*world.aws("drill", world.policy), *args, "--json", str(report))  # args may override
    return rc, out, err, json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}


def test_drill_passes_and_deletes_its_clusters(world: World, tmp_path: Path) -> None:
    before = world.live()
    rc, out, err, doc = drill(world, tmp_path, "--cluster", "orders", "--cluster", "ledger")
    assert rc == 0, out + err
    assert doc["summary"] == {"drills": 2, "passed": 2, "failed": 0, "passed_all": True}
    by = {d["cluster"]: d for d in doc["drills"]}
    assert by["orders"]["kind"] == "single-Region" and len(by["orders"]["restored"]) == 1
    assert by["ledger"]["kind"] == "multi-Region" and len(by["ledger"]["restored"]) == 2
    assert by["ledger"]["peer_copy"] == "present"  # the restore test above left the copy
    for d in by.values():
        assert d["rto_seconds"] is not None and all(c["ok"] for c in d["checks"])
        assert [x.split(" ", 1)[0] for x in d["cleanup"]] == ["deleted"] * len(d["restored"])
    assert world.live() == before  # every drill cluster deleted


def test_drill_with_no_recovery_point_fails(world: World, tmp_path: Path) -> None:
    before = world.live()
    rc, out, _, doc = drill(world, tmp_path, "--cluster", "empty")
    assert rc == 1
    assert "us-east-1: no completed recovery point in acme-local" in out
    assert doc["drills"][0]["restore_job"] is None and world.live() == before


@pytest.mark.parametrize(("fault", "expected"), [
    ({"job": "restore", "state": "FAILED", "message": "Injected: KMS key disabled"},
     "ended FAILED: Injected: KMS key disabled"),
    ({"job": "restore", "state": "ABORTED", "effect": True, "message": "Injected abort after create"},
     "ended ABORTED: Injected abort after create"),
    ({"operation": "StartRestoreJob", "message": "not authorized"}, "backup:StartRestoreJob and iam:PassRole"),
    ({"operation": "ListRecoveryPointsByBackupVault"}, "AWS refused ListRecoveryPointsByBackupVault"),
], ids=["restore-failed", "restore-aborted", "access-denied-restore", "access-denied-list"])
def test_drill_failures_leave_no_cluster(world: World, tmp_path: Path, fault: dict[str, Any], expected: str) -> None:
    before = world.live()
    world.moto.fault(**fault)
    rc, out, err, doc = drill(world, tmp_path, "--cluster", "orders")
    assert rc == 1, out + err
    assert expected in out and "Traceback" not in err
    assert doc["drills"][0]["passed"] is False
    assert world.live() == before


def test_drill_fails_when_the_newest_backup_is_older_than_the_rpo(world: World, tmp_path: Path) -> None:
    """30 hours after the last backup (the emulator's recovery points made older), the daily rule's promise
    (24 h, plus the default start window of 1 h) is broken: the drill fails, and still restores and deletes."""
    before = world.live()
    assert world.moto.age_recovery_points(30) > 0
    try:
        rc, out, _, doc = drill(world, tmp_path, "--cluster", "orders")
    finally:
        world.moto.age_recovery_points(-30)
    assert rc == 1
    # 30 hours plus the minutes since the module's backups
    assert re.search(r"us-east-1: the newest recovery point is 30\.\d hours old; the policy promises at most 25 ", out)
    (check,) = doc["drills"][0]["checks"]
    assert check["ok"] is False and check["allowed_hours"] == 25
    assert len(doc["drills"][0]["restored"]) == 1 and world.live() == before


def test_drill_copy_job_failure(world: World, tmp_path: Path) -> None:
    """A fresh backup of ledger in us-east-1 has no copy in us-east-2 yet; the drill's copy job fails."""
    world.backup_now("ledger")
    before = world.live()
    world.moto.fault(job="copy", state="FAILED", message="Injected: destination vault locked")
    rc, out, _, doc = drill(world, tmp_path, "--cluster", "ledger")
    assert rc == 1
    assert "copy job" in out and "ended FAILED: Injected: destination vault locked" in out
    assert doc["drills"][0]["restore_job"] is None and world.live() == before


def test_drill_timeout_still_deletes_the_cluster_that_arrives_late(world: World, tmp_path: Path) -> None:
    """The restore job outlives --timeout (0.01 min); the drill waits for it (--cleanup-wait) and deletes
    the cluster it creates."""
    before = world.live()
    world.moto.fault(job="restore", delay=15)
    rc, out, err, doc = drill(world, tmp_path, "--cluster", "orders", "--timeout", "0.01", "--poll-seconds", "0.2",
                              "--cleanup-wait", "0.5")
    assert rc == 1, out + err
    d = doc["drills"][0]
    assert d["failures"][0].startswith("timeout: restore job") and "did not finish within 0:01" in d["failures"][0]
    assert [x.split(" ", 1)[0] for x in d["cleanup"]] == ["deleted"], d["cleanup"]
    assert world.live() == before


def test_drill_interrupted_during_the_wait_deletes_what_it_created(world: World) -> None:
    from generator.insight.recovery_sites import policy_recovery
    from generator.policy.validate import validate_file
    from generator.recovery import drill as drills
    from generator.recovery.clients import Clients, boto3_make
    from generator.recovery.engine import Engine
    from generator.recovery.wait import Clock

    calls = {"sleeps": 0}

    def sleep(_: float) -> None:
        calls["sleeps"] += 1
        if calls["sleeps"] == 1:
            raise KeyboardInterrupt  # Ctrl-C while the restore job runs

    v = validate_file(world.policy)
    assert v.policy is not None
    pr = policy_recovery(v.policy)
    clients = Clients(pr.accounts, boto3_make(pr.accounts, endpoint_url=world.moto.url))
    engine = Engine(clients, pr, clock=Clock(sleep=sleep), poll_seconds=0, timeout_seconds=60)
    before = world.live()
    with pytest.raises(KeyboardInterrupt):
        drills.drill_cluster(engine, pr.clusters["orders"], {"us-east-1": world.arns["orders"]},
                             drills.Options("interrupted"))
    assert world.live() == before


def test_drill_keep_then_cleanup(world: World, tmp_path: Path) -> None:
    before = world.live()
    rc, out, err, doc = drill(world, tmp_path, "--cluster", "orders", "--keep")
    assert rc == 0, out + err
    (kept,) = world.live() - before
    assert doc["drills"][0]["cleanup"] == [f"kept {kept}"]
    tags = world.moto.client("dsql", "us-east-1").get_cluster(identifier=kept.rsplit("/", 1)[1])["tags"]
    assert tags["dsql-backup:drill"] == doc["run_id"] and tags["dsql-backup:source"] == "orders"
    rc, out, err = dsb(*world.aws("drill", world.policy, "--cleanup", "--older-than", "1"))
    assert rc == 0 and out == "", out + err  # younger than an hour: kept
    rc, out, err = dsb(*world.aws("drill", world.policy, "--cleanup", "--older-than", "0"))
    assert rc == 0, err
    assert out == f"deleted {kept} (drill {doc['run_id']} of orders)\n"
    assert world.live() == before
