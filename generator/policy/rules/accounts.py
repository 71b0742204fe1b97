"""Accounts, cross-account copies, and ARNs that must live in a given account and Region."""

from __future__ import annotations

from collections.abc import Iterator

from generator.diagnostics import Diagnostic
from generator.policy.rules.base import Context
from generator.policy.typed import copy_destination_account, plan_sites


def _arn_parts(arn: str) -> tuple[str, str]:
    parts = arn.split(":")
    return (parts[3], parts[4]) if len(parts) > 4 else ("", "")


def role_accounts(ctx: Context) -> Iterator[Diagnostic]:
    for a in ctx.policy.accounts.values():
        if a.role_arn:
            acct = _arn_parts(a.role_arn)[1]
            if acct and acct != a.id:
                yield ctx.diag("DSB702", f"account '{a.key}' ({a.id}) deploys through a role of account {acct}",
                               "use a role in the account itself; cross-account chains are rarely intended",
                               ("accounts", a.key, "role_arn"))
        for i, arn in enumerate(a.break_glass_role_arns):
            acct = _arn_parts(arn)[1]
            if acct and acct != a.id:
                yield ctx.diag("DSB702", f"break-glass role of account '{a.key}' ({a.id}) is a role of account "
                               f"{acct}; another account's role can do nothing in this account's vaults but copy "
                               "into them, so the exemption gives it nothing",
                               f"name a role of account {a.id}", ("accounts", a.key, "break_glass_role_arns", i))


def unguarded_vault_policies(ctx: Context) -> Iterator[Diagnostic]:
    """An account that deploys AWS's manual-deletion control over vaults that deny deleting recovery points, but
    names no role_arn: the role Terraform deploys with is unknown, so those vault policies cannot deny changing
    themselves (that would lock Terraform out too), and the control will report the vaults non-compliant.
    Without the control the same policies are only documented (and shown by explain), not warned about."""
    p = ctx.policy
    for f in sorted(p.frameworks.values(), key=lambda f: f.key):
        a = p.accounts.get(f.account)
        if a is None or a.role_arn or "manual_deletion_disabled" not in f.controls:
            continue
        vaults = sorted(v.key for v in p.vaults.values() if a.key in v.accounts
                        and not v.allow_recovery_point_deletion and set(v.regions) & set(f.regions))
        if vaults:
            yield ctx.diag("DSB708", f"framework '{f.key}' checks manual_deletion_disabled in account '{a.key}', "
                           f"which names no role_arn: the access policies of its vaults ({', '.join(vaults)}) "
                           "deny deleting recovery points but not changing the policies themselves, since denying "
                           "that to everyone would stop Terraform too; the control will report these vaults "
                           "non-compliant", f"set accounts.{a.key}.role_arn to the role Terraform deploys with "
                           f"in {a.id}", ("audit", "frameworks", f.key, "controls"))


def cross_account_copies(ctx: Context) -> Iterator[Diagnostic]:
    p = ctx.policy
    for pl in p.plans.values():
        sites = plan_sites(p, pl)
        for r in pl.rules:
            src = p.vaults.get(r.vault)
            for c in r.copy_to:
                crossing = [s.account for s in sites
                            if copy_destination_account(p, c, s.account) not in (None, s.account)]
                if not crossing:
                    continue
                cp = ("plans", pl.key, "rules", r.index, "copy_to", c.index, "vault")
                if p.organization is None:
                    yield ctx.diag("DSB701", f"rule '{r.name}' copies from account '{crossing[0]}' into another "
                                   "account; cross-account copies need AWS Organizations (both accounts in one "
                                   "organization, cross-account backup turned on in its management account)",
                                   "add organization: {id: o-..., management_account: <account key>}", cp)
                if src is not None and src.kms_key == "aws-managed":
                    yield ctx.diag("DSB706", f"rule '{r.name}' copies to another account from vault '{src.key}', "
                                   "which is encrypted with the AWS managed key; AWS managed keys cannot be shared "
                                   "across accounts, so the copy job can fail", f"set vaults.{src.key}.kms_key: create",
                                   cp)


def key_and_topic_arns(ctx: Context) -> Iterator[Diagnostic]:
    p = ctx.policy
    for c in p.clusters.values():
        if not c.kms_key.startswith("arn:"):
            continue
        kp = ("clusters", c.key, "kms_key")
        if c.multi_region:
            yield ctx.diag("DSB705", f"cluster '{c.key}' spans two Regions but names one KMS key ARN; a key "
                           "lives in one Region", "use kms_key: create (one key per Region), or aws-owned", kp)
            continue
        yield from _same_place(ctx, c.kms_key, (c.account,), c.regions, path=kp, code="DSB703", what="KMS key")
    for v in p.vaults.values():
        if v.kms_key.startswith("arn:"):
            yield from _same_place(ctx, v.kms_key, v.accounts, v.regions, path=("vaults", v.key, "kms_key"),
                                   code="DSB703", what="KMS key")
        n = v.notifications
        if n and n.topic.startswith("arn:"):
            yield from _same_place(ctx, n.topic, v.accounts, v.regions,
                                   path=("vaults", v.key, "notifications", "topic"), code="DSB704", what="SNS topic")
            if n.kms_key != "none":
                yield ctx.diag("DSB707", f"vault '{v.key}' notifies an existing topic, whose encryption is its own; "
                               f"kms_key: {n.kms_key} applies only to a topic the policy creates",
                               "remove notifications.kms_key, or use topic: create",
                               ("vaults", v.key, "notifications", "kms_key"))
        elif n and n.kms_key.startswith("arn:"):
            yield from _same_place(ctx, n.kms_key, v.accounts, v.regions,
                                   path=("vaults", v.key, "notifications", "kms_key"), code="DSB703", what="KMS key")


def _same_place(ctx: Context, arn: str, accounts: tuple[str, ...], regions: tuple[str, ...], *,
                path: tuple[str | int, ...], code: str, what: str) -> Iterator[Diagnostic]:
    region, acct_id = _arn_parts(arn)
    if len(accounts) > 1:
        yield ctx.diag(code, f"one {what} ARN cannot serve {len(accounts)} accounts ({', '.join(accounts)})",
                       "use 'create' (one per account and Region), or split the entry per account", path)
        return
    acct = ctx.policy.accounts.get(accounts[0])
    if acct is not None and acct_id != acct.id:
        yield ctx.diag(code, f"the {what} is in account {acct_id}, not in account '{accounts[0]}' ({acct.id})",
                       f"use {_a(what)} of account {acct.id}, or 'create'", path)
    elif len(regions) > 1:
        yield ctx.diag(code, f"one {what} ARN cannot serve {len(regions)} Regions ({', '.join(regions)})",
                       "use 'create' (one per Region), or split the entry per Region", path)
    elif regions and region != regions[0]:
        yield ctx.diag(code, f"the {what} is in {region}, but it is used in {regions[0]}",
                       f"use {_a(what)} in {regions[0]}, or 'create'", path)


def _a(what: str) -> str:
    return f"an {what}" if what[0] in "AEFHILMNORSX" else f"a {what}"
