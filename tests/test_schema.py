"""The policy JSON Schema (schemas/policy.v1.json) and the example policies that must satisfy it."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from generator.policy import typed as policy_module

SCHEMA_LINE = "# yaml-language-server: $schema=../schemas/policy.v1.json"
EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"
EXPECTED_EXAMPLES = {
    "single-region.yaml",
    "multi-region.yaml",
    "central-vault.yaml",
    "landing-zone.yaml",
    "tag-based.yaml",
    "restore-testing-audit.yaml",
    "complete.yaml",
}
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.yaml"))


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    text = (resources.files("generator.schemas") / "policy.v1.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema)


def _subschemas(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object in the document, with a JSON-pointer-like location (skips data keywords)."""
    if not isinstance(node, dict):
        return
    yield where, node
    for key in ("properties", "$defs", "patternProperties"):
        for name, sub in (node.get(key) or {}).items():
            yield from _subschemas(sub, f"{where}/{key}/{name}")
    for key in ("items", "additionalProperties", "propertyNames", "not", "if", "then", "else", "contains"):
        if isinstance(node.get(key), dict):
            yield from _subschemas(node[key], f"{where}/{key}")
    for key in ("oneOf", "anyOf", "allOf", "prefixItems"):
        for i, sub in enumerate(node.get(key) or []):
            yield from _subschemas(sub, f"{where}/{key}/{i}")


def _is_object_schema(node: dict[str, Any]) -> bool:
    return node.get("type") == "object" or "properties" in node


# --- the schema itself --------------------------------------------------------------------------


def test_schema_is_valid_draft_2020_12(schema: dict[str, Any]) -> None:
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith("/policy.v1.json")
    assert schema["title"]
    assert schema["description"]


def test_every_object_schema_closes_additional_properties(schema: dict[str, Any]) -> None:
    open_objects = [where for where, node in _subschemas(schema)
                    if _is_object_schema(node) and "additionalProperties" not in node]
    assert open_objects == []


def test_every_property_has_a_description(schema: dict[str, Any]) -> None:
    missing = [
        f"{where}/properties/{name}"
        for where, node in _subschemas(schema)
        for name, prop in (node.get("properties") or {}).items()
        if not (isinstance(prop, dict) and str(prop.get("description") or "").strip())
    ]
    assert missing == []


def test_every_shared_definition_has_a_description(schema: dict[str, Any]) -> None:
    missing = [name for name, sub in schema["$defs"].items() if not str(sub.get("description", "")).strip()]
    assert missing == []


def test_every_ref_resolves(schema: dict[str, Any]) -> None:
    refs = {node["$ref"] for _, node in _subschemas(schema) if "$ref" in node}
    assert refs, "the schema shares its pieces through $defs"
    for ref in refs:
        assert ref.startswith("#/$defs/"), ref
        assert ref.removeprefix("#/$defs/") in schema["$defs"], ref


def test_every_default_is_valid_for_its_own_schema(validator: Draft202012Validator,
                                                   schema: dict[str, Any]) -> None:
    bad = []
    for where, node in _subschemas(schema):
        if "default" in node:
            sub = {k: v for k, v in node.items() if k != "default"}
            if not validator.evolve(schema=sub).is_valid(node["default"]):
                bad.append(where)
    assert bad == []


def test_map_sections_restrict_their_keys(schema: dict[str, Any]) -> None:
    key_pattern = schema["$defs"]["key"]["pattern"]
    assert key_pattern == "^[A-Za-z][A-Za-z0-9_-]{0,39}$"
    top = ("accounts", "clusters", "vaults", "plans", "restore_testing")
    maps = [schema["properties"][name] for name in top]
    audit = schema["$defs"]["audit"]["properties"]
    maps += [audit["frameworks"], audit["reports"]]
    for section in maps:
        assert section["propertyNames"] == {"$ref": "#/$defs/key"}
        assert isinstance(section["additionalProperties"], dict)


