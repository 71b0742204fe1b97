"""What a policy protects, where the copies land and how each cluster can be restored: read from the model
that ``compile`` builds, so explain says what compile writes. Pure.

:func:`explain_model` derives an :class:`Explanation` from a :class:`~generator.model.nodes.Model`: the backup
plans per account and Region with their rules, selections and copy actions, the vaults, and the clusters the
policy declares. A selection by name protects the clusters it names; a selection by tag protects every DSQL
cluster of its account and Region carrying those tags, which is shown as what it is (a
:class:`SelectionView`), and names the declared clusters it matches. :mod:`generator.insight.explain_render`
prints an explanation as text, Markdown or JSON.

Gaps are reported with the semantic rules' codes: DSB221 (a cluster, or one of its Regions, is backed up by
no plan) and DSB604 (a rule backs a multi-Region cluster up in one Region without copying it to the peer
Region). A policy with errors is explained too, as long as it parses into a typed policy: the model builder
skips references that do not resolve (their diagnostics say why), and every diagnostic whose JSON path lies
under a cluster is shown with that cluster, the rest with the policy.

RPO is bounded from above: for each Region, the longest gap between runs of the most frequent rule that backs
the cluster up there (``generator.aws.cron.max_gap_hours``, wall-clock time in the rule's own time zone).
Other rules can only shorten the real gap.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from generator.aws.capabilities import Capabilities, load_capabilities
from generator.aws.cron import Cron, max_gap_hours
from generator.aws.cron_parser import parse_cron
from generator.diagnostics import Diagnostic, Severity, json_path
from generator.diagnostics.codes import CODES
from generator.model.documents import vault_arn
from generator.model.nodes import BackupPlan, BackupRule, DeclaredCluster, Lock, Model, Selection, Vault
from generator.policy.typed import Policy

COMPUTED_CODES = ("DSB221", "DSB604")  # explain derives these itself, per cluster


@dataclass(frozen=True, slots=True)
class Coverage:
    """One rule of one plan backing a cluster (or a tag selection) up in one Region."""

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
    """A recovery point landing in a vault: the backup itself, or a copy of it."""

    cluster: str  # the cluster's key; "" for the landings of a tag selection
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
    lock: str  # "none", "governance, 7-120 days", ...
    selection: str = ""  # the tag selection's id (see SelectionView); "" for a cluster's landings
    subject: str = ""  # what is backed up, in words: the cluster key, or "clusters tagged k=v"


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
class SelectionView:
    """A plan's selection by tags in one account: every DSQL cluster there carrying all of ``tags``, whoever
    created it, in each of ``regions``."""

    id: str  # "<plan>/<account>"
    plan: str
    account: str
    account_id: str
    regions: tuple[str, ...]
    tags: tuple[tuple[str, str], ...]
    matches: Mapping[str, tuple[str, ...]]  # Region -> keys of the declared clusters it selects there
    coverage: tuple[Coverage, ...]
    rpo_hours: Mapping[str, float | None]  # per Region
    landings: tuple[Landing, ...]

    @property
    def description(self) -> str:
        return (f"every DSQL cluster in {self.account} ({self.account_id}) {', '.join(self.regions)} tagged "
                f"{tag_words(self.tags)}")


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
    selections: tuple[SelectionView, ...]
    vaults: tuple[VaultView, ...]
    diagnostics: tuple[Diagnostic, ...]  # those not shown with a cluster
    multi_region_restore_note: str
    restore_drill_note: str = ""


# --- words ------------------------------------------------------------------------------------------------


def lock_words(lock: Lock | None) -> str:
    if lock is None:
        return "none"
    lo = lock.min_retention_days or 1
    hi = lock.max_retention_days or 36500
    words = f"{lock.mode}, {lo}-{hi} days"
    if lock.changeable_for_days is not None:
        words += f", immutable {lock.changeable_for_days} days after creation"
    return words


def tag_words(tags: Iterable[tuple[str, str]]) -> str:
    return ", ".join(f"{k}={v}" for k, v in tags)


@cache
def _schedule(expression: str) -> tuple[str, float | None]:
    parsed = parse_cron(expression)
    if not isinstance(parsed, Cron):
        return "not a valid AWS cron expression", None
    return parsed.describe(), max_gap_hours(parsed)


def _gap(code: str, message: str, hint: str) -> Gap:
    return Gap(code, CODES[code].severity.value, message, hint)


def _rpo(coverage: Sequence[Coverage], regions: Iterable[str]) -> dict[str, float | None]:
    rpo: dict[str, float | None] = {}
    for region in regions:
        gaps = [x.max_gap_hours for x in coverage if x.region == region and x.max_gap_hours is not None]
        rpo[region] = min(gaps) if gaps else None
    return rpo


# --- derivation -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Backup:
    """One rule of a plan at one site backing one selection up: where its recovery points land."""

    plan: BackupPlan
    rule: BackupRule
    selection: Selection
    landings: tuple[Landing, ...]  # the backup first, then its copies; ``cluster`` and ``subject`` left empty

    @property
    def coverage(self) -> Coverage:
        words, gap = _schedule(self.rule.schedule)
        return Coverage(self.plan.key, self.rule.name, self.plan.region, self.rule.schedule, words,
                        self.rule.timezone, gap, "tags" if self.selection.tag_conditions else "name")


class _Deriver:
    def __init__(self, model: Model) -> None:
        self.model = model
        self.vaults = {(v.key, v.account, v.region): v for r in model.roots for v in r.vaults}
        self.account_ids = {c.account: c.account_id for c in model.clusters}
        self.account_ids.update({v.account: v.account_id for v in self.vaults.values()})
        plans = sorted((p for r in model.roots for p in r.plans), key=lambda p: (p.key, p.account, p.region))
        self.account_ids.update({p.account: p.account_id for p in plans})
        self.backups = [self.backup(p, rule, s) for p in plans for rule in p.rules for s in p.selections]
        self.at: dict[tuple[str, str], list[_Backup]] = {}  # (account, Region) -> its backups, in order
        for b in self.backups:
            self.at.setdefault((b.plan.account, b.plan.region), []).append(b)
        self.clusters = {c.key: c for c in model.clusters}

    def landing(self, kind: str, plan: BackupPlan, rule: BackupRule, *, vault: str, account: str, region: str,
                days: int, arn: str = "") -> Landing:
        """``arn`` is the vault's ARN when no root of the model creates it (only in a policy with errors)."""
        v = self.vaults.get((vault, account, region))
        name = v.name if v else rule.vault_name if kind == "backup" else arn.rsplit(":", 1)[-1]
        account_id = self.account_ids.get(account, "?")
        arn = v.arn if v else arn or vault_arn(region, account_id, name)
        return Landing("", plan.region, plan.key, rule.name, kind, account, account_id, region, vault, name, arn,
                       days, lock_words(v.lock if v else None))

    def backup(self, p: BackupPlan, rule: BackupRule, s: Selection) -> _Backup:
        landings = [self.landing("backup", p, rule, vault=rule.vault_key, account=p.account, region=p.region,
                                 days=rule.retention_days)]
        for c in rule.copies:
            landings.append(self.landing("copy", p, rule, vault=c.vault_key, account=c.account, region=c.region,
                                         days=c.retention_days, arn=c.destination_arn))
        return _Backup(p, rule, s, tuple(landings))

    # -- clusters

    def protects(self, b: _Backup, c: DeclaredCluster) -> str | None:
        """How backup ``b`` selects cluster ``c`` ("name" or "tags"), or None."""
        p, s = b.plan, b.selection
        if p.account != c.account or p.region not in c.regions:
            return None
        if c.key in s.clusters:
            return "name"
        if s.tag_conditions and all(c.tags.get(k) == v for k, v in s.tag_conditions):
            named = any(c.key in other.clusters for other in p.selections)
            return None if named else "tags"  # a cluster named by the plan there is covered by name
        return None

    def cluster_view(self, c: DeclaredCluster, diags: Sequence[Diagnostic]) -> ClusterView:
        order = {id(b): i for i, b in enumerate(self.backups)}
        mine = sorted((b for r in c.regions for b in self.at.get((c.account, r), ()) if self.protects(b, c)),
                      key=lambda b: order[id(b)])
        coverage = tuple(b.coverage for b in mine)
        landings = tuple(sorted({_for_cluster(x, c.key) for b in mine for x in b.landings}, key=_landing_order))
        prefix = json_path(("clusters", c.key))
        return ClusterView(
            key=c.key, account=c.account, account_id=c.account_id, regions=c.regions,
            witness_region=c.witness_region, multi_region=c.multi_region, adopted=c.adopted,
            deletion_protection=c.deletion_protection, kms_key=c.kms_key, coverage=coverage,
            rpo_hours=_rpo(coverage, c.regions), landings=landings,
            restore=self.restore_options(c, landings, mine), gaps=self.gaps(c, coverage, mine),
            diagnostics=tuple(d for d in diags if d.code not in COMPUTED_CODES and _under(d.path, prefix)),
        )

    def peer_copies(self, c: DeclaredCluster, mine: Sequence[_Backup]) -> dict[tuple[str, str, str], set[str]]:
        """(plan, rule, source Region) -> the peer Regions a copy of that backup lands in, in the cluster's
        account."""
        out: dict[tuple[str, str, str], set[str]] = {}
        for b in mine:
            peers = out.setdefault((b.plan.key, b.rule.name, b.plan.region), set())
            peers.update(x.region for x in b.landings if x.kind == "copy" and x.account == c.account
                         and x.region in c.peers_of(b.plan.region))
        return out

    def restore_options(self, c: DeclaredCluster, landings: Sequence[Landing],
                        mine: Sequence[_Backup]) -> tuple[RestoreOption, ...]:
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
            pairs = sorted({f"{src} -> {peer} ({pk}/{rk})" for (pk, rk, src), peers in
                            self.peer_copies(c, mine).items() for peer in peers})
            witness = c.witness_region or "?"
            if pairs:
                detail = ("a recovery point in one peer Region and its copy in the other: " + "; ".join(pairs)
                          + f"; witness {witness}")
            else:
                detail = "no rule copies a recovery point to the peer Region (DSB604)"
            out.append(RestoreOption("multi-Region", c.account, c.regions, bool(pairs), detail))
        return tuple(out)

    def gaps(self, c: DeclaredCluster, coverage: Sequence[Coverage], mine: Sequence[_Backup]) -> tuple[Gap, ...]:
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
            rules = {(b.plan.key, b.rule.name): b.rule for b in mine}
            for (pk, rk, src), peers in sorted(self.peer_copies(c, mine).items()):
                for peer in c.peers_of(src):
                    if peer not in peers:
                        rule = rules[(pk, rk)]
                        out.append(_gap(
                            "DSB604", f"rule '{rk}' of plan '{pk}' backs '{c.key}' up in {src} but copies nothing "
                            f"to its peer Region {peer}: that recovery point cannot be restored as multi-Region",
                            f"add to the rule's copy_to: {{vault: {rule.vault_key}, regions: peers, "
                            f"retention_days: {rule.retention_days}}}"))
        return tuple(out)

    # -- tag selections

    def selection_views(self) -> tuple[SelectionView, ...]:
        groups: dict[tuple[str, str], list[_Backup]] = {}
        for b in self.backups:
            if b.selection.tag_conditions:
                groups.setdefault((b.plan.key, b.plan.account), []).append(b)
        out = []
        for (plan, account), backups in sorted(groups.items()):
            tags = backups[0].selection.tag_conditions
            regions = tuple(sorted({b.plan.region for b in backups}))
            sid = f"{plan}/{account}"
            subject = f"clusters tagged {tag_words(tags)}"
            in_account = [c for c in self.model.clusters if c.account == account]
            matches = {r: tuple(c.key for c in in_account
                                if any(self.protects(b, c) == "tags" for b in backups if b.plan.region == r))
                       for r in regions}
            coverage = tuple(b.coverage for b in backups)
            landings = tuple(sorted({_for_selection(x, sid, subject) for b in backups for x in b.landings},
                                    key=_landing_order))
            out.append(SelectionView(sid, plan, account, backups[0].plan.account_id, regions, tags, matches,
                                     coverage, _rpo(coverage, regions), landings))
        return tuple(out)

    # -- vaults

    def vault_views(self, selections: Sequence[SelectionView]) -> tuple[VaultView, ...]:
        received: dict[tuple[str, str, str], list[Landing]] = {}
        named = [(b, c) for b in self.backups for k in b.selection.clusters if (c := self.clusters.get(k))
                 and b.plan.account == c.account and b.plan.region in c.regions]
        for b, c in named:
            for x in b.landings:
                received.setdefault((x.vault, x.account, x.region), []).append(_for_cluster(x, c.key))
        for s in selections:
            for x in s.landings:
                received.setdefault((x.vault, x.account, x.region), []).append(x)
        out = []
        for (key, account, region), v in sorted(self.vaults.items()):
            sources, org = v.copy_in_from, v.copy_in_organization
            if not sources:
                allowed = "no other account (no copy-in grant)"
            elif org:
                allowed = f"any account of organization {org} (vault access policy); copied in by {', '.join(sources)}"
            else:
                allowed = ", ".join(f"{s} ({self.account_ids.get(s, '?')})" for s in sources)
            kms = ("created by the policy" if v.kms_key_label else v.kms_key_arn if v.kms_key_arn
                   else "AWS managed key")
            out.append(VaultView(
                key=key, account=account, account_id=v.account_id, region=region, name=v.name, arn=v.arn,
                lock=lock_words(v.lock), kms_key=kms,
                receives=tuple(sorted(set(received.get((key, account, region), ())), key=_landing_order)),
                copy_in_from=sources, copy_in_allowed=allowed,
                deletion=deletion_words(v),
            ))
        return tuple(out)


