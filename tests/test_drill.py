"""``dsql-backup drill`` through botocore's Stubber: the calls of a passing drill, the reports, and every
failure path, each with its message and no cluster left behind (a DeleteCluster for every cluster the drill
created, asserted from the calls made).

Failure paths: no recovery point, a recovery point older than the RPO, copy job failed, restore job failed,
timeout (the late cluster is still deleted), AccessDenied, interrupt during the wait. Waits run on a fake
clock: ``sleep`` advances it.
"""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from generator.insight.recovery_sites import policy_recovery
from generator.policy.validate import validate_text
from generator.recovery import drill
from generator.recovery.engine import Engine
from generator.recovery.wait import Clock
from tests.recovery_stubs import (
    APP,
    LEDGER_E1,
    LEDGER_E2,
    NEW_E1,
    NEW_E2,
    ORDERS,
    POLICY,
    Stubs,
    clients,
    point,
    rp,
    run_cli,
)

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
FRESH = NOW - dt.timedelta(hours=3)
STALE = NOW - dt.timedelta(hours=30)  # the daily rule promises 24 h, plus the default start window of 1 h


@pytest.fixture(autouse=True)
def _times() -> None:
    """Recovery point times relative to when the test runs, not to when the module was imported (under
    xdist, minutes apart): the ages the drill prints are then exact."""
    global NOW, FRESH, STALE  # noqa: PLW0603
    NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
    FRESH, STALE = NOW - dt.timedelta(hours=3), NOW - dt.timedelta(hours=30)


def run(*args: str) -> tuple[int, str, str]:
    return run_cli("drill", *args)


def cluster(arn: str, status: str = "ACTIVE", peers: tuple[str, ...] = (), tags: dict[str, str] | None = None,
            protected: bool = False) -> dict[str, Any]:
    ident = arn.rsplit("/", 1)[1]
    doc: dict[str, Any] = {"identifier": ident, "arn": arn, "status": status, "creationTime": NOW,
                           "deletionProtectionEnabled": protected}
    if peers:
        doc["multiRegionProperties"] = {"witnessRegion": "us-west-2", "clusters": list(peers)}
    if tags is not None:
        doc["tags"] = tags
    return doc


def orders_newest(s: Stubs, created: dt.datetime | None) -> None:
    s.identity("us-east-1", "app", APP)
    points = [] if created is None else [point(rp("us-east-1", APP, "P"), ORDERS, created, "acme-local")]
    s.add("backup", "us-east-1", "app", "list_recovery_points_by_backup_vault", {"RecoveryPoints": points},
          {"BackupVaultName": "acme-local", "ByResourceArn": ORDERS})


def restored_and_deleted(s: Stubs, region: str, arn: str, peers: tuple[str, ...] = ()) -> None:
    """GetCluster (its peers), TagResource, GetCluster (ACTIVE) ... then GetCluster + DeleteCluster."""
    s.add("dsql", region, "app", "tag_resource", {})
    s.add("dsql", region, "app", "get_cluster", cluster(arn, "ACTIVE", peers))


def deletion(s: Stubs, region: str, arn: str) -> None:
    s.add("dsql", region, "app", "get_cluster", cluster(arn, "ACTIVE"))
    s.add("dsql", region, "app", "delete_cluster",
          {"identifier": arn.rsplit("/", 1)[1], "arn": arn, "status": "DELETING", "creationTime": NOW},
          {"identifier": arn.rsplit("/", 1)[1]})


def orders_restore(s: Stubs, job: str = "job-1") -> None:
    s.add("backup", "us-east-1", "app", "start_restore_job", {"RestoreJobId": job})
    s.add("backup", "us-east-1", "app", "describe_restore_job", {"RestoreJobId": job, "Status": "RUNNING"})
    s.add("backup", "us-east-1", "app", "describe_restore_job",
          {"RestoreJobId": job, "Status": "COMPLETED", "CreatedResourceArn": NEW_E1})
    s.add("dsql", "us-east-1", "app", "get_cluster", cluster(NEW_E1, "CREATING"))  # its peers: none


def deleted(s: Stubs) -> list[str]:
    return [p["identifier"] for p in s.params.get("dsql:DeleteCluster", [])]


