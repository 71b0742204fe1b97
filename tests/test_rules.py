"""Semantic rules, diagnostic by diagnostic: a rule shared by several plans through a YAML anchor is reported
once per plan, naming it (DSB403 here); a vault entry's accounts x Regions where no backup or copy lands
(DSB222)."""

from __future__ import annotations

from pathlib import Path

from generator.diagnostics import Diagnostic
from generator.diagnostics.codes import diag
from generator.policy.validate import validate_file, validate_text

HEAD = """\
version: 1
name: shop
accounts:
  prod: { id: "111111111111" }
  dev: { id: "222222222222" }
clusters:
  orders: { account: prod, regions: [us-east-1] }
  billing: { account: prod, regions: [us-east-1] }
  ledger: { account: prod, regions: [us-east-1, us-east-2], witness_region: us-west-2 }
  api: { account: dev, regions: [us-east-2] }
"""


LOCAL = """\
vaults:
  local: { account: prod, regions: [us-east-1] }
"""


def diagnostics(text: str, *codes: str) -> list[Diagnostic]:
    return [d for d in validate_text(HEAD + text, "p.yaml").diagnostics if d.code in codes]


def at(text: str, needle: str) -> dict[str, int]:
    """1-based line and column of the first ``needle`` in the policy ``HEAD + text``."""
    before = (HEAD + text)[: (HEAD + text).index(needle)]
    return {"line": before.count("\n") + 1, "column": len(before) - before.rfind("\n")}


def test_a_rule_shared_through_an_anchor_is_reported_once_per_plan_naming_it() -> None:
    text = LOCAL + """\
plans:
  first:
    targets: { clusters: [orders] }
    rules:
      - &daily { name: daily, schedule: cron(0 5 ? * * *), start_window_minutes: 30, vault: local, retention_days: 35 }
  second:
    targets: { clusters: [billing] }
    rules: [*daily]
"""
    found = diagnostics(text, "DSB403")
    assert found == [
        diag("DSB403", f"plan '{plan}': rule 'daily' has a start window of 30 minutes; AWS Backup needs at least 60",
             "set start_window_minutes: 60 or more", **at(text, "30,"), file="p.yaml",
             path=f"$.plans.{plan}.rules[0].start_window_minutes")
        for plan in ("first", "second")
    ]


def test_a_message_that_names_its_plan_already_gets_no_prefix() -> None:
    found = diagnostics(LOCAL + """\
plans:
  first:
    targets: { clusters: [orders] }
    rules:
      - { name: daily, schedule: cron(0 5 ? * * *), vault: local, retention_days: 35 }
      - { name: daily, schedule: cron(0 6 ? * * *), vault: local, retention_days: 35 }
""", "DSB303")
    assert [d.message for d in found] == ["rule name 'daily' is used twice in plan 'first' (first as rule 1)"]


RULE = "{ name: daily, schedule: cron(0 5 ? * * *), vault: local, retention_days: 35"


def test_vault_sites_where_no_backup_or_copy_lands_are_one_warning_at_the_vault() -> None:
    text = f"""\
vaults:
  local: {{ accounts: [prod, dev], regions: [us-east-1, us-east-2, us-west-2] }}
plans:
  daily:
    targets: {{ clusters: [orders] }}
    rules:
      - {RULE}, copy_to: [{{ vault: local, region: us-east-2, retention_days: 35 }}] }}
"""
    assert diagnostics(text, "DSB220", "DSB222") == [diag(
        "DSB222", "vault 'local' creates a backup vault and a KMS key in each of its accounts x Regions, but no rule "
        "backs up and no copy lands in account 'prod' us-west-2; account 'dev' us-east-1, us-east-2, us-west-2",
        "drop us-west-2 from vaults.local.regions and drop 'dev' from vaults.local.accounts, or point a rule's vault "
        "or a copy_to at 'local' there", **at(text, "local:"), file="p.yaml", path="$.vaults.local")]


def test_peer_copies_and_cross_account_copies_use_their_sites() -> None:
    found = diagnostics(f"""\
vaults:
  local: {{ account: prod, regions: [us-east-1, us-east-2] }}
  dr: {{ account: dev, regions: [us-east-2] }}
organization: {{ id: o-a1b2c3d4e5, management_account: prod }}
plans:
  daily:
    targets: {{ clusters: [ledger] }}
    rules:
      - {RULE}, copy_to: [{{ vault: local, regions: peers, retention_days: 35 }},
                          {{ vault: dr, region: us-east-2, retention_days: 35 }}] }}
""", "DSB220", "DSB222")
    assert found == []


