"""The capability table: every AWS fact that may change, read from ``generator/data/capabilities.json``.

Regions, Region groups, which AWS Backup features DSQL supports, limits and name patterns live in that
one data file, each with its sources, the date it was recorded and a confidence status copied from the
facts document. Code asks this module; it never hard-codes an AWS fact.

A malformed data file is a bug in the package, not in a policy, so :func:`load_capabilities` raises
``ValueError`` for it (the CLI reports it as an internal error).
"""

from __future__ import annotations

import enum
import functools
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from types import MappingProxyType
from typing import Any

__all__ = [
    "BackupSupport",
    "Capabilities",
    "Feature",
    "Limit",
    "Region",
    "RegionGroup",
    "Source",
    "Status",
    "TagRules",
    "load_capabilities",
    "parse_capabilities",
]


class Status(enum.StrEnum):
    CONFIRMED = "CONFIRMED"
    PARTIAL = "PARTIAL"
    UNCONFIRMED = "UNCONFIRMED"
    INFERENCE = "INFERENCE"


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    status: Status
    sources: tuple[str, ...]  # URLs
    as_of: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class RegionGroup:
    """Regions within which a multi-Region cluster's peers and witness must lie, and multi-Region restore
    copies must land."""

    name: str
    regions: tuple[str, ...]
    member_status: Mapping[str, Status]
    status: Status
    sources: tuple[str, ...]
    as_of: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class Feature:
    """Whether AWS Backup supports something for DSQL. ``source`` is the primary URL, for diagnostics."""

    name: str
    supported: bool
    status: Status
    source: str
    sources: tuple[str, ...]
    as_of: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class BackupSupport:
    region: str
    single_region: Feature
    multi_region: Feature


@dataclass(frozen=True, slots=True)
class Limit:
    name: str
    min: int | None
    max: int | None
    pattern: str | None
    default: int | None
    status: Status
    sources: tuple[str, ...]
    as_of: str
    note: str = ""

    def matches(self, value: str) -> bool:
        """For name limits: ``value`` fits the pattern (and the length bounds)."""
        if self.min is not None and len(value) < self.min:
            return False
        if self.max is not None and len(value) > self.max:
            return False
        return self.pattern is None or re.fullmatch(self.pattern, value) is not None

    def contains(self, number: int) -> bool:
        """For numeric limits: ``min <= number <= max`` (an absent bound does not constrain)."""
        return (self.min is None or number >= self.min) and (self.max is None or number <= self.max)


@dataclass(frozen=True, slots=True)
class TagRules:
    key_min_length: int
    key_max_length: int
    value_min_length: int
    value_max_length: int
    max_tags: int
    pattern: str  # documentation: the AWS regular expression (may use \p{..} classes Python's re lacks)
    extra_characters: str  # allowed besides letters, digits (and, for generic AWS tags, Unicode spaces)
    reserved_key_prefix: str
    ascii_only: bool
    status: Status
    sources: tuple[str, ...]
    as_of: str
    note: str = ""

    def char_ok(self, ch: str) -> bool:
        if ch in self.extra_characters:
            return True
        if self.ascii_only:
            return ch.isascii() and ch.isalnum()
        # AWS: [\p{L}\p{Z}\p{N}_.:/=+\-@] -- any letter, separator (space) or number, in any language.
        return unicodedata.category(ch)[0] in "LZN"

    def key_ok(self, key: str) -> bool:
        return (
            self.key_min_length <= len(key) <= self.key_max_length
            and not key.lower().startswith(self.reserved_key_prefix)
            and all(self.char_ok(c) for c in key)
        )

    def value_ok(self, value: str) -> bool:
        return self.value_min_length <= len(value) <= self.value_max_length and all(
            self.char_ok(c) for c in value
        )