def test_schema_defaults_match_the_policy_parser(schema: dict[str, Any]) -> None:
    """The defaults editors show (schema) are the ones the compiler applies (generator.policy.typed)."""
    d = schema["$defs"]
    declared = {
        "aws_provider_version": d["terraform"]["properties"]["aws_provider_version"]["default"],
        "required_version": d["terraform"]["properties"]["required_version"]["default"],
        "timezone": d["defaults"]["properties"]["timezone"]["default"],
        "start_window_minutes": d["rule"]["properties"]["start_window_minutes"]["default"],
        "completion_window_minutes": d["rule"]["properties"]["completion_window_minutes"]["default"],
        "regions": d["copy"]["properties"]["regions"]["enum"],
    }
    assert declared == {
        "aws_provider_version": policy_module.DEFAULT_PROVIDER_VERSION,
        "required_version": policy_module.DEFAULT_REQUIRED_VERSION,
        "timezone": policy_module.DEFAULT_TIMEZONE,
        "start_window_minutes": policy_module.DEFAULT_START_WINDOW,
        "completion_window_minutes": policy_module.DEFAULT_COMPLETION_WINDOW,
        "regions": [policy_module.PEERS, policy_module.SAME],
    }


# --- the examples -------------------------------------------------------------------------------


def test_all_expected_examples_exist() -> None:
    assert {p.name for p in EXAMPLES} >= EXPECTED_EXAMPLES


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_starts_with_schema_line_and_a_comment(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == SCHEMA_LINE
    assert lines[1].startswith("# "), "the second line says what the example shows"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_validates(path: Path, validator: Draft202012Validator) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    assert errors == []


# --- invalid documents are rejected -------------------------------------------------------------

RULE0 = ("plans", "daily", "rules", 0)
MINIMAL: dict[str, Any] = {
    "version": 1,
    "name": "shop",
    "accounts": {"prod": {"id": "012345678901"}},
    "clusters": {"orders": {"account": "prod", "regions": ["us-east-1"]}},
    "vaults": {"local": {"account": "prod", "regions": ["us-east-1"]}},
    "plans": {
        "daily": {
            "targets": {"clusters": ["orders"]},
            "rules": [{"name": "daily", "schedule": "cron(0 5 ? * * *)", "vault": "local",
                       "retention_days": 35}],
        }
    },
}
Errors = set[tuple[tuple[str | int, ...], str]]


def _with(path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(MINIMAL)
    node: Any = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return doc


def _rule(**changes: Any) -> dict[str, Any]:
    return _with(RULE0, {**MINIMAL["plans"]["daily"]["rules"][0], **changes})


def _errors(validator: Draft202012Validator, doc: dict[str, Any]) -> Errors:
    return {(tuple(e.absolute_path), str(e.validator)) for e in validator.iter_errors(doc)}


def test_minimal_document_is_valid(validator: Draft202012Validator) -> None:
    assert _errors(validator, MINIMAL) == set()


def test_yaml_integer_account_id_is_rejected(validator: Draft202012Validator) -> None:
    doc = yaml.safe_load("version: 1\nname: shop\naccounts:\n  prod: { id: 123456789012 }\n")
    assert _errors(validator, doc) == {(("accounts", "prod", "id"), "type")}


def test_wrong_scalar_shapes_are_rejected(validator: Draft202012Validator) -> None:
    # a quoted ID of the wrong length, and a tag value YAML read as a number
    assert _errors(validator, _with(("accounts", "prod", "id"), "12345")) == {
        (("accounts", "prod", "id"), "pattern")
    }
    doc = _with(("clusters", "orders", "tags"), {"cost-center": 4410})
    assert _errors(validator, doc) == {(("clusters", "orders", "tags", "cost-center"), "type")}


SHORT_ARN = "arn:aws:dsql:us-east-1:012345678901:cluster/short"
THREE_REGIONS = ["us-east-1", "us-east-2", "us-west-2"]
BAD_FRAMEWORK = {"account": "prod", "regions": ["us-east-1"], "controls": ["BACKUP_PLAN_MIN_FREQUENCY"]}
INVALID: list[tuple[str, dict[str, Any], Errors]] = [
    ("version-2", _with(("version",), 2), {(("version",), "const")}),
    ("unknown-top-level-field", _with(("retention",), 35), {((), "additionalProperties")}),
    ("unknown-cluster-field", _with(("clusters", "orders", "witness"), "us-west-2"),
     {(("clusters", "orders"), "additionalProperties")}),
    ("accounts-missing", {k: v for k, v in MINIMAL.items() if k != "accounts"}, {((), "required")}),
    ("accounts-empty", _with(("accounts",), {}), {(("accounts",), "minProperties")}),
    ("name-uppercase", _with(("name",), "Shop"), {(("name",), "pattern")}),
    ("three-cluster-regions", _with(("clusters", "orders", "regions"), THREE_REGIONS),
     {(("clusters", "orders", "regions"), "maxItems")}),
    ("region-uppercase", _with(("clusters", "orders", "regions"), ["US-EAST-1"]),
     {(("clusters", "orders", "regions", 0), "pattern")}),
    ("kms-alias", _with(("clusters", "orders", "kms_key"), "alias/my-key"),
     {(("clusters", "orders", "kms_key"), "oneOf")}),
    ("cluster-arn-short-id", _with(("clusters", "orders", "existing_arns"), {"us-east-1": SHORT_ARN}),
     {(("clusters", "orders", "existing_arns", "us-east-1"), "pattern")}),
    ("wrong-acknowledgement",
     _with(("vaults", "local", "lock"), {"mode": "compliance", "acknowledge": "yes"}),
     {(("vaults", "local", "lock", "acknowledge"), "const")}),
    ("changeable-below-3",
     _with(("vaults", "local", "lock"), {"mode": "governance", "changeable_for_days": 2}),
     {(("vaults", "local", "lock", "changeable_for_days"), "minimum")}),
    ("event-unknown-to-provider",
     _with(("vaults", "local", "notifications"), {"events": ["EKS_BACKUP_JOB_STARTED"]}),
     {(("vaults", "local", "notifications", "events", 0), "enum")}),
    ("retention-above-100-years", _rule(retention_days=36501), {((*RULE0, "retention_days"), "maximum")}),
    ("copy-without-region", _rule(copy_to=[{"vault": "local", "retention_days": 35}]),
     {((*RULE0, "copy_to", 0), "oneOf")}),
    ("copy-with-region-and-regions",
     _rule(copy_to=[{"vault": "local", "region": "us-east-2", "regions": "peers", "retention_days": 35}]),
     {((*RULE0, "copy_to", 0), "oneOf")}),
    ("copy-regions-not-peers-or-same", _rule(copy_to=[{"vault": "local", "regions": "all", "retention_days": 35}]),
     {((*RULE0, "copy_to", 0, "regions"), "enum")}),
    ("targets-empty", _with(("plans", "daily", "targets"), {}),
     {(("plans", "daily", "targets"), "minProperties")}),
    ("no-rules", _with(("plans", "daily", "rules"), []), {(("plans", "daily", "rules"), "minItems")}),
    ("unknown-control", _with(("audit",), {"frameworks": {"base": BAD_FRAMEWORK}}),
     {(("audit", "frameworks", "base", "controls", 0), "enum")}),
]


@pytest.mark.parametrize(("doc", "expected"), [pytest.param(d, e, id=i) for i, d, e in INVALID])
def test_invalid_document_is_rejected(validator: Draft202012Validator, doc: dict[str, Any],
                                      expected: Errors) -> None:
    assert _errors(validator, doc) == expected


def test_bad_map_key_is_reported_on_the_mapping(validator: Draft202012Validator) -> None:
    """jsonschema reports a propertyNames failure as the inner keyword ('pattern') on the parent mapping,
    with the key as the instance and 'propertyNames' in the schema path."""
    doc = _with(("clusters", "9orders"), {"account": "prod", "regions": ["us-east-1"]})
    (error,) = validator.iter_errors(doc)
    where = (tuple(error.absolute_path), error.validator, error.instance)
    assert where == (("clusters",), "pattern", "9orders")
    assert "propertyNames" in error.schema_path


def test_deprecated_events_and_unsupported_features_pass_the_schema(validator: Draft202012Validator) -> None:
    """Semantic rules, not the schema, explain these with the AWS source, so the schema lets them through."""
    doc = _with(("vaults", "local", "notifications"), {"events": ["BACKUP_JOB_FAILED"]})
    assert _errors(validator, doc) == set()
    assert _errors(validator, _rule(cold_storage_after_days=30, continuous_backup=True)) == set()
