"""Where copies land: every copy action of every rule at every site of its plan, resolved to the destination
vault, account and Region. One walk, for the model (who copies into which vault) and the rules (which vault
sites backups reach)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from generator.policy.typed import PlanSite, Policy, copy_destination_account, copy_regions, plan_sites


@dataclass(frozen=True, slots=True)
class CopyLanding:
    """Where one copy action of one rule lands for one plan site: the destination vault, account and Region."""

    site: PlanSite
    vault: str
    account: str
    region: str


def copy_landings(policy: Policy) -> Iterator[CopyLanding]:
    """Every landing of every copy action at every plan site. Copies whose destination account cannot be told
    (only in a policy with errors: the rules report it) are skipped."""
    for plan in policy.plans.values():
        for site in plan_sites(policy, plan):
            for rule in plan.rules:
                for c in rule.copy_to:
                    account = copy_destination_account(policy, c, site.account)
                    if account is None or account not in policy.accounts:
                        continue
                    for region in copy_regions(policy, c, site):
                        yield CopyLanding(site, c.vault, account, region)
