"""Every reference resolves: accounts, clusters, vaults; and vaults exist where plans need them."""

from __future__ import annotations

from collections.abc import Iterator

from generator.diagnostics import Diagnostic
from generator.policy.rules.base import Context, did_you_mean, listing
from generator.policy.typed import Policy, copy_destination_account, copy_regions, plan_sites


def _unknown(ctx: Context, section: str, key: str, path: tuple[str | int, ...], what: str) -> Diagnostic | None:
    if ctx.known(section, key):
        return None
    code = {"accounts": "DSB201", "clusters": "DSB202", "vaults": "DSB203", "audit.frameworks": "DSB213"}[section]
    options = {
        "accounts": ctx.policy.accounts,
        "clusters": ctx.policy.clusters,
        "vaults": ctx.policy.vaults,
        "audit.frameworks": ctx.policy.frameworks,
    }[section]
    def hint() -> str:  # difflib over every name: only for the diagnostics reported
        return did_you_mean(key, options) or f"define it under {section}, or use one of: {listing(options)}"

    return ctx.diag(code, f"{what} '{key}' is not defined", hint, path)


def unknown_references(ctx: Context) -> Iterator[Diagnostic]:
    for section, key, path, what in _references(ctx):
        d = _unknown(ctx, section, key, path, what)
        if d is not None:
            yield d


def _references(ctx: Context) -> Iterator[tuple[str, str, tuple[str | int, ...], str]]:
    """Every reference of the policy: (section it names an entry of, key, where, what it is), one at a time."""
    p = ctx.policy
    if p.organization:
        yield "accounts", p.organization.management_account, ("organization", "management_account"), \
            "management account"
    for c in p.clusters.values():
        yield "accounts", c.account, ("clusters", c.key, "account"), "account"
    for v in p.vaults.values():
        if len(v.accounts) == 1 and ctx.source_map.value(("vaults", v.key, "account")) is not None:
            yield "accounts", v.accounts[0], ("vaults", v.key, "account"), "account"
        else:
            for i, ak in enumerate(v.accounts):
                yield "accounts", ak, ("vaults", v.key, "accounts", i), "account"
    for pl in p.plans.values():
        for i, ck in enumerate(pl.targets.clusters):
            yield "clusters", ck, ("plans", pl.key, "targets", "clusters", i), "cluster"
        for i, ak in enumerate(pl.targets.accounts):
            yield "accounts", ak, ("plans", pl.key, "targets", "accounts", i), "account"
        for r in pl.rules:
            rp = ("plans", pl.key, "rules", r.index)
            yield "vaults", r.vault, (*rp, "vault"), "vault"
            for cp in r.copy_to:
                yield "vaults", cp.vault, (*rp, "copy_to", cp.index, "vault"), "vault"
                if cp.account:
                    yield "accounts", cp.account, (*rp, "copy_to", cp.index, "account"), "account"
    for t in p.restore_testing.values():
        yield "accounts", t.account, ("restore_testing", t.key, "account"), "account"
        for i, vk in enumerate(t.vaults):
            yield "vaults", vk, ("restore_testing", t.key, "vaults", i), "vault"
        for i, ck in enumerate(t.target_clusters):
            yield "clusters", ck, ("restore_testing", t.key, "targets", "clusters", i), "cluster"
    for f in p.frameworks.values():
        yield "accounts", f.account, ("audit", "frameworks", f.key, "account"), "account"
    for rep in p.reports.values():
        yield "accounts", rep.account, ("audit", "reports", rep.key, "account"), "account"
        for i, fk in enumerate(rep.frameworks):
            yield "audit.frameworks", fk, ("audit", "reports", rep.key, "frameworks", i), "framework"


def duplicate_account_ids(ctx: Context) -> Iterator[Diagnostic]:
    first: dict[str, str] = {}
    for a in ctx.policy.accounts.values():
        if a.id in first:
            yield ctx.diag("DSB210", f"accounts '{first[a.id]}' and '{a.key}' both have ID {a.id}",
                           f"keep one key per AWS account; refer to '{first[a.id]}' everywhere",
                           ("accounts", a.key, "id"))
        else:
            first[a.id] = a.key


