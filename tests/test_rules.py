"""Semantic rules, diagnostic by diagnostic: a rule shared by several plans through a YAML anchor is reported
once per plan, naming it (DSB403 here)."""

from __future__ import annotations

from generator.diagnostics import Diagnostic
from generator.diagnostics.codes import diag
from generator.policy.validate import validate_text

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

