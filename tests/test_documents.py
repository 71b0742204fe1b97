"""The policies the model derives (generator/model/documents.py and the builder that calls it): vault access
policies, the backup role's trust, SNS topic and topic-key policies, copy-in grants and the audit control's
principalArnList. Every expected document is written out here, as AWS will read it."""

from __future__ import annotations

from generator.aws.capabilities import load_capabilities
from generator.model import documents
from generator.model.build import build_model
from generator.model.nodes import Model, Ref, Vault
from generator.policy.validate import validate_text

DEPLOYER = "arn:aws:iam::222222222222:role/terraform"
BREAK_GLASS = "arn:aws:iam::222222222222:role/backup-break-glass"

POLICY = """
version: 1
name: shop
organization: {{ id: o-a1b2c3d4e5, management_account: mgmt{copy_grants} }}
accounts:
  mgmt: {{ id: "999999999999" }}
  prod: {{ id: "111111111111" }}
  vault:
    id: "222222222222"{vault_account}
clusters:
  orders: {{ account: prod, regions: [us-east-1] }}
vaults:
  local: {{ account: prod, regions: [us-east-1] }}
  dr:
    account: vault
    regions: [us-east-1]
    notifications: {{ events: [COPY_JOB_FAILED]{topic_key} }}
plans:
  daily:
    targets: {{ clusters: [orders] }}
    rules:
      - name: daily
        schedule: cron(0 5 ? * * *)
        vault: local
        retention_days: 35
        copy_to: [{{ vault: dr, region: us-east-1, retention_days: 35 }}]
audit:
  frameworks:
    baseline: {{ account: vault, regions: [us-east-1], controls: [manual_deletion_disabled, minimum_retention] }}
"""


def _model(copy_grants: str = "", vault_account: str = "", topic_key: str = "") -> Model:
    v = validate_text(POLICY.format(copy_grants=copy_grants, vault_account=vault_account, topic_key=topic_key),
                      "policy.yaml")
    assert v.policy is not None, [d.message for d in v.diagnostics]
    return build_model(v.policy, load_capabilities())


def _dr(model: Model) -> Vault:
    return next(v for r in model.roots for v in r.vaults if v.key == "dr")


# --- vault access policies


def test_the_deny_is_the_statement_the_manual_deletion_control_checks_exempting_deployer_and_break_glass() -> None:
    exempt = {"ArnNotLike": {"aws:PrincipalArn": [BREAK_GLASS, DEPLOYER]}}
    assert documents.vault_access_policy(False, ["111111111111"], None, DEPLOYER, [BREAK_GLASS]) == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AllowCopyIntoFromPolicyAccounts", "Effect": "Allow", "Action": "backup:CopyIntoBackupVault",
             "Resource": "*", "Principal": {"AWS": ["arn:aws:iam::111111111111:root"]}},
            {"Sid": "DenyRecoveryPointDeletion", "Effect": "Deny", "Principal": {"AWS": "*"},
             "Action": ["backup:DeleteRecoveryPoint", "backup:PutBackupVaultAccessPolicy",
                        "backup:UpdateRecoveryPointLifecycle"],
             "Resource": "*", "Condition": exempt},
            {"Sid": "DenyVaultPolicyRemoval", "Effect": "Deny", "Principal": {"AWS": "*"},
             "Action": "backup:DeleteBackupVaultAccessPolicy", "Resource": "*", "Condition": exempt},
        ],
    }


def test_without_a_deploying_role_the_policy_does_not_deny_changing_itself() -> None:
    """Terraform's own identity is unknown: denying PutBackupVaultAccessPolicy to everyone would lock it out."""
    assert documents.vault_access_policy(False, [], None, None, [BREAK_GLASS]) == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "DenyRecoveryPointDeletion", "Effect": "Deny", "Principal": {"AWS": "*"},
             "Action": ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"],
             "Resource": "*", "Condition": {"ArnNotLike": {"aws:PrincipalArn": [BREAK_GLASS]}}},
        ],
    }
    assert documents.vault_access_policy(False, [], None) == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "DenyRecoveryPointDeletion", "Effect": "Deny", "Principal": {"AWS": "*"},
             "Action": ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"], "Resource": "*"},
        ],
    }


def test_allowing_deletion_leaves_every_denial_out_as_before() -> None:
    assert documents.vault_access_policy(True, [], None, DEPLOYER, [BREAK_GLASS]) is None
    assert documents.vault_access_policy(True, ["111111111111"], "o-a1b2c3d4e5", DEPLOYER) == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AllowCopyIntoFromPolicyAccounts", "Effect": "Allow", "Action": "backup:CopyIntoBackupVault",
             "Resource": "*", "Principal": {"AWS": "*"},
             "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}},
        ],
    }


def test_the_builder_exempts_the_vault_accounts_role_and_break_glass_roles() -> None:
    dr = _dr(_model(vault_account=f"\n    role_arn: {DEPLOYER}\n    break_glass_role_arns: [{BREAK_GLASS}]"))
    assert dr.access_policy is not None
    deny = dr.access_policy["Statement"][1]
    assert deny["Action"] == ["backup:DeleteRecoveryPoint", "backup:PutBackupVaultAccessPolicy",
                              "backup:UpdateRecoveryPointLifecycle"]
    assert deny["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": [BREAK_GLASS, DEPLOYER]}}
    assert (dr.deny_exempt, dr.policy_guarded) == ((BREAK_GLASS, DEPLOYER), True)


