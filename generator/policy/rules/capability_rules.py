"""Warnings where the policy relies on AWS capabilities the capability table marks unconfirmed."""

from __future__ import annotations

from collections.abc import Iterator

from generator.diagnostics import Diagnostic
from generator.policy.rules.base import Context


def restore_testing_support(ctx: Context) -> Iterator[Diagnostic]:
    f = ctx.caps.feature("restore_testing")
    if f.supported:
        return
    for t in ctx.policy.restore_testing.values():
        yield ctx.diag("DSB801", f"restore test '{t.key}': AWS has not documented Aurora DSQL as a restore-testing "
                       f"resource type ({f.status.lower()}: {f.note}); it is generated, but may be rejected",
                       "keep it if your account accepts it; otherwise remove the restore_testing entry",
                       ("restore_testing", t.key), at_key=True, source=f.source)


def deprecated_events(ctx: Context) -> Iterator[Diagnostic]:
    deprecated = set(ctx.caps.deprecated_events)
    for v in ctx.policy.vaults.values():
        if v.notifications is None:
            continue
        for i, e in enumerate(v.notifications.events):
            if e in deprecated:
                yield ctx.diag("DSB802", f"event {e} is deprecated: AWS accepts it but never sends it",
                               "use BACKUP_JOB_COMPLETED, COPY_JOB_FAILED or RESTORE_JOB_COMPLETED and filter on "
                               "the job state", ("vaults", v.key, "notifications", "events", i))


def audit_scope(ctx: Context) -> Iterator[Diagnostic]:
    f = ctx.caps.feature("audit_scope_dsql")
    if f.supported:
        return
    for fw in ctx.policy.frameworks.values():
        yield ctx.diag("DSB803", f"framework '{fw.key}': scoping Audit Manager controls to Aurora DSQL is "
                       f"{f.status.lower()}; controls are generated without a resource-type scope and evaluate "
                       "every resource type", "nothing to change; check the control results after the first run",
                       ("audit", "frameworks", fw.key), at_key=True, source=f.source)
