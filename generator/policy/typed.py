"""The policy as typed, immutable values with defaults applied (parsed from schema-valid data).

Both the semantic rules and the model builder read the policy through these types, and share the
fan-out helpers at the bottom (where a plan runs, which Regions a copy lands in).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

DEFAULT_TIMEZONE = "Etc/UTC"
DEFAULT_PROVIDER_VERSION = "~> 5.100"
DEFAULT_REQUIRED_VERSION = ">= 1.5.0"
DEFAULT_START_WINDOW = 60
DEFAULT_COMPLETION_WINDOW = 480
PEERS = "peers"
SAME = "same"

Tags = Mapping[str, str]


def _tags(value: Any) -> Tags:
    return MappingProxyType({str(k): str(v) for k, v in (value or {}).items()})


@dataclass(frozen=True, slots=True)
class Account:
    key: str
    id: str
    role_arn: str | None
    external_id: str | None
    description: str
    # The Aurora DSQL service-linked role: "create" it, it "exists" already, or None (created where DSQL
    # recovery points arrive in an account that uses no DSQL cluster of the policy).
    dsql_service_linked_role: str | None = None
    break_glass_role_arns: tuple[str, ...] = ()  # exempt from the denials of this account's vault policies


@dataclass(frozen=True, slots=True)
class Cluster:
    key: str
    account: str
    regions: tuple[str, ...]
    witness_region: str | None
    kms_key: str  # "aws-owned" | "create" | key ARN
    deletion_protection: bool
    tags: Tags
    existing_arns: Mapping[str, str]

    @property
    def multi_region(self) -> bool:
        return len(self.regions) == 2

    @property
    def adopted(self) -> bool:
        return bool(self.existing_arns)

    def peers_of(self, region: str) -> tuple[str, ...]:
        return tuple(r for r in self.regions if r != region)


@dataclass(frozen=True, slots=True)
class Lock:
    mode: str  # governance | compliance
    min_retention_days: int | None
    max_retention_days: int | None
    changeable_for_days: int | None
    acknowledge: str | None

    def admits(self, days: int) -> bool:
        lo = self.min_retention_days or 1
        hi = self.max_retention_days or 36500
        return lo <= days <= hi


@dataclass(frozen=True, slots=True)
class Notifications:
    topic: str  # "create" | topic ARN
    events: tuple[str, ...]
    kms_key: str = "none"  # a created topic's encryption: "none" | "create" | key ARN


@dataclass(frozen=True, slots=True)
class Vault:
    key: str
    accounts: tuple[str, ...]  # one vault per listed Region in each of these accounts
    regions: tuple[str, ...]
    kms_key: str  # "create" | "aws-managed" | key ARN
    lock: Lock | None
    notifications: Notifications | None
    allow_recovery_point_deletion: bool
    tags: Tags


@dataclass(frozen=True, slots=True)
class CopyTo:
    index: int
    vault: str
    account: str | None  # destination account, when the vault lists several
    region: str | None  # one Region, or None when peers or same
    peers: bool
    retention_days: int
    same: bool = False  # regions: same: the Region where the backup is made (into another account)


@dataclass(frozen=True, slots=True)
class Rule:
    index: int
    name: str
    schedule: str
    timezone: str
    start_window_minutes: int
    completion_window_minutes: int
    vault: str
    retention_days: int
    copy_to: tuple[CopyTo, ...]
    recovery_point_tags: Tags
    cold_storage_after_days: int | None
    continuous_backup: bool | None


@dataclass(frozen=True, slots=True)
class Targets:
    clusters: tuple[str, ...]
    tags: Tags
    accounts: tuple[str, ...]
    regions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Plan:
    key: str
    description: str
    targets: Targets
    rules: tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class RestoreTest:
    key: str
    account: str
    regions: tuple[str, ...]
    schedule: str
    timezone: str
    vaults: tuple[str, ...]
    target_clusters: tuple[str, ...]
    target_tags: Tags
    algorithm: str
    selection_window_days: int
    start_window_hours: int
    validation_window_hours: int


@dataclass(frozen=True, slots=True)
class Framework:
    key: str
    account: str
    regions: tuple[str, ...]
    controls: tuple[str, ...]
    min_retention_days: int
    max_backup_interval_hours: int
    description: str


@dataclass(frozen=True, slots=True)
class Report:
    key: str
    account: str
    regions: tuple[str, ...]
    s3_bucket: str
    s3_key_prefix: str | None
    template: str
    formats: tuple[str, ...]
    frameworks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class S3Backend:
    bucket: str
    region: str
    key_prefix: str
    use_lockfile: bool
    encrypt: bool
    dynamodb_table: str | None
    role_arn: str | None


@dataclass(frozen=True, slots=True)
class TerraformSettings:
    layout: str
    aws_provider_version: str
    required_version: str
    backend: S3Backend | None


@dataclass(frozen=True, slots=True)
class Organization:
    id: str
    management_account: str
    # AWS Backup global settings isDelegatedAdministratorEnabled and isMpaEnabled: None (absent from the
    # policy) leaves them as the organization has them; True/False sets them.
    delegated_administrator: bool | None = None
    multi_party_approval: bool | None = None
    copy_grants: str = "accounts"  # who may copy into vaults: the copying "accounts" or the "organization"


@dataclass(frozen=True, slots=True)
class Defaults:
    tags: Tags
    deletion_protection: bool
    timezone: str


@dataclass(frozen=True, slots=True)
class Policy:
    version: int
    name: str
    description: str
    terraform: TerraformSettings
    organization: Organization | None
    defaults: Defaults
    accounts: Mapping[str, Account]
    clusters: Mapping[str, Cluster]
    vaults: Mapping[str, Vault]
    plans: Mapping[str, Plan]
    restore_testing: Mapping[str, RestoreTest]
    frameworks: Mapping[str, Framework]
    reports: Mapping[str, Report]

    def account_id(self, key: str) -> str:
        return self.accounts[key].id


def parse_policy(data: Mapping[str, Any]) -> Policy:
    """Typed view of a schema-valid document (entries that failed the schema are expected to be removed)."""
    tf = data.get("terraform") or {}
    backend = None
    if s3 := (tf.get("backend") or {}).get("s3"):
        backend = S3Backend(
            bucket=s3["bucket"],
            region=s3["region"],
            key_prefix=s3.get("key_prefix", "dsql-backup"),
            use_lockfile=s3.get("use_lockfile", True),
            encrypt=s3.get("encrypt", True),
            dynamodb_table=s3.get("dynamodb_table"),
            role_arn=s3.get("role_arn"),
        )
    d = data.get("defaults") or {}
    defaults = Defaults(
        tags=_tags(d.get("tags")),
        deletion_protection=d.get("deletion_protection", True),
        timezone=d.get("timezone", DEFAULT_TIMEZONE),
    )
    org = data.get("organization")
    audit = data.get("audit") or {}
    return Policy(
        version=data["version"],
        name=data["name"],
        description=data.get("description", ""),
        terraform=TerraformSettings(
            layout=tf.get("layout", "per-account"),
            aws_provider_version=tf.get("aws_provider_version", DEFAULT_PROVIDER_VERSION),
            required_version=tf.get("required_version", DEFAULT_REQUIRED_VERSION),
            backend=backend,
        ),
        organization=Organization(
            org["id"],
            org["management_account"],
            org.get("delegated_administrator"),
            org.get("multi_party_approval"),
            org.get("copy_grants", "accounts"),
        )
        if org
        else None,
        defaults=defaults,
        accounts=_section(data, "accounts", _account),
        clusters=_section(data, "clusters", lambda k, v: _cluster(k, v, defaults)),
        vaults=_section(data, "vaults", _vault),
        plans=_section(data, "plans", lambda k, v: _plan(k, v, defaults)),
        restore_testing=_section(data, "restore_testing", lambda k, v: _restore(k, v, defaults)),
        frameworks=_mapping(audit.get("frameworks"), _framework),
        reports=_mapping(audit.get("reports"), _report),
    )


def _section(data: Mapping[str, Any], name: str, make: Any) -> Mapping[str, Any]:
    return _mapping(data.get(name), make)


def _mapping(entries: Any, make: Any) -> Mapping[str, Any]:
    return MappingProxyType({k: make(k, v) for k, v in (entries or {}).items()})


def _account(key: str, v: Mapping[str, Any]) -> Account:
    return Account(key, v["id"], v.get("role_arn"), v.get("external_id"), v.get("description", ""),
                   v.get("dsql_service_linked_role"), tuple(v.get("break_glass_role_arns") or ()))


def _cluster(key: str, v: Mapping[str, Any], d: Defaults) -> Cluster:
    return Cluster(
        key=key,
        account=v["account"],
        regions=tuple(v["regions"]),
        witness_region=v.get("witness_region"),
        kms_key=v.get("kms_key", "aws-owned"),
        deletion_protection=v.get("deletion_protection", d.deletion_protection),
        tags=_tags({**d.tags, **(v.get("tags") or {})}),
        existing_arns=MappingProxyType(dict(v.get("existing_arns") or {})),
    )


def _vault(key: str, v: Mapping[str, Any]) -> Vault:
    lock = v.get("lock")
    notes = v.get("notifications")
    return Vault(
        key=key,
        accounts=(v["account"],) if "account" in v else tuple(v["accounts"]),
        regions=tuple(v["regions"]),
        kms_key=v.get("kms_key", "create"),
        lock=Lock(
            mode=lock["mode"],
            min_retention_days=lock.get("min_retention_days"),
            max_retention_days=lock.get("max_retention_days"),
            changeable_for_days=lock.get("changeable_for_days"),
            acknowledge=lock.get("acknowledge"),
        )
        if lock
        else None,
        notifications=Notifications(notes.get("topic", "create"), tuple(notes["events"]), notes.get("kms_key", "none"))
        if notes else None,
        allow_recovery_point_deletion=v.get("allow_recovery_point_deletion", False),
        tags=_tags(v.get("tags")),
    )


def _plan(key: str, v: Mapping[str, Any], d: Defaults) -> Plan:
    t = v["targets"]
    return Plan(
        key=key,
        description=v.get("description", ""),
        targets=Targets(
            clusters=tuple(t.get("clusters") or ()),
            tags=_tags(t.get("tags")),
            accounts=tuple(t.get("accounts") or ()),
            regions=tuple(t.get("regions") or ()),
        ),
        rules=tuple(_rule(i, r, d) for i, r in enumerate(v["rules"])),
    )


def _rule(i: int, r: Mapping[str, Any], d: Defaults) -> Rule:
    return Rule(
        index=i,
        name=r["name"],
        schedule=r["schedule"],
        timezone=r.get("timezone", d.timezone),
        start_window_minutes=r.get("start_window_minutes", DEFAULT_START_WINDOW),
        completion_window_minutes=r.get("completion_window_minutes", DEFAULT_COMPLETION_WINDOW),
        vault=r["vault"],
        retention_days=r["retention_days"],
        copy_to=tuple(
            CopyTo(
                index=j,
                vault=c["vault"],
                account=c.get("account"),
                region=c.get("region"),
                peers=c.get("regions") == PEERS,
                same=c.get("regions") == SAME,
                retention_days=c["retention_days"],
            )
            for j, c in enumerate(r.get("copy_to") or ())
        ),
        recovery_point_tags=_tags(r.get("recovery_point_tags")),
        cold_storage_after_days=r.get("cold_storage_after_days"),
        continuous_backup=r.get("continuous_backup"),
    )


def _restore(key: str, v: Mapping[str, Any], d: Defaults) -> RestoreTest:
    t = v["targets"]
    return RestoreTest(
        key=key,
        account=v["account"],
        regions=tuple(v["regions"]),
        schedule=v["schedule"],
        timezone=v.get("timezone", d.timezone),
        vaults=tuple(v["vaults"]),
        target_clusters=tuple(t.get("clusters") or ()),
        target_tags=_tags(t.get("tags")),
        algorithm=v.get("algorithm", "LATEST_WITHIN_WINDOW"),
        selection_window_days=v.get("selection_window_days", 7),
        start_window_hours=v.get("start_window_hours", 24),
        validation_window_hours=v.get("validation_window_hours", 4),
    )


def _framework(key: str, v: Mapping[str, Any]) -> Framework:
    return Framework(
        key=key,
        account=v["account"],
        regions=tuple(v["regions"]),
        controls=tuple(v["controls"]),
        min_retention_days=v.get("min_retention_days", 35),
        max_backup_interval_hours=v.get("max_backup_interval_hours", 24),
        description=v.get("description", ""),
    )


def _report(key: str, v: Mapping[str, Any]) -> Report:
    return Report(
        key=key,
        account=v["account"],
        regions=tuple(v["regions"]),
        s3_bucket=v["s3_bucket"],
        s3_key_prefix=v.get("s3_key_prefix"),
        template=v["template"],
        formats=tuple(v.get("formats") or ("CSV",)),
        frameworks=tuple(v.get("frameworks") or ()),
    )


# --- fan-out shared by rules and the model builder -------------------------------------------


@dataclass(frozen=True, slots=True)
class PlanSite:
    """One place where a plan is instantiated: an account and a Region, with the clusters it backs up there:
    those it names, and the policy's other clusters there whose tags match its tag selection."""

    account: str
    region: str
    clusters: tuple[str, ...]  # named in targets.clusters
    tagged: tuple[str, ...] = ()  # not named, but carrying every tag of targets.tags

    @property
    def protected(self) -> tuple[str, ...]:
        return tuple(sorted({*self.clusters, *self.tagged}))


