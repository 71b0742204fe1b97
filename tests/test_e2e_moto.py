"""End to end against a moto server on 127.0.0.1 (started here, with the test-only extension in
tests/moto_ext): ``dsql-backup apply | plan | destroy --endpoint-url`` over tests/e2e/policy.yaml.

One scenario, in order (each step needs the state the previous one left):

1. apply with one root broken (an extra file asks moto for an operation it lacks): that root fails, the
   other root of its wave and the earlier waves are applied, exit 1;
2. the broken file removed, plan: no changes anywhere (terraform applied the rest of the failed root;
   no perpetual diff), exit 0;
   then what was applied restores: ``backup-now``, ``restore --latest`` and ``drill`` of payments-db, with
   the cluster ARNs from ``terraform output``, the compiled vault and role, through the account's role_arn;
3. a one-cluster edit, planned with ``--affected`` the previous manifest: exactly one root is planned,
   with exactly the expected changes and risk classes (destructive, coverage), exit 2;
4. that edit plus a retention decrease and a new compliance lock, planned with ``--affected``: every risk
   class, ``--fail-on irreversible`` trips (exit 1) and the Markdown report says so;
5. destroy: a root holding vaults, locks and keys refuses (prevent_destroy), exit 1, says why, and the
   root of an earlier wave (destroyed later) is skipped; with the protection lifted in the emulator working
   copies only (as an operator would decide to), destroy succeeds in reverse wave order, exit 2.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator import cli
from tests.moto_ext import MotoServer

pytestmark = pytest.mark.terraform

HERE = Path(__file__).resolve().parent
POLICY = (HERE / "e2e" / "policy.yaml").read_text(encoding="utf-8")

BROKEN = """\
# Test only: moto has no CreateFramework, so applying this root fails (in seconds: max_retries = 3).
resource "aws_backup_framework" "unsupported" {
  provider = aws.us_east_2
  name     = "e2e_unsupported"

  control {
    name = "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED"
  }
}
"""


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    server = MotoServer().start()
    server.reset()
    yield server
    server.stop()


def client(moto: MotoServer, service: str, region: str, role_arn: str | None = None) -> Any:
    """A boto3 client of the emulator, as moto's default account or as the account of ``role_arn``."""
    return moto.client(service, region, role_arn)


def dsb(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = cli.main(list(args), stdout=out, stderr=err)
    return rc, out.getvalue(), err.getvalue()


def report(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    assert doc["format"] == "dsql-backup/risk-report"
    return doc


def statuses(doc: dict[str, Any]) -> dict[str, str]:
    return {r["root"]: r["status"] for r in doc["roots"]}


def risks(doc: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(r["risk"], r["root"], r["address"]) for r in doc["risks"]}


def one_cluster_edit(text: str) -> str:
    """Remove cluster payments-ref (in account payments only)."""
    text = text.replace(
        "  payments-ref:\n    account: payments\n    regions: [us-east-1]\n    deletion_protection: false\n", "")
    assert "clusters: [payments-db, payments-ref]" in text
    return text.replace("clusters: [payments-db, payments-ref]", "clusters: [payments-db]")


def risky_edit(text: str) -> str:
    """The one-cluster edit, a shorter retention in payments and a compliance lock on the central vault."""
    text = one_cluster_edit(text)
    text = text.replace("        retention_days: 35\n        copy_to:\n          - { vault: payments-local",
                        "        retention_days: 14\n        copy_to:\n          - { vault: payments-local", 1)
    return text.replace(
        "    kms_key: create\n    notifications:",
        "    kms_key: create\n    lock:\n      mode: compliance\n      min_retention_days: 7\n"
        "      max_retention_days: 3650\n      changeable_for_days: 3\n"
        "      acknowledge: compliance-lock-is-irreversible\n    notifications:", 1)


def read_back(moto: MotoServer) -> None:
    """What the applied roots stored, read back with boto3 (the emulator refuses what AWS would refuse,
    tests/moto_ext/checks.py): payments' selection and Region settings, the central vault's policy and
    notifications."""
    backup = client(moto, "backup", "us-east-1", "arn:aws:iam::333333333333:role/deployer")
    (plan,) = [p["BackupPlanId"] for p in backup.list_backup_plans()["BackupPlansList"]
               if p["BackupPlanName"] == "e2e-payments"]
    (listed,) = backup.list_backup_selections(BackupPlanId=plan)["BackupSelectionsList"]
    selection = backup.get_backup_selection(BackupPlanId=plan, SelectionId=listed["SelectionId"])["BackupSelection"]
    clusters = client(moto, "dsql", "us-east-1", "arn:aws:iam::333333333333:role/deployer").list_clusters()["clusters"]
    assert len(clusters) == 2 and all(c["arn"].startswith("arn:aws:dsql:us-east-1:333333333333:cluster/")
                                      for c in clusters), clusters  # payments-db and payments-ref
    assert (selection["SelectionName"], selection["IamRoleArn"], sorted(selection["Resources"])) == (
        "e2e-payments", "arn:aws:iam::333333333333:role/e2e-backup", sorted(c["arn"] for c in clusters))
    assert backup.describe_region_settings()["ResourceTypeOptInPreference"]["DSQL"] is True
    central = client(moto, "backup", "us-east-2", "arn:aws:iam::222222222222:role/deployer")
    policy = json.loads(central.get_backup_vault_access_policy(BackupVaultName="e2e-central")["Policy"])
    statements = policy["Statement"] if isinstance(policy["Statement"], list) else [policy["Statement"]]
    granted = {(s["Effect"], a) for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str)
                                                              else s["Action"])}
    assert policy["Version"] == "2012-10-17"
    assert {("Allow", "backup:CopyIntoBackupVault"), ("Deny", "backup:DeleteRecoveryPoint")} <= granted, policy
    notifications = central.get_backup_vault_notifications(BackupVaultName="e2e-central")
    assert (notifications["SNSTopicArn"], sorted(notifications["BackupVaultEvents"])) == (
        "arn:aws:sns:us-east-2:222222222222:e2e-central-backup-events", ["COPY_JOB_FAILED", "COPY_JOB_SUCCESSFUL"])


