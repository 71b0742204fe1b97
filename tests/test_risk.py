"""generator.terraform.risk on hand-written ``terraform show -json`` documents, and the small pure parts of
generator.terraform.runner, generator.terraform.emulator and generator.cli.terraform (no terraform needed)."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path
from typing import Any

import pytest

from generator.cli import terraform as cli_terraform
from generator.terraform import risk
from generator.terraform.emulator import EMULATOR_OVERRIDE_NAME, emulator_override, sync_working_copy
from generator.terraform.overrides import ProviderRef
from generator.terraform.runner import ManifestError, Target, affected

VAULT = "arn:aws:backup:us-east-2:222222222222:backup-vault:acme-central"
CLUSTER_A = "arn:aws:dsql:us-east-1:333333333333:cluster/a"
CLUSTER_B = "arn:aws:dsql:us-east-1:333333333333:cluster/b"


def rc(address: str, actions: list[str], before: Any = None, after: Any = None,
       after_unknown: Any = None) -> dict[str, Any]:
    return {"address": address, "type": address.split(".", 1)[0],
            "change": {"actions": actions, "before": before, "after": after, "after_unknown": after_unknown or {}}}


def rule(name: str, days: int, copies: dict[str, int] | None = None) -> dict[str, Any]:
    return {"rule_name": name, "lifecycle": [{"delete_after": days}],
            "copy_action": [{"destination_vault_arn": d, "lifecycle": [{"delete_after": n}]}
                            for d, n in (copies or {}).items()]}


def classify(*changes: dict[str, Any]) -> list[risk.Risk]:
    return risk.classify("prod", {"format_version": "1.2", "resource_changes": list(changes)})


def test_action_names() -> None:
    assert risk.action_of(["delete", "create"]) == "replace"
    assert risk.action_of(["create", "delete"]) == "replace"
    assert risk.action_of(["delete"]) == "delete"
    assert risk.action_of(["update"]) == "update"
    assert risk.action_of(["no-op"]) == "no-op"


# What dsql-backup means to protect (README, "risk report"; the resources compiled with prevent_destroy, and the
# clusters the backups are of), written out here rather than read from risk.PROTECTED: each with the values a
# plan shows for one, as terraform show -json has them, and the words its report uses.
PROTECTED_PLANS: dict[str, tuple[dict[str, Any], str]] = {
    "aws_dsql_cluster": ({"identifier": "abcdefghijklmnopqrstuvwxyz", "deletion_protection_enabled": True,
                          "arn": CLUSTER_A, "tags": {"tier": "gold"}}, "DSQL cluster"),
    "aws_backup_vault": ({"name": "acme-central", "arn": VAULT, "force_destroy": False,
                          "kms_key_arn": "arn:aws:kms:us-east-2:222222222222:key/1234"}, "backup vault"),
    "aws_backup_vault_lock_configuration": ({"backup_vault_name": "acme-central", "changeable_for_days": None,
                                             "min_retention_days": 7, "max_retention_days": 400}, "vault lock"),
    "aws_kms_key": ({"key_id": "1234", "deletion_window_in_days": 30, "enable_key_rotation": True,
                     "description": "dsql-backup vault acme-central"}, "KMS key"),
}


@pytest.mark.parametrize("rtype", sorted(PROTECTED_PLANS))
@pytest.mark.parametrize(("actions", "action", "verb"), [
    (["delete"], "delete", "destroyed"),
    (["delete", "create"], "replace", "replaced (destroyed, then created anew)"),
    (["create", "delete"], "replace", "replaced (destroyed, then created anew)")], ids=["delete", "delete-create",
                                                                                     "create-delete"])
def test_destroying_or_replacing_a_protected_resource_is_destructive(rtype: str, actions: list[str], action: str,
                                                                     verb: str) -> None:
    before, noun = PROTECTED_PLANS[rtype]
    after = None if actions == ["delete"] else {**before, "tags": {"changed": "yes"}}
    found = classify(rc(f"{rtype}.x", actions, before, after))
    assert [(r.risk, r.address, r.resource_type, r.action, r.message) for r in found] == [
        ("destructive", f"{rtype}.x", rtype, action, f"{noun} is {verb}")]


@pytest.mark.parametrize("rtype", ["aws_backup_plan", "aws_backup_vault_policy", "aws_backup_vault_notifications",
                                   "aws_sns_topic", "aws_iam_role", "aws_kms_alias", "aws_backup_region_settings"])
def test_destroying_what_can_be_recreated_is_not_destructive(rtype: str) -> None:
    assert classify(rc(f"{rtype}.x", ["delete"], {"name": "x"}, None)) == []


def test_updates_and_creates_of_protected_resources_are_not_destructive() -> None:
    assert classify(rc("aws_backup_vault.x", ["update"], {"tags": {}}, {"tags": {"a": "b"}}),
                    rc("aws_kms_key.k", ["create"], None, {}), rc("aws_dsql_cluster.c", ["no-op"], {}, {})) == []


def test_any_change_to_a_compliance_lock_is_irreversible_governance_locks_are_not() -> None:
    compliance = {"changeable_for_days": 3, "min_retention_days": 7, "max_retention_days": 30}
    governance = {"changeable_for_days": None, "min_retention_days": 7, "max_retention_days": 30}
    created = classify(rc("aws_backup_vault_lock_configuration.c", ["create"], None, compliance))
    assert [r.risk for r in created] == ["irreversible"]
    assert "after 3 days" in created[0].message
    replaced = classify(rc("aws_backup_vault_lock_configuration.c", ["delete", "create"], compliance,
                           {**compliance, "max_retention_days": 60}))
    assert sorted(r.risk for r in replaced) == ["destructive", "irreversible"]
    assert classify(rc("aws_backup_vault_lock_configuration.g", ["create"], None, governance)) == []
    gov_replaced = classify(rc("aws_backup_vault_lock_configuration.g", ["delete", "create"], governance, governance))
    assert [r.risk for r in gov_replaced] == ["destructive"]


def test_retention_decreases_in_rules_and_copies() -> None:
    before = {"rule": [rule("daily", 35, {VAULT: 90}), rule("weekly", 180)]}
    after = {"rule": [rule("daily", 14, {VAULT: 30}), rule("weekly", 365)]}
    found = classify(rc("aws_backup_plan.p", ["update"], before, after))
    assert [(r.risk, r.message) for r in found] == [
        ("retention", "rule 'daily' keeps recovery points 14 days instead of 35"),
        ("retention", f"rule 'daily' keeps copies in {VAULT} 30 days instead of 90"),
    ]


def test_removed_rules_and_copies_lose_coverage_increases_are_fine() -> None:
    before = {"rule": [rule("daily", 35, {VAULT: 90}), rule("weekly", 180)]}
    after = {"rule": [rule("daily", 40)]}
    found = classify(rc("aws_backup_plan.p", ["update"], before, after))
    assert [(r.risk, r.message) for r in found] == [
        ("coverage", f"rule 'daily' no longer copies to {VAULT}"),
        ("coverage", "rule 'weekly' is removed: its backups stop"),
    ]


def test_selections_that_stop_covering_clusters() -> None:
    before = {"name": "sel", "resources": [CLUSTER_A, CLUSTER_B], "condition": [], "not_resources": []}
    replaced = classify(rc("aws_backup_selection.s", ["delete", "create"], before,
                           {**before, "resources": [CLUSTER_A]}))
    assert [(r.risk, r.message) for r in replaced] == [("coverage", f"selection 'sel' stops covering {CLUSTER_B}")]
    destroyed = classify(rc("aws_backup_selection.s", ["delete"], before, None))
    assert [r.risk for r in destroyed] == ["coverage"] and CLUSTER_A in destroyed[0].message
    unknown = classify(rc("aws_backup_selection.s", ["delete", "create"], before, {"name": "sel"}, {"resources": True}))
    assert [r.risk for r in unknown] == ["coverage"] and "known only after apply" in unknown[0].message
    grown = classify(rc("aws_backup_selection.s", ["delete", "create"], before,
                        {**before, "resources": [CLUSTER_A, CLUSTER_B, "arn:x"]}))
    assert grown == []


def test_tag_conditions_that_go_away_lose_coverage() -> None:
    def cond(*pairs: tuple[str, str]) -> dict[str, Any]:
        return {"name": "sel", "resources": ["arn:aws:dsql:*:*:cluster/*"], "condition": [
            {"string_equals": [{"key": f"aws:ResourceTag/{k}", "value": v} for k, v in pairs]}]}
    found = classify(rc("aws_backup_selection.s", ["delete", "create"], cond(("backup", "daily")),
                        cond(("backup", "daily"), ("tier", "gold"))))
    # adding a condition narrows the selection too: the old condition set no longer matches as before
    assert found == [] or all(r.risk == "coverage" for r in found)
    found = classify(rc("aws_backup_selection.s", ["delete", "create"], cond(("backup", "daily")),
                        cond(("backup", "hourly"))))
    assert [r.risk for r in found] == ["coverage"] and "aws:ResourceTag/backup=daily" in found[0].message


def test_gate_and_reports() -> None:
    risks = classify(rc("aws_dsql_cluster.c", ["delete"], {}, None),
                     rc("aws_backup_plan.p", ["update"], {"rule": [rule("d", 35)]}, {"rule": [rule("d", 7)]}))
    assert [r.risk for r in risk.tripped(risks, ["destructive"])] == ["destructive"]
    assert risk.tripped(risks, ["irreversible"]) == []
    rows = [risk.RootLine("prod", 1, "changes", 0, 1, 1, 2.5),
            risk.RootLine("dr", 2, "error", 0, 0, 0, 1.0, "plan: x|y")]
    doc = json.loads(risk.as_json("plan", "p.yaml", rows, risks, ["destructive"]))
    assert doc["summary"]["risks"] == {"destructive": 1, "irreversible": 0, "retention": 1, "coverage": 0}
    assert doc["summary"]["gate_tripped"] is True and doc["summary"]["failed"] == ["dr"]
    md = risk.as_markdown("plan", "p.yaml", rows, risks, ["destructive"])
    assert md.splitlines()[0] == risk.MARKDOWN_MARKER
    assert "| **destructive** | prod | `aws_dsql_cluster.c` | delete | DSQL cluster is destroyed |" in md
    assert "plan: x\\|y" in md  # table cells are escaped
    assert risk.as_text([]) == "risks: none\n"


def test_emulator_override_points_every_service_at_the_endpoint() -> None:
    text = emulator_override([ProviderRef("us_east_1", "us-east-1"), ProviderRef(None, "us-east-2")],
                             "http://127.0.0.1:5000/")
    assert text.count('provider "aws"') == 2 and 'backend "local" {}' in text
    for service in ("backup", "dsql", "iam", "kms", "sns", "sts"):
        assert text.count(f'{service.ljust(6)} = "http://127.0.0.1:5000"') == 2
    assert "max_retries                 = 3" in text and "allowed_account_ids         = null" in text
    assert "assume_role" not in text  # the compiled assume_role goes to the emulator's STS
    with pytest.raises(ValueError):
        emulator_override([], "127.0.0.1:5000")


def test_working_copy_sync_keeps_state_and_foreign_files_and_drops_stale_ones(tmp_path: Path) -> None:
    root, work = tmp_path / "root", tmp_path / "work"
    root.mkdir()
    (root / "a.tf").write_text("a", encoding="utf-8")
    (root / "b.tf").write_text("b", encoding="utf-8")
    (root / "terraform.tfstate").write_text("real state", encoding="utf-8")
    sync_working_copy(root, work, [ProviderRef(None, "us-east-1")], "http://x")
    (work / "terraform.tfstate").write_text("emulator state", encoding="utf-8")
    (work / "zz_mine.tf").write_text("mine", encoding="utf-8")
    (root / "b.tf").unlink()
    sync_working_copy(root, work, [ProviderRef(None, "us-east-1")], "http://x")
    assert sorted(p.name for p in work.iterdir() if not p.name.startswith(".")) == [
        "a.tf", "terraform.tfstate", "zz_emulator_override.tf", "zz_mine.tf"]
    assert (work / "terraform.tfstate").read_text(encoding="utf-8") == "emulator state"
    assert (work / EMULATOR_OVERRIDE_NAME).is_file()


def test_affected_roots_by_content_hash(tmp_path: Path) -> None:
    targets = [Target("a", 1, tmp_path, "sha256:1"), Target("b", 2, tmp_path, "sha256:2"),
               Target("new", 2, tmp_path, "sha256:3")]
    prev = tmp_path / "manifest.json"
    prev.write_text(json.dumps({"roots": [{"name": "a", "content_hash": "sha256:1"},
                                          {"name": "b", "content_hash": "sha256:old"},
                                          {"name": "gone", "content_hash": "sha256:4"}]}), encoding="utf-8")
    chosen, gone = affected(targets, prev)
    assert [t.name for t in chosen] == ["b", "new"] and gone == ["gone"]
    prev.write_text("not json", encoding="utf-8")
    with pytest.raises(ManifestError):
        affected(targets, prev)


def test_apply_refuses_without_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))  # not a tty: never read
    err = io.StringIO()
    assert cli_terraform._confirm("apply", 2, err) is False
    assert "pass --auto-approve" in err.getvalue()


def test_offline_conflicts() -> None:
    ns = argparse.Namespace(dir=None, affected=None, endpoint_url="http://x", json=None, markdown=None, fail_on=[])
    assert cli_terraform.offline_conflict(ns) == "--endpoint-url"
    ns.endpoint_url = None
    assert cli_terraform.offline_conflict(ns) is None
    ns.fail_on = ["destructive"]
    assert cli_terraform.offline_conflict(ns) == "--fail-on"


def test_hardened_policies_roll_out_in_place_without_risks() -> None:
    """Issue 16 on a deployed policy: vault policies gain denials and lose the organization grant, the topic
    policy and the role's trust gain conditions, a topic gets a created key. All in place or new: no risk."""
    deny_old = {"Statement": [{"Effect": "Deny", "Action": "backup:DeleteRecoveryPoint"}]}
    deny_new = {"Statement": [{"Effect": "Deny", "Action": ["backup:DeleteRecoveryPoint",
                                                            "backup:PutBackupVaultAccessPolicy"]}]}
    assert classify(
        rc("aws_backup_vault_policy.dr", ["update"], {"policy": json.dumps(deny_old)},
           {"policy": json.dumps(deny_new)}),
        rc("aws_sns_topic_policy.dr", ["update"], {"policy": "{}"}, {"policy": '{"Statement": []}'}),
        rc("aws_iam_role.backup", ["update"], {"assume_role_policy": "{}"}, {"assume_role_policy": '{"a": 1}'}),
        rc("aws_sns_topic.dr", ["update"], {"kms_master_key_id": ""}, {}, {"kms_master_key_id": True}),
        rc("aws_kms_key.topic_dr", ["create"], None, {}),
        rc("aws_kms_alias.topic_dr", ["create"], None, {}),
    ) == []


