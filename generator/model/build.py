"""Stage 4: build the immutable model from a valid policy. All fan-out, defaults and derived values
(names, ARNs, access and key policies, waves) are computed here, once, and nowhere else."""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from generator.aws import naming
from generator.aws.capabilities import Capabilities
from generator.diagnostics import json_path
from generator.model import account_nodes, audit, documents, notification_nodes
from generator.model.nodes import (
    Backend,
    BackupPlan,
    BackupRole,
    BackupRule,
    Cluster,
    CopyAction,
    DeclaredCluster,
    Framework,
    KmsKey,
    Lock,
    Model,
    Provider,
    RegionSettings,
    ReportPlan,
    RestoreTest,
    RestoreTestSelection,
    Root,
    Selection,
    Vault,
)
from generator.policy.landings import copy_landings
from generator.policy.loader import SourceMap
from generator.policy.typed import Policy, copy_destination_account, copy_regions, plan_sites

SINGLE_ROOT = "all"


def _frozen(d: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(d))


def _frozen_or_none(d: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    return None if d is None else _frozen(d)


@dataclass
class _Acc:
    """Mutable scratch space for one account while building; frozen into Root at the end."""

    regions: set[str] = field(default_factory=set)
    kms_keys: list[KmsKey] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    vaults: list[Vault] = field(default_factory=list)
    plans: list[BackupPlan] = field(default_factory=list)
    restore_tests: list[RestoreTest] = field(default_factory=list)
    frameworks: list[Framework] = field(default_factory=list)
    reports: list[ReportPlan] = field(default_factory=list)
    optin_regions: set[str] = field(default_factory=set)
    needs_role: bool = False
    global_settings: bool = False
    receives_copies: bool = False


class _Builder:
    def __init__(self, policy: Policy, caps: Capabilities, source_map: SourceMap | None) -> None:
        self.p = policy
        self.caps = caps
        self.source_map = source_map
        self.single = policy.terraform.layout == "single"
        self.acc: dict[str, _Acc] = defaultdict(_Acc)
        # (vault key, account, region) -> source account keys that copy into it from another account
        self.copy_in: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        self.origins: dict[tuple[str, ...], str] = {}
        self.global_wanted: dict[str, str] = {}  # the organization's global settings the policy asks for
        self.confirmed = caps.feature("backup_source_conditions").supported  # exact aws:Source* conditions

    # --- naming helpers that depend on the layout
    def alias(self, account: str, region: str) -> str:
        return sys.intern(naming.label(account, region) if self.single else naming.region_alias(region))

    def scoped(self, key: str, account: str, region: str) -> str:
        """Label of a per-site resource: the account is part of it only when one root holds many accounts."""
        # interned: a vault's label is met again in every rule and copy that targets it
        return sys.intern(naming.label(f"{key}_{account}", region) if self.single else naming.label(key, region))

    def root_of(self, account: str) -> str:
        return SINGLE_ROOT if self.single else naming.root_name(account)

    def origin(self, *parts: str) -> str:
        """The JSON path of a policy entry, made once per entry (many nodes share one origin)."""
        if parts not in self.origins:
            self.origins[parts] = json_path(parts)
        return self.origins[parts]

    def account_id(self, key: str) -> str:
        """The account's ID ("?" for an unknown key: only a policy with errors, being explained, has one)."""
        a = self.p.accounts.get(key)
        return a.id if a else "?"

    # --- passes
    def build(self) -> Model:
        self.collect_copies()
        self.add_clusters()
        self.add_vaults()
        self.add_plans()
        self.add_restore_tests()
        self.add_audit()
        org = self.p.organization
        if org and org.management_account in self.p.accounts:
            self.global_wanted = account_nodes.wanted_global_settings(org, bool(self.copy_in))
            if self.global_wanted:
                self.acc[org.management_account].global_settings = True
        roots, clusters = self.roots(), self.declared_clusters()
        spans: dict[str, tuple[int, int]] = {}
        if self.source_map is not None:  # every origin a node was given, in the YAML
            spans = {path: self.source_map.anchor(parts) for parts, path in sorted(self.origins.items())}
        return Model(self.p.name, self.p.terraform.layout, roots, clusters=clusters, spans=MappingProxyType(spans))

    def declared_clusters(self) -> tuple[DeclaredCluster, ...]:
        return tuple(DeclaredCluster(
            key=c.key, account=c.account, account_id=self.account_id(c.account), regions=c.regions,
            witness_region=c.witness_region if c.multi_region else None, adopted=c.adopted,
            deletion_protection=c.deletion_protection, kms_key=c.kms_key, tags=c.tags,
            origin=self.origin("clusters", c.key),
        ) for c in sorted(self.p.clusters.values(), key=lambda c: c.key))

    def collect_copies(self) -> None:
        for x in copy_landings(self.p):
            self.acc[x.account].optin_regions.add(x.region)
            if x.account != x.site.account:
                self.copy_in[(x.vault, x.account, x.region)].add(x.site.account)
                self.acc[x.account].receives_copies = True
                self.acc[x.account].needs_role = True  # restores from its vaults

    def add_clusters(self) -> None:
        p = self.p
        for key in sorted(p.clusters):
            c = p.clusters[key]
            if c.adopted or c.account not in p.accounts:
                continue
            a = self.acc[c.account]
            own_tags = {k: v for k, v in sorted(c.tags.items()) if p.defaults.tags.get(k) != v}
            for region in c.regions:
                a.regions.add(region)
                label = sys.intern(naming.label(key, region))
                kms_label = None
                kms_arn: str | None = "AWS_OWNED_KMS_KEY"
                if c.kms_key == "create":
                    kms_label = naming.label(f"cluster_{key}", region)
                    kms_arn = None
                    a.kms_keys.append(KmsKey(
                        label=kms_label,
                        provider=self.alias(c.account, region),
                        description=f"dsql-backup {p.name}: encrypts Aurora DSQL cluster {key} in {region}",
                        alias=naming.cluster_key_alias(p.name, key),
                        policy=_frozen(documents.cluster_key_policy(self.account_id(c.account), region)),
                        origin=self.origin("clusters", key, "kms_key"),
                    ))
                elif c.kms_key.startswith("arn:"):
                    kms_arn = c.kms_key
                peers = c.peers_of(region)
                a.clusters.append(Cluster(
                    label=label,
                    key=key,
                    provider=self.alias(c.account, region),
                    region=region,
                    account=c.account,
                    deletion_protection=c.deletion_protection,
                    kms_key_arn=kms_arn,
                    kms_key_label=kms_label,
                    witness_region=c.witness_region if c.multi_region else None,
                    peer_label=naming.label(key, peers[0]) if peers else None,
                    tags=_frozen(own_tags),
                    origin=self.origin("clusters", key),
                ))

    def add_vaults(self) -> None:
        p = self.p
        org_id = p.organization.id if p.organization and p.organization.copy_grants == "organization" else None
        for key in sorted(p.vaults):
            v = p.vaults[key]
            name = naming.vault_name(p.name, key)
            for account in sorted(a for a in v.accounts if a in p.accounts):
                a = self.acc[account]
                acct_id = self.account_id(account)
                info = p.accounts[account]
                for region in sorted(v.regions):
                    a.regions.add(region)
                    label = self.vault_label(key, account, region)
                    sources = sorted(self.copy_in.get((key, account, region), ()))
                    source_ids = [self.account_id(s) for s in sources]
                    kms_label = None
                    if v.kms_key == "create":
                        kms_label = self.scoped(f"vault_{key}", account, region)
                        a.kms_keys.append(KmsKey(
                            label=kms_label,
                            provider=self.alias(account, region),
                            description=f"dsql-backup {p.name}: encrypts recovery points in vault {name} ({region})",
                            alias=naming.vault_key_alias(p.name, key),
                            policy=_frozen(documents.vault_key_policy(acct_id, region, source_ids)),
                            origin=self.origin("vaults", key, "kms_key"),
                        ))
                    arn = documents.vault_arn(region, acct_id, name)
                    notes, topic_key = notification_nodes.notifications(
                        v.notifications, p.name, key, arn, account_id=acct_id, region=region, label=label,
                        key_label=self.scoped(f"topic_{key}", account, region), provider=self.alias(account, region),
                        origin=self.origin("vaults", key, "notifications", "kms_key"), confirmed=self.confirmed,
                    ) if v.notifications else (None, None)
                    a.kms_keys += [topic_key] if topic_key else []
                    a.vaults.append(Vault(
                        label=label,
                        key=key,
                        provider=self.alias(account, region),
                        account=account,
                        account_id=acct_id,
                        region=region,
                        name=name,
                        arn=arn,
                        kms_key_arn=v.kms_key if v.kms_key.startswith("arn:") else None,
                        kms_key_label=kms_label,
                        lock=Lock(v.lock.mode, v.lock.min_retention_days, v.lock.max_retention_days,
                                  v.lock.changeable_for_days if v.lock.mode == "compliance" else None)
                        if v.lock else None,
                        access_policy=_frozen_or_none(documents.vault_access_policy(
                            v.allow_recovery_point_deletion, source_ids, org_id,
                            info.role_arn, info.break_glass_role_arns)),
                        copy_in_from=tuple(sources),
                        recovery_point_deletion=v.allow_recovery_point_deletion,
                        copy_in_organization=org_id if sources else None,
                        deny_exempt=() if v.allow_recovery_point_deletion else documents.deny_exempt(
                            info.role_arn, info.break_glass_role_arns),
                        policy_guarded=not v.allow_recovery_point_deletion and info.role_arn is not None,
                        notifications=notes,
                        tags=_frozen(dict(sorted(v.tags.items()))),
                        origin=self.origin("vaults", key),
                    ))

    def vault_label(self, key: str, account: str, region: str) -> str:
        return self.scoped(key, account, region)

    def add_plans(self) -> None:
        p = self.p
        for key in sorted(p.plans):
            plan = p.plans[key]
            for site in plan_sites(p, plan):
                a = self.acc[site.account]
                a.regions.add(site.region)
                a.optin_regions.add(site.region)
                a.needs_role = True
                acct_id = self.account_id(site.account)
                rules = []
                for r in plan.rules:
                    copies = []
                    for c in r.copy_to:
                        dest_account = copy_destination_account(p, c, site.account)
                        if dest_account is None or dest_account not in p.accounts:
                            continue  # unresolved (only in a policy with errors): the rules report it
                        same_root = self.root_of(dest_account) == self.root_of(site.account)
                        for region in copy_regions(p, c, site):
                            copies.append(CopyAction(
                                destination_arn=documents.vault_arn(region, self.account_id(dest_account),
                                                          naming.vault_name(p.name, c.vault)),
                                destination_vault_label=self.vault_label(c.vault, dest_account, region)
                                if same_root else None,
                                retention_days=c.retention_days,
                                vault_key=c.vault,
                                account=dest_account,
                                region=region,
                            ))
                    rules.append(BackupRule(
                        name=r.name,
                        schedule=r.schedule,
                        timezone=r.timezone,
                        start_window_minutes=r.start_window_minutes,
                        completion_window_minutes=r.completion_window_minutes,
                        vault_name=naming.vault_name(p.name, r.vault),
                        vault_label=self.vault_label(r.vault, site.account, site.region),
                        vault_key=r.vault,
                        retention_days=r.retention_days,
                        copies=tuple(sorted(copies, key=lambda x: x.destination_arn)),
                        recovery_point_tags=_frozen(dict(sorted(r.recovery_point_tags.items()))),
                    ))
                label = self.scoped(key, site.account, site.region)
                selections = []
                keys, refs, arns = self.cluster_refs(site.clusters, site.region)
                if refs or arns:
                    selections.append(Selection(
                        label=label, name=naming.selection_name(p.name, key),
                        resource_refs=refs, resource_arns=arns, tag_conditions=(), clusters=keys,
                    ))
                if plan.targets.tags:
                    selections.append(Selection(
                        label=f"{label}_tags",
                        name=f"{naming.selection_name(p.name, key)}-tags",
                        resource_refs=(),
                        resource_arns=(documents.dsql_wildcard_arn(site.region, acct_id),),
                        tag_conditions=tuple(sorted(plan.targets.tags.items())),
                    ))
                a.plans.append(BackupPlan(
                    label=label,
                    key=key,
                    provider=self.alias(site.account, site.region),
                    account=site.account,
                    account_id=acct_id,
                    region=site.region,
                    name=naming.plan_name(p.name, key),
                    rules=tuple(rules),
                    selections=tuple(selections),
                    role_label=self.role_label(site.account),
                    copy_destination_labels=tuple(sorted({
                        c.destination_vault_label for r in rules for c in r.copies if c.destination_vault_label
                    })),
                    origin=self.origin("plans", key),
                ))

    def cluster_refs(self, cluster_keys: Iterable[str],
                     region: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """The clusters of ``cluster_keys`` in ``region``: their keys, labels of managed ones, ARNs of adopted ones."""
        keys, refs, arns = [], [], []
        for ck in sorted(cluster_keys):
            c = self.p.clusters.get(ck)
            if c is None or region not in c.regions or (c.adopted and region not in c.existing_arns):
                continue
            keys.append(ck)
            if c.adopted:
                arns.append(c.existing_arns[region])
            else:
                refs.append(sys.intern(naming.label(ck, region)))
        return tuple(keys), tuple(refs), tuple(sorted(arns))

    def role_label(self, account: str) -> str:
        return f"backup_{account}" if self.single else "backup"

    def add_restore_tests(self) -> None:
        p = self.p
        rtype = self.caps.restore_testing_dsql_type
        for key in sorted(p.restore_testing):
            t = p.restore_testing[key]
            if t.account not in p.accounts:
                continue
            a = self.acc[t.account]
            a.needs_role = True
            acct_id = self.account_id(t.account)
            for region in sorted(t.regions):
                a.regions.add(region)
                a.optin_regions.add(region)
                label = self.scoped(key, t.account, region)
                name = naming.restore_testing_plan_name(p.name, key)
                selections = []
                _, refs, arns = self.cluster_refs(t.target_clusters, region)
                if refs or arns:
                    selections.append(RestoreTestSelection(label=label, name=name, resource_refs=refs,
                                                           resource_arns=arns, tag_conditions=()))
                if t.target_tags:
                    selections.append(RestoreTestSelection(label=f"{label}_tags", name=f"{name}_tags",
                                                           resource_refs=(), resource_arns=(),
                                                           tag_conditions=tuple(sorted(t.target_tags.items()))))
                a.restore_tests.append(RestoreTest(
                    label=label,
                    key=key,
                    provider=self.alias(t.account, region),
                    region=region,
                    name=name,
                    schedule=t.schedule,
                    timezone=t.timezone,
                    algorithm=t.algorithm,
                    include_vault_arns=tuple(sorted(
                        documents.vault_arn(region, acct_id, naming.vault_name(p.name, vk)) for vk in t.vaults)),
                    selection_window_days=t.selection_window_days,
                    start_window_hours=t.start_window_hours,
                    validation_window_hours=t.validation_window_hours,
                    resource_type=rtype,
                    selections=tuple(selections),
                    role_label=self.role_label(t.account),
                    origin=self.origin("restore_testing", key),
                ))

    def add_audit(self) -> None:
        for account, region, node in audit.nodes(self.p, self.scoped, self.alias, self.origin, self.caps):
            a = self.acc[account]
            a.regions.add(region)
            if isinstance(node, Framework):
                a.frameworks.append(node)
            else:
                a.reports.append(node)

    # --- roots
    def roots(self) -> tuple[Root, ...]:
        for key, a in self.acc.items():
            if a.global_settings and not a.regions:
                a.regions.add(self.home_region(key))
        groups: dict[str, list[str]] = defaultdict(list)
        for key in sorted(self.acc):
            groups[self.root_of(key)].append(key)
        waves = {name: self.wave(accts) for name, accts in groups.items()}
        numbering = {w: i + 1 for i, w in enumerate(sorted({w for w, _ in waves.values()}))}
        roots = []
        for name in sorted(groups):
            accts = groups[name]
            wave, reason = waves[name]
            roots.append(self.root(name, accts, numbering[wave], reason))
        return tuple(roots)

    def home_region(self, account: str) -> str:
        if self.p.terraform.backend:
            return self.p.terraform.backend.region
        all_regions = sorted({r for a in self.acc.values() for r in a.regions})
        return all_regions[0] if all_regions else "us-east-1"

    def uses_dsql(self, account: str) -> bool:
        """The account has a cluster of the policy or backs clusters up: DSQL made its service-linked role."""
        return bool(self.acc[account].plans) or any(c.account == account for c in self.p.clusters.values())

    def home(self, account: str) -> str:
        """The provider of account-wide resources (IAM roles, global settings): the account's first Region."""
        regions = sorted(self.acc[account].regions)
        # no Region only in a policy with errors, being explained (a copy into a vault missing there)
        return self.alias(account, regions[0] if regions else self.home_region(account))

    def wave(self, accounts: list[str]) -> tuple[int, str]:
        if any(self.acc[a].global_settings for a in accounts):
            return 1, "management account: turns on cross-account backup for the organization"
        if any(self.acc[a].receives_copies for a in accounts):
            return 2, "receives cross-account copies: its vaults must exist before copies run"
        return 3, "workload account"

    def root(self, name: str, accounts: list[str], wave: int, reason: str) -> Root:
        p = self.p
        providers = []
        for acct in accounts:
            a = self.acc[acct]
            info = p.accounts[acct]
            for region in sorted(a.regions):
                providers.append(Provider(
                    alias=self.alias(acct, region), account=acct, account_id=info.id, region=region,
                    role_arn=info.role_arn, external_id=info.external_id, session_name=f"dsql-backup-{p.name}",
                ))
        b = p.terraform.backend
        backend = Backend(
            bucket=b.bucket, region=b.region, key=f"{b.key_prefix}/{p.name}/{name}/terraform.tfstate",
            use_lockfile=b.use_lockfile, encrypt=b.encrypt, dynamodb_table=b.dynamodb_table, role_arn=b.role_arn,
        ) if b else None

        def gather(attr: str) -> tuple[Any, ...]:
            return tuple(x for acct in accounts for x in getattr(self.acc[acct], attr))

        roles = tuple(
            BackupRole(label=self.role_label(acct), provider=self.home(acct), account=acct,
                       name=naming.backup_role_name(p.name), trust_policy=_frozen(
                           documents.backup_role_trust_policy(p.accounts[acct].id, confirmed=self.confirmed)))
            for acct in accounts if self.acc[acct].needs_role
        )
        region_settings = tuple(
            RegionSettings(label=self.alias(acct, region), provider=self.alias(acct, region), region=region)
            for acct in accounts for region in sorted(self.acc[acct].optin_regions)
        )
        gs = next((account_nodes.global_settings(self.global_wanted, self.home(acct))
                   for acct in accounts if self.acc[acct].global_settings), None)
        slrs = tuple(slr for acct in accounts if (slr := account_nodes.dsql_service_linked_role(
            p.accounts[acct], self.uses_dsql(acct), self.acc[acct].receives_copies,
            f"dsql_{acct}" if self.single else "dsql", self.home(acct))) is not None)
        return Root(
            name=name,
            accounts=tuple(accounts),
            account_ids=tuple(p.accounts[a].id for a in accounts),
            regions=tuple(sorted({pr.region for pr in providers})),
            wave=wave,
            wave_reason=reason,
            required_version=p.terraform.required_version,
            provider_version=p.terraform.aws_provider_version,
            backend=backend,
            default_tags=_frozen(dict(sorted(p.defaults.tags.items()))),
            providers=tuple(providers),
            kms_keys=tuple(sorted(gather("kms_keys"), key=lambda k: k.label)),
            clusters=tuple(sorted(gather("clusters"), key=lambda c: c.label)),
            vaults=tuple(sorted(gather("vaults"), key=lambda v: v.label)),
            roles=roles,
            service_linked_roles=slrs,
            region_settings=region_settings,
            global_settings=gs,
            plans=tuple(sorted(gather("plans"), key=lambda x: x.label)),
            restore_tests=tuple(sorted(gather("restore_tests"), key=lambda x: x.label)),
            frameworks=tuple(sorted(gather("frameworks"), key=lambda x: x.label)),
            reports=tuple(sorted(gather("reports"), key=lambda x: x.label)),
        )


def build_model(policy: Policy, caps: Capabilities, source_map: SourceMap | None = None) -> Model:
    """The compiled model of a policy that passed validation (references resolve, names fit). With the
    policy's source map, ``Model.spans`` tells the YAML line and column of every node's origin."""
    return _Builder(policy, caps, source_map).build()
