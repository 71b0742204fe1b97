"""Stage 2: JSON Schema (Draft 2020-12) check of the loaded document, errors mapped to YAML positions."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator, Sequence
from functools import cache
from importlib import resources
from itertools import islice
from typing import Any

import jsonschema_rs
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.protocols import Validator

from generator.diagnostics import Diagnostic, json_path
from generator.diagnostics.cap import MAX_REPORTED
from generator.diagnostics.codes import diag
from generator.policy.loader import SourceMap
from generator.policy.schema_errors import ecma_search, ecma_validator, extra_keys, fast_validator, schema_errors

SCHEMA_FILE = "policy.v1.json"

# Fields that users may know under another name (older drafts, the provider's or the AWS API's wording).
# An unknown field found here gets DSB110 naming the field to write instead.
RENAMED: dict[str, str] = {
    "delete_after": "retention_days",
    "delete_after_days": "retention_days",
    "retention": "retention_days",
    "cold_storage_after": "cold_storage_after_days",
    "witness": "witness_region",
    "start_window": "start_window_minutes",
    "completion_window": "completion_window_minutes",
    "schedule_expression": "schedule",
    "schedule_expression_timezone": "timezone",
    "target_vault_name": "vault",
    "destination_vault_arn": "vault",
    "copy_action": "copy_to",
    "copy_actions": "copy_to",
    "changeable_days": "changeable_for_days",
    "region": "regions",
    "account_id": "id",
    "deletion_protection_enabled": "deletion_protection",
    "kms_key_arn": "kms_key",
    "kms_encryption_key": "kms_key",
    "selection": "targets",
    "resources": "targets",
}

_MAP_SECTIONS = ("accounts", "clusters", "vaults", "plans", "restore_testing")
_DROPPABLE = ("terraform", "defaults", "description")  # optional sections rules can do without
_CODE_BY_VALIDATOR = {
    "required": "DSB101",
    "additionalProperties": "DSB102",
    "unevaluatedProperties": "DSB102",
    "type": "DSB103",
    "enum": "DSB104",
    "const": "DSB104",
    "pattern": "DSB105",
    "propertyNames": "DSB105",
    "minimum": "DSB106",
    "maximum": "DSB106",
    "exclusiveMinimum": "DSB106",
    "exclusiveMaximum": "DSB106",
    "minLength": "DSB105",
    "maxLength": "DSB105",
    "minItems": "DSB107",
    "maxItems": "DSB107",
    "uniqueItems": "DSB107",
    "minProperties": "DSB107",
    "maxProperties": "DSB107",
}


@cache
def policy_schema() -> dict[str, Any]:
    text = (resources.files("generator.schemas") / SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def schema_text() -> str:
    return (resources.files("generator.schemas") / SCHEMA_FILE).read_text(encoding="utf-8")


@cache
def _validator() -> Validator:
    return ecma_validator(policy_schema())


@cache
def _fast() -> jsonschema_rs.Validator:
    return fast_validator(policy_schema())


MAX_ERRORS = MAX_REPORTED  # schema problems reported per document; past that one summary (and rules skipped)


def check_schema(data: dict[str, Any], source_map: SourceMap, file: str) -> list[Diagnostic]:
    """Every schema problem of the document (up to MAX_ERRORS), one diagnostic each, located in the YAML."""
    out: list[Diagnostic] = []
    leaves: list[ValidationError] = []
    too_many: Diagnostic | None = None
    for count, error in enumerate(schema_errors(data, policy_schema(), _fast(), _validator())):
        if count == MAX_ERRORS:
            too_many = _too_many(source_map.anchor(tuple(error.absolute_path)))
            break
        choice = _exclusive_fields(error)
        if choice is not None:
            out.append(_choice_diagnostic(error, choice, source_map))
        else:
            leaves.append(_leaf(error))
    # A value that must be one exact word (const/enum) fails "type" too: report only the more specific error.
    specific = {tuple(e.absolute_path) for e in leaves if e.validator in ("const", "enum")}
    for error in leaves:
        if error.validator == "type" and tuple(error.absolute_path) in specific:
            continue
        # One error can stand for many diagnostics (a million unknown fields in one mapping): cap those too.
        out.extend(islice(_diagnostics_for(error, data, source_map), MAX_ERRORS + 1 - len(out)))
        if len(out) > MAX_ERRORS:
            too_many = too_many or _too_many((out[-1].line, out[-1].column))
            del out[MAX_ERRORS:]
            break
    return [d.with_file(file) for d in (*out, *([too_many] if too_many else []))]


def _too_many(where: tuple[int, int]) -> Diagnostic:
    return diag("DSB100", f"more than {MAX_ERRORS} schema problems: only the first {MAX_ERRORS} are "
                "reported, and the semantic checks wait until they are fixed",
                "fix the problems reported (often one mistake repeated, such as unquoted account IDs) "
                "and validate again", line=where[0], column=where[1], path="$")


def broken_entries(diags: Sequence[Diagnostic]) -> set[tuple[str, ...]]:
    """Policy entries (``("clusters", "orders")``) that failed the schema; rules skip them."""
    broken: set[tuple[str, ...]] = set()
    for d in diags:
        parts = _split_path(d.path)
        if len(parts) >= 2 and parts[0] in _MAP_SECTIONS:
            broken.add((parts[0], str(parts[1])))
        elif len(parts) >= 3 and parts[0] == "audit" and parts[1] in ("frameworks", "reports"):
            broken.add((f"audit.{parts[1]}", str(parts[2])))
        elif parts and parts[0] in _DROPPABLE:
            broken.add((str(parts[0]), ""))
        else:
            broken.add(("*",))  # a top-level problem: rules cannot run safely
    return broken


def _split_path(path: str) -> list[str | int]:
    """Inverse of :func:`generator.diagnostics.json_path`: ``$.a['b.c'][0]`` -> ``["a", "b.c", 0]``."""
    out: list[str | int] = []
    i, n = 1, len(path)
    while i < n:
        if path[i] == ".":
            j = i + 1
            while j < n and path[j] not in ".[":
                j += 1
            out.append(path[i + 1 : j])
            i = j
        elif path.startswith("['", i):
            j, key = i + 2, []
            while j < n and not path.startswith("']", j):
                if path[j] == "\\" and j + 1 < n:
                    j += 1
                key.append(path[j])
                j += 1
            out.append("".join(key))
            i = j + 2
        else:  # [n]
            j = path.index("]", i)
            out.append(int(path[i + 1 : j]))
            i = j + 1
    return out


def _exclusive_fields(error: ValidationError) -> list[str] | None:
    """The field names of a ``oneOf: [{required: [a]}, {required: [b]}]`` choice ("exactly one of a, b")."""
    if error.validator != "oneOf" or not isinstance(error.instance, dict):
        return None
    alts: Any = error.validator_value
    names = []
    for alt in alts:
        if not (isinstance(alt, dict) and set(alt) == {"required"} and len(alt["required"]) == 1):
            return None
        names.append(str(alt["required"][0]))
    return names


def _choice_diagnostic(error: ValidationError, names: list[str], smap: SourceMap) -> Diagnostic:
    path = tuple(error.absolute_path)
    assert isinstance(error.instance, dict)
    present = [n for n in names if n in error.instance]
    line, col = _key_pos(smap, path) if path else (1, 1)
    options = " or ".join(f"'{n}'" for n in names)
    if present:
        return diag("DSB100", f"{_describe_path(path)} has both {' and '.join(repr(n) for n in present)}; "
                    f"write exactly one of {options}", f"keep one of {', '.join(present)}",
                    line=line, column=col, path=json_path(path))
    return diag("DSB101", f"{_describe_path(path)} needs one of {options}", f"add {options}",
                line=line, column=col, path=json_path(path))


def _leaf(error: ValidationError) -> ValidationError:
    """For oneOf/anyOf failures, the most relevant sub-error (python-jsonschema's best_match)."""
    while error.context:
        picked = best_match(error.context)
        if picked is None:
            break
        error = picked
    return error


def _diagnostics_for(error: ValidationError, data: dict[str, Any], smap: SourceMap) -> Iterator[Diagnostic]:
    path = tuple(error.absolute_path)
    validator = str(error.validator)
    schema = error.schema if isinstance(error.schema, dict) else {}
    where = json_path(path)

    if validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(schema.get("properties", {}))
        extras = extra_keys(schema, error.instance)
        for key in extras:
            kpath = (*path, key)
            line, col = _key_pos(smap, kpath)
            if key in RENAMED and RENAMED[key] in allowed:
                yield diag(
                    "DSB110",
                    f"field '{key}' is not part of policy v1; it is called '{RENAMED[key]}'",
                    f"rename '{key}' to '{RENAMED[key]}'",
                    line=line, column=col, path=json_path(kpath),
                )
            else:
                yield diag(
                    "DSB102",
                    f"unknown field '{key}' in {_describe_path(path)}",
                    _did_you_mean(key, allowed) or f"allowed fields: {', '.join(allowed)}",
                    line=line, column=col, path=json_path(kpath),
                )
        return

    if validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else str(error.validator_value)
        if isinstance(error.instance, dict) and any(RENAMED.get(k) == missing for k in error.instance):
            return  # DSB110 on the old name already says what to write
        line, col = _key_pos(smap, path) if path else (1, 1)
        desc = schema.get("properties", {}).get(missing, {}).get("description", "")
        yield diag(
            "DSB101",
            f"{_describe_path(path)} is missing the required field '{missing}'",
            f"add '{missing}:'" + (f" ({_first_sentence(desc)})" if desc else ""),
            line=line, column=col, path=where,
        )
        return

    if validator == "propertyNames" or "propertyNames" in error.schema_path:
        # error.instance is the offending key; the path points at the parent mapping.
        key = str(error.instance)
        kpath = (*path, key)
        line, col = _key_pos(smap, kpath)
        yield diag(
            "DSB105",
            f"key {_short(key)} in {_describe_path(path)} is not a valid name",
            "names start with a letter and use letters, digits, '_' and '-' (at most 40 characters)",
            line=line, column=col, path=json_path(kpath),
        )
        return

    info = smap.scalar(path)
    line, col = smap.anchor(path)
    if info is not None and info.plain and info.resolved != "str" and _wants_string(schema) \
            and _validator().evolve(schema=schema).is_valid(info.text):
        yield diag("DSB109", *_yaml11_message(path, info.text, info.resolved), line=line, column=col, path=where)
        return

    if info is not None and info.plain and validator == "type" and _wants_number(schema) \
            and (number := _scientific(info.text)) is not None:
        yield diag("DSB109", f"{_describe_path(path)}: YAML 1.1 reads {info.text} as a string, not a number "
                   "(its exponent form needs a dot)", f"write the number out: {number}",
                   line=line, column=col, path=where)
        return

    if validator == "const" and path == ("version",) and _is_number(error.instance):
        yield diag(
            "DSB108",
            f"policy version {_short(error.instance)} is not supported by this release",
            "write 'version: 1' (the only version this release reads)",
            line=line, column=col, path=where,
        )
        return

    if validator == "pattern" and schema is policy_schema()["$defs"]["version_constraint"]:
        yield diag("DSB111", f"{_describe_path(path)}: {_short(error.instance)} is not a Terraform version constraint",
                   _constraint_hint(str(error.instance), str(error.validator_value)),
                   line=line, column=col, path=where)
        return

    code = _CODE_BY_VALIDATOR.get(validator, "DSB100")
    if validator == "const" and _is_number(error.validator_value) and not _is_number(error.instance):
        code = "DSB103"
    yield diag(code, _message(error, path), _hint(error, schema), line=line, column=col, path=where)


def _constraint_hint(value: str, pattern: str) -> str:
    """Which condition of a comma-separated version constraint is wrong (each must match the pattern alone)."""
    form = "write an operator (=, !=, >, >=, <, <=, ~>) and a version, such as \"~> 5.100\" or \">= 1.5.0, < 2.0\""
    for part in value.split(","):
        if not ecma_search(pattern, part):
            shown = part.strip()
            what = f"'{shown}' is not a condition" if shown else "a condition is empty"
            return f"{what}: {form}"
    return form


def _key_pos(smap: SourceMap, path: Sequence[str | int]) -> tuple[int, int]:
    span = smap.key(path)
    if span is not None:
        return span.line, span.column
    return smap.locate(path)


def _wants_number(schema: dict[str, Any]) -> bool:
    return schema.get("type") in ("integer", "number")


_SCIENTIFIC = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+$")


def _scientific(text: str) -> str | None:
    """``1e3`` -> ``1000``: a number YAML 1.1 left as a string; None for anything else."""
    if not _SCIENTIFIC.match(text):
        return None
    value = float(text)
    return str(int(value)) if value.is_integer() and abs(value) < 1e18 else repr(value)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _wants_string(schema: dict[str, Any]) -> bool:
    if schema.get("type") == "string" or "pattern" in schema:
        return True
    enum = schema.get("enum") or ([schema["const"]] if "const" in schema else [])
    if enum and all(isinstance(v, str) for v in enum):
        return True
    for alt in schema.get("oneOf", []) + schema.get("anyOf", []):
        if isinstance(alt, dict) and _wants_string(alt):
            return True
    return False


def _yaml11_message(path: Sequence[str | int], text: str, resolved: str) -> tuple[str, str]:
    field = _describe_path(path)
    if resolved == "int" and text.lstrip("+-").isdigit():
        lost = " and leading zeros are lost" if text.lstrip("+-").startswith("0") and len(text) > 1 else ""
        return (
            f"{field}: {text} was read as a number{lost}; it must be a string",
            f'quote it: "{text}"',
        )
    if resolved == "bool":
        return (
            f"{field}: YAML 1.1 reads the unquoted word {text} as a boolean",
            f'quote it: "{text}"',
        )
    return (
        f"{field}: YAML read the unquoted scalar {text} as {_article(resolved)}, not a string",
        f'quote it: "{text}"',
    )


def _article(kind: str) -> str:
    return {"int": "an integer", "float": "a number", "null": "null (nothing)", "timestamp": "a date"}.get(
        kind, kind
    )


def _message(error: ValidationError, path: Sequence[str | int]) -> str:
    field = _describe_path(path)
    v = str(error.validator)
    inst: Any = error.instance
    vv: Any = error.validator_value
    if v == "type":
        return f"{field} must be {_type_words(vv)}, got {_value_words(inst)}"
    if v == "enum":
        return f"{field}: {_short(inst)} is not one of {', '.join(map(_short, vv))}"
    if v == "const":
        return f"{field} must be {_short(vv)}, got {_short(inst)}"
    if v == "pattern":
        return f"{field}: {_short(inst)} does not match the expected form"
    if v in ("minimum", "exclusiveMinimum"):
        return f"{field}: {inst} is below the minimum of {vv}"
    if v in ("maximum", "exclusiveMaximum"):
        return f"{field}: {inst} is above the maximum of {vv}"
    if v == "minLength":
        return f"{field}: {_short(inst)} is shorter than {vv} characters"
    if v == "maxLength":
        return f"{field}: {_short(inst)} is longer than {vv} characters"
    if v == "minItems":
        return f"{field} needs at least {vv} item(s)"
    if v == "maxItems":
        return f"{field} allows at most {vv} item(s), got {len(inst)}"
    if v == "uniqueItems":
        dup = next((x for i, x in enumerate(inst) if x in inst[:i]), None)
        return f"{field} lists {_short(dup)} twice"
    if v == "minProperties":
        return f"{field} needs at least {vv} entr{'y' if vv == 1 else 'ies'}"
    if v == "maxProperties":
        return f"{field} allows at most {vv} entries, got {len(inst)}"
    if v in ("oneOf", "anyOf"):
        return f"{field} does not match any allowed form"
    if v == "not":
        return f"{field}: this combination of fields is not allowed"
    return f"{field}: {error.message}"


def _hint(error: ValidationError, schema: dict[str, Any]) -> str:
    v = str(error.validator)
    vv: Any = error.validator_value
    if v == "enum" and isinstance(error.instance, str):
        close = _did_you_mean(error.instance, [str(x) for x in vv])
        if close:
            return close
    if v == "enum":
        return "allowed: " + ", ".join(map(str, vv))
    if v == "uniqueItems":
        return "list each item once"
    parts = []
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum") and "minimum" in schema \
            and "maximum" in schema:
        parts.append(f"allowed: {schema['minimum']} to {schema['maximum']}")
    desc = schema.get("description", "")
    if desc:
        parts.append(_first_sentence(desc))
    examples = schema.get("examples")
    if examples and v in ("type", "pattern", "minItems", "maxItems", "minLength", "maxLength", "oneOf", "anyOf"):
        parts.append(f"for example: {json.dumps(examples[0], ensure_ascii=False)}")
    return "; ".join([*(p.rstrip(".") for p in parts[:-1]), *parts[-1:]])


def _did_you_mean(word: str, options: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def _first_sentence(text: str) -> str:
    text = " ".join(text.split())
    cut = text.find(". ")
    return text if cut < 0 else text[: cut + 1]


def _describe_path(path: Sequence[str | int]) -> str:
    if not path:
        return "the policy"
    return json_path(path)[2:] or "the policy"


def _type_words(t: Any) -> str:
    names = {"string": "a string", "integer": "a whole number", "number": "a number", "boolean": "true or false",
             "object": "a mapping", "array": "a list", "null": "null"}
    if isinstance(t, list):
        return " or ".join(names.get(str(x), str(x)) for x in t)
    return names.get(str(t), str(t))


def _value_words(v: Any) -> str:
    if isinstance(v, bool):
        return f"the boolean {str(v).lower()}"
    if isinstance(v, int | float):
        return f"the number {v}"
    if v is None:
        return "nothing (null)"
    if isinstance(v, dict):
        return "a mapping"
    if isinstance(v, list):
        return "a list"
    return _short(v)


def _short(v: Any) -> str:
    s = repr(v) if isinstance(v, str) else json.dumps(v, default=str)
    return s if len(s) <= 60 else s[:57] + "..."
