"""Account-wide nodes of a root: the organization's AWS Backup global settings and the Aurora DSQL
service-linked role. Each is decided here from what the policy asks and what the account does."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from generator.model.nodes import GlobalSettings, ServiceLinkedRole
from generator.policy.typed import Account, Organization

# AWS Backup's global settings (UpdateGlobalSettings), each with the policy field that sets it. Writing
# "false" to one turns that feature off for the whole organization, so a setting the policy does not
# ask for is never written (facts document, "Confirmed 2026-12").
CROSS_ACCOUNT = "isCrossAccountBackupEnabled"
GLOBAL_KEYS = (CROSS_ACCOUNT, "isDelegatedAdministratorEnabled", "isMpaEnabled")

DSQL_SERVICE = "dsql.amazonaws.com"
DSQL_SLR_NAME = "AWSServiceRoleForAuroraDsql"


def wanted_global_settings(org: Organization, cross_account_copies: bool) -> dict[str, str]:
    """The settings the policy asks for: cross-account backup on when it copies across accounts, and the
    delegated administrator and multi-party approval only where the policy sets them (empty: none)."""
    wanted: dict[str, str] = {}
    if cross_account_copies:
        wanted[CROSS_ACCOUNT] = "true"
    for key, value in (("isDelegatedAdministratorEnabled", org.delegated_administrator),
                       ("isMpaEnabled", org.multi_party_approval)):
        if value is not None:
            wanted[key] = "true" if value else "false"
    return wanted


def global_settings(wanted: Mapping[str, str], provider: str) -> GlobalSettings:
    """The organization's global settings node: ``wanted`` written, every other key left as the organization
    has it (``left_alone``)."""
    return GlobalSettings(label="organization", provider=provider, settings=MappingProxyType(dict(wanted)),
                          left_alone=tuple(k for k in GLOBAL_KEYS if k not in wanted))


def dsql_service_linked_role(account: Account, uses_dsql: bool, receives_copies: bool,
                             label: str, provider: str) -> ServiceLinkedRole | None:
    """The Aurora DSQL service-linked role for ``account`` when it needs one from this policy: it receives
    DSQL recovery points from other accounts (copies, and restores from them) and has no cluster or plan of
    the policy (a cluster creates the role), or the policy says ``create``. None where the policy says
    ``exists``: IAM refuses a second one."""
    wish = account.dsql_service_linked_role
    if wish == "exists":
        return None
    if wish == "create":
        reason = "the policy asks for it (dsql_service_linked_role: create)"
    elif receives_copies and not uses_dsql:
        reason = ("receives copies of DSQL recovery points and has no cluster of the policy: without the role, "
                  "copies and restores into this account fail with insufficient permissions")
    else:
        return None
    return ServiceLinkedRole(label=label, provider=provider, account=account.key, service=DSQL_SERVICE,
                             name=DSQL_SLR_NAME, reason=reason)
