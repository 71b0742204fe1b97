"""AWS Backup schedule expressions: the 6-field AWS (EventBridge) cron, parsed and explained.

``cron(Minutes Hours Day-of-month Month Day-of-week Year)``; field ranges and wildcards per
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html, which AWS Backup
points to for its schedule syntax (facts 3.2). ``rate(...)`` is not accepted by AWS Backup.

Errors are data: :func:`parse_cron` returns a :class:`CronError` and never raises.
"""

from __future__ import annotations

import calendar
import itertools
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

__all__ = ["Cron", "CronError", "CronFields", "max_gap_hours", "parse_cron"]

_DAILY = "cron(0 5 ? * * *)"
_DAILY_HINT = f"use {_DAILY} for 05:00 every day"
_SIX_FIELDS = "AWS cron has 6 fields (a Year field at the end, '?' in a day field)"

_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")  # AWS: 1 = SUN ... 7 = SAT
_WEEKDAY_WORDS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_MONTH_WORDS = tuple(calendar.month_name[1:])
_ORDINALS = ("first", "second", "third", "fourth", "fifth")

_NUMBER = re.compile(r"[0-9]{1,4}")
_TOKEN = re.compile(r"\S+")
_RATE = re.compile(r"rate\(\s*([0-9]{1,6})\s+(minutes?|hours?|days?)\s*\)", re.IGNORECASE)


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
        if len(self.years) < _YEAR_MAX - _YEAR_MIN + 1:
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
    if len(cron.years) == _YEAR_MAX - _YEAR_MIN + 1:
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


# --- parsing ---------------------------------------------------------------------------------------------

_YEAR_MIN, _YEAR_MAX = 1970, 2199


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()  # names for low, low+1, ...
    hint: str = ""


_MINUTES = _Field(
    "minutes", 0, 59, hint="minutes are 0-59; for example cron(30 5 ? * * *) runs at 05:30 every day"
)
_HOURS = _Field("hours", 0, 23, hint="hours are 0-23; " + _DAILY_HINT)
_DOM = _Field(
    "day-of-month",
    1,
    31,
    hint="days of the month are 1-31, L (last day) or 15W (weekday nearest the "
    "15th); for example cron(0 5 1 * ? *) runs on the 1st of every month",
)
_MONTH = _Field(
    "month", 1, 12, _MONTH_NAMES, hint="months are 1-12 or JAN-DEC; for example cron(0 5 1 JAN ? *)"
)
_DOW = _Field(
    "day-of-week",
    1,
    7,
    _DAY_NAMES,
    hint="days of the week are 1-7 (1 = Sunday) or SUN-SAT; for example cron(0 5 ? * MON-FRI *)",
)
_YEAR = _Field("year", _YEAR_MIN, _YEAR_MAX, hint="years are 1970-2199, or * for every year")


class _Bad(Exception):
    def __init__(self, message: str, hint: str, offset: int) -> None:
        super().__init__(message)
        self.error = CronError(message, hint, offset)


def parse_cron(expression: str) -> Cron | CronError:
    """Parse an AWS Backup schedule expression. Never raises."""
    try:
        return _parse(expression)
    except _Bad as bad:
        return bad.error
    except Exception as exc:  # defensive: a parser bug must not crash the compiler
        return CronError(f"could not read the schedule ({type(exc).__name__})", _DAILY_HINT, 0)


