"""A document with hundreds of problems reports the first 500 and one summary line, in every stage.

The work stays bounded on hostile input (a million unknown references): past the cap, problems are counted,
not worded or located, and the semantic rules stop after MAX_COUNTED. Timings are the benchmark's business
(tests/benchmarks/bench_adversarial.py); these tests check the cap and the summary line.
"""

from __future__ import annotations

import pytest

from generator.diagnostics import Diagnostic, Severity
from generator.diagnostics import cap as cap_module
from generator.policy.validate import validate_text

HEAD = """\
version: 1
name: inv
accounts:
  prod: { id: "123456789012" }
vaults:
  local: { account: prod, regions: [eu-west-1] }
"""
PLAN = """\
plans:
  daily:
    rules:
      - { name: daily, schedule: "cron(0 3 ? * * *)", vault: local, retention_days: 35 }
    targets:
      clusters:
"""


def _unknown_targets(count: int) -> str:
    """A plan naming catalog (line 15), then ``count`` clusters that do not exist, one a line from line 16."""
    clusters = "clusters:\n  catalog: { account: prod, regions: [eu-west-1] }\n"
    return HEAD + clusters + PLAN + "        - catalog\n" + "".join(f"        - c{i}\n" for i in range(count))


def test_six_hundred_unknown_references_report_five_hundred_and_a_summary() -> None:
    diags = validate_text(_unknown_targets(600), "policy.yaml").diagnostics
    assert [d.code for d in diags] == ["DSB202"] * 500 + ["DSB014"]
    assert diags[499] == Diagnostic(
        "DSB202", Severity.ERROR, "plan 'daily': cluster 'c499' is not defined",
        "define it under clusters, or use one of: catalog", "policy.yaml", 16 + 499, 11,
        "$.plans.daily.targets.clusters[500]")
    assert diags[500] == Diagnostic(
        "DSB014", Severity.ERROR, "100 more problems (100 errors) left out: only the first 500 are reported; "
        "they start here", "fix the problems reported (often one mistake repeated) and validate again",
        "policy.yaml", 16 + 500, 11, "$.plans.daily.targets.clusters[501]")


def test_five_hundred_problems_need_no_summary() -> None:
    diags = validate_text(_unknown_targets(500), "policy.yaml").diagnostics
    assert [d.code for d in diags] == ["DSB202"] * 500


def test_the_rules_stop_counting_at_an_absurd_number(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cap_module, "MAX_COUNTED", 40)
    diags = validate_text(_unknown_targets(600), "policy.yaml").diagnostics
    assert [d.code for d in diags] == ["DSB202"] * 500 + ["DSB014"]
    assert diags[-1].message == ("40 more problems (40 errors) left out: only the first 500 are reported; "
                                 "the checks stopped there")


def test_warnings_past_the_cap_leave_the_policy_valid() -> None:
    clusters = "clusters:\n" + "".join(f"  c{i}: {{ account: prod, regions: [eu-west-1] }}\n" for i in range(503))
    text = HEAD + clusters + PLAN.replace("      clusters:\n", "      clusters: [c0]\n")
    validation = validate_text(text, "policy.yaml")
    assert validation.ok
    assert [d.code for d in validation.diagnostics] == ["DSB221"] * 500 + ["DSB014"]
    assert validation.diagnostics[-1] == Diagnostic(
        "DSB014", Severity.WARNING, "2 more problems (2 warnings) left out: only the first 500 are reported; "
        "they start here", "fix the problems reported (often one mistake repeated) and validate again",
        "policy.yaml", 8 + 501, 3, "$.clusters.c501")


def test_six_hundred_duplicate_keys_report_five_hundred_and_a_summary() -> None:
    text = "version: 1\nname: inv\n" + "x: 1\n" * 601
    diags = validate_text(text, "policy.yaml").diagnostics
    assert [d.code for d in diags] == ["DSB005"] * 500 + ["DSB014"]
    assert diags[0] == Diagnostic(
        "DSB005", Severity.ERROR, "duplicate key 'x' (first defined on line 3)",
        "remove one of them or combine their contents; YAML would keep only the last", "policy.yaml", 4, 1, "$.x")
    assert diags[-1] == Diagnostic(
        "DSB014", Severity.ERROR, "100 more problems (100 errors) left out: only the first 500 are reported; "
        "they start here", "fix the problems reported (often one mistake repeated) and validate again",
        "policy.yaml", 504, 1, "$.x")


def test_six_hundred_unknown_fields_in_one_mapping_are_capped_by_the_schema_stage() -> None:
    fields = ", ".join(f"f{i}: 1" for i in range(600))
    text = HEAD.replace("  prod: { id: \"123456789012\" }", f"  prod: {{ id: \"123456789012\", {fields} }}")
    diags = validate_text(text, "policy.yaml").diagnostics
    assert [d.code for d in diags] == ["DSB102"] * 500 + ["DSB100"]
    assert diags[-1].message == ("more than 500 schema problems: only the first 500 are reported, and the "
                                 "semantic checks wait until they are fixed")
