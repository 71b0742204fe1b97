"""What the policy says about recovering a cluster, read from the model ``compile`` builds: the vaults its
recovery points land in, the AWS Backup role of each account, the KMS key a restored cluster gets, the RPO
each Region promises. Pure: no AWS call. ``restore``, ``drill`` and the runbook read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from generator.aws import naming
from generator.aws.capabilities import load_capabilities
from generator.insight.explain import ClusterView, Coverage, Landing, SelectionView, explain_model
from generator.model.build import build_model
from generator.model.nodes import Model
from generator.policy.typed import Policy

DEFAULT_ROLE = "service-role/AWSBackupDefaultServiceRole"  # where the policy makes no AWS Backup role


@dataclass(frozen=True, slots=True)
class Site:
    """A vault where recovery points of one Region of a cluster land: its backups, or copies of them."""

    account: str
    account_id: str
    region: str
    vault: str  # the policy's vault key
    vault_name: str
    vault_arn: str
    source_region: str  # the Region of the cluster that was backed up
    kind: str  # "backup" | "copy"
    retention_days: int


@dataclass(frozen=True, slots=True)
class KmsChoice:
    """The KMS key of a cluster restored in one account and Region: the default key, an alias of a key the
    policy creates (its ARN is looked up at restore time), or a key ARN."""

    kind: str  # "default" | "alias" | "arn"
    value: str = ""


@dataclass(frozen=True, slots=True)
class Access:
    """How to act in an account: its ID and the role Terraform assumes there (the policy's ``role_arn``)."""

    account_id: str
    role_arn: str | None
    external_id: str | None


@dataclass(frozen=True, slots=True)
class Recovery:
    """One cluster (declared, or matched by a tag selection) and where it can be restored from."""

    cluster: str  # the policy's key, or "<plan>/<account>:<identifier>" for a cluster matched by tags
    account: str
    regions: tuple[str, ...]
    witness_region: str | None
    deletion_protection: bool
    sites: tuple[Site, ...]
    rpo_hours: Mapping[str, float | None]  # per Region: the longest gap between scheduled backups
    start_window_hours: Mapping[str, float]  # per Region: how late a scheduled backup may start
    known_arns: Mapping[str, str]  # Region -> cluster ARN the policy knows (adopted clusters)
    kms: Mapping[tuple[str, str], KmsChoice]  # (account, Region) -> key of a restored cluster

    @property
    def multi_region(self) -> bool:
        return len(self.regions) == 2

    def peer_of(self, region: str) -> str:
        return next(r for r in self.regions if r != region)

    def sites_of(self, source_region: str, account: str | None = None, region: str | None = None) -> tuple[Site, ...]:
        return tuple(s for s in self.sites if s.source_region == source_region
                     and (account is None or s.account == account) and (region is None or s.region == region))

    def promised_copy(self, source_region: str, peer: str) -> Site | None:
        """The vault in ``peer`` the policy copies this cluster's backups from ``source_region`` into, in the
        cluster's own account (what a multi-Region restore needs), or None."""
        return next((s for s in self.sites_of(source_region, self.account, peer) if s.kind == "copy"), None)

    def allowed_age_hours(self, region: str) -> float | None:
        """How old the newest recovery point of ``region`` may be: the RPO plus the start window."""
        rpo = self.rpo_hours.get(region)
        if rpo is None or rpo == float("inf"):
            return None
        return rpo + self.start_window_hours.get(region, 0.0)


@dataclass(frozen=True, slots=True)
class PolicyRecovery:
    """Everything recovery needs from one policy, decided once."""

    policy: str
    accounts: Mapping[str, Access]
    role_arns: Mapping[str, str]  # account key -> the AWS Backup role restores run as
    vaults: Mapping[tuple[str, str], tuple[tuple[str, str], ...]]  # (account, Region) -> ((key, name), ...)
    clusters: Mapping[str, Recovery]
    selections: tuple[SelectionView, ...]
    start_windows: Mapping[tuple[str, str, str, str], float]  # (plan, rule, account, Region) -> hours

    def account_id(self, account: str) -> str:
        return self.accounts[account].account_id

    def for_tagged(self, view: SelectionView, region: str, identifier: str, arn: str) -> Recovery:
        """A cluster found in AWS with a tag selection's tags: restored single-Region where it was backed up."""
        sites = tuple(_site(x) for x in view.landings if x.source_region == region)
        return Recovery(
            cluster=f"{view.id}:{identifier}", account=view.account, regions=(region,), witness_region=None,
            deletion_protection=True, sites=sites, rpo_hours={region: view.rpo_hours.get(region)},
            start_window_hours={region: _start_window(self.start_windows, view.coverage, view.account, region)},
            known_arns={region: arn}, kms={})


def _start_window(windows: Mapping[tuple[str, str, str, str], float], coverage: tuple[Coverage, ...],
                  account: str, region: str) -> float:
    return max((windows.get((c.plan, c.rule, account, region), 0.0) for c in coverage if c.region == region),
               default=0.0)


def _site(x: Landing) -> Site:
    return Site(x.account, x.account_id, x.region, x.vault, x.vault_name, x.vault_arn, x.source_region, x.kind,
                x.retention_days)


def role_arns(policy: Policy, model: Model) -> dict[str, str]:
    """Account key -> ARN of the AWS Backup role the policy makes there (the default service role where it
    makes none)."""
    made = {r.account: r.name for root in model.roots for r in root.roles}
    return {k: f"arn:aws:iam::{a.id}:role/{made.get(k, DEFAULT_ROLE)}" for k, a in policy.accounts.items()}


def kms_choice(policy: Policy, cluster: str, account: str, region: str) -> KmsChoice:
    """The key a cluster restored in ``account``/``region`` gets: the cluster's own key where it lives there,
    else the default key (a key of the cluster's account cannot encrypt a cluster of another account)."""
    c = policy.clusters[cluster]
    if account != c.account or c.kms_key == "aws-owned":
        return KmsChoice("default")
    if c.kms_key == "create":
        return KmsChoice("alias", naming.cluster_key_alias(policy.name, c.key))
    return KmsChoice("arn", c.kms_key) if c.kms_key.split(":")[3:4] == [region] else KmsChoice("default")


def _cluster(policy: Policy, view: ClusterView, windows: Mapping[tuple[str, str, str, str], float]) -> Recovery:
    c = policy.clusters[view.key]
    sites = tuple(_site(x) for x in view.landings)
    kms = {(s.account, s.region): kms_choice(policy, c.key, s.account, s.region) for s in sites}
    kms.update({(c.account, r): kms_choice(policy, c.key, c.account, r) for r in c.regions})
    start = {r: _start_window(windows, view.coverage, c.account, r) for r in c.regions}
    return Recovery(
        cluster=c.key, account=c.account, regions=c.regions, witness_region=c.witness_region,
        deletion_protection=c.deletion_protection, sites=sites, rpo_hours=dict(view.rpo_hours),
        start_window_hours=start, known_arns=dict(c.existing_arns), kms=kms)


def policy_recovery(policy: Policy, model: Model | None = None) -> PolicyRecovery:
    model = model or build_model(policy, load_capabilities())
    e = explain_model(model)
    windows = {(p.key, rule.name, p.account, p.region): rule.start_window_minutes / 60
               for root in model.roots for p in root.plans for rule in p.rules}
    vaults: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for root in model.roots:
        for v in root.vaults:
            vaults.setdefault((v.account, v.region), []).append((v.key, v.name))
    return PolicyRecovery(
        policy=policy.name,
        accounts={k: Access(a.id, a.role_arn, a.external_id) for k, a in policy.accounts.items()},
        role_arns=role_arns(policy, model),
        vaults={k: tuple(sorted(v)) for k, v in vaults.items()},
        clusters={v.key: _cluster(policy, v, windows) for v in e.clusters},
        selections=e.selections,
        start_windows=windows,
    )