def test_the_whole_vault_idle_but_for_restore_testing_is_dsb222_and_a_vault_no_one_names_is_dsb220() -> None:
    text = f"""\
vaults:
  local: {{ account: prod, regions: [us-east-1] }}
  tested: {{ account: prod, regions: [us-east-1], kms_key: aws-managed }}
  spare: {{ account: prod, regions: [us-east-1] }}
plans:
  daily:
    targets: {{ clusters: [orders] }}
    rules:
      - {RULE} }}
restore_testing:
  weekly:
    account: prod
    regions: [us-east-1]
    schedule: cron(0 3 ? * SUN *)
    vaults: [tested]
    targets: {{ clusters: [orders] }}
"""
    assert diagnostics(text, "DSB220", "DSB222") == [
        diag("DSB222", "vault 'tested' creates a backup vault in each of its accounts x Regions, but no rule backs up "
             "and no copy lands in account 'prod' us-east-1",
             "no backup reaches vault 'tested' anywhere: point a rule's vault or a copy_to at it, or remove it; "
             "restore testing (weekly) does not count: it needs backups to test",
             **at(text, "tested:"), file="p.yaml", path="$.vaults.tested"),
        diag("DSB220", "vault 'spare' is never used by a rule, a copy or a restore test",
             "remove it, or back up or copy into it", **at(text, "spare:"), file="p.yaml",
             path="$.vaults.spare"),
    ]


def test_a_vault_entry_split_across_unused_sites_is_told_to_split() -> None:
    found = diagnostics(f"""\
vaults:
  local: {{ accounts: [prod, dev], regions: [us-east-1, us-east-2], notifications: {{ events: [COPY_JOB_FAILED] }} }}
plans:
  daily:
    targets: {{ clusters: [orders, api] }}
    rules:
      - {RULE} }}
""", "DSB222")
    assert [(d.message, d.hint) for d in found] == [(
        "vault 'local' creates a backup vault, a KMS key and an SNS topic in each of its accounts x Regions, but no "
        "rule backs up and no copy lands in account 'prod' us-east-2; account 'dev' us-east-1",
        "point a rule's vault or a copy_to at 'local' there, or split the entry into vault entries whose accounts "
        "and regions are where backups land")]


NEGATIVE = Path(__file__).resolve().parent / "negative"