def deletion_words(v: Vault) -> str:
    """What the vault access policy says about deleting recovery points (and shortening their lifecycle), and
    about changing the policy itself, from the model."""
    if v.recovery_point_deletion:
        return "allowed"
    words = "denied by the vault access policy"
    words += (", and so is changing or removing that policy" if v.policy_guarded
              else "; the policy itself is not protected (the account has no role_arn)")
    return words + (f"; exempt: {', '.join(v.deny_exempt)}" if v.deny_exempt else "")


def _for_cluster(x: Landing, key: str) -> Landing:
    return dataclasses.replace(x, cluster=key, selection="", subject=key)


def _for_selection(x: Landing, sid: str, subject: str) -> Landing:
    return dataclasses.replace(x, cluster="", selection=sid, subject=subject)


def _landing_order(x: Landing) -> tuple[str, str, str, str, str, str, str, str, int]:
    return (x.account, x.region, x.vault, x.kind, x.cluster, x.selection, x.source_region, f"{x.plan}/{x.rule}",
            x.retention_days)


def _from_vaults(landings: Iterable[Landing]) -> str:
    kinds: dict[str, set[str]] = {}
    for x in landings:
        kinds.setdefault(x.vault_name, set()).add("backups" if x.kind == "backup" else "copies")
    return "from " + ", ".join(f"{name} ({', '.join(sorted(k))})" for name, k in sorted(kinds.items()))


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith((prefix + ".", prefix + "["))


