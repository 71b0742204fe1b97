"""The capability table: well-formed, every fact sourced and dated, helpers answer from the data."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import date
from importlib.resources import files
from typing import Any

import pytest

from generator.aws.capabilities import Capabilities, Status, load_capabilities, parse_capabilities

STATUSES = {s.value for s in Status}


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        files("generator.data").joinpath("capabilities.json").read_text("utf-8")
    )
    return data


@pytest.fixture(scope="module")
def caps() -> Capabilities:
    return load_capabilities()


def facts(node: Any, path: str = "$") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every object in the document that carries a status: the facts."""
    if isinstance(node, dict):
        if "status" in node:
            yield path, node
        for k, v in node.items():
            yield from facts(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from facts(v, f"{path}[{i}]")


# --- the data file ---------------------------------------------------------------------------------------


def test_top_level_shape(doc: dict[str, Any]) -> None:
    assert doc["schema_version"] == 1
    date.fromisoformat(doc["as_of"])
    for key in [
        "sources",
        "dsql_regions",
        "region_groups",
        "backup_regions",
        "features",
        "restore_testing_resource_types",
        "notification_events",
        "limits",
        "tags",
    ]:
        assert doc[key], key
    ids = [s["id"] for s in doc["sources"]]
    assert len(ids) == len(set(ids))
    assert all(s["url"].startswith("https://") and s["title"] for s in doc["sources"])


def test_every_fact_has_status_sources_and_date(doc: dict[str, Any]) -> None:
    ids = {s["id"] for s in doc["sources"]}
    found = list(facts(doc))
    assert len(found) > 80
    for path, fact in found:
        assert fact["status"] in STATUSES, path
        assert fact["sources"] and set(fact["sources"]) <= ids, path
        if "region" not in fact:  # group members inherit the group's date
            date.fromisoformat(fact["as_of"])
            assert fact["as_of"] <= doc["as_of"], path


def test_every_section_entry_is_a_fact(doc: dict[str, Any]) -> None:
    for section in ["dsql_regions", "region_groups", "features", "limits", "tags"]:
        for key, entry in doc[section].items():
            assert "status" in entry, f"{section}.{key}"
    for region, entry in doc["backup_regions"].items():
        assert "status" in entry["single_region"] and "status" in entry["multi_region"], region
    for path, member in ((p, f) for p, f in facts(doc["region_groups"]) if "region" in f):
        assert member["status"] in STATUSES, path


def test_every_source_is_used(doc: dict[str, Any]) -> None:
    used = {i for _, f in facts(doc) for i in f["sources"]}
    assert used == {s["id"] for s in doc["sources"]}


def test_groups_are_disjoint_subsets_of_dsql_regions(caps: Capabilities) -> None:
    seen: set[str] = set()
    for name, regions in caps.region_groups.items():
        assert set(regions) <= set(caps.dsql_regions), name
        assert not seen & set(regions), name
        assert len(regions) >= 3, name  # two peers and a witness
        seen |= set(regions)


def test_backup_table_covers_exactly_the_dsql_regions(caps: Capabilities) -> None:
    assert set(caps.backup) == set(caps.dsql_regions)


def test_grouped_regions_support_multi_region_backup(caps: Capabilities) -> None:
    for regions in caps.region_groups.values():
        for r in regions:
            assert caps.backup_supported(r, multi_region=True), r


def test_region_list_is_the_union_of_the_facts_document(caps: Capabilities) -> None:
    older = {
        "us-east-1",
        "us-east-2",
        "us-west-2",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
    }
    newer = {
        "us-east-2",
        "us-east-1",
        "us-west-2",
        "ap-east-1",
        "ap-southeast-4",
        "ap-south-1",
        "ap-northeast-3",
        "ap-northeast-2",
    }
    config_rule = {
        "eu-north-1",
        "ap-south-1",
        "eu-west-3",
        "us-east-2",
        "eu-west-1",
        "eu-central-1",
        "us-east-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "eu-west-2",
        "ap-northeast-1",
        "us-west-2",
        "ap-southeast-1",
        "ca-central-1",
        "ca-west-1",
        "eu-south-2",
    }
    backup_history = {"ap-southeast-2", "ap-southeast-4"}
    assert set(caps.dsql_regions) == older | newer | config_rule | backup_history
    assert "us-west-1" not in caps.dsql_regions  # the old triplet's likely documentation error


def test_feature_flags_follow_the_facts_document(caps: Capabilities) -> None:
    expected = {
        "cold_storage": (False, Status.UNCONFIRMED),
        "continuous_backup": (False, Status.UNCONFIRMED),
        "restore_testing": (False, Status.UNCONFIRMED),
        "logically_air_gapped_vault": (False, Status.UNCONFIRMED),
        "audit_scope_dsql": (False, Status.UNCONFIRMED),
        "cross_region_copy": (True, Status.CONFIRMED),
        "cross_account_copy": (True, Status.CONFIRMED),
        "vault_lock": (True, Status.CONFIRMED),
    }
    for name, (supported, status) in expected.items():
        f = caps.feature(name)
        assert (f.supported, f.status) == (supported, status), name
        assert f.source.startswith("https://") and f.note, name
    with pytest.raises(KeyError):
        caps.feature("teleportation")


def test_events(caps: Capabilities) -> None:
    assert "BACKUP_JOB_COMPLETED" in caps.supported_events
    assert "BACKUP_JOB_FAILED" in caps.deprecated_events
    assert not set(caps.supported_events) & set(caps.deprecated_events)
    assert len(caps.accepted_events) == len(set(caps.accepted_events)) == 20  # provider 5.100.0's enum
    assert "DSQL" not in caps.restore_testing_resource_types
    assert caps.restore_testing_dsql_type == "DSQL"
    assert caps.resource_type == "DSQL"


# --- helpers ---------------------------------------------------------------------------------------------


def test_region_helpers(caps: Capabilities) -> None:
    assert caps.is_dsql_region("us-east-1")
    assert not caps.is_dsql_region("us-west-1")
    assert not caps.is_dsql_region("US-EAST-1")
    assert caps.group_of("us-east-2") == "americas"
    assert caps.group_of("eu-central-1") == "europe"
    assert caps.group_of("ap-northeast-3") == "asia-pacific"
    assert caps.group_of("ap-southeast-2") is None  # single-Region only
    assert caps.group_of("mars-north-1") is None
    assert caps.same_group("us-east-1", "us-east-2", "us-west-2")
    assert not caps.same_group("us-east-1", "eu-west-1", "us-west-2")
    assert not caps.same_group("ap-southeast-2", "ap-southeast-4")


def test_backup_support(caps: Capabilities) -> None:
    assert caps.backup_supported("us-east-1", multi_region=True)
    assert caps.backup_supported("ap-southeast-2", multi_region=False)
    assert not caps.backup_supported("ap-southeast-2", multi_region=True)
    assert not caps.backup_supported("ap-east-1", multi_region=False)
    assert not caps.backup_supported("mars-north-1", multi_region=False)
    support = caps.backup_support("eu-north-1", multi_region=True)
    # confirmed by the AWS Backup restore page's Region groups (facts document, "Confirmed 2026-12")
    assert support is not None and support.status is Status.CONFIRMED and support.as_of == "2026-12-02"
    assert "restore-auroradsql.html" in support.source


@pytest.mark.parametrize(
    ("kind", "name", "ok"),
    [
        ("vault_name", "payments-main", True),
        ("vault_name", "a", False),
        ("vault_name", "pay.ments", False),
        ("vault_name", "x" * 50, True),
        ("vault_name", "x" * 51, False),
        ("rule_name", "daily.v1", True),
        ("plan_name", "pay-daily_1.0", True),
        ("restore_testing_plan_name", "payments_weekly", True),
        ("restore_testing_plan_name", "payments-weekly", False),
        ("framework_name", "payments_audit", True),
        ("framework_name", "1payments", False),
        ("report_plan_name", "r" * 256, True),
        ("report_plan_name", "r" * 257, False),
    ],
)
def test_name_limits(caps: Capabilities, kind: str, name: str, ok: bool) -> None:
    assert caps.name_ok(kind, name) is ok


def test_numeric_limits(caps: Capabilities) -> None:
    retention = caps.limit("retention_days")
    assert (retention.min, retention.max) == (1, 36500)
    assert retention.contains(35) and not retention.contains(0) and not retention.contains(36501)
    assert caps.limit("vault_lock_changeable_for_days").min == 3
    assert caps.limit("start_window_minutes").min == 60
    assert caps.limit("selection_resources").max == 500
    assert caps.limit("restore_testing_protected_resource_arns").max == 30
    assert (
        caps.limit("restore_testing_selection_window_days").min,
        caps.limit("restore_testing_selection_window_days").max,
    ) == (1, 365)
    assert (
        caps.limit("restore_testing_start_window_hours").min,
        caps.limit("restore_testing_start_window_hours").max,
    ) == (0, 168)
    assert (
        caps.limit("restore_testing_validation_window_hours").min,
        caps.limit("restore_testing_validation_window_hours").max,
    ) == (1, 168)


@pytest.mark.parametrize(
    ("key", "aws", "dsql"),
    [
        ("team", True, True),
        ("cost-center/owner:id=+@_.", True, True),
        ("with space", True, True),
        ("Kostenstelle-Zürich", True, False),  # Unicode letter: AWS yes, DSQL no
        ("部署", True, False),
        ("٣٤", True, False),  # Arabic-Indic digits
        ("hash#tag", False, False),
        ("new\nline", False, False),
        ("tab\there", False, False),
        ("", False, False),
        ("k" * 128, True, True),
        ("k" * 129, False, False),
        ("aws:createdBy", False, False),
        ("AWS:thing", False, False),
        ("awsome", True, True),
    ],
)
def test_tag_keys(caps: Capabilities, key: str, aws: bool, dsql: bool) -> None:
    assert caps.tag_key_ok(key, dsql=False) is aws
    assert caps.tag_key_ok(key, dsql=True) is dsql


@pytest.mark.parametrize(
    ("value", "aws", "dsql"),
    [
        ("", True, True),
        ("prod", True, True),
        ("Zürich", True, False),
        ("a#b", False, False),
        ("v" * 256, True, True),
        ("v" * 257, False, False),
    ],
)
def test_tag_values(caps: Capabilities, value: str, aws: bool, dsql: bool) -> None:
    assert caps.tag_value_ok(value, dsql=False) is aws
    assert caps.tag_value_ok(value, dsql=True) is dsql


def test_tag_counts(caps: Capabilities) -> None:
    assert caps.tag_rules(dsql=False).max_tags == 50
    assert caps.tag_rules(dsql=True).max_tags == 200


def test_loaded_once(caps: Capabilities) -> None:
    assert load_capabilities() is caps


# --- malformed data is reported, naming the entry --------------------------------------------------------


def test_unknown_status_is_rejected(doc: dict[str, Any]) -> None:
    bad = copy.deepcopy(doc)
    bad["features"]["cold_storage"]["status"] = "MAYBE"
    with pytest.raises(ValueError, match=r"features\.cold_storage: unknown status 'MAYBE'"):
        parse_capabilities(bad)


def test_unknown_source_is_rejected(doc: dict[str, Any]) -> None:
    bad = copy.deepcopy(doc)
    bad["dsql_regions"]["us-east-1"]["sources"] = ["nowhere"]
    with pytest.raises(ValueError, match=r"dsql_regions\.us-east-1: unknown source ids \['nowhere'\]"):
        parse_capabilities(bad)


def test_missing_key_is_rejected(doc: dict[str, Any]) -> None:
    bad = copy.deepcopy(doc)
    del bad["limits"]
    with pytest.raises(ValueError, match="malformed"):
        parse_capabilities(bad)