def test_lock_and_retention_rules_say_what_is_wrong_and_what_to_do() -> None:
    """DSB501-DSB507 (generator/policy/rules/retention.py) on their negative fixtures, whole: path, message, hint."""
    def said(fixture: str) -> list[tuple[str, str, str, str]]:
        return [(d.code, d.path, d.message, d.hint) for d in validate_file(NEGATIVE / f"{fixture}.yaml").diagnostics
                if d.code.startswith("DSB50")]

    locked = "every backup job into it would fail"
    assert said("61-retention-outside-lock") == [
        ("DSB501", "$.plans.daily.rules[0].retention_days", "plan 'daily': rule 'daily' keeps backups 35 days, but "
         f"vault 'local' is locked to 7-30 days; {locked}", "set retention_days between 7 and 30")]
    assert said("91-retention-below-lock-minimum") == [
        ("DSB501", "$.plans.daily.rules[0].retention_days", "plan 'daily': rule 'daily' keeps backups 5 days, but "
         f"vault 'local' is locked to 7-30 days; {locked}", "set retention_days between 7 and 30")]
    assert said("92-copy-retention-outside-lock") == [
        ("DSB501", "$.plans.daily.rules[0].copy_to[0].retention_days", "plan 'daily': rule 'daily' copies to vault "
         "'dr' for 14 days, but that vault is locked to 30-365 days; every copy job would fail",
         "set this copy's retention_days between 30 and 365"),
        ("DSB501", "$.plans.daily.rules[0].copy_to[1].retention_days", "plan 'daily': rule 'daily' copies to vault "
         "'archive' for 400 days, but that vault is locked to 30-365 days; every copy job would fail",
         "set this copy's retention_days between 30 and 365")]
    assert said("62-compliance-without-ack") == [
        ("DSB502", "$.vaults.local.lock", "vault 'local' asks for a compliance lock, which no one (not even AWS or "
         "the root user) can remove or change once changeable_for_days have passed",
         "add 'acknowledge: compliance-lock-is-irreversible' to the lock, or use mode: governance")]
    assert said("63-lock-min-above-max") == [
        ("DSB503", "$.vaults.local.lock.min_retention_days",
         "vault 'local' lock: min_retention_days 400 is above max_retention_days 30", "swap or correct the bounds")]
    assert said("64-governance-with-changeable") == [
        ("DSB504", "$.vaults.local.lock.changeable_for_days", "vault 'local' has a governance lock with "
         "changeable_for_days; in AWS that setting turns the lock into compliance mode",
         "remove changeable_for_days, or write mode: compliance with the acknowledgement")]
    assert said("65-retention-below-audit-minimum") == [
        ("DSB505", "$.plans.daily.rules[0].retention_days", "plan 'daily': rule 'daily' keeps backups 35 days, below "
         "the 90 days that audit framework 'baseline' checks",
         "raise retention_days to 90, or lower the framework's min_retention_days")]
    assert said("90-audit-interval-not-whole-days") == [
        ("DSB507", "$.audit.frameworks.baseline.max_backup_interval_hours", "framework 'baseline': control "
         "min_frequency_and_retention cannot check an interval of 30 hours; AWS takes 1-24 hours or 1-31 whole days",
         "set max_backup_interval_hours to 24 or 48")]
    (interval,) = [d for d in validate_file(NEGATIVE / "90-audit-interval-not-whole-days.yaml").diagnostics
                   if d.code == "DSB507"]
    assert interval.source == ("https://docs.aws.amazon.com/config/latest/developerguide/"
                               "backup-plan-min-frequency-and-min-retention-check.html")
    (cold,) = said("66-cold-storage")
    assert cold[:2] == ("DSB506", "$.plans.daily.rules[0].cold_storage_after_days")
    assert cold[2].startswith("plan 'daily': cold storage is not supported for Aurora DSQL backups (")
    assert cold[3] == "remove cold_storage_after_days"


def test_lock_bounds_edges() -> None:
    """DSB501/DSB503/DSB504 at their edges: a one-sided lock (the other bound is AWS's 1 or 36500 days), equal
    bounds, a compliance lock without its grace period, vaults without locks before a locked one."""
    def policy(lock: str, retention: int, copy: int = 35) -> str:
        return f"""\
vaults:
  open: {{ account: prod, regions: [us-east-1] }}
  local: {{ account: prod, regions: [us-east-1, us-east-2], lock: {lock} }}
plans:
  daily:
    targets: {{ clusters: [orders] }}
    rules:
      - name: daily
        schedule: cron(0 5 ? * * *)
        vault: local
        retention_days: {retention}
        copy_to: [{{ vault: local, region: us-east-2, retention_days: {copy} }}]
"""

    def said(text: str) -> list[tuple[str, str, str]]:
        return [(d.code, d.message, d.hint) for d in diagnostics(text, "DSB501", "DSB503", "DSB504")]

    rule, copy = "plan 'daily': rule 'daily'", "every copy job would fail"
    assert said(policy("{ mode: governance, max_retention_days: 30 }", 35, 40)) == [
        ("DSB501", f"{rule} keeps backups 35 days, but vault 'local' is locked to 1-30 days; every backup job into "
         "it would fail", "set retention_days between 1 and 30"),
        ("DSB501", f"{rule} copies to vault 'local' for 40 days, but that vault is locked to 1-30 days; {copy}",
         "set this copy's retention_days between 1 and 30")]
    assert said(policy("{ mode: governance, min_retention_days: 40 }", 35, 30)) == [
        ("DSB501", f"{rule} keeps backups 35 days, but vault 'local' is locked to 40-36500 days; every backup job "
         "into it would fail", "set retention_days between 40 and 36500"),
        ("DSB501", f"{rule} copies to vault 'local' for 30 days, but that vault is locked to 40-36500 days; {copy}",
         "set this copy's retention_days between 40 and 36500")]
    assert said(policy("{ mode: governance, min_retention_days: 35, max_retention_days: 35 }", 35)) == []
    assert [d[0] for d in said(policy("{ mode: governance, min_retention_days: 30, max_retention_days: 30 }",
                                      35))] == ["DSB501", "DSB501"]
    compliance = ("{ mode: compliance, acknowledge: compliance-lock-is-irreversible, min_retention_days: 7, "
                  "max_retention_days: 400 }")
    found = diagnostics(policy(compliance, 35), "DSB504")
    assert [(d.code, d.path, d.message, d.hint) for d in found] == [
        ("DSB504", "$.vaults.local.lock.mode", "vault 'local' has a compliance lock without changeable_for_days",
         "add changeable_for_days: 3 (or more): the grace period before the lock is final")]


