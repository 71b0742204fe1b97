"""AWS Backup schedule expressions: the 6-field AWS (EventBridge) cron, and what a valid one means
(when it fires, the longest gap between runs, plain English). Parsing and its diagnostics are in
:mod:`generator.aws.cron_parser`.

``cron(Minutes Hours Day-of-month Month Day-of-week Year)``; field ranges and wildcards per
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html, which AWS Backup
points to for its schedule syntax (facts 3.2). ``rate(...)`` is not accepted by AWS Backup.
"""

from __future__ import annotations

import calendar
import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

__all__ = ["Cron", "CronError", "CronFields", "max_gap_hours"]

_WEEKDAY_WORDS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_MONTH_WORDS = tuple(calendar.month_name[1:])
_ORDINALS = ("first", "second", "third", "fourth", "fifth")
YEAR_MIN, YEAR_MAX = 1970, 2199


@dataclass(frozen=True, slots=True)
class CronError:
    """Why an expression is not a valid AWS Backup schedule. Not an exception: errors are data.

    ``offset`` is the 0-based character offset of the offending part inside the expression (0 when the
    whole expression is at fault).
    """

    message: str
    hint: str
    offset: int = 0


class CronFields(NamedTuple):
    """The six fields exactly as written."""

    minutes: str
    hours: str
    day_of_month: str
    month: str
    day_of_week: str
    year: str


@dataclass(frozen=True, slots=True)
class Cron:
    """A valid AWS cron expression, with every field expanded where a set of values can express it.

    Day rules: exactly one of the day fields is ``?``. The other one is either a set of values
    (``days_of_month`` / ``days_of_week``) or one of the special forms, each kept in its own attribute:
    ``L`` in day-of-month (``last_day_of_month``), ``15W`` (``nearest_weekday_to``), ``6L`` in
    day-of-week (``last_weekday_of_month``), ``6#3`` (``nth_weekday``). Days of the week are 1 = Sunday
    to 7 = Saturday, as in AWS.
    """

    expression: str
    fields: CronFields
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int]  # empty when day-of-month is '?', 'L' or 'nW'
    months: frozenset[int]
    days_of_week: frozenset[int]  # empty when day-of-week is '?', 'nL' or 'd#n'
    years: frozenset[int]
    last_day_of_month: bool = False
    nearest_weekday_to: int | None = None
    last_weekday_of_month: int | None = None
    nth_weekday: tuple[int, int] | None = None  # (day of week, n): the n-th such day of the month

    # --- evaluation ---------------------------------------------------------------------------------

    def times_of_day(self) -> tuple[int, ...]:
        """The minutes after midnight at which the schedule fires on a day it fires, ascending."""
        return tuple(sorted(h * 60 + m for h in self.hours for m in self.minutes))

    def runs_per_day_max(self) -> int:
        """How many times it fires on a day it fires at all."""
        return len(self.minutes) * len(self.hours)

    def fires_on(self, day: date) -> bool:
        """True when the schedule fires at least once on ``day`` (in the schedule's own time zone)."""
        if day.year not in self.years or day.month not in self.months:
            return False
        return self._day_matches(day.year, day.month, day.day)

    def _day_matches(self, year: int, month: int, dom: int) -> bool:
        if self.fields.day_of_month != "?":
            last = calendar.monthrange(year, month)[1]
            if self.last_day_of_month:
                return dom == last
            if self.nearest_weekday_to is not None:
                return dom == _nearest_weekday(year, month, self.nearest_weekday_to)
            return dom in self.days_of_month
        dow = _aws_weekday(year, month, dom)
        if self.last_weekday_of_month is not None:
            last = calendar.monthrange(year, month)[1]
            return dow == self.last_weekday_of_month and dom + 7 > last
        if self.nth_weekday is not None:
            wanted, nth = self.nth_weekday
            return dow == wanted and (dom - 1) // 7 + 1 == nth
        return dow in self.days_of_week

    def _days_in(self, year: int, month: int) -> Iterator[int]:
        for dom in range(1, calendar.monthrange(year, month)[1] + 1):
            if self._day_matches(year, month, dom):
                yield dom

    # --- plain English ----------------------------------------------------------------------------

    def describe(self) -> str:
        """Plain English, best effort: "every day at 05:00", "every Sunday at 03:00"."""
        time = self._describe_time()
        days = self._describe_days()
        text = (
            f"{days} {time}"
            if time.startswith("at ")
            else (time if days == "every day" else f"{time}, {days}")
        )
        if len(self.months) < 12:
            text += " in " + _join([_MONTH_WORDS[m - 1] for m in sorted(self.months)])
        if len(self.years) < YEAR_MAX - YEAR_MIN + 1:
            text += f" ({_ranges(sorted(self.years))} only)"
        return text

    def _describe_time(self) -> str:
        mins, hours = sorted(self.minutes), sorted(self.hours)
        every_hour = len(hours) == 24
        step_m = _step_of(mins, 60)
        if every_hour and step_m is not None:
            every = "every minute" if step_m == 1 else f"every {step_m} minutes"
            return every if mins[0] == 0 else f"{every} from minute {mins[0]}"
        if every_hour and len(mins) == 1:
            return "every hour" if mins[0] == 0 else f"every hour at minute {mins[0]}"
        if len(hours) * len(mins) <= 6:
            return "at " + _join([f"{h:02d}:{m:02d}" for h in hours for m in mins])
        step_h = _step_of(hours, 24)
        if step_h is not None and len(mins) == 1:
            return f"every {step_h} hours at minute {mins[0]}, from {hours[0]:02d}:{mins[0]:02d}"
        return f"at minutes {_ranges(mins)} past hours {_ranges(hours)}"

    def _describe_days(self) -> str:
        if self.fields.day_of_month != "?":
            if self.last_day_of_month:
                return "on the last day of the month"
            if self.nearest_weekday_to is not None:
                return f"on the weekday nearest day {self.nearest_weekday_to} of the month"
            if len(self.days_of_month) == 31:
                return "every day"
            return f"on day {_ranges(sorted(self.days_of_month))} of the month"
        if self.last_weekday_of_month is not None:
            return f"on the last {_WEEKDAY_WORDS[self.last_weekday_of_month - 1]} of the month"
        if self.nth_weekday is not None:
            wanted, nth = self.nth_weekday
            return f"on the {_ORDINALS[nth - 1]} {_WEEKDAY_WORDS[wanted - 1]} of the month"
        dows = sorted(self.days_of_week)
        if len(dows) == 7:
            return "every day"
        if dows == [2, 3, 4, 5, 6]:
            return "every weekday (Monday to Friday)"
        if dows == [1, 7]:
            return "every Saturday and Sunday"
        return "every " + _join([_WEEKDAY_WORDS[d - 1] for d in dows])


