"""The one error of the recovery commands, and how AWS's refusals become it."""

from __future__ import annotations

from typing import Any

# What each call needs, for the hint of an AccessDenied.
PERMISSIONS = {
    "StartRestoreJob": "backup:StartRestoreJob and iam:PassRole on the AWS Backup role",
    "StartCopyJob": "backup:StartCopyJob and iam:PassRole on the AWS Backup role",
    "DeleteCluster": "dsql:DeleteCluster",
    "TagResource": "dsql:TagResource",
}


class RecoveryError(Exception):
    """A restore or drill cannot go on: exit 1 with this message, no traceback."""


def from_client_error(exc: Any, where: str) -> RecoveryError:
    """A botocore ``ClientError`` as a :class:`RecoveryError` naming the call, the place and what it needs."""
    err = exc.response.get("Error", {})
    code = str(err.get("Code", "error"))
    op = getattr(exc, "operation_name", "") or "a call"
    message = f"AWS refused {op} in {where}: {code}: {err.get('Message', '')}".rstrip(": ")
    if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
        need = PERMISSIONS.get(op, f"the permission for {op}")
        message += f" (the credentials there need {need})"
    return RecoveryError(message)


def aws_problem(exc: BaseException, where: str) -> str | None:
    """What went wrong, when ``exc`` is botocore's: AWS refused (``ClientError``, see :func:`from_client_error`)
    or the call never got an answer (no credentials, endpoint unreachable, ...); None for anything else."""
    if hasattr(exc, "response"):
        return str(from_client_error(exc, where))
    if type(exc).__module__.startswith("botocore"):
        return f"{type(exc).__name__}: {exc}"
    return None
