"""Vault locks are consistent, and every retention fits the lock of the vault it lands in."""

from __future__ import annotations

from collections.abc import Iterator

from generator.aws.audit_parameters import INTERVAL_LIMITS, RETENTION_LIMIT, interval, nearest_intervals
from generator.diagnostics import Diagnostic
from generator.policy.rules.base import Context
from generator.policy.typed import Lock, plan_sites

ACKNOWLEDGEMENT = "compliance-lock-is-irreversible"


def locks(ctx: Context) -> Iterator[Diagnostic]:
    for v in ctx.policy.vaults.values():
        lock = v.lock
        if lock is None:
            continue
        lp = ("vaults", v.key, "lock")
        if lock.mode == "compliance":
            if lock.acknowledge != ACKNOWLEDGEMENT:
                yield ctx.diag("DSB502", f"vault '{v.key}' asks for a compliance lock, which no one (not even "
                               "AWS or the root user) can remove or change once changeable_for_days have passed",
                               f"add 'acknowledge: {ACKNOWLEDGEMENT}' to the lock, or use mode: governance", lp)
            if lock.changeable_for_days is None:
                yield ctx.diag("DSB504", f"vault '{v.key}' has a compliance lock without changeable_for_days",
                               "add changeable_for_days: 3 (or more): the grace period before the lock is final",
                               (*lp, "mode"))
        elif lock.changeable_for_days is not None:
            yield ctx.diag("DSB504", f"vault '{v.key}' has a governance lock with changeable_for_days; in AWS "
                           "that setting turns the lock into compliance mode",
                           "remove changeable_for_days, or write mode: compliance with the acknowledgement",
                           (*lp, "changeable_for_days"))
        if lock.min_retention_days is not None and lock.max_retention_days is not None \
                and lock.min_retention_days > lock.max_retention_days:
            yield ctx.diag("DSB503", f"vault '{v.key}' lock: min_retention_days {lock.min_retention_days} is "
                           f"above max_retention_days {lock.max_retention_days}", "swap or correct the bounds",
                           (*lp, "min_retention_days"))


def _consistent(lock: Lock) -> bool:
    lo, hi = lock.min_retention_days, lock.max_retention_days
    return lo is None or hi is None or lo <= hi


def _bounds(lock: Lock) -> str:
    return f"{lock.min_retention_days or 1}-{lock.max_retention_days or 36500} days"


def retention_within_locks(ctx: Context) -> Iterator[Diagnostic]:
    p = ctx.policy
    for pl in p.plans.values():
        for r in pl.rules:
            rp = ("plans", pl.key, "rules", r.index)
            v = p.vaults.get(r.vault)
            if v is not None and v.lock is not None and _consistent(v.lock) and not v.lock.admits(r.retention_days):
                yield ctx.diag("DSB501", f"rule '{r.name}' keeps backups {r.retention_days} days, but vault "
                               f"'{v.key}' is locked to {_bounds(v.lock)}; every backup job into it would fail",
                               f"set retention_days between {v.lock.min_retention_days or 1} and "
                               f"{v.lock.max_retention_days or 36500}", (*rp, "retention_days"))
            for c in r.copy_to:
                d = p.vaults.get(c.vault)
                if d is not None and d.lock is not None and _consistent(d.lock) \
                        and not d.lock.admits(c.retention_days):
                    yield ctx.diag("DSB501", f"rule '{r.name}' copies to vault '{d.key}' for {c.retention_days} "
                                   f"days, but that vault is locked to {_bounds(d.lock)}; every copy job would fail",
                                   f"set this copy's retention_days between {d.lock.min_retention_days or 1} and "
                                   f"{d.lock.max_retention_days or 36500}",
                                   (*rp, "copy_to", c.index, "retention_days"))


def audit_minimum_retention(ctx: Context) -> Iterator[Diagnostic]:
    p = ctx.policy
    for f in p.frameworks.values():
        if "minimum_retention" not in f.controls and "min_frequency_and_retention" not in f.controls:
            continue
        for pl in p.plans.values():
            if not any(s.account == f.account and s.region in f.regions for s in plan_sites(p, pl)):
                continue
            for r in pl.rules:
                if r.retention_days < f.min_retention_days:
                    yield ctx.diag("DSB505", f"rule '{r.name}' keeps backups {r.retention_days} days, below the "
                                   f"{f.min_retention_days} days that audit framework '{f.key}' checks",
                                   f"raise retention_days to {f.min_retention_days}, or lower the framework's "
                                   "min_retention_days", ("plans", pl.key, "rules", r.index, "retention_days"))


def audit_parameters(ctx: Context) -> Iterator[Diagnostic]:
    """Each control parameter a framework writes lies within the range AWS documents for it."""
    keep = ctx.caps.limit(RETENTION_LIMIT)
    for f in ctx.policy.frameworks.values():
        fp = ("audit", "frameworks", f.key)
        for control in sorted(set(f.controls) & INTERVAL_LIMITS.keys()):
            hours = f.max_backup_interval_hours
            if interval(ctx.caps, control, hours) is not None:
                continue
            in_hours, in_days = (ctx.caps.limit(n) for n in INTERVAL_LIMITS[control])
            yield ctx.diag("DSB507", f"framework '{f.key}': control {control} cannot check an interval of {hours} "
                           f"hours; AWS takes {in_hours.min}-{in_hours.max} hours or {in_days.min}-{in_days.max} "
                           "whole days",
                           "set max_backup_interval_hours to "
                           f"{' or '.join(map(str, nearest_intervals(ctx.caps, control, hours)))}",
                           (*fp, "max_backup_interval_hours"), source=in_hours.sources[0])
        retention_controls = sorted(set(f.controls) & {"minimum_retention", "min_frequency_and_retention"})
        if retention_controls and not keep.contains(f.min_retention_days):
            yield ctx.diag("DSB507", f"framework '{f.key}': control {retention_controls[0]} cannot require "
                           f"{f.min_retention_days} days of retention; AWS takes {keep.min}-{keep.max} days",
                           f"set min_retention_days between {keep.min} and {keep.max}",
                           (*fp, "min_retention_days"), source=keep.sources[0])


def unsupported_features(ctx: Context) -> Iterator[Diagnostic]:
    for pl in ctx.policy.plans.values():
        for r in pl.rules:
            rp = ("plans", pl.key, "rules", r.index)
            if r.cold_storage_after_days is not None:
                f = ctx.caps.feature("cold_storage")
                if not f.supported:
                    yield ctx.diag("DSB506", "cold storage is not supported for Aurora DSQL backups "
                                   f"({f.status.lower()}: {f.note})", "remove cold_storage_after_days",
                                   (*rp, "cold_storage_after_days"), at_key=True, source=f.source)
            if r.continuous_backup:
                f = ctx.caps.feature("continuous_backup")
                if not f.supported:
                    yield ctx.diag("DSB506", "continuous backup (point-in-time recovery) is not supported for "
                                   f"Aurora DSQL ({f.status.lower()}: {f.note})", "remove continuous_backup",
                                   (*rp, "continuous_backup"), at_key=True, source=f.source)
