"""``vaults.tf``: backup vaults with their keys, locks, access policies and notifications."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from generator.model.nodes import Ref, Root
from generator.render.blocks import JsonDoc, Lifecycle, Resource
from generator.render.describe import kms

COMPLIANCE_NOTE = "Compliance mode: immutable, even for AWS and the root user, once these days have passed."


def describe(root: Root) -> Iterator[Resource]:
    if not root.vaults:
        return
    yield from kms.keys(root, {v.kms_key_label for v in root.vaults}
                        | {v.notifications.kms_key_label for v in root.vaults if v.notifications})
    for v in root.vaults:
        vault = f"aws_backup_vault.{v.label}"
        args: dict[str, Any] = {"name": v.name}
        if v.kms_key_label:
            args["kms_key_arn"] = Ref(f"aws_kms_key.{v.kms_key_label}.arn")
        elif v.kms_key_arn:
            args["kms_key_arn"] = v.kms_key_arn
        if v.tags:
            args["tags"] = dict(v.tags)
        yield Resource("aws_backup_vault", v.label, v.provider, args, lifecycle=Lifecycle(prevent_destroy=True))
        if v.lock:
            lock: dict[str, Any] = {"backup_vault_name": Ref(f"{vault}.name")}
            if v.lock.min_retention_days:
                lock["min_retention_days"] = v.lock.min_retention_days
            if v.lock.max_retention_days:
                lock["max_retention_days"] = v.lock.max_retention_days
            if v.lock.changeable_for_days:
                lock["changeable_for_days"] = v.lock.changeable_for_days
            yield Resource("aws_backup_vault_lock_configuration", v.label, v.provider, lock,
                           lifecycle=Lifecycle(prevent_destroy=True),
                           notes={"changeable_for_days": COMPLIANCE_NOTE} if v.lock.changeable_for_days else {})
        if v.access_policy:
            yield Resource("aws_backup_vault_policy", v.label, v.provider, {
                "backup_vault_name": Ref(f"{vault}.name"),
                "policy": JsonDoc(v.access_policy),
            })
        if n := v.notifications:
            if not n.topic_arn:
                assert n.topic_policy is not None, "a created topic has its policy"
                topic: dict[str, Any] = {"name": n.topic_name}
                if n.kms_key_label:
                    topic["kms_master_key_id"] = Ref(f"aws_kms_key.{n.kms_key_label}.arn")
                elif n.kms_key_arn:
                    topic["kms_master_key_id"] = n.kms_key_arn
                yield Resource("aws_sns_topic", v.label, v.provider, topic)
                yield Resource("aws_sns_topic_policy", v.label, v.provider, {
                    "arn": Ref(f"aws_sns_topic.{v.label}.arn"),
                    "policy": JsonDoc(n.topic_policy),
                })
            yield Resource("aws_backup_vault_notifications", v.label, v.provider, {
                "backup_vault_name": Ref(f"{vault}.name"),
                "sns_topic_arn": n.topic_arn or Ref(f"aws_sns_topic.{v.label}.arn"),
                "backup_vault_events": list(n.events),
            })
