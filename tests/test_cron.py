"""The AWS 6-field cron parser: valid forms, every kind of error (whole CronError compared), gaps, English."""

from __future__ import annotations

import math
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.aws.cron import Cron, CronError, CronFields, max_gap_hours
from generator.aws.cron_parser import parse_cron


def ok(expression: str) -> Cron:
    parsed = parse_cron(expression)
    assert isinstance(parsed, Cron), parsed
    return parsed


ALL_YEARS = frozenset(range(1970, 2200))
FIELDS = "Minutes Hours Day-of-month Month Day-of-week Year"
NOT_CRON = f"the schedule must be an AWS cron expression: cron({FIELDS})"


# --- valid expressions -----------------------------------------------------------------------------------


def test_daily_default_fully_expanded() -> None:
    c = ok("cron(0 5 ? * * *)")
    assert c.fields == CronFields("0", "5", "?", "*", "*", "*")
    assert c.minutes == {0}
    assert c.hours == {5}
    assert c.days_of_month == frozenset()
    assert c.months == frozenset(range(1, 13))
    assert c.days_of_week == frozenset(range(1, 8))
    assert c.years == ALL_YEARS
    assert c.describe() == "every day at 05:00"
    assert c.runs_per_day_max() == 1
    assert max_gap_hours(c) == 24.0


@pytest.mark.parametrize(
    ("expression", "description", "gap"),
    [
        ("cron(0 5 ? * * *)", "every day at 05:00", 24.0),
        ("cron(15 * ? * * *)", "every hour at minute 15", 1.0),
        ("cron(0 12 * * ? *)", "every day at 12:00", 24.0),
        ("cron(0 3 ? * SUN *)", "every Sunday at 03:00", 168.0),
        ("cron(0 0 L * ? *)", "on the last day of the month at 00:00", 31 * 24.0),
        ("cron(0 0 ? * 6#3 *)", "on the third Friday of the month at 00:00", 35 * 24.0),
        ("cron(0/15 * ? * MON-FRI *)", "every 15 minutes, every weekday (Monday to Friday)", 48.25),
        (
            "cron(0 5 1W * ? 2026-2030)",
            "on the weekday nearest day 1 of the month at 05:00 (2026-2030 only)",
            33 * 24.0,
        ),
        ("cron(0 0/6 ? * * *)", "every day at 00:00, 06:00, 12:00 and 18:00", 6.0),
        ("cron(30 2 ? * 1,7 *)", "every Saturday and Sunday at 02:30", 6 * 24.0),
        ("cron(0 1 ? * 6L *)", "on the last Friday of the month at 01:00", 35 * 24.0),
        (
            "cron(0 4 1 JAN-MAR ? *)",
            "on day 1 of the month at 04:00 in January, February and March",
            306 * 24.0,
        ),
        ("cron(0 4 1 1 ? *)", "on day 1 of the month at 04:00 in January", 366 * 24.0),
        ("cron(5/20 * ? * * *)", "every 20 minutes from minute 5", 1 / 3),
        ("cron(0 5 ? * L *)", "every Saturday at 05:00", 168.0),
    ],
)
def test_valid(expression: str, description: str, gap: float) -> None:
    c = ok(expression)
    assert c.describe() == description
    assert max_gap_hours(c) == pytest.approx(gap)


def test_expanded_sets_and_special_day_forms() -> None:
    assert ok("cron(0/15 * ? * MON-FRI *)").minutes == {0, 15, 30, 45}
    assert ok("cron(0/15 * ? * MON-FRI *)").days_of_week == {2, 3, 4, 5, 6}
    assert ok("cron(0 10-20/5 ? * * *)").hours == {10, 15, 20}
    assert ok("cron(*/20 * ? * * *)").minutes == {0, 20, 40}
    assert ok("cron(0 0 1,15 * ? *)").days_of_month == {1, 15}
    assert ok("cron(0 0 ? jan,Dec * *)").months == {1, 12}  # names are case-insensitive
    assert ok("cron(0 0 ? * * 2026-2030)").years == set(range(2026, 2031))
    assert ok("cron(0 0 L * ? *)").last_day_of_month
    assert ok("cron(0 5 1W * ? 2026-2030)").nearest_weekday_to == 1
    assert ok("cron(0 0 ? * 6#3 *)").nth_weekday == (6, 3)
    assert ok("cron(0 0 ? * FRI#1 *)").nth_weekday == (6, 1)
    assert ok("cron(0 1 ? * 6L *)").last_weekday_of_month == 6
    assert ok("cron(0 12 * * ? *)").days_of_month == frozenset(range(1, 32))