def plan_targets(ctx: Context) -> Iterator[Diagnostic]:
    for pl in ctx.policy.plans.values():
        t = pl.targets
        tp = ("plans", pl.key, "targets")
        if bool(t.accounts) != bool(t.regions):
            missing = "regions" if t.accounts else "accounts"
            yield ctx.diag("DSB207", f"plan '{pl.key}' lists targets.{'accounts' if t.accounts else 'regions'} "
                           f"without targets.{missing}; a plan is instantiated in accounts x Regions",
                           f"add targets.{missing}", tp)
        elif t.tags and not t.clusters and not t.accounts:
            yield ctx.diag("DSB207", f"plan '{pl.key}' selects by tags alone but says nowhere where to run",
                           "add targets.accounts and targets.regions: the tag selection applies in each of them", tp)
        elif ctx.complete and not plan_sites(ctx.policy, pl) and all(ctx.known("clusters", c) for c in t.clusters) \
                and all(ctx.known("accounts", a) for a in t.accounts) \
                and all(ctx.policy.clusters[c].account in ctx.policy.accounts for c in t.clusters):
            yield ctx.diag("DSB206", f"plan '{pl.key}' is instantiated nowhere: it names no cluster and no "
                           "accounts x Regions", "add targets.clusters, or targets.accounts with targets.regions", tp)


def vaults_where_plans_run(ctx: Context) -> Iterator[Diagnostic]:
    p = ctx.policy
    for pl in p.plans.values():
        sites = plan_sites(p, pl)
        for r in pl.rules:
            rp = ("plans", pl.key, "rules", r.index)
            vault = p.vaults.get(r.vault)
            if vault is not None:
                for s in sites:
                    if s.account in vault.accounts and s.region in vault.regions:
                        continue
                    why = f" (cluster{'s' if len(s.clusters) > 1 else ''} {', '.join(s.clusters)})" \
                        if s.clusters else " (targets.accounts x targets.regions)"
                    if s.account not in vault.accounts:
                        yield ctx.diag(
                            "DSB204",
                            f"plan '{pl.key}' runs in account '{s.account}' {s.region}{why}, but vault "
                            f"'{r.vault}' has no vault in account '{s.account}'; a backup rule's vault must be in "
                            "the plan's own account and Region",
                            f"add '{s.account}' to vaults.{r.vault}.accounts (or name a vault of that account); "
                            "to keep a copy elsewhere, use copy_to", (*rp, "vault"))
                    else:
                        yield ctx.diag(
                            "DSB204",
                            f"plan '{pl.key}' runs in {s.region}{why}, but vault '{r.vault}' has no vault "
                            f"in {s.region}", f"add {s.region} to vaults.{r.vault}.regions", (*rp, "vault"))
            for c in r.copy_to:
                dest = p.vaults.get(c.vault)
                if dest is None:
                    continue
                cp = (*rp, "copy_to", c.index)
                missing_regions: set[str] = set()
                for s in sites:
                    acct = copy_destination_account(p, c, s.account)
                    if acct is None:
                        yield ctx.diag("DSB214", f"rule '{r.name}' copies to vault '{c.vault}', which exists in "
                                       f"several accounts ({', '.join(dest.accounts)}) but not in the source "
                                       f"account '{s.account}'", "add 'account: <key>' to this copy_to entry, "
                                       f"one of {', '.join(dest.accounts)}",
                                       (*cp, "vault"))
                        break
                    if c.account and c.account not in dest.accounts:
                        yield ctx.diag("DSB214", f"copy_to names account '{c.account}', but vault '{c.vault}' "
                                       f"exists only in {', '.join(dest.accounts)}",
                                       f"add '{c.account}' to vaults.{c.vault}.accounts, or fix the account",
                                       (*cp, "account"))
                        break
                    landing = copy_regions(p, c, s)
                    missing_regions.update(set(landing) - set(dest.regions))
                    if c.vault == r.vault and acct == s.account and s.region in landing:
                        yield ctx.diag("DSB606", f"rule '{r.name}' copies from vault '{c.vault}' in {s.region} "
                                       "into the same vault", "copy to another Region, account or vault",
                                       (*cp, "region" if c.region else "regions" if c.same else "vault"))
                        break
                if missing_regions:
                    missing = sorted(missing_regions)
                    yield ctx.diag("DSB205", f"rule '{r.name}' copies to vault '{c.vault}' in "
                                   f"{', '.join(missing)}, but vault '{c.vault}' does not exist there",
                                   f"add {', '.join(missing)} to vaults.{c.vault}.regions", (*cp, "vault"))


