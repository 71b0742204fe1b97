"""Every pattern of the schema means the whole string, as JSON Schema (ECMA-262) means it, for keys and values.

Python's ``re.search`` lets ``$`` match before a final newline, so ``"catalog\\n"`` used to pass as a cluster key
and an account ID with a newline landed in generated code. Both engines the schema stage runs (jsonschema-rs,
which finds the errors, and python-jsonschema, which words them) must reject such strings.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest

from generator.diagnostics import Diagnostic, Severity
from generator.policy.schema_errors import ecma_validator, fast_validator
from generator.policy.validate import validate_text

# One string each pattern of schemas/policy.v1.json accepts. A new pattern needs an entry here.
ACCEPTED: dict[str, str] = {
    r"^[a-z][a-z0-9-]{1,23}$": "payments",
    r"^[A-Za-z][A-Za-z0-9_-]{0,39}$": "catalog",
    r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]{1,2}$": "eu-west-1",
    r"^\S(.*\S)?$": "Backups of the catalog",
    r"^[0-9]{12}$": "123456789012",
    r"^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$":
        "arn:aws:iam::111111111111:role/terraform",
    r"^arn:aws(-[a-z]+)*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$":
        "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    r"^arn:aws(-[a-z]+)*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$":
        "arn:aws:sns:eu-west-1:111111111111:backup-events",
    r"^arn:aws(-[a-z]+)*:dsql:[a-z0-9-]{1,20}:[0-9]{12}:cluster/[a-z0-9]{26}$":
        "arn:aws:dsql:us-east-1:111111111111:cluster/abcdefghijklmnopqrstuvwxyz",
    r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$": "acme-tfstate",
    r"^[A-Za-z0-9!_.*'()=+-]+(/[A-Za-z0-9!_.*'()=+-]+)*$": "reports/backup",
    r"^[A-Za-z0-9_.-]{3,255}$": "backup-lock",
    r"^o-[a-z0-9]{10,32}$": "o-a1b2c3d4e5",
    r"^[A-Za-z0-9_+=,.@:/-]+$": "external-id:42",
    r"^ *(?:(?:=|!=|>|>=|<|<=|~>) *)?[0-9]+(?:\.[0-9]+){0,2}(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)? *"
    r"(?:, *(?:(?:=|!=|>|>=|<|<=|~>) *)?[0-9]+(?:\.[0-9]+){0,2}(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)? *)*$":
        ">= 5.100, < 7.0",
}


def _schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((resources.files("generator.schemas") / "policy.v1.json").read_text("utf-8"))
    return loaded


def _patterns(node: Any) -> Iterator[str]:
    """Every regular expression in the schema: ``pattern`` values (also under propertyNames), patternProperties."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            elif key == "patternProperties" and isinstance(value, dict):
                yield from value
            yield from _patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from _patterns(item)


PATTERNS = sorted(set(_patterns(_schema())))


def test_every_pattern_has_an_accepted_string() -> None:
    assert len(PATTERNS) >= 15
    assert sorted(ACCEPTED) == PATTERNS, "ACCEPTED must list exactly the schema's patterns"


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("engine", ["jsonschema-rs", "python-jsonschema"])
@pytest.mark.parametrize("where", ["value", "key"])
def test_a_final_newline_is_not_part_of_a_match(pattern: str, engine: str, where: str) -> None:
    assert pattern in ACCEPTED, f"add a string that {pattern!r} accepts to ACCEPTED"
    good = ACCEPTED[pattern]
    schema: dict[str, Any] = {"pattern": pattern}
    if where == "key":
        schema = {"propertyNames": schema, "patternProperties": {pattern: True}, "additionalProperties": False}

    def valid(text: str) -> bool:
        instance = text if where == "value" else {text: 1}
        if engine == "jsonschema-rs":
            return bool(fast_validator(schema).is_valid(instance))
        return bool(ecma_validator(schema).is_valid(instance))

    assert valid(good)
    for tail in ("\n", "\r\n"):
        assert not valid(good + tail), f"{engine} accepts {good + tail!r} for {pattern!r}"


def test_pattern_properties_decide_which_keys_are_extra_by_ecma_semantics() -> None:
    # 'a\n' matches ^a$ for re.search, so the stock keyword would not count it as an additional property.
    schema = {"patternProperties": {"^a$": True}, "additionalProperties": False}
    errors = list(ecma_validator(schema).iter_errors({"a": 1, "a\n": 2}))
    assert [(e.validator, e.instance) for e in errors] == [("additionalProperties", {"a": 1, "a\n": 2})]
    assert "'a\\n' was unexpected" in errors[0].message