# --------------------------------------------------------------------------- a passing drill, and its reports


def test_a_passing_drill_restores_checks_and_deletes(stubs: Stubs, acme_policy: str, tmp_path: Path) -> None:
    orders_newest(stubs, FRESH)
    orders_restore(stubs)
    restored_and_deleted(stubs, "us-east-1", NEW_E1)
    deletion(stubs, "us-east-1", NEW_E1)
    reports = {k: str(tmp_path / f"drill.{k}") for k in ("json", "junit", "markdown")}
    rc, out, err = run(acme_policy, "--cluster", "orders", "--arn", f"orders/us-east-1={ORDERS}",
                       "--json", reports["json"], "--junit", reports["junit"], "--markdown", reports["markdown"])
    assert rc == 0, err + out
    assert [c.split(" ", 1)[0] for c in stubs.calls] == [
        "sts:GetCallerIdentity", "backup:ListRecoveryPointsByBackupVault", "backup:StartRestoreJob",
        "backup:DescribeRestoreJob", "backup:DescribeRestoreJob", "dsql:GetCluster", "dsql:TagResource",
        "dsql:GetCluster", "dsql:GetCluster", "dsql:DeleteCluster"]
    stubs.assert_done()
    (start,) = stubs.params["backup:StartRestoreJob"]
    assert json.loads(start["Metadata"]["regionalConfig"]) == [
        {"region": "us-east-1", "isDeletionProtectionEnabled": False}]  # a drill cluster can always be deleted
    (tag,) = stubs.params["dsql:TagResource"]
    assert tag["resourceArn"] == NEW_E1
    assert tag["tags"]["dsql-backup:policy"] == "acme" and tag["tags"]["dsql-backup:source"] == "orders"
    assert tag["tags"]["dsql-backup:drill"] and tag["tags"]["dsql-backup:drill-started"].endswith("Z")
    assert deleted(stubs) == ["newone"]

    doc = json.loads(Path(reports["json"]).read_text(encoding="utf-8"))
    assert doc["format"] == "dsql-backup/drill-report" and doc["version"] == 1
    assert doc["summary"] == {"drills": 1, "passed": 1, "failed": 0, "passed_all": True}
    (d,) = doc["drills"]
    assert d["cluster"] == "orders" and d["passed"] is True and d["failures"] == []
    assert d["recovery_point"] == rp("us-east-1", APP, "P")
    (check,) = d["checks"]
    assert check["region"] == "us-east-1" and check["ok"] is True and check["allowed_hours"] == 25
    assert 2.9 < check["age_hours"] < 3.1
    assert d["rto_seconds"] is not None and d["cleanup"] == [f"deleted {NEW_E1}"]
    suite = ET.parse(reports["junit"]).getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "1" and suite.get("failures") == "0"
    assert "| orders | app | us-east-1 | single-Region |" in Path(reports["markdown"]).read_text(encoding="utf-8")
    assert "PASS" in out and "1 of 1 passed" in out


# --------------------------------------------------------------------------- failure paths


def test_no_recovery_point_fails_and_restores_nothing(stubs: Stubs, acme_policy: str) -> None:
    orders_newest(stubs, None)
    rc, out, _ = run(acme_policy, "--cluster", "orders", "--arn", f"orders/us-east-1={ORDERS}")
    assert rc == 1
    assert "orders: us-east-1: no completed recovery point in acme-local" in out and "FAIL" in out
    assert "backup:StartRestoreJob" not in stubs.params


def test_a_backup_older_than_the_rpo_fails_the_drill(stubs: Stubs, acme_policy: str, tmp_path: Path) -> None:
    orders_newest(stubs, STALE)
    orders_restore(stubs)
    restored_and_deleted(stubs, "us-east-1", NEW_E1)
    deletion(stubs, "us-east-1", NEW_E1)
    rc, out, _ = run(acme_policy, "--cluster", "orders", "--arn", f"orders/us-east-1={ORDERS}", "--junit",
                     str(tmp_path / "j.xml"))
    assert rc == 1
    assert "the newest recovery point is 30.0 hours old; the policy promises at most 25" in out
    assert deleted(stubs) == ["newone"]  # restored anyway (the RTO is still measured), and deleted
    failure = ET.parse(tmp_path / "j.xml").getroot().find("testsuite/testcase/failure")
    assert failure is not None and "30.0 hours old" in (failure.get("message") or "")