@dataclass(frozen=True, slots=True)
class Capabilities:
    as_of: str
    sources: Mapping[str, Source]
    resource_type: str  # "DSQL": the AWS Backup resource-type key
    default_schedule: str
    default_timezone: str
    regions: Mapping[str, Region]
    groups: Mapping[str, RegionGroup]
    backup: Mapping[str, BackupSupport]
    features: Mapping[str, Feature]
    restore_testing_resource_types: tuple[str, ...]
    restore_testing_dsql_type: str  # what to emit as protected_resource_type for DSQL (UNCONFIRMED)
    supported_events: tuple[str, ...]
    deprecated_events: tuple[str, ...]
    index_events: tuple[str, ...]
    limits: Mapping[str, Limit]
    aws_tags: TagRules
    dsql_tags: TagRules

    # --- Regions ---------------------------------------------------------------------------------------

    @property
    def dsql_regions(self) -> tuple[str, ...]:
        return tuple(sorted(self.regions))

    @property
    def region_groups(self) -> Mapping[str, tuple[str, ...]]:
        """Group name -> its Regions, e.g. ``{"americas": ("us-east-1", ...), ...}``."""
        return MappingProxyType({name: g.regions for name, g in self.groups.items()})

    def is_dsql_region(self, region: str) -> bool:
        return region in self.regions

    def group_of(self, region: str) -> str | None:
        return next((name for name, g in sorted(self.groups.items()) if region in g.regions), None)

    def same_group(self, *regions: str) -> bool:
        """True when all ``regions`` belong to one Region group."""
        found = {self.group_of(r) for r in regions}
        return len(found) == 1 and None not in found

    def backup_support(self, region: str, *, multi_region: bool) -> Feature | None:
        entry = self.backup.get(region)
        if entry is None:
            return None
        return entry.multi_region if multi_region else entry.single_region

    def backup_supported(self, region: str, *, multi_region: bool) -> bool:
        support = self.backup_support(region, multi_region=multi_region)
        return support is not None and support.supported

    # --- features, events, limits, tags ---------------------------------------------------------------

    def feature(self, name: str) -> Feature:
        """Raises ``KeyError`` for a name not in the table (a typo in code, not in a policy)."""
        return self.features[name]

    @property
    def accepted_events(self) -> tuple[str, ...]:
        """Every event the provider accepts: supported, deprecated (never fire) and index (never for DSQL)."""
        return (*self.supported_events, *self.deprecated_events, *self.index_events)

    def limit(self, name: str) -> Limit:
        return self.limits[name]

    def name_ok(self, kind: str, name: str) -> bool:
        """``kind`` is a limit such as ``vault_name`` or ``restore_testing_plan_name``."""
        return self.limits[kind].matches(name)

    def tag_rules(self, *, dsql: bool) -> TagRules:
        return self.dsql_tags if dsql else self.aws_tags

    def tag_key_ok(self, key: str, *, dsql: bool) -> bool:
        return self.tag_rules(dsql=dsql).key_ok(key)

    def tag_value_ok(self, value: str, *, dsql: bool) -> bool:
        return self.tag_rules(dsql=dsql).value_ok(value)


# --- loading -----------------------------------------------------------------------------------------------


@functools.cache
def load_capabilities() -> Capabilities:
    """The packaged capability table, read once."""
    text = files("generator.data").joinpath("capabilities.json").read_text(encoding="utf-8")
    return parse_capabilities(json.loads(text))


def parse_capabilities(doc: Mapping[str, Any]) -> Capabilities:
    """Build the table from its JSON document; ``ValueError`` names the first malformed entry."""
    try:
        return _Reader(doc).read()
    except (KeyError, TypeError) as exc:
        raise ValueError(f"capabilities.json is malformed: {type(exc).__name__}: {exc}") from exc


