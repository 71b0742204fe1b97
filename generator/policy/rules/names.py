"""Generated AWS names fit AWS patterns after the policy prefix; tags fit AWS's and DSQL's tag rules."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from generator.aws import naming
from generator.diagnostics import Diagnostic
from generator.policy.rules.base import Context

_VAULT = re.compile(r"^[A-Za-z0-9_-]{2,50}$")
_RULE = re.compile(r"^[A-Za-z0-9_.-]{1,50}$")
_PLAN = re.compile(r"^[A-Za-z0-9_.-]{1,50}$")
_RESTORE = re.compile(r"^[A-Za-z0-9_]{1,50}$")


def vault_names(ctx: Context) -> Iterator[Diagnostic]:
    p = ctx.policy
    for v in p.vaults.values():
        name = naming.vault_name(p.name, v.key)
        if not _VAULT.match(name):
            yield ctx.diag("DSB301", f"vault '{v.key}' becomes the AWS vault name '{name}' ({len(name)} "
                           "characters); AWS allows 2-50 letters, digits, '-' and '_'",
                           f"shorten the key to at most {50 - len(p.name) - 1} characters", ("vaults", v.key),
                           at_key=True)


def plan_and_rule_names(ctx: Context) -> Iterator[Diagnostic]:
    p = ctx.policy
    for pl in p.plans.values():
        name = naming.plan_name(p.name, pl.key)
        if not _PLAN.match(name):
            yield ctx.diag("DSB304", f"plan '{pl.key}' becomes the AWS plan and selection name '{name}' "
                           f"({len(name)} characters); AWS allows 1-50", f"shorten the key to at most "
                           f"{50 - len(p.name) - 1} characters", ("plans", pl.key), at_key=True)
        seen: dict[str, int] = {}
        for r in pl.rules:
            rp = ("plans", pl.key, "rules", r.index, "name")
            if not _RULE.match(r.name):
                yield ctx.diag("DSB303", f"rule name '{r.name}' is not a valid AWS backup rule name",
                               "use 1-50 letters, digits, '.', '-' or '_'", rp)
            elif r.name in seen:
                yield ctx.diag("DSB303", f"rule name '{r.name}' is used twice in plan '{pl.key}' "
                               f"(first as rule {seen[r.name] + 1})", "give every rule of a plan its own name", rp)
            seen.setdefault(r.name, r.index)


def underscore_names(ctx: Context) -> Iterator[Diagnostic]:
    """Restore-testing, framework and report names allow no '-': keys are converted, so check fit and clashes."""
    p = ctx.policy
    groups = [
        ("restore_testing", p.restore_testing, naming.restore_testing_plan_name, ("restore_testing",)),
        ("audit.frameworks", p.frameworks, naming.framework_name, ("audit", "frameworks")),
        ("audit.reports", p.reports, naming.report_plan_name, ("audit", "reports")),
    ]
    for section, entries, make, prefix in groups:
        seen: dict[str, str] = {}
        for key in entries:
            name = make(p.name, key)
            path = (*prefix, key)
            if section == "restore_testing" and not _RESTORE.match(name):
                yield ctx.diag("DSB302", f"restore test '{key}' becomes the AWS name '{name}' ({len(name)} "
                               "characters); AWS allows 1-50 letters, digits and '_'",
                               f"shorten the key to at most {50 - len(p.name) - 1} characters", path, at_key=True)
            if name in seen:
                yield ctx.diag("DSB309", f"'{seen[name]}' and '{key}' in {section} both become the AWS name "
                               f"'{name}' ('-' turns into '_' in these names)", "rename one of them", path,
                               at_key=True)
            seen.setdefault(name, key)


def _check_tags(ctx: Context, tags: Mapping[str, str], path: tuple[str | int, ...], *, dsql: bool,
                limit: int) -> Iterator[Diagnostic]:
    caps = ctx.caps
    for k, v in tags.items():
        kp = (*path, k)
        if k.lower().startswith("aws:"):
            yield ctx.diag("DSB305", f"tag key '{k}' uses the reserved prefix 'aws:'", "choose another key",
                           kp, at_key=True)
        elif not caps.tag_key_ok(k, dsql=False):
            yield ctx.diag("DSB305", f"tag key '{k}' has characters AWS tags do not allow",
                           "use letters, digits, spaces and _ . : / = + - @", kp, at_key=True)
        elif dsql and not caps.tag_key_ok(k, dsql=True):
            yield ctx.diag("DSB306", f"tag key '{k}' is valid for AWS Backup but not for Aurora DSQL clusters",
                           "DSQL tag keys use only ASCII letters, digits, spaces and _ . : / = + - @", kp, at_key=True)
        if not caps.tag_value_ok(v, dsql=False):
            yield ctx.diag("DSB305", f"tag value '{v}' of '{k}' has characters AWS tags do not allow",
                           "use letters, digits, spaces and _ . : / = + - @ (at most 256)", kp)
        elif dsql and not caps.tag_value_ok(v, dsql=True):
            yield ctx.diag("DSB306", f"tag value '{v}' of '{k}' is valid for AWS Backup but not for Aurora "
                           "DSQL clusters", "DSQL tag values use only ASCII letters, digits, spaces and "
                           "_ . : / = + - @", kp)
    if len(tags) > limit:
        yield ctx.diag("DSB307", f"{len(tags)} tags, more than the {limit} allowed", "drop some tags", path)


def tags(ctx: Context) -> Iterator[Diagnostic]:
    p = ctx.policy
    managed_clusters = any(not c.adopted for c in p.clusters.values())
    # defaults.tags become the provider's default_tags: they land on clusters too.
    yield from _check_tags(ctx, p.defaults.tags, ("defaults", "tags"), dsql=managed_clusters, limit=50)
    for c in p.clusters.values():
        own = {k: v for k, v in c.tags.items() if k not in p.defaults.tags or p.defaults.tags[k] != v}
        yield from _check_tags(ctx, own, ("clusters", c.key, "tags"), dsql=True, limit=200)
        if len(c.tags) > 200 and len(own) <= 200:
            yield ctx.diag("DSB307", f"cluster '{c.key}' carries {len(c.tags)} tags with defaults.tags; Aurora DSQL "
                           "allows 200", "drop some tags here or in defaults.tags", ("clusters", c.key), at_key=True)
    for v in p.vaults.values():
        yield from _check_tags(ctx, v.tags, ("vaults", v.key, "tags"), dsql=False, limit=50)
        merged = {**p.defaults.tags, **v.tags}
        if len(merged) > 50 and len(v.tags) <= 50:
            yield ctx.diag("DSB307", f"vault '{v.key}' carries {len(merged)} tags with defaults.tags; AWS allows 50",
                           "drop some tags here or in defaults.tags", ("vaults", v.key, "tags"), at_key=True)
    for pl in p.plans.values():
        yield from _check_tags(ctx, pl.targets.tags, ("plans", pl.key, "targets", "tags"), dsql=True, limit=50)
        for r in pl.rules:
            yield from _check_tags(ctx, r.recovery_point_tags,
                                   ("plans", pl.key, "rules", r.index, "recovery_point_tags"), dsql=False, limit=50)
