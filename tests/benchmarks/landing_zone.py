"""Generate a landing-zone policy of N accounts x R Regions x C clusters (for benchmarks and scale tests)."""

from __future__ import annotations

REGIONS = ("us-east-1", "us-east-2", "us-west-2")


def landing_zone(accounts: int, regions: int = 3, clusters: int = 4) -> str:
    """Every account runs ``clusters`` clusters in each of ``regions`` Regions; every other cluster is
    multi-Region (peered with the next Region, witness in the third). One ``local`` vault key spans all
    workload accounts; a central compliance-locked ``dr`` vault receives a cross-account copy of everything."""
    regs = REGIONS[:regions]
    lines = [
        "version: 1",
        "name: bench",
        "organization: {id: o-bench00001, management_account: mgmt}",
        "accounts:",
        '  mgmt: {id: "900000000000"}',
        '  backup: {id: "900000000001"}',
    ]
    names = [f"a{i:04d}" for i in range(accounts)]
    lines += [f'  {n}: {{id: "{100000000000 + i}", role_arn: "arn:aws:iam::{100000000000 + i}:role/tf"}}'
              for i, n in enumerate(names)]
    lines.append("clusters:")
    keys = []
    for n in names:
        for r_i, r in enumerate(regs):
            for c in range(clusters):
                key = f"{n}-{r_i}-{c}"
                keys.append(key)
                if c % 2 == 1 and len(regs) >= 3:
                    peer = regs[(r_i + 1) % 3]
                    witness = regs[(r_i + 2) % 3]
                    lines.append(f"  {key}: {{account: {n}, regions: [{r}, {peer}], witness_region: {witness}}}")
                else:
                    lines.append(f"  {key}: {{account: {n}, regions: [{r}]}}")
    lines += [
        "vaults:",
        "  dr:",
        "    account: backup",
        f"    regions: [{', '.join(regs)}]",
        "    lock: {mode: compliance, min_retention_days: 30, max_retention_days: 3650, changeable_for_days: 3,"
        " acknowledge: compliance-lock-is-irreversible}",
        "  local:",
        f"    accounts: [{', '.join(names)}]",
        f"    regions: [{', '.join(regs)}]",
        "    lock: {mode: governance, min_retention_days: 7, max_retention_days: 400}",
        "plans:",
        "  daily:",
        "    targets:",
        "      clusters:",
    ]
    lines += [f"        - {k}" for k in keys]
    lines += [
        "    rules:",
        "      - name: daily",
        "        schedule: cron(0 5 ? * * *)",
        "        vault: local",
        "        retention_days: 35",
        "        copy_to:",
        "          - {vault: local, regions: peers, retention_days: 35}",
        f"          - {{vault: dr, region: {regs[-1]}, retention_days: 365}}",
    ]
    return "\n".join(lines) + "\n"
