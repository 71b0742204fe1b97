"""Check that AWS CLI commands printed in a runbook are valid requests, against botocore's service models.

Each ``aws SERVICE OPERATION --opt value ...`` command is mapped the way the AWS CLI maps it: the operation
name is the API name in kebab case, every ``--option`` a top-level input member in kebab case; booleans take
no value (``--no-x`` for false), structures, lists and maps take JSON (or ``file://`` with JSON). The request
is then built and checked with ``botocore.validate.validate_parameters``. Shell variables (values known at
restore time) are replaced by dummy but valid values first.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from typing import Any

import botocore.session
from botocore import xform_name
from botocore.validate import validate_parameters

GLOBAL_OPTIONS = {"--region", "--query", "--output", "--profile", "--endpoint-url"}
DUMMIES = (  # variable name pattern -> a valid value of that kind
    (re.compile(r"CLUSTER_ARN_\w+"), "arn:aws:dsql:us-east-1:111111111111:cluster/abcdefghijklmnopqrstuvwxyz"),
    (re.compile(r"(PEER_)?RECOVERY_POINT_ARN"),
     "arn:aws:backup:us-east-1:111111111111:recovery-point:1EB3B5E7-9EB0-435A-A80B-108B488B0D45"),
    (re.compile(r"KMS_KEY_ARN_\w+"), "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
    (re.compile(r"\w*JOB_ID\w*"), "4A6F3C2B-1D0E-4F5A-8B9C-0D1E2F3A4B5C"),
    (re.compile(r"OUT"), "out"),
)
PRODUCED = '{"regionalConfig": "[]"}'  # what a file written from an AWS command's output holds, for the check
_SESSION = botocore.session.get_session()


@dataclass(frozen=True)
class AwsCall:
    line: str
    service: str
    operation: str  # API name, e.g. StartRestoreJob
    region: str | None
    params: dict[str, Any]


def _dummy(name: str) -> str:
    for pattern, value in DUMMIES:
        if pattern.fullmatch(name):
            return value
    raise AssertionError(f"no dummy value for shell variable ${name}")


def substitute(text: str) -> str:
    return re.sub(r"\$\{?([A-Z_][A-Z0-9_]*)\}?", lambda m: _dummy(m.group(1)), text)


def shell_blocks(markdown: str) -> list[list[str]]:
    blocks, current = [], None
    for line in markdown.splitlines():
        if line == "```sh":
            current = []
        elif line == "```" and current is not None:
            blocks.append(current)
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def aws_calls(markdown: str) -> list[AwsCall]:
    """Every aws command in the Markdown's ``sh`` blocks, parsed and validated (AssertionError otherwise)."""
    files: dict[str, str] = {}
    calls = []
    for block in shell_blocks(markdown):
        lines = iter(block)
        for line in lines:
            heredoc = re.fullmatch(r"cat > (\S+) <<EOF", line)
            if heredoc:
                body = []
                for inner in lines:
                    if inner == "EOF":
                        break
                    body.append(inner)
                files[heredoc.group(1)] = substitute("\n".join(body))
                continue
            if not re.search(r"(^|\$\()aws ", line):
                continue
            inner = re.fullmatch(r"[A-Z_][A-Z0-9_]*=\$\((aws .*)\)", line)
            command = inner.group(1) if inner else line
            tokens = [substitute(t) for t in shlex.split(command)]
            if ">" in tokens:
                at = tokens.index(">")
                files[tokens[at + 1]] = PRODUCED
                tokens = tokens[:at]
            calls.append(parse_call(line, tokens, files))
    return calls


def parse_call(line: str, tokens: list[str], files: dict[str, str]) -> AwsCall:
    assert tokens[0] == "aws", line
    service, cli_op = tokens[1], tokens[2]
    model = _SESSION.get_service_model(service)
    ops = {xform_name(name, "-"): name for name in model.operation_names}
    assert cli_op in ops, f"{service} has no operation {cli_op}: {line}"
    op = model.operation_model(ops[cli_op])
    shape = op.input_shape
    members = {xform_name(m, "-"): m for m in (shape.members if shape is not None else {})}
    params: dict[str, Any] = {}
    region = None
    i = 3
    while i < len(tokens):
        opt = tokens[i]
        assert opt.startswith("--"), f"expected an option at {opt!r}: {line}"
        name = opt[2:]
        if opt in GLOBAL_OPTIONS:
            if opt == "--region":
                region = tokens[i + 1]
            i += 2
            continue
        if name.startswith("no-") and name[3:] in members:
            member = members[name[3:]]
            assert shape is not None and shape.members[member].type_name == "boolean", line
            params[member] = False
            i += 1
            continue
        assert name in members, f"{ops[cli_op]} has no parameter {opt}: {line}"
        member = members[name]
        assert shape is not None
        kind = shape.members[member].type_name
        if kind == "boolean":
            params[member] = True
            i += 1
            continue
        value = tokens[i + 1]
        if value.startswith("file://"):
            assert value[7:] in files, f"{value} is not written before it is used: {line}"
            value = files[value[7:]]
        if kind in ("structure", "list", "map"):
            params[member] = json.loads(value)
        elif kind in ("integer", "long"):
            params[member] = int(value)
        else:
            params[member] = value
        i += 2
    if shape is not None:
        validate_parameters(params, shape)  # raises ParamValidationError with every problem
    return AwsCall(line, service, op.name, region, params)