def test_audit_minimum_retention_scope() -> None:
    """DSB505 for either retention control, only for plans that run in the framework's account and Regions, across
    several frameworks and plans."""
    text = LOCAL + """\
  dr: { account: dev, regions: [us-east-2] }
plans:
  elsewhere:
    targets: { clusters: [api] }
    rules: [{ name: dev, schedule: cron(0 5 ? * * *), vault: dr, retention_days: 7 }]
  daily:
    targets: { clusters: [orders] }
    rules: [{ name: daily, schedule: cron(0 5 ? * * *), vault: local, retention_days: 35 }]
audit:
  frameworks:
    plain: { account: prod, regions: [us-east-1], controls: [vault_lock_present], min_retention_days: 90 }
    other-region: { account: dev, regions: [us-east-1], controls: [minimum_retention], min_retention_days: 90 }
    baseline: { account: prod, regions: [us-east-1], controls: [min_frequency_and_retention],
                min_retention_days: 60, max_backup_interval_hours: 24 }
"""
    assert [(d.path, d.message) for d in diagnostics(text, "DSB505")] == [
        ("$.plans.daily.rules[0].retention_days", "plan 'daily': rule 'daily' keeps backups 35 days, below the 60 "
         "days that audit framework 'baseline' checks")]


def test_unsupported_features_are_named_with_their_source() -> None:
    """DSB506 for continuous backup and cold storage, at the key, citing the AWS page the capability data names."""
    text = LOCAL + """\
plans:
  daily:
    targets: { clusters: [orders] }
    rules:
      - { name: daily, schedule: cron(0 5 ? * * *), vault: local, retention_days: 35, continuous_backup: true,
          cold_storage_after_days: 30 }
"""
    found = diagnostics(text, "DSB506")
    assert [(d.path, d.line, d.column, d.hint, d.source) for d in found] == [
        ("$.plans.daily.rules[0].continuous_backup", *at(text, "continuous_backup").values(),
         "remove continuous_backup", "https://docs.aws.amazon.com/aws-backup/latest/devguide/backup-aurora.html"),
        ("$.plans.daily.rules[0].cold_storage_after_days", *at(text, "cold_storage_after_days").values(),
         "remove cold_storage_after_days", "https://docs.aws.amazon.com/aws-backup/latest/devguide/API_Lifecycle.html")]
    assert found[0].message.startswith("plan 'daily': continuous backup (point-in-time recovery) is not supported "
                                       "for Aurora DSQL (unconfirmed: ")
    assert found[1].message.startswith("plan 'daily': cold storage is not supported for Aurora DSQL backups "
                                       "(unconfirmed: ")


def test_unknown_time_zones_are_named_with_a_suggestion_where_one_is_close() -> None:
    """DSB402 (generator/policy/rules/schedule.py), whole, in defaults and in a rule (mutmut survivors: the
    defaults path was never reached and the suggestion never checked)."""
    text = LOCAL + """\
defaults:
  timezone: Europe/Berln
plans:
  daily:
    targets: { clusters: [orders] }
    rules:
      - { name: daily, schedule: "cron(0 3 ? * * *)", vault: local, retention_days: 35, timezone: Qwxz/Zzz }
"""
    assert [(d.code, d.path, d.message, d.hint) for d in diagnostics(text, "DSB402")] == [
        ("DSB402", "$.defaults.timezone", "'Europe/Berln' is not an IANA time zone name",
         "did you mean 'Europe/Berlin'?"),
        ("DSB402", "$.plans.daily.rules[0].timezone", "plan 'daily': 'Qwxz/Zzz' is not an IANA time zone name",
         "use a name such as Etc/UTC or Europe/Berlin"),
    ]