def test_a_failed_restore_job_fails_the_drill(stubs: Stubs, acme_policy: str) -> None:
    orders_newest(stubs, FRESH)
    stubs.add("backup", "us-east-1", "app", "start_restore_job", {"RestoreJobId": "job-x"})
    stubs.add("backup", "us-east-1", "app", "describe_restore_job",
              {"RestoreJobId": "job-x", "Status": "FAILED", "StatusMessage": "role cannot use the key"})
    stubs.add("backup", "us-east-1", "app", "describe_restore_job",  # the clean-up looks once more
              {"RestoreJobId": "job-x", "Status": "FAILED", "StatusMessage": "role cannot use the key"})
    rc, out, _ = run(acme_policy, "--cluster", "orders", "--arn", f"orders/us-east-1={ORDERS}")
    assert rc == 1 and "restore job job-x ended FAILED: role cannot use the key" in out
    assert deleted(stubs) == []  # nothing was created
    stubs.assert_done()


def test_access_denied_is_a_failed_drill_with_the_permission_named(stubs: Stubs, acme_policy: str) -> None:
    orders_newest(stubs, FRESH)
    stubs.error("backup", "us-east-1", "app", "start_restore_job", "AccessDeniedException", "no", 403)
    rc, out, err = run(acme_policy, "--cluster", "orders", "--arn", f"orders/us-east-1={ORDERS}")
    assert rc == 1 and "Traceback" not in err
    assert "AWS refused StartRestoreJob" in out and "backup:StartRestoreJob and iam:PassRole" in out


def test_a_cluster_that_cannot_be_deleted_is_reported_left_behind(stubs: Stubs, acme_policy: str) -> None:
    orders_newest(stubs, FRESH)
    orders_restore(stubs)
    restored_and_deleted(stubs, "us-east-1", NEW_E1)
    stubs.add("dsql", "us-east-1", "app", "get_cluster", cluster(NEW_E1))
    stubs.error("dsql", "us-east-1", "app", "delete_cluster", "AccessDeniedException", "no", 403)
    rc, out, _ = run(acme_policy, "--cluster", "orders", "--arn", f"orders/us-east-1={ORDERS}")
    assert rc == 1
    assert f"cluster {NEW_E1} was left behind" in out and "dsql:DeleteCluster" in out


def test_keep_leaves_the_cluster(stubs: Stubs, acme_policy: str) -> None:
    orders_newest(stubs, FRESH)
    orders_restore(stubs)
    restored_and_deleted(stubs, "us-east-1", NEW_E1)
    rc, out, err = run(acme_policy, "--cluster", "orders", "--arn", f"orders/us-east-1={ORDERS}", "--keep")
    assert rc == 0, out + err
    assert deleted(stubs) == []
    stubs.assert_done()


# multi-Region: the copy the policy promises is missing -> copied by the drill, and the drill fails


def ledger(s: Stubs, *, copy_state: str | None) -> None:
    s.identity("us-east-1", "app", APP)
    s.add("backup", "us-east-1", "app", "list_recovery_points_by_backup_vault", {"RecoveryPoints": [
        point(rp("us-east-1", APP, "E1"), LEDGER_E1, FRESH, "acme-local")]})
    s.add("backup", "us-east-2", "app", "list_recovery_points_by_backup_vault", {"RecoveryPoints": [
        point(rp("us-east-2", APP, "E2"), LEDGER_E2, FRESH - dt.timedelta(hours=1), "acme-local")]})
    s.add("backup", "us-east-2", "app", "list_recovery_points_by_backup_vault", {"RecoveryPoints": []},
          {"BackupVaultName": "acme-local", "ByResourceArn": LEDGER_E1})
    if copy_state is not None:
        s.add("backup", "us-east-1", "app", "start_copy_job", {"CopyJobId": "copy-1"})
        s.add("backup", "us-east-1", "app", "describe_copy_job", {"CopyJob": {
            "CopyJobId": "copy-1", "State": copy_state, "StatusMessage": "destination vault is locked"}})