def test_reports_in_full() -> None:
    """The text, Markdown and JSON reports, whole: risks sorted by class in text and Markdown, kept in order in
    JSON; table cells escaped; the gate and failed roots said."""
    risks = [risk.Risk("prod", "aws_backup_selection.s", "aws_backup_selection", "delete", "coverage", "gone"),
             risk.Risk("prod", "aws_backup_plan.p", "aws_backup_plan", "update", "retention", "7 days, not 35"),
             risk.Risk("dr", "aws_dsql_cluster.c", "aws_dsql_cluster", "delete", "destructive", "a|b"),
             risk.Risk("dr", "aws_backup_vault_lock_configuration.l", "aws_backup_vault_lock_configuration", "create",
                       "irreversible", "locked")]
    rows = [risk.RootLine("prod", 1, "changes", 1, 2, 3, 2.5),
            risk.RootLine("dr|x", 2, "error", 4, 0, 0, 1.04, "plan: x|y\nz")]
    assert risk.as_text(risks) == (
        "risks: 1 destructive, 1 irreversible, 1 retention, 1 coverage\n"
        "  destructive  dr: aws_dsql_cluster.c (delete): a|b\n"
        "  irreversible dr: aws_backup_vault_lock_configuration.l (create): locked\n"
        "  retention    prod: aws_backup_plan.p (update): 7 days, not 35\n"
        "  coverage     prod: aws_backup_selection.s (delete): gone\n")
    assert risk.as_markdown("plan", "p|q.yaml", rows, risks, ["destructive", "coverage"]) == (
        "<!-- dsql-backup:risk-report -->\n"
        "### dsql-backup plan: `p\\|q.yaml`\n"
        "\n"
        "**5 to add, 2 to change, 3 to destroy** across 2 root(s); 1 destructive, 1 irreversible, 1 retention, "
        "1 coverage. **Failed: dr|x.**\n"
        "\n"
        ":no_entry: `--fail-on destructive,coverage`: 2 change(s) block this run.\n"
        "\n"
        "| root | wave | status | add | change | destroy | seconds |\n"
        "| --- | ---: | --- | ---: | ---: | ---: | ---: |\n"
        "| prod | 1 | changes | 1 | 2 | 3 | 2.5 |\n"
        "| dr\\|x | 2 | error | 4 | 0 | 0 | 1.0 |\n"
        "\n"
        "| risk | root | resource | action | why |\n"
        "| --- | --- | --- | --- | --- |\n"
        "| **destructive** | dr | `aws_dsql_cluster.c` | delete | a\\|b |\n"
        "| **irreversible** | dr | `aws_backup_vault_lock_configuration.l` | create | locked |\n"
        "| **retention** | prod | `aws_backup_plan.p` | update | 7 days, not 35 |\n"
        "| **coverage** | prod | `aws_backup_selection.s` | delete | gone |\n"
        "\n"
        "<details><summary>errors</summary>\n"
        "\n"
        "- **dr\\|x**: plan: x\\|y z\n"
        "\n"
        "</details>\n")
    assert risk.as_markdown("apply", "p.yaml", rows[:1], []) == (
        "<!-- dsql-backup:risk-report -->\n### dsql-backup apply: `p.yaml`\n\n"
        "**1 to add, 2 to change, 3 to destroy** across 1 root(s); no risky changes.\n\n"
        "| root | wave | status | add | change | destroy | seconds |\n"
        "| --- | ---: | --- | ---: | ---: | ---: | ---: |\n"
        "| prod | 1 | changes | 1 | 2 | 3 | 2.5 |\n")
    assert json.loads(risk.as_json("plan", "p.yaml", rows, risks, ["retention"])) == {
        "format": "dsql-backup/risk-report", "version": 1, "command": "plan", "policy": "p.yaml",
        "summary": {"roots": 2, "failed": ["dr|x"], "add": 5, "change": 2, "destroy": 3,
                    "risks": {"destructive": 1, "irreversible": 1, "retention": 1, "coverage": 1},
                    "fail_on": ["retention"], "gate_tripped": True},
        "roots": [{"root": "prod", "wave": 1, "status": "changes", "add": 1, "change": 2, "destroy": 3,
                   "seconds": 2.5, "error": ""},
                  {"root": "dr|x", "wave": 2, "status": "error", "add": 4, "change": 0, "destroy": 0,
                   "seconds": 1.04, "error": "plan: x|y\nz"}],
        "risks": [{"root": r.root, "address": r.address, "resource_type": r.resource_type, "action": r.action,
                   "risk": r.risk, "message": r.message} for r in risks]}
    assert risk.as_json("plan", "p.yaml", [], []).startswith('{\n  "format": "dsql-backup/risk-report",\n')
    assert json.loads(risk.as_json("plan", "p.yaml", [], []))["summary"]["gate_tripped"] is False


