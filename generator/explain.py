"""What a policy protects, where the copies land and how each cluster can be restored. Pure.

:func:`explain` derives an :class:`Explanation` from the typed policy through the same fan-out helpers the
model builder uses (``plan_sites``, ``copy_regions``, ``copy_destination_account``), AWS names from
``generator.naming`` and vault ARNs from ``generator.build.vault_arn``, so what it says is what ``compile``
writes. Renderers turn it into text, Markdown (pull-request comments) or a versioned JSON envelope.

Gaps are reported with the semantic rules' codes: DSB221 (a cluster, or one of its Regions, is backed up by
no plan) and DSB604 (a rule backs a multi-Region cluster up in one Region without copying it to the peer
Region). Explain also works on a policy with errors, as long as the document parses into a typed policy:
every diagnostic whose JSON path lies under a cluster is shown with that cluster, the rest with the policy,
and unresolvable references are skipped (their diagnostics say why).

RPO is bounded from above: for each Region, the longest gap between runs of the most frequent rule that backs
the cluster up there (``generator.cron.max_gap_hours``, wall-clock time in the rule's own time zone). Other
rules can only shorten the real gap.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from generator import naming
from generator.build import vault_arn
from generator.capabilities import Capabilities, load_capabilities
from generator.codes import CODES
from generator.cron import Cron, max_gap_hours, parse_cron
from generator.diagnostics import Diagnostic, Severity, json_path
from generator.policy import Cluster, Lock, Plan, PlanSite, Policy, copy_destination_account, copy_regions, plan_sites

JSON_FORMAT = "dsql-backup/explain"
JSON_VERSION = 1
FORMATS = ("text", "markdown", "json")
COMPUTED_CODES = ("DSB221", "DSB604")  # explain derives these itself, per cluster


@dataclass(frozen=True, slots=True)
class Coverage:
    """One rule of one plan backing a cluster up in one of its Regions."""

    plan: str
    rule: str
    region: str
    schedule: str
    schedule_words: str
    timezone: str
    max_gap_hours: float | None  # None: the schedule is invalid or never fires; inf: it fires once
    selected_by: str  # "name" | "tags"


@dataclass(frozen=True, slots=True)
class Landing:
    """A recovery point of a cluster landing in a vault: the backup itself, or a copy of it."""

    cluster: str
    source_region: str
    plan: str
    rule: str
    kind: str  # "backup" | "copy"
    account: str
    account_id: str
    region: str
    vault: str
    vault_name: str
    vault_arn: str
    retention_days: int
    lock: str  # "none", "governance, 7-400 days", ...


@dataclass(frozen=True, slots=True)
class RestoreOption:
    kind: str  # "single-Region" | "multi-Region"
    account: str
    regions: tuple[str, ...]  # single-Region: the one Region; multi-Region: the peers
    possible: bool
    detail: str


@dataclass(frozen=True, slots=True)
class Gap:
    code: str
    severity: str
    message: str
    hint: str


@dataclass(frozen=True, slots=True)
class ClusterView:
    key: str
    account: str
    account_id: str
    regions: tuple[str, ...]
    witness_region: str | None
    multi_region: bool
    adopted: bool
    deletion_protection: bool
    kms_key: str
    coverage: tuple[Coverage, ...]
    rpo_hours: Mapping[str, float | None]  # per Region of the cluster
    landings: tuple[Landing, ...]
    restore: tuple[RestoreOption, ...]
    gaps: tuple[Gap, ...]
    diagnostics: tuple[Diagnostic, ...]


@dataclass(frozen=True, slots=True)
class VaultView:
    key: str
    account: str
    account_id: str
    region: str
    name: str
    arn: str
    lock: str
    kms_key: str
    receives: tuple[Landing, ...]
    copy_in_from: tuple[str, ...]  # account keys (other than its own) whose rules copy into it
    copy_in_allowed: str
    deletion: str


@dataclass(frozen=True, slots=True)
class Explanation:
    policy: str
    file: str
    errors: int
    warnings: int
    clusters: tuple[ClusterView, ...]
    vaults: tuple[VaultView, ...]
    diagnostics: tuple[Diagnostic, ...]  # those not shown with a cluster
    multi_region_restore_note: str


# --- derivation --------------------------------------------------------------------------------------------


def lock_words(lock: Lock | None) -> str:
    if lock is None:
        return "none"
    lo = lock.min_retention_days or 1
    hi = lock.max_retention_days or 36500
    words = f"{lock.mode}, {lo}-{hi} days"
    if lock.mode == "compliance" and lock.changeable_for_days is not None:
        words += f", immutable {lock.changeable_for_days} days after creation"
    return words


def clusters_at(policy: Policy, plan: Plan, site: PlanSite) -> tuple[tuple[str, str], ...]:
    """The clusters a plan backs up at one site, with how they are selected: named ones, then clusters of
    the policy in that account and Region whose tags match every ``targets.tags`` entry."""
    out = [(ck, "name") for ck in site.clusters]
    if plan.targets.tags:
        for c in sorted(policy.clusters.values(), key=lambda c: c.key):
            if (c.key not in site.clusters and c.account == site.account and site.region in c.regions
                    and all(c.tags.get(k) == v for k, v in plan.targets.tags.items())):
                out.append((c.key, "tags"))
    return tuple(out)


def _schedule(expression: str) -> tuple[str, float | None]:
    parsed = parse_cron(expression)
    if not isinstance(parsed, Cron):
        return "not a valid AWS cron expression", None
    return parsed.describe(), max_gap_hours(parsed)


def hours_words(hours: float | None) -> str:
    if hours is None:
        return "never runs"
    if math.isinf(hours):
        return "runs once"
    text = f"{hours:g} h"
    if hours >= 48 and hours % 24 == 0:
        text = f"{hours / 24:g} days ({text})"
    return text


def _gap(code: str, message: str, hint: str) -> Gap:
    return Gap(code, CODES[code].severity.value, message, hint)


class _Deriver:
    def __init__(self, policy: Policy, caps: Capabilities) -> None:
        self.p = policy
        self.caps = caps
        self.coverage: dict[str, list[Coverage]] = {k: [] for k in policy.clusters}
        self.landings: dict[str, list[Landing]] = {k: [] for k in policy.clusters}
        self.copy_in: dict[tuple[str, str, str], set[str]] = {}
        # (cluster, plan, rule, source region) -> peer Regions a copy lands in, in the cluster's account
        self.peer_copies: dict[tuple[str, str, str, str], set[str]] = {}

    def account_id(self, key: str) -> str:
        a = self.p.accounts.get(key)
        return a.id if a else "?"

    def landing(self, cluster: str, source: str, *, plan: str, rule: str, kind: str, account: str, region: str,
                vault: str, days: int) -> Landing:
        v = self.p.vaults.get(vault)
        name = naming.vault_name(self.p.name, vault)
        return Landing(cluster, source, plan, rule, kind, account, self.account_id(account), region, vault, name,
                       vault_arn(region, self.account_id(account), name), days, lock_words(v.lock if v else None))

    def run(self) -> None:
        p = self.p
        for pk in sorted(p.plans):
            plan = p.plans[pk]
            for site in plan_sites(p, plan):
                selected = clusters_at(p, plan, site)
                for rule in plan.rules:
                    words, gap = _schedule(rule.schedule)
                    copies = []
                    for cp in rule.copy_to:
                        dest = copy_destination_account(p, cp, site.account)
                        if dest is None or dest not in p.accounts:
                            continue
                        for region in copy_regions(p, cp, site):
                            copies.append((dest, region, cp.vault, cp.retention_days))
                            if dest != site.account:
                                self.copy_in.setdefault((cp.vault, dest, region), set()).add(site.account)
                    for ck, how in selected:
                        c = p.clusters[ck]
                        self.coverage[ck].append(Coverage(pk, rule.name, site.region, rule.schedule, words,
                                                          rule.timezone, gap, how))
                        self.landings[ck].append(self.landing(
                            ck, site.region, plan=pk, rule=rule.name, kind="backup", account=site.account,
                            region=site.region, vault=rule.vault, days=rule.retention_days))
                        peers = self.peer_copies.setdefault((ck, pk, rule.name, site.region), set())
                        for dest, region, vault, days in copies:
                            self.landings[ck].append(self.landing(
                                ck, site.region, plan=pk, rule=rule.name, kind="copy", account=dest, region=region,
                                vault=vault, days=days))
                            if dest == c.account and region in c.peers_of(site.region):
                                peers.add(region)

    def cluster_view(self, c: Cluster, diags: Sequence[Diagnostic]) -> ClusterView:
        coverage = tuple(self.coverage[c.key])
        landings = tuple(sorted(set(self.landings[c.key]), key=_landing_order))
        rpo: dict[str, float | None] = {}
        for region in c.regions:
            gaps = [x.max_gap_hours for x in coverage if x.region == region and x.max_gap_hours is not None]
            rpo[region] = min(gaps) if gaps else None
        prefix = json_path(("clusters", c.key))
        mine = tuple(d for d in diags if d.code not in COMPUTED_CODES and _under(d.path, prefix))
        return ClusterView(
            key=c.key, account=c.account, account_id=self.account_id(c.account), regions=c.regions,
            witness_region=c.witness_region, multi_region=c.multi_region, adopted=c.adopted,
            deletion_protection=c.deletion_protection, kms_key=c.kms_key, coverage=coverage, rpo_hours=rpo,
            landings=landings, restore=self.restore_options(c, landings), gaps=self.gaps(c, coverage),
            diagnostics=mine,
        )

    def restore_options(self, c: Cluster, landings: Sequence[Landing]) -> tuple[RestoreOption, ...]:
        out: list[RestoreOption] = []
        places: dict[tuple[str, str], list[Landing]] = {}
        for x in landings:
            places.setdefault((x.account, x.region), []).append(x)
        for region in c.regions:
            here = places.pop((c.account, region), [])
            out.append(RestoreOption("single-Region", c.account, (region,), bool(here), _from_vaults(here)
                                     if here else "no recovery point of this cluster lands here"))
        for (account, region), here in sorted(places.items()):
            out.append(RestoreOption("single-Region", account, (region,), True, _from_vaults(here)))
        if c.multi_region:
            pairs = sorted({f"{src} -> {peer} ({pk}/{rk})" for (ck, pk, rk, src), peers in self.peer_copies.items()
                            if ck == c.key for peer in peers})
            witness = c.witness_region or "?"
            if pairs:
                detail = ("a recovery point in one peer Region and its copy in the other: " + "; ".join(pairs)
                          + f"; witness {witness}")
            else:
                detail = "no rule copies a recovery point to the peer Region (DSB604)"
            out.append(RestoreOption("multi-Region", c.account, c.regions, bool(pairs), detail))
        return tuple(out)

    def gaps(self, c: Cluster, coverage: Sequence[Coverage]) -> tuple[Gap, ...]:
        out: list[Gap] = []
        if not coverage:
            out.append(_gap("DSB221", f"cluster '{c.key}' is not protected by any plan",
                            f"add '{c.key}' to a plan's targets.clusters"))
            return tuple(out)
        for region in c.regions:
            if not any(x.region == region for x in coverage):
                out.append(_gap("DSB221", f"cluster '{c.key}' is not backed up in {region}: no plan selecting it "
                                "runs there", f"name '{c.key}' in a plan's targets.clusters, or add {region} to the "
                                "tag plan's targets.regions"))
        if c.multi_region:
            for (ck, pk, rk, src), peers in sorted(self.peer_copies.items()):
                if ck != c.key:
                    continue
                for peer in c.peers_of(src):
                    if peer not in peers:
                        rule = next((r for r in self.p.plans[pk].rules if r.name == rk), None)
                        days = rule.retention_days if rule else 35
                        vault = rule.vault if rule else "VAULT"
                        out.append(_gap(
                            "DSB604", f"rule '{rk}' of plan '{pk}' backs '{c.key}' up in {src} but copies nothing "
                            f"to its peer Region {peer}: that recovery point cannot be restored as multi-Region",
                            f"add to the rule's copy_to: {{vault: {vault}, regions: peers, retention_days: {days}}}"))
        return tuple(out)

    def vault_views(self) -> tuple[VaultView, ...]:
        p = self.p
        received: dict[tuple[str, str, str], list[Landing]] = {}
        for xs in self.landings.values():
            for x in xs:
                received.setdefault((x.vault, x.account, x.region), []).append(x)
        out = []
        for key in sorted(p.vaults):
            v = p.vaults[key]
            name = naming.vault_name(p.name, key)
            for account in sorted(v.accounts):
                acct_id = self.account_id(account)
                for region in sorted(v.regions):
                    sources = tuple(sorted(self.copy_in.get((key, account, region), ())))
                    if not sources:
                        allowed = "no other account (no copy-in grant)"
                    elif p.organization:
                        allowed = (f"any account of organization {p.organization.id} (vault access policy); "
                                   f"copied in by {', '.join(sources)}")
                    else:
                        allowed = ", ".join(f"{s} ({self.account_id(s)})" for s in sources)
                    out.append(VaultView(
                        key=key, account=account, account_id=acct_id, region=region, name=name,
                        arn=vault_arn(region, acct_id, name), lock=lock_words(v.lock),
                        kms_key={"create": "created by the policy", "aws-managed": "AWS managed key"}.get(
                            v.kms_key, v.kms_key),
                        receives=tuple(sorted(set(received.get((key, account, region), ())), key=_landing_order)),
                        copy_in_from=sources, copy_in_allowed=allowed,
                        deletion="allowed" if v.allow_recovery_point_deletion
                        else "denied by the vault access policy",
                    ))
        return tuple(out)


def _landing_order(x: Landing) -> tuple[str, str, str, str, str, str, str, int]:
    return (x.account, x.region, x.vault, x.kind, x.cluster, x.source_region, f"{x.plan}/{x.rule}", x.retention_days)


def _from_vaults(landings: Iterable[Landing]) -> str:
    kinds: dict[str, set[str]] = {}
    for x in landings:
        kinds.setdefault(x.vault_name, set()).add("backups" if x.kind == "backup" else "copies")
    return "from " + ", ".join(f"{name} ({', '.join(sorted(k))})" for name, k in sorted(kinds.items()))


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith((prefix + ".", prefix + "["))


def explain(policy: Policy, diagnostics: Sequence[Diagnostic] = (), file: str = "",
            caps: Capabilities | None = None) -> Explanation:
    caps = caps or load_capabilities()
    d = _Deriver(policy, caps)
    d.run()
    clusters = tuple(d.cluster_view(policy.clusters[k], diagnostics) for k in sorted(policy.clusters))
    shown = {id(x) for c in clusters for x in c.diagnostics}
    rest = tuple(x for x in diagnostics if id(x) not in shown and x.code not in COMPUTED_CODES)
    feature = caps.feature("multi_region_restore")
    note = (f"multi-Region restore: supported by AWS Backup ({feature.status.value}: {feature.note}); it needs a "
            "recovery point in one peer Region and a copy of that same recovery point in the other, in one Region "
            f"group. Whether the witness Region needs a copy too is UNCONFIRMED. Source: {feature.source}")
    return Explanation(
        policy=policy.name, file=file,
        errors=sum(x.severity is Severity.ERROR for x in diagnostics),
        warnings=sum(x.severity is Severity.WARNING for x in diagnostics),
        clusters=clusters, vaults=d.vault_views(), diagnostics=rest, multi_region_restore_note=note,
    )


# --- rendering ---------------------------------------------------------------------------------------------


def _verdict(e: Explanation) -> str:
    state = "invalid" if e.errors else "valid"
    return (f"policy {state} ({e.errors} error{'s' * (e.errors != 1)}, "
            f"{e.warnings} warning{'s' * (e.warnings != 1)})")


def _cluster_title(c: ClusterView) -> str:
    if c.multi_region:
        shape = f"multi-Region {' + '.join(c.regions)}, witness {c.witness_region}"
    else:
        shape = f"single-Region {c.regions[0]}"
    managed = "adopted (existing_arns)" if c.adopted else "managed by this policy"
    return f"account {c.account} ({c.account_id}), {shape}, {managed}"


def _diag_line(x: Diagnostic) -> str:
    where = f"{x.file}:{x.line}:{x.column}: " if x.file else ""
    return f"{where}{x.severity.value} {x.code} {x.message}" + (f" (hint: {x.hint})" if x.hint else "")


def _landing_words(x: Landing) -> str:
    what = (f"backup by {x.plan}/{x.rule}" if x.kind == "backup"
            else f"copy from {x.source_region} by {x.plan}/{x.rule}")
    return f"{what}, kept {x.retention_days} days"


def as_text(e: Explanation) -> str:
    out = [f"{e.policy}: {len(e.clusters)} cluster(s), {len(e.vaults)} vault(s); {_verdict(e)}"]
    for c in e.clusters:
        out += ["", f"cluster {c.key}: {_cluster_title(c)}"]
        out.append("  backed up by:" if c.coverage else "  backed up by: nothing")
        for x in c.coverage:
            out.append(f"    {x.region}  plan {x.plan}, rule {x.rule}: {x.schedule_words} ({x.timezone}); "
                       f"longest gap {hours_words(x.max_gap_hours)}; selected by {x.selected_by}")
        out.append("  RPO (longest gap between backups, at most): " + ", ".join(
            f"{r} {hours_words(h) if h is not None else 'no backups'}" for r, h in c.rpo_hours.items()))
        out.append("  recovery points land in:" if c.landings else "  recovery points land in: nowhere")
        for ld in c.landings:
            out.append(f"    {ld.account} ({ld.account_id}) {ld.region}  vault {ld.vault_name}  lock {ld.lock}  "
                       f"{_landing_words(ld)}")
        out.append("  restore (always creates a new cluster):")
        for r in c.restore:
            out.append(f"    {r.kind} in {' + '.join(r.regions)} ({r.account}): {'yes' if r.possible else 'NO'}"
                       f" - {r.detail}")
        out.append("  gaps:" if c.gaps else "  gaps: none")
        for g in c.gaps:
            out.append(f"    {g.severity} {g.code} {g.message}")
            out.append(f"        hint: {g.hint}")
        for dg in c.diagnostics:
            out.append(f"  {_diag_line(dg)}")
    out += ["", "vaults:"]
    for v in e.vaults:
        out.append(f"  {v.name} in {v.account} ({v.account_id}) {v.region}: lock {v.lock}; key {v.kms_key}; "
                   f"recovery-point deletion {v.deletion}")
        out.append(f"    copy in allowed from: {v.copy_in_allowed}")
        if not v.receives:
            out.append("    receives nothing")
        for ld in v.receives:
            out.append(f"    receives {ld.cluster}: {_landing_words(ld)}")
    if e.diagnostics:
        out += ["", "policy diagnostics:"] + [f"  {_diag_line(x)}" for x in e.diagnostics]
    out += ["", e.multi_region_restore_note]
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def as_markdown(e: Explanation) -> str:
    gaps = sum(len(c.gaps) for c in e.clusters)
    out = [f"## dsql-backup explain: `{e.policy}`", "",
           f"{len(e.clusters)} cluster(s), {len(e.vaults)} vault(s); {_verdict(e)}; "
           f"{gaps} gap{'s' * (gaps != 1)} in protection."]
    for c in e.clusters:
        out += ["", f"### Cluster `{c.key}`", "", _cluster_title(c) + ".", ""]
        if c.coverage:
            out += ["| Region | plan / rule | schedule | time zone | longest gap | selected by |",
                    "| --- | --- | --- | --- | --- | --- |"]
            out += [f"| {x.region} | {x.plan} / {x.rule} | {_md(x.schedule_words)} (`{x.schedule}`) | {x.timezone} "
                    f"| {hours_words(x.max_gap_hours)} | {x.selected_by} |" for x in c.coverage]
        else:
            out.append("Backed up by no plan.")
        out += ["", "**RPO** (longest gap between backups, at most): " + ", ".join(
            f"{r} {hours_words(h) if h is not None else 'no backups'}" for r, h in c.rpo_hours.items()), ""]
        if c.landings:
            out += ["| lands in | vault | retention | lock | from |", "| --- | --- | --- | --- | --- |"]
            out += [f"| {x.account} ({x.account_id}) {x.region} | `{x.vault_name}` | {x.retention_days} days "
                    f"| {x.lock} | {x.kind} {x.source_region} by {x.plan}/{x.rule} |" for x in c.landings]
            out.append("")
        out += ["**Restore** (always creates a new cluster):", ""]
        out += [f"- {'✅' if r.possible else '❌'} {r.kind} in {' + '.join(r.regions)} ({r.account}): {_md(r.detail)}"
                for r in c.restore]
        if c.gaps or c.diagnostics:
            out += ["", "**Gaps and diagnostics:**", ""]
            out += [f"- **{g.code}** ({g.severity}) {_md(g.message)}. Hint: {_md(g.hint)}" for g in c.gaps]
            out += [f"- **{x.code}** ({x.severity.value}) {_md(x.message)}" for x in c.diagnostics]
    out += ["", "### Vaults", "", "| vault | account / Region | lock | receives | copy in allowed from | deletion |",
            "| --- | --- | --- | --- | --- | --- |"]
    for v in e.vaults:
        receives = "<br>".join(f"{x.cluster}: {_landing_words(x)}" for x in v.receives) or "nothing"
        out.append(f"| `{v.name}` | {v.account} ({v.account_id}) {v.region} | {v.lock} | {_md(receives)} "
                   f"| {_md(v.copy_in_allowed)} | {v.deletion} |")
    if e.diagnostics:
        out += ["", "### Policy diagnostics", ""] + [f"- **{x.code}** ({x.severity.value}) {_md(x.message)}"
                                                      for x in e.diagnostics]
    out += ["", f"<sub>{_md(e.multi_region_restore_note)}</sub>"]
    return "\n".join(out) + "\n"


def _diag_dict(x: Diagnostic) -> dict[str, Any]:
    return {"code": x.code, "severity": x.severity.value, "message": x.message, "hint": x.hint,
            "file": x.file, "line": x.line, "column": x.column, "path": x.path}


def _num(h: float | None) -> float | str | None:
    return "inf" if h is not None and math.isinf(h) else h


def as_dict(e: Explanation) -> dict[str, Any]:
    def landing(x: Landing) -> dict[str, Any]:
        return {"cluster": x.cluster, "kind": x.kind, "source_region": x.source_region, "plan": x.plan,
                "rule": x.rule, "account": x.account, "account_id": x.account_id, "region": x.region,
                "vault": x.vault, "vault_name": x.vault_name, "vault_arn": x.vault_arn,
                "retention_days": x.retention_days, "lock": x.lock}

    return {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "policy": e.policy,
        "file": e.file,
        "summary": {"errors": e.errors, "warnings": e.warnings, "clusters": len(e.clusters),
                    "vaults": len(e.vaults), "gaps": sum(len(c.gaps) for c in e.clusters)},
        "clusters": [{
            "key": c.key, "account": c.account, "account_id": c.account_id, "regions": list(c.regions),
            "witness_region": c.witness_region, "multi_region": c.multi_region, "adopted": c.adopted,
            "deletion_protection": c.deletion_protection, "kms_key": c.kms_key,
            "coverage": [{"plan": x.plan, "rule": x.rule, "region": x.region, "schedule": x.schedule,
                          "schedule_words": x.schedule_words, "timezone": x.timezone,
                          "max_gap_hours": _num(x.max_gap_hours), "selected_by": x.selected_by}
                         for x in c.coverage],
            "rpo_hours": {r: _num(h) for r, h in c.rpo_hours.items()},
            "landings": [landing(x) for x in c.landings],
            "restore": [{"kind": r.kind, "account": r.account, "regions": list(r.regions), "possible": r.possible,
                         "detail": r.detail} for r in c.restore],
            "gaps": [{"code": g.code, "severity": g.severity, "message": g.message, "hint": g.hint}
                     for g in c.gaps],
            "diagnostics": [_diag_dict(x) for x in c.diagnostics],
        } for c in e.clusters],
        "vaults": [{
            "key": v.key, "account": v.account, "account_id": v.account_id, "region": v.region, "name": v.name,
            "arn": v.arn, "lock": v.lock, "kms_key": v.kms_key, "receives": [landing(x) for x in v.receives],
            "copy_in_from": list(v.copy_in_from), "copy_in_allowed": v.copy_in_allowed, "deletion": v.deletion,
        } for v in e.vaults],
        "diagnostics": [_diag_dict(x) for x in e.diagnostics],
        "notes": {"multi_region_restore": e.multi_region_restore_note},
    }


def as_json(e: Explanation) -> str:
    return json.dumps(as_dict(e), indent=2, sort_keys=False) + "\n"


def render(e: Explanation, fmt: str) -> str:
    if fmt == "markdown":
        return as_markdown(e)
    if fmt == "json":
        return as_json(e)
    return as_text(e)


# --- loading ---------------------------------------------------------------------------------------------


def typed_policy(path: str) -> tuple[Policy | None, str, tuple[Diagnostic, ...]]:
    """Validate ``path`` and return the typed policy even when it has semantic errors (the one the rules
    checked), with the file name and every diagnostic. ``None`` when the document cannot be read, or fails
    the schema as a whole."""
    from generator.validate import validate_file

    v = validate_file(path)
    return v.checked, v.file, v.diagnostics