class _Reader:
    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.doc = doc
        self.sources = {s["id"]: Source(s["id"], s["title"], s["url"]) for s in doc["sources"]}

    def fact(self, where: str, entry: Mapping[str, Any]) -> tuple[Status, tuple[str, ...], str, str]:
        try:
            status = Status(entry["status"])
        except ValueError:
            raise ValueError(f"capabilities.json: {where}: unknown status {entry['status']!r}") from None
        ids = entry["sources"]
        if not ids or not isinstance(ids, list):
            raise ValueError(f"capabilities.json: {where}: no sources")
        unknown = [i for i in ids if i not in self.sources]
        if unknown:
            raise ValueError(f"capabilities.json: {where}: unknown source ids {unknown}")
        as_of = entry["as_of"]
        try:
            date.fromisoformat(as_of)
        except ValueError:
            raise ValueError(f"capabilities.json: {where}: as_of {as_of!r} is not a date") from None
        return status, tuple(self.sources[i].url for i in ids), as_of, str(entry.get("note", ""))

    def feature(self, where: str, name: str, entry: Mapping[str, Any]) -> Feature:
        status, urls, as_of, note = self.fact(where, entry)
        if not isinstance(entry["supported"], bool):
            raise ValueError(f"capabilities.json: {where}: 'supported' must be true or false")
        return Feature(name, entry["supported"], status, urls[0], urls, as_of, note)

    def tags(self, name: str, entry: Mapping[str, Any]) -> TagRules:
        status, urls, as_of, note = self.fact(f"tags.{name}", entry)
        return TagRules(
            key_min_length=int(entry["key_min_length"]),
            key_max_length=int(entry["key_max_length"]),
            value_min_length=int(entry["value_min_length"]),
            value_max_length=int(entry["value_max_length"]),
            max_tags=int(entry["max_tags"]),
            pattern=str(entry["pattern"]),
            extra_characters=str(entry["extra_characters"]),
            reserved_key_prefix=str(entry["reserved_key_prefix"]),
            ascii_only=name == "dsql",
            status=status,
            sources=urls,
            as_of=as_of,
            note=note,
        )

    def read(self) -> Capabilities:
        doc = self.doc
        regions: dict[str, Region] = {}
        for code, e in doc["dsql_regions"].items():
            status, urls, as_of, note = self.fact(f"dsql_regions.{code}", e)
            regions[code] = Region(code, str(e["name"]), status, urls, as_of, note)

        groups: dict[str, RegionGroup] = {}
        for name, e in doc["region_groups"].items():
            status, urls, as_of, note = self.fact(f"region_groups.{name}", e)
            members: dict[str, Status] = {}
            for m in e["members"]:
                self.fact(f"region_groups.{name}.{m['region']}", {**m, "as_of": as_of})
                members[m["region"]] = Status(m["status"])
            groups[name] = RegionGroup(
                name, tuple(members), MappingProxyType(members), status, urls, as_of, note
            )

        backup = {
            code: BackupSupport(
                code,
                self.feature(
                    f"backup_regions.{code}.single_region", "single_region_backup", e["single_region"]
                ),
                self.feature(f"backup_regions.{code}.multi_region", "multi_region_backup", e["multi_region"]),
            )
            for code, e in doc["backup_regions"].items()
        }
        features = {n: self.feature(f"features.{n}", n, e) for n, e in doc["features"].items()}

        limits: dict[str, Limit] = {}
        for name, e in doc["limits"].items():
            status, urls, as_of, note = self.fact(f"limits.{name}", e)
            limits[name] = Limit(
                name,
                e.get("min"),
                e.get("max"),
                e.get("pattern"),
                e.get("default"),
                status,
                urls,
                as_of,
                note,
            )

        self.fact("resource_type", doc["resource_type"])
        self.fact("schedule", doc["schedule"])
        self.fact("restore_testing_resource_types", doc["restore_testing_resource_types"])
        self.fact("restore_testing_dsql_type", doc["restore_testing_dsql_type"])
        events = doc["notification_events"]
        self.fact("notification_events", events)
        return Capabilities(
            as_of=str(doc["as_of"]),
            sources=MappingProxyType(dict(self.sources)),
            resource_type=str(doc["resource_type"]["value"]),
            default_schedule=str(doc["schedule"]["default_expression"]),
            default_timezone=str(doc["schedule"]["default_timezone"]),
            regions=MappingProxyType(regions),
            groups=MappingProxyType(groups),
            backup=MappingProxyType(backup),
            features=MappingProxyType(features),
            restore_testing_resource_types=tuple(doc["restore_testing_resource_types"]["values"]),
            restore_testing_dsql_type=str(doc["restore_testing_dsql_type"]["value"]),
            supported_events=tuple(events["supported"]),
            deprecated_events=tuple(events["deprecated"]),
            index_events=tuple(events["index"]),
            limits=MappingProxyType(limits),
            aws_tags=self.tags("aws", doc["tags"]["aws"]),
            dsql_tags=self.tags("dsql", doc["tags"]["dsql"]),
        )
