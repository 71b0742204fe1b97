"""AWS names and Terraform labels, derived deterministically from the policy name and keys.

One place, so the rules that check name limits and the model that uses the names can never disagree.
"""

from __future__ import annotations


def vault_name(policy: str, vault: str) -> str:
    return f"{policy}-{vault}"


def plan_name(policy: str, plan: str) -> str:
    return f"{policy}-{plan}"


def selection_name(policy: str, plan: str) -> str:
    return f"{policy}-{plan}"


def _underscored(policy: str, key: str) -> str:
    return f"{policy}_{key}".replace("-", "_")


def restore_testing_plan_name(policy: str, key: str) -> str:
    return _underscored(policy, key)


def restore_testing_selection_name(policy: str, key: str) -> str:
    return _underscored(policy, key)


def framework_name(policy: str, key: str) -> str:
    return _underscored(policy, key)


def report_plan_name(policy: str, key: str) -> str:
    return _underscored(policy, key)


def backup_role_name(policy: str) -> str:
    return f"{policy}-backup"


def topic_name(policy: str, vault: str) -> str:
    return f"{policy}-{vault}-backup-events"


def vault_key_alias(policy: str, vault: str) -> str:
    return f"alias/{policy}-vault-{vault}"


def topic_key_alias(policy: str, vault: str) -> str:
    return f"alias/{policy}-topic-{vault}"


def cluster_key_alias(policy: str, cluster: str) -> str:
    return f"alias/{policy}-cluster-{cluster}"


def label(key: str, *regions: str) -> str:
    """A Terraform block label from a policy key (kept as written: HCL labels allow '-') and Regions:
    ``label("orders", "us-east-1")`` -> ``orders_us_east_1``."""
    return "_".join([key, *(region_alias(r) for r in regions)])


def region_alias(region: str) -> str:
    return region.replace("-", "_")


def root_name(account_key: str) -> str:
    return account_key
