"""Schedules are 6-field AWS cron, time zones are IANA names, windows are long enough."""

from __future__ import annotations

from collections.abc import Iterator

from generator.aws.cron import CronError
from generator.aws.cron_parser import parse_cron
from generator.aws.timezones import is_valid_timezone, suggest_timezone
from generator.diagnostics import Diagnostic
from generator.policy.rules.base import Context


def _cron(ctx: Context, expr: str, path: tuple[str | int, ...]) -> Iterator[Diagnostic]:
    parsed = parse_cron(expr)
    if isinstance(parsed, CronError):
        yield ctx.diag("DSB401", f"schedule '{expr}': {parsed.message}", parsed.hint, path, offset=parsed.offset)


def _tz(ctx: Context, tz: str, path: tuple[str | int, ...]) -> Iterator[Diagnostic]:
    if not is_valid_timezone(tz):
        close = suggest_timezone(tz)
        yield ctx.diag("DSB402", f"'{tz}' is not an IANA time zone name",
                       f"did you mean '{close}'?" if close else "use a name such as Etc/UTC or Europe/Berlin", path)


def schedules(ctx: Context) -> Iterator[Diagnostic]:
    p = ctx.policy
    if p.defaults.timezone:
        yield from _tz(ctx, p.defaults.timezone, ("defaults", "timezone"))
    for pl in p.plans.values():
        for r in pl.rules:
            rp = ("plans", pl.key, "rules", r.index)
            yield from _cron(ctx, r.schedule, (*rp, "schedule"))
            if r.timezone != p.defaults.timezone:
                yield from _tz(ctx, r.timezone, (*rp, "timezone"))
    for t in p.restore_testing.values():
        yield from _cron(ctx, t.schedule, ("restore_testing", t.key, "schedule"))
        if t.timezone != p.defaults.timezone:
            yield from _tz(ctx, t.timezone, ("restore_testing", t.key, "timezone"))


def windows(ctx: Context) -> Iterator[Diagnostic]:
    for pl in ctx.policy.plans.values():
        for r in pl.rules:
            rp = ("plans", pl.key, "rules", r.index)
            if r.start_window_minutes < 60:
                yield ctx.diag("DSB403", f"rule '{r.name}' has a start window of {r.start_window_minutes} minutes; "
                               "AWS Backup needs at least 60", "set start_window_minutes: 60 or more",
                               (*rp, "start_window_minutes"))
            if r.completion_window_minutes <= r.start_window_minutes:
                path = (*rp, "completion_window_minutes")
                if ctx.source_map.value(path) is None:
                    path = (*rp, "start_window_minutes")
                yield ctx.diag("DSB404", f"rule '{r.name}' must complete within {r.completion_window_minutes} "
                               f"minutes but may start as late as {r.start_window_minutes}",
                               f"set completion_window_minutes above {r.start_window_minutes}", path)