def explain_model(model: Model, diagnostics: Sequence[Diagnostic] = (), file: str = "",
                  caps: Capabilities | None = None) -> Explanation:
    """What ``model`` protects, where its recovery points land, and how each cluster restores."""
    caps = caps or load_capabilities()
    d = _Deriver(model)
    clusters = tuple(d.cluster_view(c, diagnostics) for c in model.clusters)
    selections = d.selection_views()
    shown = {id(x) for c in clusters for x in c.diagnostics}
    rest = tuple(x for x in diagnostics if id(x) not in shown and x.code not in COMPUTED_CODES)
    feature = caps.feature("multi_region_restore")
    note = (f"multi-Region restore: {'supported' if feature.supported else 'not supported'} by AWS Backup "
            f"({feature.status.value}): {feature.note}. Source: {feature.source}")
    testing = caps.feature("restore_testing")
    drill = (f"restore drill: AWS Backup restore testing {'covers' if testing.supported else 'does not cover'} "
             f"Aurora DSQL ({testing.status.value}); 'dsql-backup drill {model.policy_name}' restores each "
             "cluster's newest recovery point into a new cluster, checks its age against the RPO above and the time "
             "to ACTIVE (RTO), and deletes what it created; 'dsql-backup restore' restores for real")
    return Explanation(
        policy=model.policy_name, file=file,
        errors=sum(x.severity is Severity.ERROR for x in diagnostics),
        warnings=sum(x.severity is Severity.WARNING for x in diagnostics),
        clusters=clusters, selections=selections, vaults=d.vault_views(selections), diagnostics=rest,
        multi_region_restore_note=note, restore_drill_note=drill,
    )


def explain(policy: Policy, diagnostics: Sequence[Diagnostic] = (), file: str = "",
            caps: Capabilities | None = None) -> Explanation:
    """Build the model of ``policy`` (as compile does) and explain it."""
    from generator.model.build import build_model

    caps = caps or load_capabilities()
    return explain_model(build_model(policy, caps), diagnostics, file, caps)


def typed_policy(path: str) -> tuple[Policy | None, str, tuple[Diagnostic, ...]]:
    """Validate ``path`` and return the typed policy even when it has semantic errors (the one the rules
    checked), with the file name and every diagnostic. ``None`` when the document cannot be read, or fails
    the schema as a whole."""
    from generator.policy.validate import validate_file

    v = validate_file(path)
    return v.checked, v.file, v.diagnostics