LEDGER = ("--cluster", "ledger", "--arn", f"ledger/us-east-1={LEDGER_E1}", "--arn", f"ledger/us-east-2={LEDGER_E2}")


def test_multi_region_missing_peer_copy_is_copied_and_fails_the_drill(stubs: Stubs, acme_policy: str) -> None:
    ledger(stubs, copy_state="COMPLETED")
    for region in ("us-east-1", "us-east-2"):
        stubs.add("kms", region, "app", "describe_key", {"KeyMetadata": {
            "KeyId": "k", "Arn": f"arn:aws:kms:{region}:{APP}:key/k"}})
    stubs.add("backup", "us-east-1", "app", "start_restore_job", {"RestoreJobId": "job-m"})
    stubs.add("backup", "us-east-1", "app", "describe_restore_job",
              {"RestoreJobId": "job-m", "Status": "COMPLETED", "CreatedResourceArn": NEW_E1})
    stubs.add("dsql", "us-east-1", "app", "get_cluster", cluster(NEW_E1, "CREATING", (NEW_E1, NEW_E2)))
    restored_and_deleted(stubs, "us-east-1", NEW_E1)
    stubs.add("dsql", "us-east-2", "app", "tag_resource", {})
    stubs.add("dsql", "us-east-2", "app", "get_cluster", cluster(NEW_E2, "ACTIVE"))
    deletion(stubs, "us-east-1", NEW_E1)
    deletion(stubs, "us-east-2", NEW_E2)
    rc, out, err = run(acme_policy, *LEDGER)
    assert rc == 1, err
    assert "us-east-2: the copy the policy promises into acme-local was not there; the drill copied it" in out
    assert deleted(stubs) == ["newone", "newtwo"]  # both peers the multi-Region restore created
    meta = stubs.params["backup:StartRestoreJob"][0]["Metadata"]
    assert json.loads(meta["peerRegion"]) == ["us-east-2"] and meta["witnessRegion"] == "us-west-2"
    assert all(c["isDeletionProtectionEnabled"] is False for c in json.loads(meta["regionalConfig"]))
    stubs.assert_done()


def test_a_failed_copy_job_fails_the_drill_and_restores_nothing(stubs: Stubs, acme_policy: str) -> None:
    ledger(stubs, copy_state="FAILED")
    rc, out, _ = run(acme_policy, *LEDGER)
    assert rc == 1 and "copy job copy-1 ended FAILED: destination vault is locked" in out
    assert "backup:StartRestoreJob" not in stubs.params and deleted(stubs) == []


# --------------------------------------------------------------------------- timeout and interrupt (fake clock)


class FakeClock(Clock):
    def __init__(self, interrupt_at: int | None = None) -> None:
        self.t = 0.0
        self.sleeps = 0
        self.interrupt_at = interrupt_at
        super().__init__(now=lambda: self.t, sleep=self._sleep)

    def _sleep(self, seconds: float) -> None:
        self.sleeps += 1
        if self.sleeps == self.interrupt_at:
            raise KeyboardInterrupt
        self.t += max(seconds, 1.0)


def engine(stubs: Stubs, clock: Clock) -> Engine:
    v = validate_text(POLICY, "acme.yaml")
    assert v.policy is not None
    return Engine(clients(stubs), policy_recovery(v.policy), clock=clock, poll_seconds=30, timeout_seconds=120)


def test_timeout_still_deletes_the_cluster_the_job_creates_later(stubs: Stubs) -> None:
    orders_newest(stubs, FRESH)
    stubs.add("backup", "us-east-1", "app", "start_restore_job", {"RestoreJobId": "slow"})
    running = {"RestoreJobId": "slow", "Status": "RUNNING", "PercentDone": "10.0"}
    for _ in range(5):  # t = 0, 30, 60, 90, 120: the drill gives up
        stubs.add("backup", "us-east-1", "app", "describe_restore_job", running)
    stubs.add("backup", "us-east-1", "app", "describe_restore_job", running)  # clean-up: still running
    stubs.add("backup", "us-east-1", "app", "describe_restore_job", running)  # clean-up wait
    stubs.add("backup", "us-east-1", "app", "describe_restore_job",
              {"RestoreJobId": "slow", "Status": "COMPLETED", "CreatedResourceArn": NEW_E1})
    stubs.add("dsql", "us-east-1", "app", "get_cluster", cluster(NEW_E1, "CREATING"))
    deletion(stubs, "us-east-1", NEW_E1)
    rec = engine(stubs, FakeClock())
    result = drill.drill_cluster(rec, rec.pr.clusters["orders"], {"us-east-1": ORDERS},
                                 drill.Options("run-1", cleanup_wait_seconds=600))
    assert not result.passed
    assert result.failures == ["timeout: restore job slow did not finish within 2:00"]
    assert deleted(stubs) == ["newone"] and result.cleanup == [f"deleted {NEW_E1}"]
    stubs.assert_done()


