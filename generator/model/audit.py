"""AWS Backup Audit Manager: the frameworks and report plans of a policy, per account and Region, with the
controls and their parameters."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType

from generator.aws import naming
from generator.aws.audit_parameters import Interval, interval
from generator.aws.capabilities import Capabilities
from generator.model import documents
from generator.model.nodes import Control, Framework, ReportPlan
from generator.policy.typed import Framework as PolicyFramework
from generator.policy.typed import Policy

# AWS Backup Audit Manager controls for the policy's control names (AWS "Choosing your controls" page).
CONTROLS: Mapping[str, str] = MappingProxyType({
    "minimum_retention": "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK",
    "min_frequency_and_retention": "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK",
    "plans_cover_clusters": "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN",
    "vault_lock_present": "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK",
    "cross_region_copy": "BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION",
    "cross_account_copy": "BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT",
    "recovery_point_encrypted": "BACKUP_RECOVERY_POINT_ENCRYPTED",
    "manual_deletion_disabled": "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED",
    "last_recovery_point_created": "BACKUP_LAST_RECOVERY_POINT_CREATED",
})

Label = Callable[[str, str, str], str]  # (key, account, Region) -> a resource label
Alias = Callable[[str, str], str]  # (account, Region) -> a provider alias
Origin = Callable[..., str]  # (policy path parts) -> the entry's JSON path


def _interval(caps: Capabilities, control: str, hours: int) -> Interval:
    """How ``control`` takes the framework's interval; a value AWS cannot take (DSB507, only in a policy with
    errors, being explained) is written in hours as the policy states it."""
    return interval(caps, control, hours) or Interval("hours", hours)


def controls(f: PolicyFramework, caps: Capabilities, deny_exempt: tuple[str, ...] = ()) -> tuple[Control, ...]:
    """The framework's controls with their input parameters, sorted by control name. ``deny_exempt``: the
    principals the account's vault access policies exempt from their denials, which the manual-deletion control
    must not check (its principalArnList, a comma-separated list)."""
    out = []
    for c in sorted(f.controls):
        params: tuple[tuple[str, str], ...] = ()
        if c == "manual_deletion_disabled" and deny_exempt:
            params = (("principalArnList", ",".join(deny_exempt)),)
        elif c == "minimum_retention":
            params = (("requiredRetentionDays", str(f.min_retention_days)),)
        elif c == "min_frequency_and_retention":
            every = _interval(caps, c, f.max_backup_interval_hours)
            params = (("requiredFrequencyUnit", every.unit),
                      ("requiredFrequencyValue", str(every.value)),
                      ("requiredRetentionDays", str(f.min_retention_days)))
        elif c == "last_recovery_point_created":
            age = _interval(caps, c, f.max_backup_interval_hours)
            params = (("recoveryPointAgeUnit", age.unit),
                      ("recoveryPointAgeValue", str(age.value)))
        out.append(Control(CONTROLS[c], params))
    return tuple(sorted(out, key=lambda c: c.name))


def nodes(p: Policy, label: Label, alias: Alias, origin: Origin, caps: Capabilities
          ) -> Iterator[tuple[str, str, Framework | ReportPlan]]:
    """(account, Region, node) for every framework and report plan of the policy; entries naming an unknown
    account are skipped (only in a policy with errors, being explained). Control parameters are written
    within the ranges of ``caps``."""
    for key in sorted(p.frameworks):
        f = p.frameworks[key]
        if f.account not in p.accounts:
            continue
        for region in sorted(f.regions):
            yield f.account, region, Framework(
                label=label(key, f.account, region),
                key=key,
                provider=alias(f.account, region),
                region=region,
                name=naming.framework_name(p.name, key),
                description=f.description or f"dsql-backup policy {p.name}: {key}",
                controls=controls(f, caps, documents.deny_exempt(
                    p.accounts[f.account].role_arn, p.accounts[f.account].break_glass_role_arns)),
                origin=origin("audit", "frameworks", key),
            )
    for key in sorted(p.reports):
        rep = p.reports[key]
        if rep.account not in p.accounts:
            continue
        for region in sorted(rep.regions):
            yield rep.account, region, ReportPlan(
                label=label(key, rep.account, region),
                key=key,
                provider=alias(rep.account, region),
                region=region,
                name=naming.report_plan_name(p.name, key),
                template=rep.template,
                s3_bucket=rep.s3_bucket,
                s3_key_prefix=rep.s3_key_prefix,
                formats=tuple(sorted(rep.formats)),
                framework_labels=tuple(
                    label(fk, rep.account, region) for fk in sorted(rep.frameworks)
                    if fk in p.frameworks and p.frameworks[fk].account == rep.account
                    and region in p.frameworks[fk].regions),
                origin=origin("audit", "reports", key),
            )
