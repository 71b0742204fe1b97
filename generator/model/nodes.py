"""The compiled model: immutable, fully expanded (accounts x Regions), defaults applied, AWS names,
ARNs and policies derived. Built once by ``generator.model.build.build_model``; renderers only read it.

Every node carries ``origin``: the JSON path of the policy entry it came from (``$.vaults.dr``),
which the YAML source map turns into a line and column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Tags = Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Ref:
    """A Terraform expression inside a derived document (``aws_sns_topic.x.arn``), rendered unquoted."""

    expr: str


@dataclass(frozen=True, slots=True)
class Provider:
    alias: str
    account: str  # account key
    account_id: str
    region: str
    role_arn: str | None
    external_id: str | None
    session_name: str


@dataclass(frozen=True, slots=True)
class KmsKey:
    label: str
    provider: str
    description: str
    alias: str
    policy: Mapping[str, Any]
    origin: str


@dataclass(frozen=True, slots=True)
class Cluster:
    label: str
    key: str  # policy key
    provider: str
    region: str
    account: str
    deletion_protection: bool
    kms_key_arn: str | None  # literal ARN or "AWS_OWNED_KMS_KEY"; None when kms_key_label is set
    kms_key_label: str | None  # a KmsKey created in this root
    witness_region: str | None
    peer_label: str | None  # the other cluster of a multi-Region pair
    tags: Tags
    origin: str


@dataclass(frozen=True, slots=True)
class Lock:
    mode: str
    min_retention_days: int | None
    max_retention_days: int | None
    changeable_for_days: int | None


@dataclass(frozen=True, slots=True)
class Notifications:
    topic_arn: str | None  # an existing topic; None when the topic is created
    events: tuple[str, ...]
    topic_name: str
    topic_policy: Mapping[str, Any] | None  # for a created topic: lets AWS Backup publish to it
    kms_key_arn: str | None = None  # a created topic encrypted with an existing key
    kms_key_label: str | None = None  # a created topic encrypted with a KmsKey created in this root


@dataclass(frozen=True, slots=True)
class Vault:
    label: str
    key: str
    provider: str
    account: str
    account_id: str
    region: str
    name: str
    arn: str
    kms_key_arn: str | None  # existing key ARN; None for AWS managed or created
    kms_key_label: str | None
    lock: Lock | None
    access_policy: Mapping[str, Any] | None
    notifications: Notifications | None
    tags: Tags
    origin: str
    copy_in_from: tuple[str, ...] = ()  # account keys whose rules copy into this vault from another account
    recovery_point_deletion: bool = False  # True when the policy allows deleting recovery points
    copy_in_organization: str | None = None  # copies are granted to this whole organization, not to copy_in_from
    # Principals the access policy's denials exempt (the deploying role_arn and the break-glass roles)
    deny_exempt: tuple[str, ...] = ()
    policy_guarded: bool = False  # the access policy denies changing itself to all but deny_exempt


@dataclass(frozen=True, slots=True)
class CopyAction:
    destination_arn: str
    destination_vault_label: str | None  # set when the destination is created in the same root
    retention_days: int
    vault_key: str  # the destination: vault key, account key and Region
    account: str
    region: str


@dataclass(frozen=True, slots=True)
class BackupRule:
    name: str
    schedule: str
    timezone: str
    start_window_minutes: int
    completion_window_minutes: int
    vault_name: str
    vault_label: str
    vault_key: str
    retention_days: int
    copies: tuple[CopyAction, ...]
    recovery_point_tags: Tags


@dataclass(frozen=True, slots=True)
class Selection:
    label: str
    name: str
    resource_refs: tuple[str, ...]  # labels of aws_dsql_cluster resources in this root
    resource_arns: tuple[str, ...]  # literal ARNs (adopted clusters, or the DSQL wildcard for tag selections)
    tag_conditions: tuple[tuple[str, str], ...]  # string_equals on aws:ResourceTag/<key>, all must match
    clusters: tuple[str, ...] = ()  # policy keys of the clusters selected by name (managed and adopted)


@dataclass(frozen=True, slots=True)
class BackupPlan:
    label: str
    key: str
    provider: str
    account: str
    account_id: str
    region: str
    name: str
    rules: tuple[BackupRule, ...]
    selections: tuple[Selection, ...]
    role_label: str
    copy_destination_labels: tuple[str, ...]  # vaults of this root that the copy actions target
    origin: str


@dataclass(frozen=True, slots=True)
class BackupRole:
    label: str
    provider: str
    account: str
    name: str
    trust_policy: Mapping[str, Any]  # who may assume it: AWS Backup, for this account


@dataclass(frozen=True, slots=True)
class ServiceLinkedRole:
    """A service-linked role the account lacks: AWS creates the Aurora DSQL one with the first cluster, so an
    account that only receives DSQL recovery points (copies, restores) must be given it."""

    label: str
    provider: str
    account: str
    service: str  # the IAM service principal, e.g. dsql.amazonaws.com
    name: str  # the role AWS creates, e.g. AWSServiceRoleForAuroraDsql
    reason: str  # why this account needs it, in words


@dataclass(frozen=True, slots=True)
class RegionSettings:
    label: str
    provider: str
    region: str


@dataclass(frozen=True, slots=True)
class GlobalSettings:
    label: str
    provider: str
    settings: Mapping[str, str]  # only what the policy asks for
    left_alone: tuple[str, ...] = ()  # the other global settings: never written, their drift ignored


@dataclass(frozen=True, slots=True)
class RestoreTestSelection:
    label: str
    name: str
    resource_refs: tuple[str, ...]
    resource_arns: tuple[str, ...]
    tag_conditions: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class RestoreTest:
    label: str
    key: str
    provider: str
    region: str
    name: str
    schedule: str
    timezone: str
    algorithm: str
    include_vault_arns: tuple[str, ...]
    selection_window_days: int
    start_window_hours: int
    validation_window_hours: int
    resource_type: str
    selections: tuple[RestoreTestSelection, ...]
    role_label: str
    origin: str


@dataclass(frozen=True, slots=True)
class Control:
    name: str
    parameters: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Framework:
    label: str
    key: str
    provider: str
    region: str
    name: str
    description: str
    controls: tuple[Control, ...]
    origin: str


@dataclass(frozen=True, slots=True)
class ReportPlan:
    label: str
    key: str
    provider: str
    region: str
    name: str
    template: str
    s3_bucket: str
    s3_key_prefix: str | None
    formats: tuple[str, ...]
    framework_labels: tuple[str, ...]
    origin: str


@dataclass(frozen=True, slots=True)
class Backend:
    bucket: str
    region: str
    key: str
    use_lockfile: bool
    encrypt: bool
    dynamodb_table: str | None
    role_arn: str | None


@dataclass(frozen=True, slots=True)
class Root:
    """One Terraform root module (a directory CI runs init/plan/apply in)."""

    name: str
    accounts: tuple[str, ...]
    account_ids: tuple[str, ...]
    regions: tuple[str, ...]
    wave: int
    wave_reason: str
    required_version: str
    provider_version: str
    backend: Backend | None
    default_tags: Tags
    providers: tuple[Provider, ...]
    kms_keys: tuple[KmsKey, ...]
    clusters: tuple[Cluster, ...]
    vaults: tuple[Vault, ...]
    roles: tuple[BackupRole, ...]
    service_linked_roles: tuple[ServiceLinkedRole, ...]
    region_settings: tuple[RegionSettings, ...]
    global_settings: GlobalSettings | None
    plans: tuple[BackupPlan, ...]
    restore_tests: tuple[RestoreTest, ...]
    frameworks: tuple[Framework, ...]
    reports: tuple[ReportPlan, ...]


@dataclass(frozen=True, slots=True)
class DeclaredCluster:
    """A cluster the policy declares, managed or adopted (``existing_arns``): what the per-Region
    ``Cluster`` nodes and the selections refer to, kept whole for those who explain the model."""

    key: str
    account: str
    account_id: str
    regions: tuple[str, ...]
    witness_region: str | None  # set for a multi-Region cluster
    adopted: bool
    deletion_protection: bool
    kms_key: str  # "aws-owned" | "create" | a key ARN
    tags: Tags  # every tag the cluster carries (defaults included): what tag selections match
    origin: str

    @property
    def multi_region(self) -> bool:
        return len(self.regions) == 2

    def peers_of(self, region: str) -> tuple[str, ...]:
        return tuple(r for r in self.regions if r != region)


@dataclass(frozen=True, slots=True)
class Model:
    policy_name: str
    layout: str
    roots: tuple[Root, ...]
    clusters: tuple[DeclaredCluster, ...] = ()  # every cluster the policy declares, by key
    # Where each node's ``origin`` (a JSON path into the policy) stands in the YAML: (line, column).
    # Filled when the model is built with the policy's source map; renderers never print it, so
    # moving lines in the YAML changes no output.
    spans: Mapping[str, tuple[int, int]] = field(default_factory=dict)