def test_interrupt_during_the_wait_deletes_the_cluster_and_re_raises(stubs: Stubs) -> None:
    orders_newest(stubs, FRESH)
    stubs.add("backup", "us-east-1", "app", "start_restore_job", {"RestoreJobId": "job-i"})
    stubs.add("backup", "us-east-1", "app", "describe_restore_job", {"RestoreJobId": "job-i", "Status": "RUNNING"})
    # Ctrl-C at the first sleep; the clean-up then waits for the job and deletes its cluster
    stubs.add("backup", "us-east-1", "app", "describe_restore_job", {"RestoreJobId": "job-i", "Status": "RUNNING"})
    stubs.add("backup", "us-east-1", "app", "describe_restore_job",
              {"RestoreJobId": "job-i", "Status": "COMPLETED", "CreatedResourceArn": NEW_E1})
    stubs.add("dsql", "us-east-1", "app", "get_cluster", cluster(NEW_E1, "CREATING"))
    deletion(stubs, "us-east-1", NEW_E1)
    rec = engine(stubs, FakeClock(interrupt_at=1))
    with pytest.raises(KeyboardInterrupt):
        drill.drill_cluster(rec, rec.pr.clusters["orders"], {"us-east-1": ORDERS}, drill.Options("run-2"))
    assert deleted(stubs) == ["newone"]
    stubs.assert_done()


def test_interrupt_reaches_the_cli_as_a_failed_run_with_its_report(stubs: Stubs, acme_policy: str, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_: Any, **__: Any) -> drill.DrillResult:
        raise KeyboardInterrupt

    monkeypatch.setattr(drill, "drill_cluster", interrupted)
    rc, _, err = run(acme_policy, "--cluster", "orders", "--json", str(tmp_path / "r.json"))
    assert rc == 1 and "interrupted" in err
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["interrupted"] is True


# --------------------------------------------------------------------------- clean-up of earlier runs