def _parse(expression: str) -> Cron:
    if not isinstance(expression, str) or not expression.strip():
        raise _Bad("the schedule is empty", _DAILY_HINT, 0)
    if expression != expression.strip():
        where = 0 if expression[0].isspace() else len(expression.rstrip())
        raise _Bad(
            "the schedule has spaces around the expression", f"write it as '{expression.strip()}'", where
        )
    lowered = expression.lower()
    if lowered.startswith(("rate(", "rate ")):
        raise _Bad(
            "rate expressions are not accepted by AWS Backup; schedules must be cron(...)",
            _rate_hint(expression),
            0,
        )
    if not expression.startswith("cron("):
        if lowered.startswith("cron("):
            raise _Bad("'cron' must be written in lower case", f"write it as 'cron({expression[5:]}'", 0)
        raise _Bad(
            "the schedule must be an AWS cron expression: cron(Minutes Hours Day-of-month Month "
            "Day-of-week Year)",
            _bare_hint(expression),
            0,
        )
    if not expression.endswith(")"):
        raise _Bad("the schedule is missing the closing ')'", f"write it as '{expression})'", len(expression))
    inner = expression[5:-1]
    tokens = [(m.group(), 5 + m.start()) for m in _TOKEN.finditer(inner)]
    if "(" in inner or ")" in inner:
        where = 5 + min(i for i in (inner.find("("), inner.find(")")) if i >= 0)
        raise _Bad("unexpected parenthesis inside cron(...)", _DAILY_HINT, where)
    if len(tokens) != 6:
        raise _Bad(*_count_error(tokens, expression))
    raw = CronFields(*(t for t, _ in tokens))
    offsets = [o for _, o in tokens]

    minutes = _values(raw.minutes, offsets[0], _MINUTES)
    hours = _values(raw.hours, offsets[1], _HOURS)
    dom = _DaySpec()
    if raw.day_of_month != "?":
        dom = _day_of_month(raw.day_of_month, offsets[2])
    months = _values(raw.month, offsets[3], _MONTH)
    dow = _DaySpec()
    if raw.day_of_week != "?":
        dow = _day_of_week(raw.day_of_week, offsets[4])
    years = _values(raw.year, offsets[5], _YEAR)

    both_any = raw.day_of_month == "?" and raw.day_of_week == "?"
    if both_any:
        raise _Bad(
            "day-of-month and day-of-week are both '?'; one of them must say which days",
            f"for every day write cron({raw.minutes} {raw.hours} ? {raw.month} * {raw.year})",
            offsets[4],
        )
    if raw.day_of_month != "?" and raw.day_of_week != "?":
        m, h, mo, y = raw.minutes, raw.hours, raw.month, raw.year
        if raw.day_of_week == "*":
            hint = f"write cron({m} {h} {raw.day_of_month} {mo} ? {y})"
        elif raw.day_of_month == "*":
            hint = f"write cron({m} {h} ? {mo} {raw.day_of_week} {y})"
        else:
            hint = (
                f"AWS cannot combine both; choose cron({m} {h} {raw.day_of_month} {mo} ? {y}) "
                f"or cron({m} {h} ? {mo} {raw.day_of_week} {y})"
            )
        raise _Bad(
            f"day-of-month '{raw.day_of_month}' and day-of-week '{raw.day_of_week}' are both set; AWS "
            "needs '?' in one of them",
            hint,
            offsets[4],
        )

    return Cron(
        expression=expression,
        fields=raw,
        minutes=minutes,
        hours=hours,
        days_of_month=dom.values,
        months=months,
        days_of_week=dow.values,
        years=years,
        last_day_of_month=dom.last,
        nearest_weekday_to=dom.nearest_weekday,
        last_weekday_of_month=dow.last_weekday,
        nth_weekday=dow.nth,
    )


@dataclass(frozen=True, slots=True)
class _DaySpec:
    values: frozenset[int] = frozenset()
    last: bool = False
    nearest_weekday: int | None = None
    last_weekday: int | None = None
    nth: tuple[int, int] | None = None


def _day_of_month(text: str, offset: int) -> _DaySpec:
    upper = text.upper()
    if upper == "L":
        return _DaySpec(last=True)
    if "W" in upper or "L" in upper:
        if upper.endswith("W") and _NUMBER.fullmatch(text[:-1]):
            day = _number(text[:-1], offset, _DOM)
            return _DaySpec(nearest_weekday=day)
        where = offset + min(i for i in (upper.find("W"), upper.find("L")) if i >= 0)
        raise _Bad(
            f"day-of-month field '{text}' uses L or W in a form AWS does not document",
            "write L alone (last day of the month) or a day followed by W, such as 15W "
            "(the weekday nearest the 15th)",
            where,
        )
    return _DaySpec(values=_values(text, offset, _DOM))


def _day_of_week(text: str, offset: int) -> _DaySpec:
    upper = text.upper()
    if "#" in text:
        if "," in text:
            raise _Bad(
                f"day-of-week field '{text}' combines '#' with other values; AWS allows one "
                "'#' expression only",
                "schedule the other day in a second rule",
                offset + text.index(","),
            )
        day_text, _, nth_text = text.partition("#")
        day = _number(day_text, offset, _DOW)
        if not _NUMBER.fullmatch(nth_text) or not 1 <= int(nth_text) <= 5:
            raise _Bad(
                f"day-of-week field '{text}': '#{nth_text}' must be #1 to #5 (the n-th such day of the "
                "month)",
                "for example 6#3 is the third Friday of the month",
                offset + len(day_text) + 1,
            )
        return _DaySpec(nth=(day, int(nth_text)))
    if upper == "L":
        return _DaySpec(values=frozenset({7}))  # "the last day of the week": Saturday
    if upper.endswith("L") and "," not in text and "-" not in text:
        return _DaySpec(last_weekday=_number(text[:-1], offset, _DOW))
    if "/" in text:
        raise _Bad(
            f"day-of-week field '{text}' uses '/', which AWS does not allow in day-of-week",
            "list the days instead, for example MON,WED,FRI",
            offset + text.index("/"),
        )
    if "L" in upper:  # no day name contains an L
        raise _Bad(
            f"day-of-week field '{text}' uses L in a form AWS does not document",
            "write L alone, or a day followed by L such as 6L (the last Friday of the month)",
            offset + upper.index("L"),
        )
    return _DaySpec(values=_values(text, offset, _DOW))