def max_gap_hours(cron: Cron) -> float | None:
    """The longest interval, in hours, between two consecutive runs.

    Simulated over the years the schedule names, or, when it runs every year, over 29 consecutive years
    (2025-2053: one full 28-year cycle of the Gregorian calendar plus the step into the next cycle, so leap
    years, every weekday layout and the year-end wrap are all covered). Works day by day, not minute by
    minute. Wall-clock time in the schedule's own zone: a daylight-saving change can add or remove an hour.

    Returns ``None`` when the schedule never fires, and ``math.inf`` when it fires exactly once.
    """
    times = cron.times_of_day()
    if not times:
        return None
    if len(cron.years) == YEAR_MAX - YEAR_MIN + 1:
        years: list[int] = list(range(2025, 2054))
    else:
        years = sorted(cron.years)
    within = max((b - a for a, b in itertools.pairwise(times)), default=0)
    longest = 0
    previous: int | None = None
    fired = 0
    for year in years:
        for month in sorted(cron.months):
            for dom in cron._days_in(year, month):
                ordinal = date(year, month, dom).toordinal()
                fired += 1
                if previous is not None:
                    longest = max(longest, (ordinal - previous) * 1440 + times[0] - times[-1])
                previous = ordinal
    if fired == 0:
        return None
    if fired == 1 and len(times) == 1:
        return math.inf
    return max(longest, within) / 60


# --- calendar helpers -----------------------------------------------------------------------------------


def _aws_weekday(year: int, month: int, dom: int) -> int:
    """1 = Sunday ... 7 = Saturday (Python's weekday() is 0 = Monday)."""
    return (date(year, month, dom).weekday() + 1) % 7 + 1


def _nearest_weekday(year: int, month: int, day: int) -> int | None:
    """The Monday-to-Friday day nearest ``day`` without leaving the month (Quartz ``W`` semantics)."""
    last = calendar.monthrange(year, month)[1]
    if day > last:
        return None
    weekday = date(year, month, day).weekday()  # 5 = Saturday, 6 = Sunday
    if weekday == 5:
        return day - 1 if day > 1 else day + 2
    if weekday == 6:
        return day + 1 if day < last else day - 2
    return day


# --- text helpers ---------------------------------------------------------------------------------------


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _ranges(values: list[int]) -> str:
    """[1, 2, 3, 7] -> "1-3, 7"."""
    out: list[str] = []
    start = prev = values[0]
    for v in [*values[1:], None]:
        if v is not None and v == prev + 1:
            prev = v
            continue
        out.append(str(start) if start == prev else f"{start}-{prev}")
        if v is not None:
            start = prev = v
    return ", ".join(out)


def _step_of(values: list[int], modulus: int) -> int | None:
    """The constant step of an arithmetic sequence that wraps evenly around ``modulus``, if any."""
    if len(values) < 2:
        return None
    step = values[1] - values[0]
    if any(b - a != step for a, b in itertools.pairwise(values)):
        return None
    return step if modulus % step == 0 and len(values) == modulus // step else None
