"""The validation pipeline: load -> schema -> rules. Pure: returns diagnostics, prints nothing."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from generator.aws.capabilities import load_capabilities
from generator.diagnostics import Diagnostic, has_errors, sort_diagnostics
from generator.diagnostics.cap import MAX_REPORTED, Cap
from generator.policy.loader import Loaded, load_policy_file, load_policy_text
from generator.policy.rules import ALL_RULES, WHEN_NO_ERRORS, Context
from generator.policy.rules.base import LEFT_OUT
from generator.policy.schema import broken_entries, check_schema
from generator.policy.typed import Policy, parse_policy


@dataclass(frozen=True, slots=True)
class Validation:
    file: str
    loaded: Loaded
    policy: Policy | None  # the typed policy; None when the document could not be read or is invalid
    diagnostics: tuple[Diagnostic, ...]
    # The typed policy the semantic rules ran on, also when it has errors (entries that failed the schema
    # left out); None when the rules could not run. For tools that explain a policy that is not valid yet.
    checked: Policy | None = None

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


def validate_file(path: str | os.PathLike[str]) -> Validation:
    return _validate(load_policy_file(path))


def validate_text(text: str | bytes, file: str = "<string>") -> Validation:
    return _validate(load_policy_text(text, file))


def _validate(loaded: Loaded) -> Validation:
    diags = list(loaded.diagnostics)
    if loaded.data is None or has_errors(diags):
        return Validation(loaded.file, loaded, None, tuple(sort_diagnostics(diags)))
    schema_diags = check_schema(loaded.data, loaded.source_map, loaded.file)
    # A scalar the schema reports as misread by YAML 1.1 (DSB109, an error) needs no DSB013 warning as well.
    misread = {(d.line, d.column) for d in schema_diags if d.code == "DSB109"}
    diags = [d for d in diags if d.code != "DSB013" or (d.line, d.column) not in misread]
    diags.extend(schema_diags)
    broken = broken_entries(schema_diags)
    policy: Policy | None = None
    if ("*",) not in broken:
        typed = parse_policy(_without(loaded.data, broken))
        # The document's cap covers what the loader and the schema reported too; past it rules only count.
        ctx = Context(typed, loaded.source_map, load_capabilities(),
                      frozenset((b[0], b[1]) for b in broken if len(b) == 2), Cap(max(0, MAX_REPORTED - len(diags))))
        for rule in ALL_RULES:
            diags.extend(_reported(rule(ctx), ctx.cap, loaded.file))
        for rule in () if has_errors(diags) or ctx.cap.left_errors else WHEN_NO_ERRORS:
            diags.extend(_reported(rule(ctx), ctx.cap, loaded.file))
        if (summary := ctx.cap.summary()) is not None:
            diags.append(summary.with_file(loaded.file))
        policy = typed
    result = sort_diagnostics(diags)
    return Validation(loaded.file, loaded, None if has_errors(result) else policy, tuple(result), policy)


def _reported(found: Iterable[Diagnostic], cap: Cap, file: str) -> Iterator[Diagnostic]:
    """A rule's diagnostics within the cap; the rule stops once the cap has counted an absurd number more."""
    for d in found:
        if d is not LEFT_OUT:
            yield d.with_file(file)
        elif cap.exhausted():
            return


def _without(data: dict[str, Any], broken: set[tuple[str, ...]]) -> dict[str, Any]:
    """The document minus the entries that failed the schema, so rules only see well-formed values."""
    if not broken:
        return data
    out = dict(data)
    drop: dict[str, set[str]] = {}
    for section, key in (b for b in broken if len(b) == 2):
        if key == "":
            out.pop(section, None)
        else:
            drop.setdefault(section, set()).add(key)
    for section, keys in drop.items():
        if section.startswith("audit."):
            sub = section.split(".", 1)[1]
            audit = dict(out.get("audit") or {})
            audit[sub] = {k: v for k, v in (audit.get(sub) or {}).items() if k not in keys}
            out["audit"] = audit
        else:
            out[section] = {k: v for k, v in (out.get(section) or {}).items() if k not in keys}
    return out
