"""Find a document's schema errors: jsonschema-rs finds them, python-jsonschema words them.

Both engines match ``pattern``, ``patternProperties`` and ``propertyNames`` patterns as JSON Schema means them:
ECMA-262 regular expressions searched in the whole string, so ``$`` matches only at its very end (Python's
``re.search`` also lets ``$`` match before a final newline, which let ``"catalog\\n"`` through). jsonschema-rs
does so natively; python-jsonschema gets the same semantics from ``regress`` (Rust's ECMA-262 engine).

jsonschema-rs validates the whole document (a 20,000-item document in ~20 ms, where python-jsonschema takes
seconds). Only where it reports an error does python-jsonschema run, on that one value and that one keyword,
for the errors the diagnostics are written from (``best_match`` over ``oneOf`` alternatives, the failing
subschema's description and examples). The work is bounded by the errors reported, not by the document's size.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

import jsonschema_rs
import regress
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator

__all__ = ["ecma_validator", "fast_validator", "schema_errors"]


@cache
def _regex(pattern: str) -> regress.Regex:
    return regress.Regex(pattern)


def ecma_search(pattern: str, text: str) -> bool:
    """True when the ECMA-262 ``pattern`` matches somewhere in ``text`` (JSON Schema's ``pattern``)."""
    return _regex(pattern).find(text) is not None


def _pattern(validator: Validator, pattern: str, instance: Any, schema: Mapping[str, Any]) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not ecma_search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator: Any, patterns: Mapping[str, Any], instance: Any,
                        schema: Mapping[str, Any]) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if ecma_search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


_STOCK_ADDITIONAL = Draft202012Validator.VALIDATORS["additionalProperties"]


def extra_keys(schema: Mapping[str, Any], instance: Mapping[str, Any]) -> list[str]:
    """The keys of ``instance`` that neither ``properties`` nor a ``patternProperties`` pattern covers."""
    named = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    return [k for k in instance if k not in named and not any(ecma_search(p, k) for p in patterns)]


def _additional_properties(validator: Validator, additional: Any, instance: Any,
                           schema: Mapping[str, Any]) -> Iterator[ValidationError]:
    # The stock keyword finds the extra keys with re.search; hand it only the keys ECMA patterns leave over.
    if validator.is_type(instance, "object") and "patternProperties" in schema:
        extras = set(extra_keys(schema, instance))
        instance = {k: v for k, v in instance.items() if k in extras}
        schema = {k: v for k, v in schema.items() if k != "patternProperties"}
    yield from _STOCK_ADDITIONAL(validator, additional, instance, schema)


_EcmaValidator = validators.extend(  # type: ignore[no-untyped-call]  # jsonschema's own stubs leave it untyped
    Draft202012Validator,
    {"pattern": _pattern, "patternProperties": _pattern_properties, "additionalProperties": _additional_properties},
)


def ecma_validator(schema: Mapping[str, Any]) -> Validator:
    """python-jsonschema's Draft 2020-12 validator with ECMA-262 patterns."""
    validator: Validator = _EcmaValidator(schema)
    return validator


def fast_validator(schema: dict[str, Any]) -> jsonschema_rs.Validator:
    return jsonschema_rs.validator_for(schema)


# Keywords that only annotate or that the words of a diagnostic read: kept beside the failing keyword.
_ANNOTATIONS = ("title", "description", "examples", "default")


def schema_errors(data: Any, root: dict[str, Any], fast: jsonschema_rs.Validator,
                  slow: Validator) -> Iterator[ValidationError]:
    """python-jsonschema's errors of ``data``, each found where jsonschema-rs found one. Lazy: stop any time."""
    seen: set[tuple[Any, ...]] = set()
    for found in fast.iter_errors(data):
        kind = found.kind
        if isinstance(kind, jsonschema_rs.ValidationErrorKind.PropertyNames):
            inner = kind.error  # the key that failed, checked against the propertyNames subschema
            unit: tuple[Any, ...] = ("key", *found.instance_path, "", str(inner.instance))
            names = _at(root, inner.schema_path[:-1])
            instance: Any = {inner.instance: None}
            parent: Mapping[str, Any] = {"propertyNames": names}
            keyword = "propertyNames"
        else:
            unit = (*found.instance_path, "", *found.schema_path)
            parent, keyword = _at(root, found.schema_path[:-1]), str(found.schema_path[-1])
            instance = _at(data, found.instance_path)
        if unit in seen:  # "required" is one error per missing field in jsonschema-rs, one for all here
            continue
        seen.add(unit)
        yield from _reworded(found, instance, parent, keyword, slow)


def _reworded(found: jsonschema_rs.ValidationError, instance: Any, parent: Mapping[str, Any], keyword: str,
              slow: Validator) -> Iterator[ValidationError]:
    """python-jsonschema's errors for ``keyword`` of ``parent`` on ``instance``, placed at jsonschema-rs's path."""
    reduced: dict[str, Any] = {k: parent[k] for k in _ANNOTATIONS if k in parent}
    reduced[keyword] = parent[keyword]
    if keyword == "additionalProperties":  # which keys are extra; their own subschemas need not run again
        for names in ("properties", "patternProperties"):
            if names in parent:
                reduced[names] = dict.fromkeys(parent[names], True)
    prefix = list(found.instance_path)
    errors = list(slow.evolve(schema=reduced).iter_errors(instance))
    if not errors:  # the engines disagree (a bug in one of them): still an error, in jsonschema-rs's words
        errors = [ValidationError(found.message, validator=keyword, validator_value=parent.get(keyword),
                                  instance=instance, schema=parent)]
    for error in errors:
        error.path.extendleft(reversed(prefix))
        if error.schema is reduced:
            error.schema = parent  # the words come from the whole subschema: description, examples, bounds
        yield error


def _at(document: Any, path: list[str | int] | tuple[str | int, ...]) -> Any:
    for part in path:
        document = document[part]
    return document