def test_selection_risks_in_full() -> None:
    """Each way a selection stops covering a cluster, as whole risks."""
    sel = "aws_backup_selection.s"

    def cov(action: str, message: str) -> risk.Risk:
        return risk.Risk("prod", sel, "aws_backup_selection", action, "coverage", message)

    tagged = {"name": "sel", "resources": [], "not_resources": [],
              "condition": [{"string_equals": [{"key": "aws:ResourceTag/backup", "value": "daily"}],
                             "string_like": [{"key": "aws:ResourceTag/tier", "value": "g*"}]}],
              "selection_tag": [{"type": "STRINGEQUALS", "key": "team", "value": "core"}]}
    assert classify(rc(sel, ["delete"], tagged, None)) == [
        cov("delete", "selection 'sel' is destroyed: it covered its tag conditions")]
    assert classify(rc(sel, ["delete"], {"resources": [CLUSTER_A, CLUSTER_B]}, None)) == [
        cov("delete", f"selection '{sel}' is destroyed: it covered {CLUSTER_A}, {CLUSTER_B}")]
    assert classify(rc(sel, ["delete", "create"], tagged, {**tagged, "condition": [], "selection_tag": []})) == [
        cov("replace", "selection 'sel' drops tag condition(s) team=core, aws:ResourceTag/backup=daily, "
            "aws:ResourceTag/tier=g*: clusters matched by them may no longer be backed up")]
    assert classify(rc(sel, ["delete", "create"], tagged, tagged)) == []
    assert classify(rc(sel, ["update"], {**tagged, "resources": [CLUSTER_A, CLUSTER_B]},
                       {**tagged, "resources": [CLUSTER_B], "not_resources": [CLUSTER_A, CLUSTER_B]})) == [
        cov("update", f"selection 'sel' stops covering {CLUSTER_A}"),
        cov("update", f"selection 'sel' now excludes {CLUSTER_A}, {CLUSTER_B}")]
    assert classify(rc(sel, ["delete", "create"], {"name": "sel", "resources": [CLUSTER_A, CLUSTER_B]},
                       {"name": "sel"}, {"resources": True})) == [
        cov("replace", f"selection 'sel' gets resources known only after apply; it covered {CLUSTER_A}, {CLUSTER_B}")]
    assert classify(rc(sel, ["delete", "create"], {"name": "sel", "resources": []}, {"name": "sel"},
                       {"resources": True})) == []


