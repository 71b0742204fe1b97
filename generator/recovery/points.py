"""Recovery points of a cluster in the vaults the policy sends it to: list, choose, describe."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from generator.insight.recovery_sites import Recovery, Site
from generator.recovery.clients import Clients
from generator.recovery.errors import RecoveryError


@dataclass(frozen=True, slots=True)
class Point:
    arn: str
    account: str
    region: str
    vault_name: str
    vault_arn: str
    resource_arn: str
    created: dt.datetime
    status: str
    site: Site | None = None

    def age_hours(self, now: dt.datetime) -> float:
        return (now - self.created).total_seconds() / 3600


def _point(doc: Mapping[str, Any], account: str, region: str, site: Site | None) -> Point:
    created = doc.get("CreationDate")
    if not isinstance(created, dt.datetime):
        created = dt.datetime.fromtimestamp(float(created or 0), dt.UTC)
    return Point(arn=str(doc["RecoveryPointArn"]), account=account, region=region,
                 vault_name=str(doc.get("BackupVaultName") or (site.vault_name if site else "")),
                 vault_arn=str(doc.get("BackupVaultArn") or (site.vault_arn if site else "")),
                 resource_arn=str(doc.get("ResourceArn", "")), created=created,
                 status=str(doc.get("Status", "")), site=site)


def in_vault(clients: Clients, site: Site, resource_arn: str) -> list[Point]:
    """Every recovery point of ``resource_arn`` in the vault of ``site``, newest first."""
    backup = clients("backup", site.region, site.account)
    out: list[Point] = []
    kw: dict[str, Any] = {"BackupVaultName": site.vault_name, "ByResourceArn": resource_arn}
    while True:
        page = backup.list_recovery_points_by_backup_vault(**kw)
        out += [_point(x, site.account, site.region, site) for x in page.get("RecoveryPoints", [])]
        if not page.get("NextToken"):
            break
        kw["NextToken"] = page["NextToken"]
    return sorted(out, key=lambda p: p.created, reverse=True)


def newest(clients: Clients, sites: Iterable[Site], resource_arn: str) -> Point | None:
    """The newest COMPLETED recovery point of ``resource_arn`` over ``sites`` (a backup before its copies,
    which carry the same creation time)."""
    found = [p for s in sites for p in in_vault(clients, s, resource_arn) if p.status == "COMPLETED"]
    return max(found, key=recency, default=None)


def recency(p: Point) -> tuple[dt.datetime, bool]:
    return p.created, p.site is not None and p.site.kind == "backup"


def identical_copy(clients: Clients, point: Point, sites: Iterable[Site]) -> Point | None:
    """A completed copy of ``point`` (same resource, same creation time) in one of ``sites``: what a
    multi-Region restore needs in the peer Region."""
    for s in dict.fromkeys(sites):  # each vault once
        for p in in_vault(clients, s, point.resource_arn):
            if p.created == point.created and p.status == "COMPLETED":
                return p
    return None


def describe(clients: Clients, rec: Recovery, arn: str, sites: Iterable[Site]) -> Point:
    """The recovery point ``arn``, looked up in the vaults of ``sites`` in its Region (an ARN does not name
    its vault)."""
    region = arn.split(":")[3] if arn.count(":") >= 5 else ""
    here = [s for s in sites if s.region == region] or list(sites)
    for s in here:
        backup = clients("backup", s.region, s.account)
        try:
            doc = backup.describe_recovery_point(BackupVaultName=s.vault_name, RecoveryPointArn=arn)
        except Exception as exc:  # botocore's ClientError: not in this vault
            if _code(exc) in ("ResourceNotFoundException", "InvalidParameterValueException"):
                continue
            raise
        return _point(doc, s.account, s.region, s)
    vaults = ", ".join(f"{s.vault_name} ({s.account} {s.region})" for s in here) or "none"
    raise RecoveryError(f"recovery point {arn} is in none of the vaults the policy sends cluster '{rec.cluster}' "
                        f"to ({vaults}); narrow with --account/--region/--vault, or check the ARN")


def _code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