def restore_testing_targets(ctx: Context) -> Iterator[Diagnostic]:
    p = ctx.policy
    for t in p.restore_testing.values():
        tp = ("restore_testing", t.key)
        for i, vk in enumerate(t.vaults):
            v = p.vaults.get(vk)
            if v is None:
                continue
            missing = [r for r in t.regions if r not in v.regions]
            if t.account not in v.accounts or missing:
                where = f"account '{t.account}'" if t.account not in v.accounts else ", ".join(missing)
                yield ctx.diag("DSB208", f"restore test '{t.key}' runs in {where}, where vault '{vk}' "
                               "does not exist", f"use a vault of account '{t.account}' in {', '.join(t.regions)}, "
                               f"or add the missing Regions or account to vaults.{vk}",
                               (*tp, "vaults", i))
        for i, ck in enumerate(t.target_clusters):
            c = p.clusters.get(ck)
            if c is None:
                continue
            if c.account != t.account or not set(c.regions) & set(t.regions):
                yield ctx.diag("DSB211", f"restore test '{t.key}' runs in account '{t.account}' "
                               f"{', '.join(t.regions)}, but cluster '{ck}' lives in account '{c.account}' "
                               f"{', '.join(c.regions)}",
                               f"set restore_testing.{t.key}.account to '{c.account}' and its regions to Regions of "
                               "the cluster, or test another cluster",
                               (*tp, "targets", "clusters", i))


def existing_arns(ctx: Context) -> Iterator[Diagnostic]:
    p = ctx.policy
    for c in p.clusters.values():
        if not c.adopted:
            continue
        cp = ("clusters", c.key, "existing_arns")
        acct = p.accounts.get(c.account)
        for region, arn in c.existing_arns.items():
            parts = arn.split(":")
            if region not in c.regions:
                yield ctx.diag("DSB209", f"existing_arns names {region}, which is not a Region of cluster "
                               f"'{c.key}' ({', '.join(c.regions)})", "key existing_arns by the cluster's Regions",
                               (*cp, region), at_key=True)
            elif len(parts) > 4 and parts[3] != region:
                yield ctx.diag("DSB209", f"the ARN under {region} is a cluster in {parts[3]}",
                               f"use the ARN of the cluster in {region}", (*cp, region))
            if acct is not None and len(parts) > 4 and parts[4] != acct.id:
                yield ctx.diag("DSB209", f"the ARN under {region} belongs to account {parts[4]}, but cluster "
                               f"'{c.key}' is in account '{c.account}' ({acct.id})",
                               "adopt clusters of the cluster's own account", (*cp, region))
        missing = [r for r in c.regions if r not in c.existing_arns]
        if missing:
            yield ctx.diag("DSB209", f"cluster '{c.key}' adopts existing clusters but gives no ARN for "
                           f"{', '.join(missing)}", f"add existing_arns.{missing[0]}: <cluster ARN>", cp, at_key=True)


def referenced_vaults(p: Policy) -> set[str]:
    """The vault keys a rule, a copy or a restore test names."""
    used = {r.vault for pl in p.plans.values() for r in pl.rules}
    used |= {c.vault for pl in p.plans.values() for r in pl.rules for c in r.copy_to}
    used |= {v for t in p.restore_testing.values() for v in t.vaults}
    return used


def unused_vaults(ctx: Context) -> Iterator[Diagnostic]:
    if not ctx.complete:
        return
    p = ctx.policy
    used = referenced_vaults(p)
    for v in p.vaults.values():
        if v.key not in used:
            yield ctx.diag("DSB220", f"vault '{v.key}' is never used by a rule, a copy or a restore test",
                           "remove it, or back up or copy into it", ("vaults", v.key), at_key=True)


def unprotected_clusters(ctx: Context) -> Iterator[Diagnostic]:
    if not ctx.complete:
        return
    p = ctx.policy
    covered: set[tuple[str, str]] = set()  # (cluster, Region)
    for pl in p.plans.values():
        for site in plan_sites(p, pl):
            covered.update((ck, site.region) for ck in site.protected)
    named = {ck for pl in p.plans.values() for ck in pl.targets.clusters}
    for c in p.clusters.values():
        if c.key in named or c.account not in p.accounts:  # named: every Region; unknown account: DSB201
            continue
        missing = [r for r in c.regions if (c.key, r) not in covered]
        if len(missing) == len(c.regions):
            yield ctx.diag("DSB221", f"cluster '{c.key}' is not protected by any plan (not named, and no "
                           "tag selection of a plan running in its account and Region matches its tags)",
                           f"add '{c.key}' to a plan's targets.clusters", ("clusters", c.key), at_key=True)
        elif missing:
            done = ", ".join(sorted(set(c.regions) - set(missing)))
            yield ctx.diag("DSB221", f"cluster '{c.key}' is backed up in {done} but not in {', '.join(missing)}: "
                           "a multi-Region cluster needs a backup in each Region",
                           f"add {', '.join(missing)} to the targets.regions of the plan that selects it by tag, "
                           f"or name '{c.key}' in targets.clusters", ("clusters", c.key), at_key=True)