def test_classifier_edges_as_whole_risks() -> None:
    """Retention and coverage edges of backup plans, compliance locks destroyed, reads and no-ops, whole risks."""
    plan, lock, sel = "aws_backup_plan.p", "aws_backup_vault_lock_configuration.l", "aws_backup_selection.s"

    def plan_risk(action: str, cls: str, message: str) -> risk.Risk:
        return risk.Risk("prod", plan, "aws_backup_plan", action, cls, message)  # type: ignore[arg-type]

    forever = {"rule_name": "keep", "lifecycle": [], "copy_action": [{"destination_vault_arn": VAULT}]}
    before = {"rule": [rule("gone", 35, {VAULT: 90}), forever, rule("daily", 35, {VAULT: 90, "arn:b": 5})]}
    after = {"rule": [{**forever, "lifecycle": [{"delete_after": 30}],
                       "copy_action": [{"destination_vault_arn": VAULT, "lifecycle": [{"delete_after": 60}]}]},
                      rule("daily", 1, {"arn:b": 4})]}
    assert classify(rc(plan, ["update"], before, after)) == [
        plan_risk("update", "retention", "rule 'daily' keeps recovery points 1 days instead of 35"),
        plan_risk("update", "coverage", "rule 'daily' no longer copies to " + VAULT),
        plan_risk("update", "retention", "rule 'daily' keeps copies in arn:b 4 days instead of 5"),
        plan_risk("update", "coverage", "rule 'gone' is removed: its backups stop"),
        plan_risk("update", "retention", "rule 'keep' keeps recovery points 30 days instead of indefinitely"),
        plan_risk("update", "retention", f"rule 'keep' keeps copies in {VAULT} 60 days instead of indefinitely")]
    unchanged = classify(rc(plan, ["update"], before, {"rule": [rule("gone", 35, {VAULT: 90}), forever,
                                                                rule("daily", 35, {VAULT: 90, "arn:b": 5})]}))
    assert unchanged == []
    assert classify(rc(plan, ["update"], {"rule": [rule("d", 35, {VAULT: 90})]},  # 0: no deletion, kept for ever
                       {"rule": [{**rule("d", 0), "copy_action": [{"destination_vault_arn": VAULT}]}]})) == []
    assert classify(rc(plan, ["delete"], before, None)) == []  # the plan goes: its selections say what is lost

    compliance = {"changeable_for_days": 3, "min_retention_days": 7, "max_retention_days": 30}
    assert classify(rc(lock, ["delete"], compliance, None)) == [
        risk.Risk("prod", lock, "aws_backup_vault_lock_configuration", "delete", "destructive",
                  "vault lock is destroyed"),
        risk.Risk("prod", lock, "aws_backup_vault_lock_configuration", "delete", "irreversible",
                  "compliance lock is deleted: this fails once the lock date has passed, and cannot be undone")]
    assert classify(rc(lock, ["create"], None, compliance))[0].message == (
        "compliance lock is created: after 3 days nobody can change or remove it, and recovery points cannot be "
        "deleted before their retention ends")

    covered = {"name": "sel", "resources": [CLUSTER_A, CLUSTER_B], "not_resources": [CLUSTER_A]}
    assert classify(rc(sel, ["read"], covered, {"resources": []}), rc(sel, ["no-op"], covered, {"resources": []}),
                    rc("aws_dsql_cluster.c", ["delete"], {}, None),
                    rc(sel, ["update"], covered, {"resources": [], "not_resources": [CLUSTER_A, "arn:c"]})) == [
        risk.Risk("prod", "aws_dsql_cluster.c", "aws_dsql_cluster", "delete", "destructive",
                  "DSQL cluster is destroyed"),
        risk.Risk("prod", sel, "aws_backup_selection", "update", "coverage",
                  f"selection 'sel' stops covering {CLUSTER_A}, {CLUSTER_B}"),
        risk.Risk("prod", sel, "aws_backup_selection", "update", "coverage", "selection 'sel' now excludes arn:c")]
    tag = {"name": "sel", "selection_tag": [{"type": "STRINGEQUALS", "key": "backup", "value": "daily"}]}
    assert [r.message for r in classify(rc(sel, ["delete", "create"], tag, {"name": "sel", "selection_tag": [
        {"type": "STRINGLIKE", "key": "backup", "value": "daily"}]}))] == [
        "selection 'sel' drops tag condition(s) backup=daily: clusters matched by them may no longer be backed up"]
    assert risk.action_of(["read"]) == "read" and risk.action_of([]) == "no-op"
    rows = [risk.RootLine("a", 1, "error", 0, 0, 0, 1.0), risk.RootLine("b", 1, "error", 0, 0, 0, 1.0)]
    assert "**Failed: a, b.**" in risk.as_markdown("plan", "p.yaml", rows, [])