def _values(text: str, offset: int, field: _Field) -> frozenset[int]:
    """Expand values, ranges and increments: ``*``, ``5``, ``1-5``, ``0/15``, ``*/5``, ``1-30/5``."""
    if text == "?":
        raise _Bad(
            f"'?' is only allowed in day-of-month or day-of-week, not in the {field.name} field",
            field.hint,
            offset,
        )
    out: set[int] = set()
    position = 0
    for part in text.split(","):
        where = offset + position
        position += len(part) + 1
        if not part:
            raise _Bad(f"{field.name} field '{text}' has an empty list entry", field.hint, where)
        base, slash, step_text = part.partition("/")
        if base == "*":
            low, high = field.low, field.high
        elif "-" in base:
            a, _, b = base.partition("-")
            low = _number(a, where, field)
            high = _number(b, where + len(a) + 1, field)
            if low > high:
                raise _Bad(
                    f"{field.name} field range '{base}' runs backwards",
                    f"write it as two parts, for example {a}-{_name_of(field.high, field)},"
                    f"{_name_of(field.low, field)}-{b}",
                    where,
                )
        else:
            low = _number(base, where, field)
            high = field.high if slash else low
        if slash:
            step_at = where + len(base) + 1
            if not _NUMBER.fullmatch(step_text) or not 1 <= int(step_text) <= field.high:
                raise _Bad(
                    f"{field.name} field increment '/{step_text}' must be a number from 1 to {field.high}",
                    field.hint,
                    step_at,
                )
            out.update(range(low, high + 1, int(step_text)))
        else:
            out.update(range(low, high + 1))
    return frozenset(out)


def _number(text: str, offset: int, field: _Field) -> int:
    if field.names and text.upper() in field.names:
        return field.low + field.names.index(text.upper())
    if not _NUMBER.fullmatch(text):
        if not text:
            raise _Bad(f"{field.name} field is missing a value", field.hint, offset)
        if text.isascii() and text.isdigit():
            raise _Bad(
                f"{field.name} field '{text}' is out of range {field.low}-{field.high}", field.hint, offset
            )
        raise _Bad(f"{field.name} field '{text}' is not a valid value", field.hint, offset)
    value = int(text)
    if not field.low <= value <= field.high:
        raise _Bad(
            f"{field.name} field '{text}' is out of range {field.low}-{field.high}", field.hint, offset
        )
    return value


def _name_of(value: int, field: _Field) -> str:
    return field.names[value - field.low] if field.names else str(value)


# --- hints -----------------------------------------------------------------------------------------------


def _rate_hint(expression: str) -> str:
    m = _RATE.fullmatch(expression.strip())
    if m is None:
        return f"AWS Backup accepts only cron(...); {_DAILY_HINT}"
    n, unit = int(m.group(1)), m.group(2).lower().rstrip("s")
    if unit == "minute" and 0 < n < 60 and 60 % n == 0:
        return f"use cron(0/{n} * ? * * *) to run every {n} minutes"
    if unit == "hour" and n == 1:
        return "use cron(0 * ? * * *) to run every hour"
    if unit == "hour" and 0 < n < 24 and 24 % n == 0:
        return f"use cron(0 0/{n} ? * * *) to run every {n} hours"
    if unit == "day" and n == 1:
        return _DAILY_HINT
    if unit == "day" and n == 7:
        return "use cron(0 5 ? * SUN *) for 05:00 every Sunday"
    return f"AWS Backup accepts only cron(...); {_DAILY_HINT}"


def _bare_hint(expression: str) -> str:
    parts = expression.split()
    if len(parts) == 6:
        return f"wrap the fields: cron({' '.join(parts)})"
    if len(parts) == 5:
        return _five_field_hint(parts)
    return _DAILY_HINT


def _five_field_hint(parts: list[str]) -> str:
    m, h, dom, mon, dow = parts
    if dom == "*" and dow == "*":
        return f"{_SIX_FIELDS}: cron({m} {h} ? {mon} * *)"
    if dow == "*":
        return f"{_SIX_FIELDS}: cron({m} {h} {dom} {mon} ? *)"
    return (
        "AWS cron has 6 fields: Minutes Hours Day-of-month Month Day-of-week Year, with '?' in one day "
        "field, and days of the week are 1-7 with 1 = Sunday; " + _DAILY_HINT
    )


def _count_error(tokens: list[tuple[str, int]], expression: str) -> tuple[str, str, int]:
    n = len(tokens)
    where = tokens[6][1] if n > 6 else 0
    if n == 5:
        return (
            "the cron expression has 5 fields; AWS cron has 6: Minutes Hours Day-of-month Month Day-of-week "
            "Year",
            _five_field_hint([t for t, _ in tokens]),
            where,
        )
    if n == 7:
        rest = " ".join(t for t, _ in tokens[1:])
        return (
            "the cron expression has 7 fields; AWS cron has 6 (no seconds field): Minutes Hours "
            "Day-of-month Month Day-of-week Year",
            f"drop the first field: cron({rest})",
            tokens[0][1],
        )
    return (
        f"the cron expression has {n} field{'s' if n != 1 else ''}; AWS cron has 6: Minutes Hours "
        "Day-of-month Month Day-of-week Year",
        _DAILY_HINT,
        where if n else 5,
    )


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