def test_fires_on_follows_the_calendar() -> None:
    third_friday = ok("cron(0 0 ? * 6#3 *)")
    assert third_friday.fires_on(date(2026, 11, 20))
    assert not third_friday.fires_on(date(2026, 11, 13))
    last = ok("cron(0 0 L * ? *)")
    assert last.fires_on(date(2028, 2, 29))
    assert not last.fires_on(date(2028, 2, 28))
    assert last.fires_on(date(2027, 2, 28))
    # 1W: 2026-08-01 is a Saturday, so the nearest weekday in the month is Monday the 3rd.
    first_weekday = ok("cron(0 5 1W * ? 2026-2030)")
    assert first_weekday.fires_on(date(2026, 8, 3))
    assert not first_weekday.fires_on(date(2026, 8, 1))
    assert not first_weekday.fires_on(date(2031, 1, 1))
    # 15W: 2026-11-15 is a Sunday, so Monday the 16th.
    assert ok("cron(0 5 15W * ? *)").fires_on(date(2026, 11, 16))
    last_friday = ok("cron(0 1 ? * 6L *)")
    assert last_friday.fires_on(date(2026, 11, 27))
    assert not last_friday.fires_on(date(2026, 11, 20))


def test_gap_edge_cases() -> None:
    assert max_gap_hours(ok("cron(0 5 31 2 ? *)")) is None  # February never has a 31st
    assert max_gap_hours(ok("cron(0 5 1 1 ? 2026)")) == math.inf  # runs once, then never again
    assert max_gap_hours(ok("cron(0 5 29 2 ? *)")) == pytest.approx(4 * 365.25 * 24)  # leap days only
    assert max_gap_hours(ok("cron(0 5,23 ? * * *)")) == 18.0  # longest gap is within the day
    assert max_gap_hours(ok("cron(0 5 ? * * 1999)")) == 24.0


def test_runs_per_day_and_times_of_day() -> None:
    c = ok("cron(0/15 1,13 ? * * *)")
    assert c.runs_per_day_max() == 8
    assert c.times_of_day()[:2] == (60, 75)