# --- copy-in grants


def test_copy_in_names_the_copying_accounts_even_with_an_organization() -> None:
    dr = _dr(_model())
    assert dr.access_policy is not None
    assert dr.access_policy["Statement"][0] == {
        "Sid": "AllowCopyIntoFromPolicyAccounts", "Effect": "Allow", "Action": "backup:CopyIntoBackupVault",
        "Resource": "*", "Principal": {"AWS": ["arn:aws:iam::111111111111:root"]}}
    assert dr.copy_in_organization is None


def test_copy_grants_organization_grants_the_whole_organization() -> None:
    dr = _dr(_model(copy_grants=", copy_grants: organization"))
    assert dr.access_policy is not None
    assert dr.access_policy["Statement"][0] == {
        "Sid": "AllowCopyIntoFromPolicyAccounts", "Effect": "Allow", "Action": "backup:CopyIntoBackupVault",
        "Resource": "*", "Principal": {"AWS": "*"},
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}
    assert dr.copy_in_organization == "o-a1b2c3d4e5"


# --- service principals: AWS Backup, for the vault's own account only

UNCONFIRMED_TOPIC_CONDITION = {
    "StringEqualsIfExists": {"aws:SourceAccount": "222222222222"},
    "ArnLikeIfExists": {"aws:SourceArn": "arn:aws:backup:us-east-1:222222222222:*"},
}


def test_topic_policy_lets_aws_backup_publish_for_its_own_account_only() -> None:
    topic = Ref("aws_sns_topic.dr_us_east_1.arn")
    vault = "arn:aws:backup:us-east-1:222222222222:backup-vault:shop-dr"
    assert documents.topic_policy(topic, "222222222222", "us-east-1", [vault], confirmed=False) == {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "AwsBackupPublishes", "Effect": "Allow",
                       "Principal": {"Service": "backup.amazonaws.com"}, "Action": "SNS:Publish",
                       "Resource": topic, "Condition": UNCONFIRMED_TOPIC_CONDITION}],
    }
    confirmed = documents.topic_policy(topic, "222222222222", "us-east-1", [vault], confirmed=True)
    assert confirmed["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "222222222222"}, "ArnLike": {"aws:SourceArn": [vault]}}


def test_backup_role_trust_names_the_account() -> None:
    assert documents.backup_role_trust_policy("111111111111", confirmed=False) == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"},
                       "Action": "sts:AssumeRole",
                       "Condition": {"StringEqualsIfExists": {"aws:SourceAccount": "111111111111"}}}],
    }
    assert documents.backup_role_trust_policy("111111111111", confirmed=True)["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "111111111111"}}


def test_the_builder_gives_each_role_its_own_account_in_the_trust() -> None:
    roles = {r.account: r.trust_policy for root in _model().roots for r in root.roles}
    assert roles["prod"]["Statement"][0]["Condition"] == {
        "StringEqualsIfExists": {"aws:SourceAccount": "111111111111"}}
    assert roles["vault"]["Statement"][0]["Condition"] == {
        "StringEqualsIfExists": {"aws:SourceAccount": "222222222222"}}


# --- encrypted topics


def test_a_created_topic_key_lets_aws_backup_encrypt_under_the_same_conditions() -> None:
    model = _model(topic_key=", kms_key: create")
    dr = _dr(model)
    assert dr.notifications is not None
    assert (dr.notifications.kms_key_label, dr.notifications.kms_key_arn) == ("topic_dr_us_east_1", None)
    key = next(k for r in model.roots for k in r.kms_keys if k.label == "topic_dr_us_east_1")
    assert key.alias == "alias/shop-topic-dr"
    assert key.policy == {"Version": "2012-10-17", "Statement": [
        {"Sid": "AccountAdministers", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "AwsBackupPublishesEncrypted", "Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"},
         "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
         "Condition": UNCONFIRMED_TOPIC_CONDITION},
    ]}


def test_topics_are_unencrypted_by_default_and_take_a_named_key() -> None:
    default = _model()
    assert _topic_key(default) == (None, None)
    assert [k.label for r in default.roots for k in r.kms_keys if k.label.startswith("topic_")] == []
    arn = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert _topic_key(_model(topic_key=f", kms_key: {arn}")) == (None, arn)


def _topic_key(model: Model) -> tuple[str | None, str | None]:
    n = _dr(model).notifications
    assert n is not None
    return n.kms_key_label, n.kms_key_arn


# --- the audit control


def test_manual_deletion_control_skips_the_principals_the_vault_policies_exempt() -> None:
    model = _model(vault_account=f"\n    role_arn: {DEPLOYER}\n    break_glass_role_arns: [{BREAK_GLASS}]")
    (framework,) = [f for r in model.roots for f in r.frameworks]
    assert {c.name: c.parameters for c in framework.controls} == {
        "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED": (("principalArnList", f"{BREAK_GLASS},{DEPLOYER}"),),
        "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK": (("requiredRetentionDays", "35"),),
    }


def test_manual_deletion_control_has_no_parameter_when_nobody_is_exempt() -> None:
    (framework,) = [f for r in _model().roots for f in r.frameworks]
    assert {c.name: c.parameters for c in framework.controls}["BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED"] == ()
