"""What the added AWS Backup operations check before they store anything, as AWS does, so that a request AWS would
refuse fails against the emulator too instead of re-planning clean by construction.

* Every request against the operation's input shape in botocore's model
  (``botocore/data/backup/2018-11-15/service-2.json``): required members present (MissingParameterValueException),
  no member the model lacks, each value of its type, strings within their length, ``pattern`` (matched as a whole
  string) and ``enum`` (so only the model's vault event names), lists and numbers within their bounds
  (InvalidParameterValueException). Map keys are not matched against the model's key pattern: AWS itself takes
  resource types such as ``Storage Gateway`` that the pattern would refuse.
* CreateBackupSelection: ``IamRoleArn`` is an IAM role ARN of the request's account, of a role that exists in
  that account (iam:PassRole reaches no other account); ``Resources`` and ``NotResources`` are ARNs or ``*``.
* PutBackupVaultAccessPolicy: ``Policy`` is a JSON object with ``Version`` 2012-10-17 (or 2008-10-17) and a
  non-empty ``Statement``, each statement with ``Effect`` Allow or Deny and one of ``Action``/``NotAction``,
  ``Principal``/``NotPrincipal`` and ``Resource``/``NotResource``.
* PutBackupVaultNotifications: ``SNSTopicArn`` is an SNS topic ARN.
* UpdateRegionSettings: the resource types AWS Backup knows (GetSupportedResourceTypes, the AWS provider's
  ``aws_backup_region_settings``), and for full management only those that offer it.

All of them answer as AWS does: HTTP 400 with ``__type`` InvalidParameterValueException or
MissingParameterValueException (boto3: ClientError with that code).
"""

from __future__ import annotations

import json
import re
from typing import Any

from moto.backup.exceptions import InvalidParameterValueException

from tests.moto_ext.jobs import MissingParameterValueException, _model

# ResourceTypeOptInPreference: every resource type AWS Backup supports (GetSupportedResourceTypes, with Aurora
# DSQL, EKS and Redshift Serverless, which came later); ResourceTypeManagementPreference: those with full
# AWS Backup management.
OPT_IN_RESOURCE_TYPES = frozenset({
    "Aurora", "CloudFormation", "DocumentDB", "DSQL", "DynamoDB", "EBS", "EC2", "EFS", "EKS", "FSx", "Neptune",
    "RDS", "Redshift", "Redshift Serverless", "S3", "SAP HANA on Amazon EC2", "Storage Gateway", "Timestream",
    "VirtualMachine"})
MANAGED_RESOURCE_TYPES = frozenset({"CloudFormation", "DSQL", "DynamoDB", "EFS"})
POLICY_VERSIONS = ("2012-10-17", "2008-10-17")
_ROLE_ARN = re.compile(r"arn:aws:iam::(\d{12}):role/(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}")
_TOPIC_ARN = re.compile(r"arn:aws:sns:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:[\w-]{1,256}")
_ARN = re.compile(r"arn:aws[\w-]*:[\w-]+:[\w-]*:(?:\d{12})?:.+")


def invalid(message: str) -> InvalidParameterValueException:
    return InvalidParameterValueException(message)


def request(operation: str, params: dict[str, Any]) -> None:
    """``params`` (body and URI members) as the model's input shape of ``operation`` has them."""
    _value(_model("backup").operation_model(operation).input_shape, params, operation)


