"""Regions are DSQL Regions; multi-Region clusters are well formed and restorable as multi-Region."""

from __future__ import annotations

from collections.abc import Iterator

from generator.diagnostics import Diagnostic
from generator.policy.rules.base import Context, did_you_mean
from generator.policy.typed import copy_destination_account, copy_regions, plan_sites


def _region_fields(ctx: Context) -> Iterator[tuple[str, tuple[str | int, ...], bool]]:
    p = ctx.policy
    for c in p.clusters.values():
        for i, r in enumerate(c.regions):
            yield r, ("clusters", c.key, "regions", i), False
        if c.witness_region:
            yield c.witness_region, ("clusters", c.key, "witness_region"), False
    for v in p.vaults.values():
        for i, r in enumerate(v.regions):
            yield r, ("vaults", v.key, "regions", i), False
    for pl in p.plans.values():
        for i, r in enumerate(pl.targets.regions):
            yield r, ("plans", pl.key, "targets", "regions", i), False
        for rule in pl.rules:
            for cp in rule.copy_to:
                if cp.region:
                    yield cp.region, ("plans", pl.key, "rules", rule.index, "copy_to", cp.index, "region"), False
    for t in p.restore_testing.values():
        for i, r in enumerate(t.regions):
            yield r, ("restore_testing", t.key, "regions", i), False


def dsql_regions(ctx: Context) -> Iterator[Diagnostic]:
    for region, path, _ in _region_fields(ctx):
        if not ctx.caps.is_dsql_region(region):
            yield ctx.diag("DSB601", f"{region} is not a Region where Aurora DSQL is available "
                           f"(capability table as of {ctx.caps.as_of})",
                           did_you_mean(region, ctx.caps.dsql_regions) or "see 'dsql-backup capabilities'", path)


def multi_region_clusters(ctx: Context) -> Iterator[Diagnostic]:
    caps = ctx.caps
    for c in ctx.policy.clusters.values():
        cp = ("clusters", c.key)
        if not c.multi_region:
            if c.witness_region:
                yield ctx.diag("DSB605", f"cluster '{c.key}' has one Region, so it takes no witness Region",
                               "remove witness_region, or add the peer Region to regions",
                               (*cp, "witness_region"), at_key=True)
            continue
        if not c.witness_region:
            group = caps.group_of(c.regions[0])
            others = [r for r in caps.region_groups.get(group or "", ()) if r not in c.regions]
            yield ctx.diag("DSB605", f"cluster '{c.key}' spans {' and '.join(c.regions)} and needs a witness Region",
                           f"add witness_region: {others[0]}" if others else "add witness_region", (*cp, "regions"))
            continue
        if c.witness_region in c.regions:
            yield ctx.diag("DSB603", f"cluster '{c.key}': the witness Region {c.witness_region} is also a peer "
                           "Region", "pick a third Region of the same group as witness", (*cp, "witness_region"))
            continue
        groups = {r: caps.group_of(r) for r in (*c.regions, c.witness_region)}
        if len(set(groups.values())) != 1 or None in groups.values():
            described = ", ".join(f"{r} ({g or 'no group'})" for r, g in groups.items())
            peers_agree = groups[c.regions[0]] == groups[c.regions[1]] and groups[c.regions[0]] is not None
            yield ctx.diag("DSB602", f"cluster '{c.key}': peers and witness must be in one DSQL Region group; "
                           f"got {described}", "choose all three Regions from one group: "
                           + "; ".join(f"{g}: {', '.join(rs)}" for g, rs in sorted(caps.region_groups.items())),
                           (*cp, "witness_region") if peers_agree else (*cp, "regions"))


def multi_region_restorable(ctx: Context) -> Iterator[Diagnostic]:
    """For every rule that backs up a multi-Region cluster in one Region, a copy lands in its peer Region,
    in the cluster's own account, so the cluster can be restored as multi-Region (facts 1.3)."""
    p = ctx.policy
    for pl in p.plans.values():
        sites = plan_sites(p, pl)
        for r in pl.rules:
            for s in sites:
                for ck in s.protected:
                    c = p.clusters[ck]
                    if not c.multi_region:
                        continue
                    for peer in c.peers_of(s.region):
                        landed = any(
                            peer in copy_regions(p, cp, s) and copy_destination_account(p, cp, s.account) == c.account
                            for cp in r.copy_to
                        )
                        if landed:
                            continue
                        own = p.vaults.get(r.vault)
                        target = r.vault if own is not None and peer in own.regions else next(
                            (v.key for v in p.vaults.values() if c.account in v.accounts and peer in v.regions),
                            r.vault,
                        )
                        entry = f"{{vault: {target}, regions: peers, retention_days: {r.retention_days}}}"
                        yield ctx.diag(
                            "DSB604",
                            f"multi-Region cluster '{ck}' is backed up in {s.region} by rule '{r.name}' of plan "
                            f"'{pl.key}', but no copy lands in its peer Region {peer}; AWS Backup needs a "
                            "recovery point and a copy of it in the peer Region to restore it as multi-Region",
                            f"add to the rule's copy_to: {entry}" + (
                                f" (and add {peer} to vaults.{target}.regions)"
                                if (tv := p.vaults.get(target)) is not None and peer not in tv.regions else ""),
                            ("plans", pl.key, "rules", r.index, "name"),
                        )


def backup_region_support(ctx: Context) -> Iterator[Diagnostic]:
    caps = ctx.caps
    for c in ctx.policy.clusters.values():
        for i, r in enumerate(c.regions):
            if not caps.is_dsql_region(r):
                continue
            supported = caps.backup_supported(r, multi_region=c.multi_region)
            if not supported:
                kind = "multi-Region" if c.multi_region else "single-Region"
                yield ctx.diag("DSB607", f"AWS Backup support for {kind} Aurora DSQL clusters in {r} is not "
                               f"confirmed in the capability table (as of {caps.as_of})",
                               "check the AWS Backup 'Feature availability by resource' page before relying on it",
                               ("clusters", c.key, "regions", i))