POLICY = """\
version: 1
name: inv
accounts:
  prod: { id: "123456789012" }
clusters:
  catalog: { account: prod, regions: [eu-west-1] }
vaults:
  local: { account: prod, regions: [eu-west-1] }
plans:
  daily:
    targets: { clusters: [catalog] }
    rules:
      - { name: daily, schedule: "cron(0 3 ? * * *)", vault: local, retention_days: 35 }
"""


def _error(code: str, message: str, hint: str, at: tuple[int, int, str]) -> Diagnostic:
    line, column, path = at
    return Diagnostic(code, Severity.ERROR, message, hint, "policy.yaml", line, column, path)


KEY_HINT = "names start with a letter and use letters, digits, '_' and '-' (at most 40 characters)"


def test_a_cluster_key_with_a_final_newline_is_rejected() -> None:
    text = POLICY.replace("  catalog: {", '  "catalog\\n": {')
    diags = validate_text(text, "policy.yaml").diagnostics
    assert list(diags) == [
        _error("DSB105", "key 'catalog\\n' in clusters is not a valid name", KEY_HINT, (6, 3,
               "$.clusters['catalog\n']")),
        _error("DSB202", "plan 'daily': cluster 'catalog' is not defined",
               "define it under clusters, or use one of: (none defined)",
               (11, 27, "$.plans.daily.targets.clusters[0]")),
    ]


def test_an_account_key_with_a_final_newline_is_rejected() -> None:
    text = POLICY.replace('  prod: { id: "123456789012" }', '  "prod\\n": { id: "123456789012" }')
    diags = validate_text(text, "policy.yaml").diagnostics
    assert diags[0] == _error("DSB105", "key 'prod\\n' in accounts is not a valid name", KEY_HINT, (4, 3,
                              "$.accounts['prod\n']"))
    assert all(d.code != "DSB105" for d in diags[1:])


def test_values_with_a_final_newline_are_rejected() -> None:
    text = POLICY.replace('id: "123456789012"', 'id: "123456789012\\n"') + (
        "organization:\n  id: \"o-a1b2c3d4e5\\n\"\n  management_account: prod\n")
    diags = validate_text(text, "policy.yaml").diagnostics
    assert list(diags) == [
        _error("DSB105", "accounts.prod.id: '123456789012\\n' does not match the expected form",
               'A 12-digit AWS account ID, written as a quoted string ("011111111111"): unquoted, YAML reads it as '
               'a number and drops leading zeros; for example: "111111111111"', (4, 15,
               "$.accounts.prod.id")),
        _error("DSB105", "organization.id: 'o-a1b2c3d4e5\\n' does not match the expected form",
               "The AWS Organizations ID; for example: \"o-a1b2c3d4e5\"", (15, 7, "$.organization.id")),
    ]


CONSTRAINT_FORM = ('write an operator (=, !=, >, >=, <, <=, ~>) and a version, such as "~> 5.100" or '
                   '">= 1.5.0, < 2.0"')


@pytest.mark.parametrize(("constraint", "hint"), [
    ('"~> 5.100\\n"', f"'~> 5.100' is not a condition: {CONSTRAINT_FORM}"),
    ('"~> 5.x"', f"'~> 5.x' is not a condition: {CONSTRAINT_FORM}"),
    ('">= 1.5.0,"', f"a condition is empty: {CONSTRAINT_FORM}"),
    ('"=> 1.5"', f"'=> 1.5' is not a condition: {CONSTRAINT_FORM}"),
    ('"latest"', f"'latest' is not a condition: {CONSTRAINT_FORM}"),
])
def test_version_constraints_are_checked_as_constraints(constraint: str, hint: str) -> None:
    text = POLICY.replace("accounts:\n", f"terraform:\n  required_version: {constraint}\naccounts:\n")
    shown = json.loads(constraint)
    diags = validate_text(text, "policy.yaml").diagnostics
    assert list(diags) == [_error("DSB111", f"terraform.required_version: {shown!r} is not a Terraform version "
                                  "constraint", hint, (4, 21, "$.terraform.required_version"))]


@pytest.mark.parametrize("constraint", ["~> 5.100", ">= 5.100, < 7.0", "= 1.9.8", "!= 6.0.0", "6.0.0-beta1",
                                        ">1.5,<=2", "~>5"])
def test_well_formed_version_constraints_pass(constraint: str) -> None:
    text = POLICY.replace("accounts:\n", f'terraform:\n  aws_provider_version: "{constraint}"\naccounts:\n')
    assert validate_text(text, "policy.yaml").diagnostics == ()