# --- invalid expressions: whole CronError compared -------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "error"),
    [
        (
            "cron(0 5 * * *)",
            CronError(
                f"the cron expression has 5 fields; AWS cron has 6: {FIELDS}",
                "AWS cron has 6 fields (a Year field at the end, '?' in a day field): cron(0 5 ? * * *)",
                0,  # the whole expression is wrong: point at its start
            ),
        ),
        (
            "cron(0 0 5 ? * * *)",
            CronError(
                f"the cron expression has 7 fields; AWS cron has 6 (no seconds field): {FIELDS}",
                "drop the first field: cron(0 5 ? * * *)",
                5,
            ),
        ),
        (
            "cron(0 5 1 * MON *)",
            CronError(
                "day-of-month '1' and day-of-week 'MON' are both set; AWS needs '?' in one of them",
                "AWS cannot combine both; choose cron(0 5 1 * ? *) or cron(0 5 ? * MON *)",
                13,
            ),
        ),
        (
            "cron(0 5 * * * *)",
            CronError(
                "day-of-month '*' and day-of-week '*' are both set; AWS needs '?' in one of them",
                "write cron(0 5 * * ? *)",
                13,
            ),
        ),
        (
            "cron(0 5 1 * * *)",
            CronError(
                "day-of-month '1' and day-of-week '*' are both set; AWS needs '?' in one of them",
                "write cron(0 5 1 * ? *)",
                13,
            ),
        ),
        (
            "cron(0 5 ? * ? *)",
            CronError(
                "day-of-month and day-of-week are both '?'; one of them must say which days",
                "for every day write cron(0 5 ? * * *)",
                13,
            ),
        ),
        (
            "cron(0 24 ? * * *)",
            CronError(
                "hours field '24' is out of range 0-23",
                "hours are 0-23; use cron(0 5 ? * * *) for 05:00 every day",
                7,
            ),
        ),
        (
            "cron(60 5 ? * * *)",
            CronError(
                "minutes field '60' is out of range 0-59",
                "minutes are 0-59; for example cron(30 5 ? * * *) runs at 05:30 every day",
                5,
            ),
        ),
        (
            "cron(0 5 32 * ? *)",
            CronError(
                "day-of-month field '32' is out of range 1-31",
                "days of the month are 1-31, L (last day) or 15W (weekday nearest the 15th); for example "
                "cron(0 5 1 * ? *) runs on the 1st of every month",
                9,
            ),
        ),
        (
            "cron(0 5 1 13 ? *)",
            CronError(
                "month field '13' is out of range 1-12",
                "months are 1-12 or JAN-DEC; for example cron(0 5 1 JAN ? *)",
                11,
            ),
        ),
        (
            "cron(0 5 ? * 0 *)",
            CronError(
                "day-of-week field '0' is out of range 1-7",
                "days of the week are 1-7 (1 = Sunday) or SUN-SAT; for example cron(0 5 ? * MON-FRI *)",
                13,
            ),
        ),
        (
            "cron(0 5 ? * * 2200)",
            CronError(
                "year field '2200' is out of range 1970-2199", "years are 1970-2199, or * for every year", 15
            ),
        ),
        (
            "cron(0 5-70 ? * * *)",
            CronError(
                "hours field '70' is out of range 0-23",
                "hours are 0-23; use cron(0 5 ? * * *) for 05:00 every day",
                9,
            ),
        ),
        (
            "rate(1 day)",
            CronError(
                "rate expressions are not accepted by AWS Backup; schedules must be cron(...)",
                "use cron(0 5 ? * * *) for 05:00 every day",
                0,
            ),
        ),
        (
            "rate(6 hours)",
            CronError(
                "rate expressions are not accepted by AWS Backup; schedules must be cron(...)",
                "use cron(0 0/6 ? * * *) to run every 6 hours",
                0,
            ),
        ),
        (
            "rate(7 weeks)",
            CronError(
                "rate expressions are not accepted by AWS Backup; schedules must be cron(...)",
                "AWS Backup accepts only cron(...); use cron(0 5 ? * * *) for 05:00 every day",
                0,
            ),
        ),
        (
            "0 5 ? * * *",
            CronError(
                NOT_CRON,
                "wrap the fields: cron(0 5 ? * * *)",
                0,
            ),
        ),
        (
            "0 5 * * *",
            CronError(
                NOT_CRON,
                "AWS cron has 6 fields (a Year field at the end, '?' in a day field): cron(0 5 ? * * *)",
                0,
            ),
        ),
        (
            "garbage",
            CronError(
                NOT_CRON,
                "use cron(0 5 ? * * *) for 05:00 every day",
                0,
            ),
        ),
        ("", CronError("the schedule is empty", "use cron(0 5 ? * * *) for 05:00 every day", 0)),
        ("   ", CronError("the schedule is empty", "use cron(0 5 ? * * *) for 05:00 every day", 0)),
        (
            "cron()",
            CronError(
                f"the cron expression has 0 fields; AWS cron has 6: {FIELDS}",
                "use cron(0 5 ? * * *) for 05:00 every day",
                5,
            ),
        ),
        (
            "cron(0 5 ? * * *",
            CronError("the schedule is missing the closing ')'", "write it as 'cron(0 5 ? * * *)'", 16),
        ),
        (
            "cron(0 5 ? * * *))",
            CronError(
                "unexpected parenthesis inside cron(...)", "use cron(0 5 ? * * *) for 05:00 every day", 16
            ),
        ),
        (
            "CRON(0 5 ? * * *)",
            CronError("'cron' must be written in lower case", "write it as 'cron(0 5 ? * * *)'", 0),
        ),
        (
            " cron(0 5 ? * * *)",
            CronError("the schedule has spaces around the expression", "write it as 'cron(0 5 ? * * *)'", 0),
        ),
        (
            "cron(0 5 ? * FRI-MON *)",
            CronError(
                "day-of-week field range 'FRI-MON' runs backwards",
                "write it as two parts, for example FRI-SAT,SUN-MON",
                13,
            ),
        ),
        (
            "cron(0 5 ? * 3#1,6#3 *)",
            CronError(
                "day-of-week field '3#1,6#3' combines '#' with other values; AWS allows one "
                "'#' expression only",
                "schedule the other day in a second rule",
                16,
            ),
        ),
        (
            "cron(0 5 ? * 6#6 *)",
            CronError(
                "day-of-week field '6#6': '#6' must be #1 to #5 (the n-th such day of the month)",
                "for example 6#3 is the third Friday of the month",
                15,
            ),
        ),
        (
            "cron(0 5 ? * 2/2 *)",
            CronError(
                "day-of-week field '2/2' uses '/', which AWS does not allow in day-of-week",
                "list the days instead, for example MON,WED,FRI",
                14,
            ),
        ),
        (
            "cron(0 5 LW * ? *)",
            CronError(
                "day-of-month field 'LW' uses L or W in a form AWS does not document",
                "write L alone (last day of the month) or a day followed by W, such as 15W "
                "(the weekday nearest the "
                "15th)",
                9,
            ),
        ),
        (
            "cron(0/0 5 ? * * *)",
            CronError(
                "minutes field increment '/0' must be a number from 1 to 59",
                "minutes are 0-59; for example cron(30 5 ? * * *) runs at 05:30 every day",
                7,
            ),
        ),
        (
            "cron(0 ? ? * * *)",
            CronError(
                "'?' is only allowed in day-of-month or day-of-week, not in the hours field",
                "hours are 0-23; use cron(0 5 ? * * *) for 05:00 every day",
                7,
            ),
        ),
        (
            "cron(0 1,,2 ? * * *)",
            CronError(
                "hours field '1,,2' has an empty list entry",
                "hours are 0-23; use cron(0 5 ? * * *) for 05:00 every day",
                9,
            ),
        ),
        (
            "cron(0 five ? * * *)",
            CronError(
                "hours field 'five' is not a valid value",
                "hours are 0-23; use cron(0 5 ? * * *) for 05:00 every day",
                7,
            ),
        ),
        (
            "cron(0 5 ? * * 99999999)",
            CronError(
                "year field '99999999' is out of range 1970-2199",
                "years are 1970-2199, or * for every year",
                15,
            ),
        ),
    ],
)
def test_invalid(expression: str, error: CronError) -> None:
    assert parse_cron(expression) == error