def plan_sites(policy: Policy, plan: Plan) -> tuple[PlanSite, ...]:
    """Every (account, Region) where the plan runs, sorted: the Regions of its named clusters, plus
    targets.accounts x targets.regions (needed for tag-only selection). Unknown references are skipped
    (the reference rules report them)."""
    sites: dict[tuple[str, str], list[str]] = {}
    for ck in plan.targets.clusters:
        c = policy.clusters.get(ck)
        if c is None or c.account not in policy.accounts:
            continue
        for r in c.regions:
            sites.setdefault((c.account, r), []).append(ck)
    for a in plan.targets.accounts:
        if a in policy.accounts:
            for r in plan.targets.regions:
                sites.setdefault((a, r), [])
    return tuple(PlanSite(a, r, tuple(sorted(cs)), _tagged(policy, plan, a, r, cs))
                 for (a, r), cs in sorted(sites.items()))


def _tagged(policy: Policy, plan: Plan, account: str, region: str, named: list[str]) -> tuple[str, ...]:
    want = plan.targets.tags
    if not want:
        return ()
    return tuple(sorted(
        c.key for c in policy.clusters.values()
        if c.account == account and region in c.regions and c.key not in named
        and all(c.tags.get(k) == v for k, v in want.items())
    ))


def copy_regions(policy: Policy, copy: CopyTo, site: PlanSite) -> tuple[str, ...]:
    """Regions a copy action lands in for one plan site: its fixed Region, or the peers of the
    multi-Region clusters backed up at that site (empty for single-Region clusters). A copy action copies
    every recovery point its rule makes at the site, so single-Region clusters backed up there too are
    copied to those peer Regions as well. ``regions: same`` lands in the site's own Region."""
    if copy.same:
        return (site.region,)
    if not copy.peers:
        return (copy.region,) if copy.region else ()
    peers: set[str] = set()
    for ck in site.protected:
        c = policy.clusters.get(ck)
        if c is not None:
            peers.update(c.peers_of(site.region))
    return tuple(sorted(peers))


def copy_destination_account(policy: Policy, copy: CopyTo, source_account: str) -> str | None:
    """The account a copy lands in: the copy's own ``account``; else the source account when the vault
    exists there; else the vault's only account. None when that is ambiguous (or the vault is unknown)."""
    vault = policy.vaults.get(copy.vault)
    if vault is None:
        return None
    if copy.account:
        return copy.account
    if source_account in vault.accounts:
        return source_account
    return vault.accounts[0] if len(vault.accounts) == 1 else None