def test_cleanup_deletes_only_old_drill_clusters_of_this_policy(stubs: Stubs, acme_policy: str) -> None:
    old = (NOW - dt.timedelta(hours=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    new = (NOW - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    drill_tags = {"dsql-backup:drill": "r", "dsql-backup:policy": "acme", "dsql-backup:source": "orders"}
    found = {
        "oldone": {**drill_tags, "dsql-backup:drill-started": old},
        "newone": {**drill_tags, "dsql-backup:drill-started": new},
        "otherpolicy": {**drill_tags, "dsql-backup:policy": "other", "dsql-backup:drill-started": old},
        "production": {"tier": "gold"},
    }
    stubs.identity("us-east-1", "app", APP)  # each account is checked once, in the first Region it is used in
    stubs.identity("us-east-2", "backup", "222222222222")
    for region, account in (("us-east-1", "app"), ("us-east-2", "app"), ("us-east-2", "backup")):
        names = found if (region, account) == ("us-east-1", "app") else {}
        stubs.add("dsql", region, account, "list_clusters", {"clusters": [
            {"identifier": n, "arn": f"arn:aws:dsql:{region}:{APP}:cluster/{n}"} for n in names]})
        for n, tags in names.items():
            stubs.add("dsql", region, account, "get_cluster", cluster(f"arn:aws:dsql:{region}:{APP}:cluster/{n}",
                                                                      tags=tags))
            if n == "oldone":
                deletion(stubs, region, f"arn:aws:dsql:{region}:{APP}:cluster/{n}")
    rc, out, err = run(acme_policy, "--cleanup", "--older-than", "24")
    assert rc == 0, err
    assert deleted(stubs) == ["oldone"]
    assert out.startswith(f"deleted arn:aws:dsql:us-east-1:{APP}:cluster/oldone (drill r of orders)")
    stubs.assert_done()


def test_usage_errors(acme_policy: str) -> None:
    for args, message in ((("--cluster", "nope"), "the policy has no such cluster"),
                          (("--arn", "orders=arn:aws:dsql:x"), "expected CLUSTER/REGION=ARN"),
                          (("--terraform-outputs", "/nonexistent.json"), "cannot read /nonexistent.json")):
        rc, _, err = run(acme_policy, *args)
        assert rc == 2 and message in err, (args, err)


# --------------------------------------------------------------------------- tag selections, probe

TAGGED = """\
version: 1
name: retail
accounts:
  retail: { id: "111111111111" }
vaults:
  local: { account: retail, regions: [us-east-1] }
plans:
  tagged:
    targets: { tags: { backup: daily }, accounts: [retail], regions: [us-east-1] }
    rules:
      - { name: daily, schedule: cron(0 5 ? * * *), vault: local, retention_days: 30 }
"""


def test_tag_selections_drill_the_clusters_they_match_in_aws(stubs: Stubs, tmp_path: Path) -> None:
    policy = tmp_path / "retail.yaml"
    policy.write_text(TAGGED, encoding="utf-8")
    match = f"arn:aws:dsql:us-east-1:{APP}:cluster/matchme"
    other = f"arn:aws:dsql:us-east-1:{APP}:cluster/untagged"
    leftover = f"arn:aws:dsql:us-east-1:{APP}:cluster/olddrill"
    stubs.identity("us-east-1", "retail", APP)
    stubs.add("dsql", "us-east-1", "retail", "list_clusters", {"clusters": [
        {"identifier": "matchme", "arn": match}, {"identifier": "untagged", "arn": other},
        {"identifier": "olddrill", "arn": leftover}]})
    stubs.add("dsql", "us-east-1", "retail", "get_cluster", cluster(match, tags={"backup": "daily", "x": "y"}))
    stubs.add("dsql", "us-east-1", "retail", "get_cluster", cluster(other, tags={"backup": "weekly"}))
    stubs.add("dsql", "us-east-1", "retail", "get_cluster",  # an earlier drill's restore carries the source's tags
              cluster(leftover, tags={"backup": "daily", "dsql-backup:drill": "r0"}))
    stubs.add("backup", "us-east-1", "retail", "list_recovery_points_by_backup_vault", {"RecoveryPoints": [
        point(rp("us-east-1", APP, "T"), match, FRESH, "retail-local")]},
        {"BackupVaultName": "retail-local", "ByResourceArn": match})
    stubs.add("backup", "us-east-1", "retail", "start_restore_job", {"RestoreJobId": "job-t"})
    stubs.add("backup", "us-east-1", "retail", "describe_restore_job",
              {"RestoreJobId": "job-t", "Status": "COMPLETED", "CreatedResourceArn": NEW_E1})
    stubs.add("dsql", "us-east-1", "retail", "get_cluster", cluster(NEW_E1, "CREATING"))
    stubs.add("dsql", "us-east-1", "retail", "tag_resource", {})
    stubs.add("dsql", "us-east-1", "retail", "get_cluster", cluster(NEW_E1, "ACTIVE"))
    stubs.add("dsql", "us-east-1", "retail", "get_cluster", cluster(NEW_E1, "ACTIVE"))
    stubs.add("dsql", "us-east-1", "retail", "delete_cluster",
              {"identifier": "newone", "arn": NEW_E1, "status": "DELETING", "creationTime": NOW})
    rc, out, err = run(str(policy))
    assert rc == 0, out + err
    assert "tagged/retail:matchme" in out and "untagged" not in out and "olddrill" not in out
    assert stubs.params["backup:StartRestoreJob"][0]["RecoveryPointArn"] == rp("us-east-1", APP, "T")
    assert deleted(stubs) == ["newone"]
    stubs.assert_done()


class FakeCursor:
    def __init__(self, answers: list[Any]) -> None:
        self.answers = answers
        self.sql: list[str] = []

    def execute(self, sql: str) -> None:
        self.sql.append(sql)

    def fetchone(self) -> tuple[Any]:
        return (self.answers.pop(0),)


class FakeConnection:
    def __init__(self, cursor: FakeCursor) -> None:
        self._cursor = cursor
        self.closed = False

    def cursor(self) -> FakeCursor:
        return self._cursor

    def close(self) -> None:
        self.closed = True


def test_probe_connects_with_an_iam_token_and_counts_user_tables(stubs: Stubs) -> None:
    """pg8000 is not run against a real cluster here (there is none offline): the driver's connect is
    replaced, and what the probe sends it is checked."""
    from generator.recovery.engine import NewCluster
    from generator.recovery.probe import pg8000_connect, sql_probe

    assert callable(pg8000_connect())  # the probe extra is importable
    cur = FakeCursor([1, 7])
    conn = FakeConnection(cur)
    seen: dict[str, Any] = {}

    def connect(**kw: Any) -> FakeConnection:
        seen.update(kw)
        return conn

    e = engine(stubs, FakeClock())
    stubs.identity("us-east-1", "app", APP)
    c = NewCluster("us-east-1", NEW_E1, "newone", "newone.dsql.us-east-1.on.aws", "ACTIVE")
    assert sql_probe(connect)(e, "app", c) == "ok: SELECT 1, 7 user table(s)"
    assert seen["host"] == "newone.dsql.us-east-1.on.aws" and seen["user"] == "admin"
    assert seen["database"] == "postgres" and seen["port"] == 5432
    token = seen["password"]  # a SigV4-signed DbConnectAdmin URL for the endpoint, signed by the account's client
    assert token.startswith("newone.dsql.us-east-1.on.aws/?Action=DbConnectAdmin&") and "X-Amz-Signature=" in token
    assert cur.sql[0] == "SELECT 1" and "information_schema.tables" in cur.sql[1] and conn.closed

    def refused(**_: Any) -> FakeConnection:
        raise ConnectionRefusedError("connection refused")

    assert sql_probe(refused)(e, "app", c) == "failed: ConnectionRefusedError: connection refused"


def test_region_narrows_the_drill_and_nothing_to_drill_fails(stubs: Stubs, acme_policy: str) -> None:
    rc, _, err = run(acme_policy, "--cluster", "orders", "--region", "us-east-2")
    assert rc == 1 and "nothing to drill: no cluster of policy 'acme' in us-east-2" in err
    assert stubs.calls == []
    orders_newest(stubs, None)  # orders is in us-east-1: drilled (and fails: no recovery point)
    stubs.add("backup", "us-east-1", "app", "list_recovery_points_by_backup_vault", {"RecoveryPoints": []},
              {"BackupVaultName": "acme-local", "ByResourceArn": LEDGER_E1})
    rc, out, _ = run(acme_policy, "--cluster", "orders", "--cluster", "ledger", "--region", "us-east-1",
                     "--arn", f"orders/us-east-1={ORDERS}", "--arn", f"ledger/us-east-1={LEDGER_E1}")
    assert rc == 1 and "orders: us-east-1: no completed recovery point" in out
    assert "ledger: us-east-2: the cluster's ARN is not known" in out  # multi-Region: drilled whole


def test_dry_run_makes_the_reads_and_prints_the_restore(stubs: Stubs, acme_policy: str) -> None:
    orders_newest(stubs, FRESH)
    rc, out, err = run(acme_policy, "--cluster", "orders", "--arn", f"orders/us-east-1={ORDERS}", "--dry-run")
    assert rc == 0, out + err
    assert "call backup:ListRecoveryPointsByBackupVault in app us-east-1" in err
    line = next(x for x in err.splitlines() if x.startswith("would call backup:StartRestoreJob in app us-east-1 "))
    params = json.loads(line.split(" us-east-1 ", 1)[1])
    assert json.loads(params["Metadata"]["regionalConfig"]) == [
        {"region": "us-east-1", "isDeletionProtectionEnabled": False}]
    assert not any(c.startswith(("backup:Start", "dsql:")) for c in stubs.calls), stubs.calls
    assert "dry run: nothing was changed" in err
    stubs.assert_done()
