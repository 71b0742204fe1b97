"""Customer managed KMS keys the policy creates (for clusters and vaults), each with its alias."""

from __future__ import annotations

from collections.abc import Collection, Iterator

from generator.model.nodes import Ref, Root
from generator.render.blocks import JsonDoc, Lifecycle, Resource


def keys(root: Root, labels: Collection[str | None]) -> Iterator[Resource]:
    """The keys of ``root`` whose label is in ``labels``, in the model's order."""
    for k in root.kms_keys:
        if k.label not in labels:
            continue
        yield Resource("aws_kms_key", k.label, k.provider, {
            "description": k.description,
            "enable_key_rotation": True,
            "deletion_window_in_days": 30,
            "policy": JsonDoc(k.policy),
        }, lifecycle=Lifecycle(prevent_destroy=True))
        yield Resource("aws_kms_alias", k.label, k.provider, {
            "name": k.alias,
            "target_key_id": Ref(f"aws_kms_key.{k.label}.key_id"),
        })
