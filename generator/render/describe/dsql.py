"""``dsql.tf``: Aurora DSQL clusters with their keys; a multi-Region cluster is two clusters with one witness
Region, each peered to the other."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from generator.model.nodes import Ref, Root
from generator.render.blocks import Resource, block
from generator.render.describe import kms


def describe(root: Root) -> Iterator[Resource]:
    if not root.clusters:
        return
    yield from kms.keys(root, {c.kms_key_label for c in root.clusters})
    for c in root.clusters:
        args: dict[str, Any] = {
            "deletion_protection_enabled": c.deletion_protection,
            "kms_encryption_key": Ref(f"aws_kms_key.{c.kms_key_label}.arn") if c.kms_key_label else c.kms_key_arn,
        }
        if c.tags:
            args["tags"] = dict(c.tags)
        if c.witness_region:
            args["multi_region_properties"] = block(witness_region=c.witness_region)
        yield Resource("aws_dsql_cluster", c.label, c.provider, args)
        if c.peer_label:
            yield Resource("aws_dsql_cluster_peering", c.label, c.provider, {
                "identifier": Ref(f"aws_dsql_cluster.{c.label}.identifier"),
                "clusters": [Ref(f"aws_dsql_cluster.{c.peer_label}.arn")],
                "witness_region": c.witness_region,
            })
