"""Every account x Region where a vault entry creates a vault is one where backups land.

A vault entry creates a backup vault (with its KMS key and SNS topic, when it creates those) in each of its
accounts x Regions. A site counts as used when a backup rule writes there (the rule's vault at one of its
plan's sites) or a copy lands there; a restore test that reads the vault does not count on its own: it needs
backups in the vault to test. Vaults no rule, copy or restore test names at all are DSB220's. The validator runs
this rule only on a policy without errors (``WHEN_NO_ERRORS``).
"""

from __future__ import annotations

from collections.abc import Iterator

from generator.diagnostics import Diagnostic
from generator.policy.landings import copy_landings
from generator.policy.rules.base import Context
from generator.policy.rules.references import referenced_vaults
from generator.policy.typed import Policy, Vault, plan_sites

Site = tuple[str, str, str]  # (vault key, account key, Region)


def backup_sites(policy: Policy) -> set[Site]:
    """Every (vault, account, Region) a backup rule writes to or a copy lands in."""
    used = {(r.vault, site.account, site.region)
            for pl in policy.plans.values() for site in plan_sites(policy, pl) for r in pl.rules}
    return used | {(x.vault, x.account, x.region) for x in copy_landings(policy)}


def unused_vault_sites(ctx: Context) -> Iterator[Diagnostic]:
    p = ctx.policy
    used = backup_sites(p)
    referenced = referenced_vaults(p)
    for v in p.vaults.values():
        if v.key not in referenced:
            continue  # DSB220: the vault is never used at all
        unused = [(a, r) for a in v.accounts if a in p.accounts for r in v.regions if (v.key, a, r) not in used]
        if unused:
            yield ctx.diag("DSB222", _message(v, unused), _hint(ctx, v, unused), ("vaults", v.key), at_key=True)


def _message(v: Vault, unused: list[tuple[str, str]]) -> str:
    made = ["a backup vault"]
    if v.kms_key == "create":
        made.append("a KMS key")
    if v.notifications is not None and v.notifications.topic == "create":
        made.append("an SNS topic")
    what = ", ".join(made[:-1]) + f" and {made[-1]}" if len(made) > 1 else made[0]
    where = "; ".join(f"account '{a}' {', '.join(r for acct, r in unused if acct == a)}"
                      for a in dict.fromkeys(a for a, _ in unused))
    return (f"vault '{v.key}' creates {what} in each of its accounts x Regions, but no rule backs up and no copy "
            f"lands in {where}")


def _hint(ctx: Context, v: Vault, unused: list[tuple[str, str]]) -> str:
    readers = sorted(t.key for t in ctx.policy.restore_testing.values() if v.key in t.vaults)
    tested = f"; restore testing ({', '.join(readers)}) does not count: it needs backups to test" if readers else ""
    known = [a for a in v.accounts if a in ctx.policy.accounts]
    point = f"point a rule's vault or a copy_to at '{v.key}' there"
    if len(unused) == len(known) * len(v.regions):
        return f"no backup reaches vault '{v.key}' anywhere: point a rule's vault or a copy_to at it, or remove it" \
            + tested
    idle_accounts = [a for a in known if all((a, r) in unused for r in v.regions)]
    idle_regions = [r for r in v.regions if all((a, r) in unused for a in known)]
    drops = []
    if idle_regions:
        drops.append(f"drop {', '.join(idle_regions)} from vaults.{v.key}.regions")
    if idle_accounts:
        accounts = ", ".join(f"'{a}'" for a in idle_accounts)
        drops.append(f"drop {accounts} from vaults.{v.key}.accounts")
    split = "split the entry into vault entries whose accounts and regions are where backups land"
    if not drops:
        return f"{point}, or {split}{tested}"
    if all(a in idle_accounts or r in idle_regions for a, r in unused):
        return f"{' and '.join(drops)}, or {point}{tested}"
    return f"{' and '.join(drops)}; for the other sites, {point}, or {split}{tested}"
