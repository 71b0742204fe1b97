"""Parsing AWS cron expressions into :class:`~generator.aws.cron.Cron`, with a diagnostic that says what to
write when an expression is not valid.

Errors are data: :func:`parse_cron` returns a :class:`~generator.aws.cron.CronError` and never raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.aws.cron import YEAR_MAX, YEAR_MIN, Cron, CronError, CronFields

__all__ = ["parse_cron"]

_DAILY = "cron(0 5 ? * * *)"
_DAILY_HINT = f"use {_DAILY} for 05:00 every day"
_SIX_FIELDS = "AWS cron has 6 fields (a Year field at the end, '?' in a day field)"

_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")  # AWS: 1 = SUN ... 7 = SAT

_NUMBER = re.compile(r"[0-9]{1,4}")
_TOKEN = re.compile(r"\S+")
_RATE = re.compile(r"rate\(\s*([0-9]{1,6})\s+(minutes?|hours?|days?)\s*\)", re.IGNORECASE)


# --- fields ---------------------------------------------------------------------------------------------


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
_YEAR = _Field("year", YEAR_MIN, YEAR_MAX, hint="years are 1970-2199, or * for every year")


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
