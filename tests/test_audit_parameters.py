"""Audit control parameters stay within the ranges AWS documents (the Config rule pages of
backup-plan-min-frequency-and-min-retention-check and *-last-backup-recovery-point-created):
requiredFrequencyValue at most 24 hours or 31 days, recoveryPointAgeValue at most 744 hours or 31 days.
An interval longer than a day that is a whole number of days is written in days; one AWS cannot take is DSB507.

The expected values are written out here from those pages, not computed with the compiler's helpers."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

import pytest

from generator.aws.capabilities import Capabilities, parse_capabilities
from generator.diagnostics import Diagnostic, Severity
from generator.model.build import build_model
from generator.policy.rules import Context
from generator.policy.rules.retention import audit_parameters
from generator.policy.validate import Validation, validate_text

POLICY = """\
version: 1
name: shop
accounts:
  prod: {{ id: "111111111111" }}
clusters:
  orders:
    account: prod
    regions: [us-east-1]
vaults:
  local:
    account: prod
    regions: [us-east-1]
plans:
  daily:
    targets:
      clusters: [orders]
    rules:
      - name: daily
        schedule: cron(0 5 ? * * *)
        vault: local
        retention_days: 35
audit:
  frameworks:
    baseline:
      account: prod
      regions: [us-east-1]
      controls: [{controls}]
      max_backup_interval_hours: {hours}
"""
HOURS_LINE = 28  # the line of max_backup_interval_hours in POLICY
FREQUENCY = "min_frequency_and_retention"
AGE = "last_recovery_point_created"


def _validate(hours: int, controls: str = f"{FREQUENCY}, {AGE}") -> Validation:
    return validate_text(POLICY.format(controls=controls, hours=hours), "policy.yaml")


def _table() -> dict[str, Any]:
    """The packaged capability table as a JSON document, to narrow in a test."""
    doc: dict[str, Any] = json.loads(files("generator.data").joinpath("capabilities.json").read_text())
    return doc


def _parameters(v: Validation) -> dict[str, dict[str, str]]:
    """AWS control name -> its input parameters, as the model writes them."""
    assert v.checked is not None
    model = build_model(v.checked, parse_capabilities(_table()))
    frameworks = [f for root in model.roots for f in root.frameworks]
    assert len(frameworks) == 1
    return {c.name: dict(c.parameters) for c in frameworks[0].controls}


def _errors(v: Validation) -> list[Diagnostic]:
    return [d for d in v.diagnostics if d.severity is Severity.ERROR]


@pytest.mark.parametrize(("hours", "frequency", "age"), [
    (24, ("hours", "24"), ("hours", "24")),
    (1, ("hours", "1"), ("hours", "1")),
    (48, ("days", "2"), ("days", "2")),
    (168, ("days", "7"), ("days", "7")),
    (744, ("days", "31"), ("days", "31")),
])
def test_interval_is_written_in_a_unit_aws_takes(hours: int, frequency: tuple[str, str],
                                                 age: tuple[str, str]) -> None:
    v = _validate(hours)
    assert _errors(v) == []
    params = _parameters(v)
    assert params["BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK"] == {
        "requiredFrequencyUnit": frequency[0], "requiredFrequencyValue": frequency[1],
        "requiredRetentionDays": "35"}
    assert params["BACKUP_LAST_RECOVERY_POINT_CREATED"] == {
        "recoveryPointAgeUnit": age[0], "recoveryPointAgeValue": age[1]}


@pytest.mark.parametrize("hours", [30, 100, 743])
def test_recovery_point_age_in_hours_up_to_744(hours: int) -> None:
    """Not whole days: still fine for last_recovery_point_created, which takes up to 744 hours."""
    v = _validate(hours, AGE)
    assert _errors(v) == []
    assert _parameters(v) == {"BACKUP_LAST_RECOVERY_POINT_CREATED": {
        "recoveryPointAgeUnit": "hours", "recoveryPointAgeValue": str(hours)}}


FREQUENCY_SOURCE = "https://docs.aws.amazon.com/config/latest/developerguide/backup-plan-min-frequency-and-min-retention-check.html"


@pytest.mark.parametrize(("hours", "hint"), [
    (30, "set max_backup_interval_hours to 24 or 48"),
    (25, "set max_backup_interval_hours to 24 or 48"),
    (47, "set max_backup_interval_hours to 24 or 48"),
    (50, "set max_backup_interval_hours to 48 or 72"),
    (740, "set max_backup_interval_hours to 720 or 744"),
])
def test_frequency_aws_cannot_take_is_dsb507_at_the_interval(hours: int, hint: str) -> None:
    v = _validate(hours)
    assert _errors(v) == [Diagnostic(
        code="DSB507", severity=Severity.ERROR,
        message=f"framework 'baseline': control min_frequency_and_retention cannot check an interval of {hours} "
                "hours; AWS takes 1-24 hours or 1-31 whole days",
        hint=hint, file="policy.yaml", line=HOURS_LINE, column=34,
        path="$.audit.frameworks.baseline.max_backup_interval_hours")]
    assert _errors(v)[0].source == FREQUENCY_SOURCE


def test_frequency_check_names_only_the_control_that_cannot_take_it() -> None:
    assert [d.code for d in _errors(_validate(30, FREQUENCY))] == ["DSB507"]
    assert _errors(_validate(30, AGE)) == []
    assert _errors(_validate(30, "minimum_retention")) == []


def _narrowed(**maxima: int) -> Capabilities:
    """The packaged table with the named limits' maxima lowered."""
    doc = _table()
    for limit, top in maxima.items():
        doc["limits"][limit]["max"] = top
    return parse_capabilities(doc)


def test_rule_and_model_read_the_ranges_from_the_capability_table() -> None:
    """The ranges are data: narrow the table and the same policy is written differently, or rejected."""
    v = _validate(48, AGE)
    assert v.checked is not None
    no_second_day = _narrowed(audit_recovery_point_age_days=1)  # 2 days no longer fits; 48 hours does
    assert list(audit_parameters(Context(v.checked, v.loaded.source_map, no_second_day))) == []
    model = build_model(v.checked, no_second_day)
    (control,) = (c for root in model.roots for f in root.frameworks for c in f.controls)
    assert dict(control.parameters) == {"recoveryPointAgeUnit": "hours", "recoveryPointAgeValue": "48"}

    one_day = _narrowed(audit_recovery_point_age_days=1, audit_recovery_point_age_hours=24)
    (d,) = audit_parameters(Context(v.checked, v.loaded.source_map, one_day))
    assert (d.code, d.line, d.hint) == ("DSB507", HOURS_LINE, "set max_backup_interval_hours to 24")


def test_required_retention_days_outside_the_table_is_dsb507() -> None:
    """AWS documents no range for requiredRetentionDays; the table keeps a retention's 1-36500, which the schema
    also enforces, so only a narrower table can show the rule at work."""
    v = _validate(24, "minimum_retention")
    assert v.checked is not None
    caps = _narrowed(audit_required_retention_days=30)
    assert list(audit_parameters(Context(v.checked, v.loaded.source_map, caps))) == [Diagnostic(
        code="DSB507", severity=Severity.ERROR,
        message="framework 'baseline': control minimum_retention cannot require 35 days of retention; "
                "AWS takes 1-30 days",
        hint="set min_retention_days between 1 and 30", line=24, column=5,
        path="$.audit.frameworks.baseline.min_retention_days")]
