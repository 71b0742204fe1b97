"""The input parameters of AWS Backup Audit Manager controls, written within AWS's ranges.

A policy states one interval in hours (``max_backup_interval_hours``) and one retention in days
(``min_retention_days``). AWS takes an interval as a unit (``hours`` or ``days``) and a value, and each unit
has its own range: the ``audit_*`` limits of the capability table. :func:`interval` chooses how an interval is
written -- whole days when it is longer than a day, hours otherwise -- and returns ``None`` when neither unit
can hold it; the semantic rule reports that case and the model writes what :func:`interval` returns, so the
two read the same ranges and cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.aws.capabilities import Capabilities, Limit

__all__ = ["HOURS_PER_DAY", "INTERVAL_LIMITS", "RETENTION_LIMIT", "Interval", "interval", "nearest_intervals"]

HOURS_PER_DAY = 24

# Policy control -> (limit for a value in hours, limit for a value in days).
INTERVAL_LIMITS: dict[str, tuple[str, str]] = {
    "min_frequency_and_retention": ("audit_frequency_hours", "audit_frequency_days"),
    "last_recovery_point_created": ("audit_recovery_point_age_hours", "audit_recovery_point_age_days"),
}
# requiredRetentionDays, in minimum_retention and min_frequency_and_retention.
RETENTION_LIMIT = "audit_required_retention_days"


@dataclass(frozen=True, slots=True)
class Interval:
    unit: str  # "hours" | "days"
    value: int


def _limits(caps: Capabilities, control: str) -> tuple[Limit, Limit]:
    hours, days = INTERVAL_LIMITS[control]
    return caps.limit(hours), caps.limit(days)


def interval(caps: Capabilities, control: str, hours: int) -> Interval | None:
    """``hours`` as ``control`` takes it: whole days above one day, else hours; ``None`` if AWS cannot take it."""
    in_hours, in_days = _limits(caps, control)
    days, rest = divmod(hours, HOURS_PER_DAY)
    if hours > HOURS_PER_DAY and rest == 0 and in_days.contains(days):
        return Interval("days", days)
    if in_hours.contains(hours):
        return Interval("hours", hours)
    return None


def nearest_intervals(caps: Capabilities, control: str, hours: int) -> tuple[int, ...]:
    """The valid intervals (in hours) nearest to ``hours``: the largest below it and the smallest above it."""
    in_hours, in_days = _limits(caps, control)
    longest = max(in_hours.max or 0, (in_days.max or 0) * HOURS_PER_DAY)
    valid = [h for h in range(1, longest + 1) if interval(caps, control, h) is not None]
    below = [v for v in valid if v < hours]
    above = [v for v in valid if v > hours]
    return (*([max(below)] if below else []), *([min(above)] if above else []))