def _value(shape: Any, value: Any, where: str) -> None:
    kind, meta = shape.type_name, shape.metadata
    if kind == "structure":
        if not isinstance(value, dict):
            raise invalid(f"{where} must be an object")
        for name in shape.required_members:
            if value.get(name) is None:
                raise MissingParameterValueException(f"{where}.{name} is required")
        for name, member in value.items():
            if name not in shape.members:
                raise invalid(f"{where} has no member {name}")
            if member is not None:
                _value(shape.members[name], member, f"{where}.{name}")
    elif kind == "list":
        if not isinstance(value, list):
            raise invalid(f"{where} must be a list")
        _bounds(len(value), meta, where, "items")
        for i, item in enumerate(value):
            _value(shape.member, item, f"{where}[{i}]")
    elif kind == "map":
        if not isinstance(value, dict):
            raise invalid(f"{where} must be a map")
        for key, item in value.items():
            _value(shape.value, item, f"{where}[{key}]")
    elif kind == "string":
        if not isinstance(value, str):
            raise invalid(f"{where} must be a string")
        _bounds(len(value), meta, where, "characters")
        if shape.enum and value not in shape.enum:
            raise invalid(f"{where}: {value!r} is not one of {', '.join(shape.enum)}")
        if "pattern" in meta and re.fullmatch(meta["pattern"], value) is None:
            raise invalid(f"{where}: {value!r} does not match {meta['pattern']}")
    elif kind == "boolean":
        if not isinstance(value, bool):
            raise invalid(f"{where} must be a boolean")
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            raise invalid(f"{where} must be an integer")
        _bounds(value, meta, where, "")


def _bounds(n: int, meta: dict[str, Any], where: str, unit: str) -> None:
    if n < meta.get("min", n) or n > meta.get("max", n):
        raise invalid(f"{where}: {n} {unit} is outside {meta.get('min', '')}..{meta.get('max', '')}".replace("  ", " "))


def selection(account: str, body: dict[str, Any]) -> None:
    """CreateBackupSelection's BackupSelection beyond its shape: the role exists in this account, ARNs are ARNs."""
    role = body["BackupSelection"]["IamRoleArn"]
    m = _ROLE_ARN.fullmatch(role)
    if m is None:
        raise invalid(f"IamRoleArn {role} is not an IAM role ARN")
    if m[1] != account:
        raise invalid(f"IamRoleArn {role} is not a role of account {account}")
    from moto.iam.models import iam_backends

    try:
        iam_backends[account]["aws"].get_role_by_arn(role)
    except Exception:  # moto's IAMNotFoundException
        raise invalid(f"IAM role {role} does not exist in account {account}") from None
    for member in ("Resources", "NotResources"):
        for arn in body["BackupSelection"].get(member) or []:
            if arn != "*" and _ARN.fullmatch(arn) is None:
                raise invalid(f"BackupSelection.{member}: {arn} is not an ARN")


def access_policy(policy: str) -> None:
    """PutBackupVaultAccessPolicy's Policy: a JSON policy document with a version and statements."""
    try:
        doc = json.loads(policy)
    except ValueError as exc:
        raise invalid(f"Policy is not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("Version") not in POLICY_VERSIONS:
        raise invalid(f"Policy needs Version {' or '.join(POLICY_VERSIONS)}")
    statements = doc.get("Statement")
    statements = [statements] if isinstance(statements, dict) else statements
    if not isinstance(statements, list) or not statements:
        raise invalid("Policy needs a Statement")
    for i, s in enumerate(statements):
        if not isinstance(s, dict) or s.get("Effect") not in ("Allow", "Deny"):
            raise invalid(f"Policy Statement[{i}] needs Effect Allow or Deny")
        for pair in (("Action", "NotAction"), ("Principal", "NotPrincipal"), ("Resource", "NotResource")):
            if (pair[0] in s) == (pair[1] in s):
                raise invalid(f"Policy Statement[{i}] needs one of {' or '.join(pair)}")


def topic(arn: str) -> None:
    if _TOPIC_ARN.fullmatch(arn) is None:
        raise invalid(f"SNSTopicArn {arn} is not an SNS topic ARN")


def region_settings(body: dict[str, Any]) -> None:
    for member, known in (("ResourceTypeOptInPreference", OPT_IN_RESOURCE_TYPES),
                          ("ResourceTypeManagementPreference", MANAGED_RESOURCE_TYPES)):
        unknown = sorted(set(body.get(member) or {}) - known)
        if unknown:
            raise invalid(f"{member}: unsupported resource type(s) {', '.join(unknown)}")
