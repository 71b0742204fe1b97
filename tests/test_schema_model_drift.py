"""The JSON Schema and the typed policy (generator/policy/typed.py) must not drift apart.

A maximal document is generated from the schema (every property present, one entry per map). Parsing it
through ``parse_policy`` with key-tracking mappings records every field the code reads. The two sets of
field paths must be equal: a schema field that the code ignores, or a field the code reads that the
schema does not define, fails this test.
"""

from __future__ import annotations

from typing import Any

from generator.policy.schema import policy_schema
from generator.policy.typed import parse_policy

SCHEMA = policy_schema()


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target = SCHEMA
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _exclusive(node: dict[str, Any]) -> list[str]:
    """Properties that are alternatives of a oneOf of single required fields."""
    alts = node.get("oneOf", [])
    if alts and all(set(a) == {"required"} and len(a["required"]) == 1 for a in alts):
        return [a["required"][0] for a in alts]
    return []


def _sample(node: dict[str, Any], choice: int) -> Any:
    node = _resolve(node)
    if "const" in node:
        return node["const"]
    if "enum" in node:
        return node["enum"][0]
    if node.get("type") == "object" or "properties" in node:
        props = node.get("properties", {})
        if props:
            skip = set(_exclusive(node))
            keep = _exclusive(node)[choice % len(skip)] if skip else None
            return {k: _sample(v, choice) for k, v in props.items() if k not in skip or k == keep}
        extra = node.get("additionalProperties")
        return {"k1": _sample(extra, choice)} if isinstance(extra, dict) else {}
    if node.get("type") == "array":
        return [_sample(node.get("items", {}), choice)]
    if "examples" in node:
        return node["examples"][0]
    if "oneOf" in node:
        return _sample(node["oneOf"][0], choice)
    t = node.get("type")
    if t == "integer":
        return node.get("minimum", 1)
    if t == "boolean":
        return True
    return "arn:aws:x:us-east-1:111111111111:y" if "arn" in str(node.get("pattern", "")) else "x"


def _schema_paths(node: dict[str, Any], prefix: str) -> set[str]:
    node = _resolve(node)
    out: set[str] = set()
    for name, sub in node.get("properties", {}).items():
        out.add(f"{prefix}.{name}")
        out |= _schema_paths(sub, f"{prefix}.{name}")
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        out.add(f"{prefix}.*")
        out |= _schema_paths(extra, f"{prefix}.*")
    if node.get("type") == "array" and isinstance(node.get("items"), dict):
        out |= _schema_paths(node["items"], f"{prefix}[]")
    return out


class Tracked(dict[str, Any]):
    """A mapping that records which keys the code under test asks for."""

    def __init__(self, data: dict[str, Any], path: str, seen: set[str], is_map: bool) -> None:
        super().__init__({k: _track(v, f"{path}.{'*' if is_map else k}", seen, k) for k, v in data.items()})
        self.path, self.seen, self.is_map = path, seen, is_map

    def _mark(self, key: object) -> None:
        if not self.is_map:
            self.seen.add(f"{self.path}.{key}")

    def __getitem__(self, key: str) -> Any:
        self._mark(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self._mark(key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self._mark(key)
        return super().__contains__(key)


_MAPS = {"accounts", "clusters", "vaults", "plans", "restore_testing", "frameworks", "reports", "tags",
         "existing_arns", "recovery_point_tags"}


def _track(value: Any, path: str, seen: set[str], key: str) -> Any:
    if isinstance(value, dict):
        return Tracked(value, path, seen, is_map=key in _MAPS)
    if isinstance(value, list):
        return [_track(v, f"{path}[]", seen, "") for v in value]
    return value


def test_every_schema_field_is_read_and_nothing_else() -> None:
    seen: set[str] = set()
    for choice in (0, 1):
        doc = _sample(SCHEMA, choice)
        parse_policy(Tracked(doc, "$", seen, is_map=False))
    wanted = _schema_paths(SCHEMA, "$")
    # map entries are read whole (iterated), so record the '*' level as read when its children are
    read = seen | {p.rsplit(".", 1)[0] for p in seen if p.rsplit(".", 1)[0].endswith("*")}
    read |= {p for p in wanted if p.endswith(".*") and p[:-2] in seen}  # maps of scalars (tags) are read whole
    assert sorted(wanted - read) == [], "schema fields that generator/policy/typed.py never reads"
    assert sorted(read - wanted) == [], "fields generator/policy/typed.py reads that the schema does not define"