def recovered(policy: Path, work: Path, moto: MotoServer, tmp_path: Path) -> None:
    import os
    import subprocess

    from generator.terraform.discovery import find_terraform

    state = work / ".emulator" / "payments"  # emulator runs keep their state in working copies
    done = subprocess.run([str(find_terraform(os.environ)), f"-chdir={state}", "output", "-json"],
                          capture_output=True, text=True, check=True, timeout=120)
    outputs = tmp_path / "payments-outputs.json"
    outputs.write_text(done.stdout, encoding="utf-8")
    aws = ("--terraform-outputs", str(outputs), "--endpoint-url", moto.url)
    env = pytest.MonkeyPatch()  # the CLI's base credentials: the management account (moto's default)
    env.setenv("AWS_ACCESS_KEY_ID", "testing")
    env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    try:
        rc, out, err = dsb("backup-now", str(policy), "payments-db", *aws)  # as payments, through its role_arn
        assert rc == 0, err
        region, job = out.split("\t")[:2]
        backup = client(moto, "backup", region, "arn:aws:iam::333333333333:role/deployer")
        assert [backup.describe_backup_job(BackupJobId=job)["State"] for _ in range(2)][-1] == "COMPLETED"
        dsql = client(moto, "dsql", "us-east-1", "arn:aws:iam::333333333333:role/deployer")
        before = {c["arn"] for c in dsql.list_clusters()["clusters"]}
        rc, out, err = dsb("restore", str(policy), "payments-db", "--latest", "--yes", "--poll-seconds", "0", *aws)
        assert rc == 0, err
        restored = out.split("\t")[1]
        assert restored.startswith("arn:aws:dsql:us-east-1:333333333333:cluster/") and restored not in before
        assert dsql.get_cluster(identifier=restored.rsplit("/", 1)[1])["tags"]["tier"] == "gold"  # source's tags
        rc, out, err = dsb("drill", str(policy), "--cluster", "payments-db", "--poll-seconds", "0",
                           "--json", str(tmp_path / "drill.json"), *aws)
        assert rc == 0, out + err
        doc = json.loads((tmp_path / "drill.json").read_text(encoding="utf-8"))
        (drilled,) = doc["drills"][0]["restored"]
        assert doc["drills"][0]["passed"] and doc["drills"][0]["cleanup"] == [f"deleted {drilled['arn']}"]
        with pytest.raises(dsql.exceptions.ResourceNotFoundException):  # deleted (moto forgets it at once)
            dsql.get_cluster(identifier=drilled["identifier"])
    finally:
        env.undo()


