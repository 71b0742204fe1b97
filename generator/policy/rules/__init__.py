"""Semantic rules: small pure functions ``(Context) -> diagnostics``, each with stable codes.

``ALL_RULES`` is the one list the validator runs, in this order; then, only when none of them found an error,
``WHEN_NO_ERRORS``.
"""

from __future__ import annotations

from generator.policy.rules import (
    accounts,
    capability_rules,
    names,
    references,
    regions,
    retention,
    schedule,
    vault_sites,
)
from generator.policy.rules.base import Context, RuleFn

ALL_RULES: tuple[RuleFn, ...] = (
    references.unknown_references,
    references.duplicate_account_ids,
    references.plan_targets,
    references.vaults_where_plans_run,
    references.restore_testing_targets,
    references.existing_arns,
    references.unused_vaults,
    references.unprotected_clusters,
    names.vault_names,
    names.plan_and_rule_names,
    names.underscore_names,
    names.tags,
    schedule.schedules,
    schedule.windows,
    retention.locks,
    retention.retention_within_locks,
    retention.audit_minimum_retention,
    retention.audit_parameters,
    retention.unsupported_features,
    regions.dsql_regions,
    regions.multi_region_clusters,
    regions.multi_region_restorable,
    regions.backup_region_support,
    accounts.role_accounts,
    accounts.unguarded_vault_policies,
    accounts.cross_account_copies,
    accounts.key_and_topic_arns,
    capability_rules.restore_testing_support,
    capability_rules.deprecated_events,
    capability_rules.audit_scope,
)

# Warnings about what a consistent policy creates but never uses. They read where plans run and where copies land,
# which an error elsewhere (an unknown cluster, a vault missing where a plan runs, a Region that is not a DSQL
# Region) leaves wrong or incomplete; until the errors are fixed they would only repeat them in other words.
WHEN_NO_ERRORS: tuple[RuleFn, ...] = (
    vault_sites.unused_vault_sites,
)

__all__ = ["ALL_RULES", "WHEN_NO_ERRORS", "Context", "RuleFn"]