def test_error_offset_points_at_the_offending_text() -> None:
    expression = "cron(0 5 ? * MON,XYZ *)"
    err = parse_cron(expression)
    assert isinstance(err, CronError)
    assert expression[err.offset :].startswith("XYZ")


# --- properties -----------------------------------------------------------------------------------------

_FIELD_PARTS = st.sampled_from(
    [
        "*",
        "?",
        "0",
        "5",
        "59",
        "60",
        "1-5",
        "5-1",
        "0/15",
        "*/5",
        "L",
        "1W",
        "6#3",
        "6L",
        "MON-FRI",
        "JAN",
        "1,2",
        "",
        "2026-2030",
        "#",
        "/",
        "-",
        ",",
        "W",
        "2199",
        "1970",
    ]
)


@settings(max_examples=400)
@given(st.text())
def test_parse_cron_never_raises_on_any_string(text: str) -> None:
    assert isinstance(parse_cron(text), Cron | CronError)


@settings(max_examples=400)
@given(st.lists(_FIELD_PARTS, min_size=0, max_size=8).map(lambda parts: f"cron({' '.join(parts)})"))
def test_parse_cron_never_raises_on_near_valid_expressions(expression: str) -> None:
    parsed = parse_cron(expression)
    if isinstance(parsed, CronError):
        assert 0 <= parsed.offset <= len(expression)
        assert parsed.message
        assert parsed.hint
    else:
        assert parsed.describe()
        assert (parsed.fields.day_of_month == "?") != (parsed.fields.day_of_week == "?")


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["0", "30", "0/15", "5,35"]),
    st.sampled_from(["5", "*", "0/6", "1-3"]),
    st.sampled_from(
        [("?", "*"), ("*", "?"), ("L", "?"), ("?", "6#3"), ("?", "SUN"), ("15W", "?"), ("1,15", "?")]
    ),
)
def test_every_hint_for_a_valid_day_schedule_parses(minutes: str, hours: str, days: tuple[str, str]) -> None:
    c = ok(f"cron({minutes} {hours} {days[0]} * {days[1]} *)")
    gap = max_gap_hours(c)
    assert gap is not None and 0 < gap < 24 * 40


def test_hints_that_suggest_an_expression_suggest_a_valid_one() -> None:
    for bad in [
        "cron(0 5 * * *)",
        "cron(0 0 5 ? * * *)",
        "cron(0 5 * * * *)",
        "0 5 ? * * *",
        "rate(1 day)",
        "rate(6 hours)",
        "rate(15 minutes)",
        "rate(1 hour)",
        "cron(0 5 ? * ? *)",
    ]:
        err = parse_cron(bad)
        assert isinstance(err, CronError), bad
        suggestion = err.hint[err.hint.index("cron(") :].split(")")[0] + ")"
        assert isinstance(parse_cron(suggestion), Cron), (bad, suggestion)