def test_apply_replan_change_and_destroy_against_moto(  # noqa: PLR0915 (one ordered scenario)
    moto: MotoServer, tmp_path: Path) -> None:
    policy = tmp_path / "e2e.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    work = tmp_path / "work"
    run = ("--endpoint-url", moto.url, "--dir", str(work), "--parallel", "2")

    # 0. the organization already delegates AWS Backup administration and uses multi-party approval: the
    #    policy asks for neither, so applying it must leave both on (writing "false" would switch them off)
    org_settings = client(moto, "backup", "us-east-1")  # mgmt is moto's default account; its root's Region
    org_settings.update_global_settings(GlobalSettings={"isDelegatedAdministratorEnabled": "true",
                                                        "isMpaEnabled": "true"})

    # 1. one root fails, the other root of its wave and the earlier waves are applied
    assert dsb("compile", str(policy), "-o", str(work))[0] == 0
    (work / "orders" / "zz_unsupported.tf").write_text(BROKEN, encoding="utf-8")
    rc, out, err = dsb("apply", str(policy), *run, "--auto-approve", "--json", str(tmp_path / "r1.json"))
    doc = report(tmp_path / "r1.json")
    assert rc == 1, out + err
    assert statuses(doc) == {"mgmt": "applied", "backup": "applied", "payments": "applied", "orders": "error"}, out
    assert "CreateFramework" in out and "orders: apply error" in out, out
    assert "failed: orders" in err
    assert "aws_backup_vault.central_us_east_2: done" in err  # live progress per root and resource

    # 2. without the broken file nothing is left to do (orders applied all it could), and nothing drifts:
    #    no perpetual diffs against moto
    (work / "orders" / "zz_unsupported.tf").unlink()
    rc, out, err = dsb("plan", str(policy), *run, "--json", str(tmp_path / "r2.json"))
    assert rc == 0, out + err
    doc = report(tmp_path / "r2.json")
    assert set(statuses(doc).values()) == {"no-changes"}, out
    assert doc["risks"] == []
    assert "(init up to date)" in err  # init is not repeated for unchanged roots
    read_back(moto)
    # cross-account backup turned on, the settings the policy does not name left as they were, no drift
    assert org_settings.describe_global_settings()["GlobalSettings"] == {
        "isCrossAccountBackupEnabled": "true", "isDelegatedAdministratorEnabled": "true", "isMpaEnabled": "true"}
    # the backup account holds no cluster, yet copies arrive and restores start there: the DSQL
    # service-linked role and the AWS Backup role the runbook names exist in it, and only there
    roles = {acct: {r["RoleName"] for r in client(moto, "iam", "us-east-1", arn).list_roles()["Roles"]}
             for acct, arn in (("backup", "arn:aws:iam::222222222222:role/deployer"),
                               ("payments", "arn:aws:iam::333333333333:role/deployer"))}
    assert {"AWSServiceRoleForAuroraDsql", "e2e-backup"} <= roles["backup"], roles
    assert "AWSServiceRoleForAuroraDsql" not in roles["payments"], roles
    shutil.copy(work / "manifest.json", tmp_path / "base-manifest.json")

    # 2b. what was applied restores: payments-db backed up on demand, restored, drilled (tests/
    #     test_recovery_moto.py covers every path of restore and drill; here, the compiled roles, vaults and
    #     terraform outputs they rely on)
    recovered(policy, work, moto, tmp_path)

    # 3. a one-cluster edit: --affected plans exactly one root, with exactly the expected changes and risks
    policy.write_text(one_cluster_edit(POLICY), encoding="utf-8")
    rc, out, err = dsb("plan", str(policy), *run, "--affected", str(tmp_path / "base-manifest.json"),
                       "--json", str(tmp_path / "r4.json"))
    assert rc == 2, out + err
    doc = report(tmp_path / "r4.json")
    assert statuses(doc) == {"mgmt": "not-affected", "backup": "not-affected", "orders": "not-affected",
                             "payments": "changes"}, out
    assert "affected: payments (1 of 4 root(s) changed" in err
    payments = next(r for r in doc["roots"] if r["root"] == "payments")
    # the cluster goes; the selection is replaced (AWS cannot update one)
    assert (payments["add"], payments["change"], payments["destroy"]) == (1, 0, 2), payments
    assert risks(doc) == {
        ("destructive", "payments", "aws_dsql_cluster.payments-ref_us_east_1"),
        ("coverage", "payments", "aws_backup_selection.payments_us_east_1"),
    }, doc["risks"]

    # 4. every risk class; the gate trips (the roots the edit leaves alone were re-planned clean in step 2)
    policy.write_text(risky_edit(POLICY), encoding="utf-8")
    rc, out, err = dsb("plan", str(policy), *run, "--affected", str(tmp_path / "base-manifest.json"),
                       "--fail-on", "irreversible", "--json", str(tmp_path / "r5.json"),
                       "--markdown", str(tmp_path / "r5.md"))
    assert rc == 1, out + err
    doc = report(tmp_path / "r5.json")
    assert statuses(doc) == {"mgmt": "not-affected", "backup": "changes", "orders": "not-affected",
                             "payments": "changes"}, out
    assert risks(doc) == {
        ("destructive", "payments", "aws_dsql_cluster.payments-ref_us_east_1"),
        ("coverage", "payments", "aws_backup_selection.payments_us_east_1"),
        ("retention", "payments", "aws_backup_plan.payments_us_east_1"),
        ("irreversible", "backup", "aws_backup_vault_lock_configuration.central_us_east_2"),
    }, doc["risks"]
    assert doc["summary"]["gate_tripped"] is True
    md = (tmp_path / "r5.md").read_text(encoding="utf-8")
    assert md.startswith("<!-- dsql-backup:risk-report -->") and "`--fail-on irreversible`" in md
    assert "keeps recovery points 14 days instead of 35" in md


    # 5. destroy: vaults, locks and keys are protected (the backup account's root refuses; mgmt, destroyed after
    #    it, is skipped: two roots are enough, the others hold the same protected types); lifted in the emulator
    #    copies only, destroy completes
    rc, out, err = dsb("destroy", str(policy), *run, "--root", "backup", "--root", "mgmt", "--auto-approve",
                       "--json", str(tmp_path / "r7.json"))
    assert rc == 1, out + err
    doc = report(tmp_path / "r7.json")
    assert statuses(doc) == {"mgmt": "skipped", "backup": "error", "orders": "not-affected",
                             "payments": "not-affected"}, out
    assert "prevent_destroy" in out and "Instance cannot be destroyed" in out
    for root in ("backup", "orders", "payments"):
        copy = work / ".emulator" / root
        protected = sorted(set(re.findall(
            r'resource "(aws_backup_vault|aws_backup_vault_lock_configuration|aws_kms_key)" "([^"]+)"',
            "".join(f.read_text(encoding="utf-8") for f in copy.glob("*.tf")))))
        (copy / "zz_test_unprotect_override.tf").write_text("".join(
            f'resource "{t}" "{n}" {{\n  lifecycle {{\n    prevent_destroy = false\n  }}\n}}\n' for t, n in protected),
            encoding="utf-8")
    rc, out, err = dsb("destroy", str(policy), *run, "--auto-approve", "--json", str(tmp_path / "r8.json"))
    assert rc == 2, out + err
    doc = report(tmp_path / "r8.json")
    assert set(statuses(doc).values()) == {"applied"}, out
    assert risks(doc) == {("destructive", root, address) for root, address in (
        ("backup", "aws_backup_vault.central_us_east_2"), ("backup", "aws_kms_key.vault_central_us_east_2"),
        ("orders", "aws_dsql_cluster.orders-db_us_east_2"), ("orders", "aws_kms_key.cluster_orders-db_us_east_2"),
        ("orders", "aws_backup_vault.orders-local_us_east_2"), ("orders", "aws_kms_key.vault_orders-local_us_east_2"),
        ("payments", "aws_dsql_cluster.payments-db_us_east_1"), ("payments", "aws_dsql_cluster.payments-ref_us_east_1"),
        ("payments", "aws_backup_vault.payments-local_us_east_1"),
        ("payments", "aws_backup_vault.payments-local_us_east_2"),
        ("payments", "aws_backup_vault_lock_configuration.payments-local_us_east_1"),
        ("payments", "aws_backup_vault_lock_configuration.payments-local_us_east_2"),
        ("payments", "aws_kms_key.vault_payments-local_us_east_1"),
        ("payments", "aws_kms_key.vault_payments-local_us_east_2"))} | {
        ("coverage", "orders", "aws_backup_selection.orders_us_east_2"),
        ("coverage", "payments", "aws_backup_selection.payments_us_east_1")}, doc["risks"]
    manifest = json.loads((tmp_path / "base-manifest.json").read_text(encoding="utf-8"))
    assert sum(r["destroy"] for r in doc["roots"]) == manifest["totals"]["resources"]
    order = [m.group(1) for m in re.finditer(r"^  (\w+): applying$", err, re.MULTILINE)]
    assert order.index("mgmt") > order.index("backup") > min(order.index("orders"), order.index("payments"))
