"""A vault's SNS notifications: an existing topic, or one the policy creates with its topic policy and, when the
policy asks, its customer managed key; both let only AWS Backup publish, for the vault's own account."""

from __future__ import annotations

from types import MappingProxyType

from generator.aws import naming
from generator.model import documents
from generator.model.nodes import KmsKey, Notifications, Ref
from generator.policy.typed import Notifications as PolicyNotifications


def notifications(n: PolicyNotifications, policy: str, vault_key: str, vault_arn: str, *, account_id: str,
                  region: str, label: str, key_label: str, provider: str, origin: str,
                  confirmed: bool) -> tuple[Notifications, KmsKey | None]:
    """The vault's notifications node and the topic key to create (None unless ``kms_key: create``).
    ``confirmed``: AWS Backup is known to send aws:SourceAccount / aws:SourceArn (capability table)."""
    events, topic_name = tuple(sorted(n.events)), naming.topic_name(policy, vault_key)
    if n.topic.startswith("arn:"):
        return Notifications(topic_arn=n.topic, events=events, topic_name=topic_name, topic_policy=None), None
    key = None
    if n.kms_key == "create":
        key = KmsKey(
            label=key_label,
            provider=provider,
            description=f"dsql-backup {policy}: encrypts the events of vault {naming.vault_name(policy, vault_key)} "
            f"in SNS ({region})",
            alias=naming.topic_key_alias(policy, vault_key),
            policy=MappingProxyType(documents.topic_key_policy(account_id, region, (vault_arn,), confirmed=confirmed)),
            origin=origin,
        )
    topic_policy = documents.topic_policy(Ref(f"aws_sns_topic.{label}.arn"), account_id, region, (vault_arn,),
                                          confirmed=confirmed)
    return Notifications(
        topic_arn=None, events=events, topic_name=topic_name, topic_policy=MappingProxyType(dict(topic_policy)),
        kms_key_arn=n.kms_key if n.kms_key.startswith("arn:") else None,
        kms_key_label=key.label if key else None,
    ), key
