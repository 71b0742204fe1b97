"""What AWS documents, the output does (facts document, "Confirmed 2026-12"): organization settings the
policy does not name are never written, the Aurora DSQL service-linked role and the AWS Backup role exist
where DSQL recovery points arrive, and ``copy_to: regions: same`` copies within the backup's Region.

Expected values are written out here, from the policies below, never taken from the compiler's helpers.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
from pathlib import Path

import pytest

from generator.output.compile import compile_policy
from generator.policy.validate import validate_text
from tests.conftest import REPO

CENTRAL = (REPO / "examples" / "central-vault.yaml").read_text(encoding="utf-8")
RESIDENCY = (REPO / "examples" / "eu-residency.yaml").read_text(encoding="utf-8")


def compiled(text: str, fmt: str = "hcl") -> dict[str, str]:
    v = validate_text(text, "policy.yaml")
    assert v.policy is not None, [f"{d.code} {d.message}" for d in v.diagnostics]
    return dict(compile_policy(v.policy, fmt).files)


def codes(text: str) -> list[tuple[str, str]]:
    return [(d.code, d.path) for d in validate_text(text, "policy.yaml").diagnostics]


def with_account_field(text: str, account_id: str, line: str) -> str:
    return text.replace(f'    id: "{account_id}"\n', f'    id: "{account_id}"\n    {line}\n')


def blocks(files: dict[str, str], resource_type: str) -> dict[str, str]:
    """'root/label' -> the HCL block of every resource of ``resource_type``."""
    out = {}
    for path, text in files.items():
        for m in re.finditer(rf'^resource "{resource_type}" "([^"]+)" {{\n(.*?)^}}', text, re.MULTILINE | re.DOTALL):
            out[f"{path.split('/')[0]}/{m.group(1)}"] = m.group(2)
    return out


# --------------------------------------------------------------------------- organization settings


def test_global_settings_write_only_cross_account_backup_and_ignore_the_others() -> None:
    settings = blocks(compiled(CENTRAL), "aws_backup_global_settings")
    assert list(settings) == ["mgmt/organization"]
    body = settings["mgmt/organization"]
    assert written(body) == {"isCrossAccountBackupEnabled": "true"}
    assert ('ignore_changes = [global_settings["isDelegatedAdministratorEnabled"], '
            'global_settings["isMpaEnabled"]]') in body


@pytest.mark.parametrize("fmt", ["tf-json", "cdktf"])
def test_global_settings_ignore_the_same_keys_in_every_format(fmt: str) -> None:
    text = "\n".join(t for p, t in compiled(CENTRAL, fmt).items() if p.startswith("mgmt/"))
    assert '"isCrossAccountBackupEnabled": "true"' in text
    assert "isDelegatedAdministratorEnabled" in text and "isMpaEnabled" in text
    assert '"false"' not in text


def written(body: str) -> dict[str, str]:
    """The global_settings map of an aws_backup_global_settings block."""
    inner = re.search(r"global_settings = \{\n(.*?)\n\s*\}", body, re.DOTALL)
    assert inner, body
    return dict(re.findall(r'"(\w+)"\s*=\s*"(\w+)"', inner.group(1)))


def org_fields(*lines: str) -> str:
    return CENTRAL.replace("  management_account: mgmt\n", "  management_account: mgmt\n" + "".join(
        f"  {x}\n" for x in lines))


def test_global_settings_the_policy_names_are_written_as_it_says() -> None:
    text = org_fields("delegated_administrator: true", "multi_party_approval: false")
    body = blocks(compiled(text), "aws_backup_global_settings")["mgmt/organization"]
    assert written(body) == {"isCrossAccountBackupEnabled": "true", "isDelegatedAdministratorEnabled": "true",
                             "isMpaEnabled": "false"}
    assert "ignore_changes" not in body  # every key is the policy's


def test_global_settings_without_cross_account_copies_only_what_the_policy_names() -> None:
    text = org_fields("delegated_administrator: true")
    text = re.sub(r"\n +- \{ vault: central,[^\n]*", "", text)  # no cross-account copy left
    text = text.replace("        copy_to:\n  orders:", "  orders:").rstrip().removesuffix("copy_to:") + "\n"
    body = blocks(compiled(text), "aws_backup_global_settings")["mgmt/organization"]
    assert written(body) == {"isDelegatedAdministratorEnabled": "true"}
    assert 'global_settings["isCrossAccountBackupEnabled"]' in body and 'global_settings["isMpaEnabled"]' in body


def test_no_organization_settings_asked_for_means_no_management_root() -> None:
    text = re.sub(r"\n +- \{ vault: central,[^\n]*", "", CENTRAL)  # no cross-account copy left
    text = text.replace("        copy_to:\n  orders:", "  orders:").rstrip().removesuffix("copy_to:") + "\n"
    roots = {path.split("/")[0] for path in compiled(text) if "/" in path}
    assert roots == {"backup", "orders", "payments"}  # mgmt would hold nothing


def test_a_policy_with_errors_is_still_explained() -> None:
    from generator.cli import main

    text = RESIDENCY.replace("regions: same", "regions: sam")  # the copy resolves nowhere
    out, err = io.StringIO(), io.StringIO()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bad.yaml"
        path.write_text(text, encoding="utf-8")
        assert main(["explain", str(path)], stdout=out, stderr=err) == 1, err.getvalue()
    assert "policy invalid (1 error" in out.getvalue() and "DSB104" in out.getvalue()


# --------------------------------------------------------------------------- roles where recovery points arrive


def test_dsql_service_linked_role_only_in_accounts_receiving_copies_without_clusters() -> None:
    files = compiled(CENTRAL)
    slrs = blocks(files, "aws_iam_service_linked_role")
    assert list(slrs) == ["backup/dsql"]  # payments and orders have clusters; mgmt receives nothing
    assert 'aws_service_name = "dsql.amazonaws.com"' in slrs["backup/dsql"]
    roles = blocks(files, "aws_iam_role")
    assert sorted(roles) == ["backup/backup", "orders/backup", "payments/backup"]
    assert 'name        = "acme-backup"' in roles["backup/backup"]


def test_no_service_linked_role_where_the_account_has_clusters_even_when_it_receives_copies() -> None:
    # orders copies into payments too: payments receives copies, but its clusters made the role already
    text = CENTRAL.replace("          - { vault: central, region: us-west-2, retention_days: 90 }\n",
                           "          - { vault: central, region: us-west-2, retention_days: 90 }\n"
                           "          - { vault: payments-local, region: us-east-2, retention_days: 35 }\n")
    text = text.rstrip("\n") + "\n"
    assert text.count("vault: payments-local, region: us-east-2") == 1  # orders/daily only
    files = compiled(text)
    assert sorted(blocks(files, "aws_iam_service_linked_role")) == ["backup/dsql"]
    assert "arn:aws:backup:us-east-2:604731829455:backup-vault:acme-payments-local" in files["orders/plans.tf"]


def test_service_linked_role_exists_or_create_as_the_policy_says() -> None:
    exists = with_account_field(CENTRAL, "529017364802", "dsql_service_linked_role: exists")
    assert blocks(compiled(exists), "aws_iam_service_linked_role") == {}
    create = with_account_field(CENTRAL, "604731829455", "dsql_service_linked_role: create")
    assert sorted(blocks(compiled(create), "aws_iam_service_linked_role")) == ["backup/dsql", "payments/dsql"]
    assert ("DSB104", "$.accounts.backup.dsql_service_linked_role") in codes(
        with_account_field(CENTRAL, "529017364802", "dsql_service_linked_role: maybe"))


def test_the_runbook_restores_in_the_backup_account_as_the_role_its_root_creates() -> None:
    from generator.insight.runbook import runbook

    v = validate_text(CENTRAL, "policy.yaml")
    assert v.policy is not None
    out = runbook(v.policy, "payments-db")
    assert "arn:aws:iam::529017364802:role/acme-backup" in out  # the backup account's own role
    assert "AWSBackupDefaultServiceRole" not in out


# --------------------------------------------------------------------------- regions: same


def test_regions_same_copies_into_the_backups_own_region_in_another_account() -> None:
    plans = blocks(compiled(RESIDENCY), "aws_backup_plan")
    assert sorted(plans) == ["shop/shop_eu_central_1", "shop/shop_eu_west_1"]
    for label, region in (("shop_eu_central_1", "eu-central-1"), ("shop_eu_west_1", "eu-west-1")):
        arns = re.findall(r'destination_vault_arn = "([^"]+)"', plans[f"shop/{label}"])
        assert arns == [f"arn:aws:backup:{region}:310987654321:backup-vault:residency-eu-archive"]


def test_regions_same_into_the_rules_own_vault_is_refused() -> None:
    text = RESIDENCY.replace("{ vault: eu-archive, regions: same", "{ vault: shop-local, regions: same")
    assert ("DSB606", "$.plans.shop.rules[0].copy_to[0].regions") in codes(text)


def test_regions_accepts_only_peers_and_same() -> None:
    text = RESIDENCY.replace("regions: same", "regions: all")
    assert ("DSB104", "$.plans.shop.rules[0].copy_to[0].regions") in codes(text)


def test_explain_shows_the_same_region_copy_landing() -> None:
    from generator.insight.explain import explain
    from generator.insight.explain_render import render

    v = validate_text(RESIDENCY, "policy.yaml")
    assert v.policy is not None
    doc = json.loads(render(explain(v.policy), "json"))
    landings = {(x["account"], x["region"], x["kind"])
                for c in doc["clusters"] if c["key"] == "shop-de" for x in c["landings"]}
    assert landings == {("shop", "eu-central-1", "backup"), ("backup", "eu-central-1", "copy")}
