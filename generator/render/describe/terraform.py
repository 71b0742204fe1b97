"""``versions.tf``, ``providers.tf`` and ``outputs.tf``: the terraform block, one aws provider per account and
Region, and the outputs other tools read (vault and cluster ARNs, plan IDs)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from generator.model.nodes import Ref, Root
from generator.render.blocks import Obj, Output, ProviderConfig, Settings, block


def versions(root: Root) -> Iterator[Settings]:
    backend = None
    if b := root.backend:
        args: dict[str, Any] = {"bucket": b.bucket, "key": b.key, "region": b.region, "encrypt": b.encrypt}
        if b.use_lockfile:
            args["use_lockfile"] = True
        if b.dynamodb_table:
            args["dynamodb_table"] = b.dynamodb_table
        if b.role_arn:
            args["assume_role"] = Obj(role_arn=b.role_arn)
        backend = ("s3", args)
    yield Settings(root.required_version, root.provider_version, backend)


def providers(root: Root) -> Iterator[ProviderConfig]:
    for p in root.providers:
        args: dict[str, Any] = {"region": p.region, "allowed_account_ids": [p.account_id]}
        if p.role_arn:
            role: dict[str, Any] = {"role_arn": p.role_arn, "session_name": p.session_name}
            if p.external_id:
                role["external_id"] = p.external_id
            args["assume_role"] = block(**role)
        if root.default_tags:
            args["default_tags"] = block(tags=dict(root.default_tags))
        yield ProviderConfig(p.alias, args)


def outputs(root: Root) -> Iterator[Output]:
    if root.vaults:
        yield Output("vault_arns", 'Backup vault ARNs by "<account>/<vault>/<region>".',
                     {f"{v.account}/{v.key}/{v.region}": Ref(f"aws_backup_vault.{v.label}.arn") for v in root.vaults})
    if root.clusters:
        yield Output("cluster_arns", 'Aurora DSQL cluster ARNs by "<cluster>/<region>".',
                     {f"{c.key}/{c.region}": Ref(f"aws_dsql_cluster.{c.label}.arn") for c in root.clusters})
        yield Output("cluster_identifiers", 'Aurora DSQL cluster identifiers by "<cluster>/<region>".',
                     {f"{c.key}/{c.region}": Ref(f"aws_dsql_cluster.{c.label}.identifier") for c in root.clusters})
    if root.plans:
        yield Output("plan_ids", 'Backup plan IDs by "<plan>/<account>/<region>".',
                     {f"{p.key}/{p.account}/{p.region}": Ref(f"aws_backup_plan.{p.label}.id") for p in root.plans})
