"""AWS clients per account and Region for ``restore`` and ``drill`` (boto3, the ``aws`` extra).

The base credentials (``--profile`` or the usual chain) are used as they are in their own account. Another
account with a ``role_arn`` in the policy is reached by assuming that role (the role Terraform uses there,
with its ``external_id``); an account without one, or every account under ``--no-assume-role``, gets the
base credentials as they are (and the check below refuses them). Before the
first call in an account the credentials are checked with ``sts:GetCallerIdentity``: restoring in the
wrong account is refused.

Tests give :class:`Clients` a ``make`` function returning clients wrapped in botocore's ``Stubber``; every
call then goes through the service model and the exact sequence is asserted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, TextIO

from generator.insight.recovery_sites import Access
from generator.recovery.errors import RecoveryError

Make = Callable[[str, str, str], Any]  # (service, Region, account key) -> a boto3 client
READ_PREFIXES = ("describe_", "get_", "list_")


class Clients:
    """Cached clients per (service, Region, account), with the account checked once."""

    def __init__(self, accounts: Mapping[str, Access], make: Make, *, log: TextIO | None = None) -> None:
        self.accounts = accounts
        self._make = make
        self._cache: dict[tuple[str, str, str], Any] = {}
        self._checked: set[str] = set()
        self.log = log  # --dry-run: every call is written here

    def __call__(self, service: str, region: str, account: str) -> Any:
        key = (service, region, account)
        if key not in self._cache:
            if account not in self._checked:
                self._check(region, account)
            client = self._make(service, region, account)
            if self.log is not None:
                _echo_calls(client, region, account, self.log)
            self._cache[key] = client
        return self._cache[key]

    def _check(self, region: str, account: str) -> None:
        want = self.accounts[account].account_id
        got = self._make("sts", region, account).get_caller_identity()["Account"]
        if got != want:
            role = self.accounts[account].role_arn
            how = (f"its role {role} was assumed but answered as {got}" if role else
                   "give the account a role_arn in the policy, or use a profile for it (--profile)")
            raise RecoveryError(f"the credentials are for account {got}, not account '{account}' ({want}): {how}")
        self._checked.add(account)

    def would_call(self, service: str, region: str, account: str, operation: str, params: Mapping[str, Any]) -> None:
        """--dry-run: write a call that changes something instead of making it."""
        if self.log is not None:
            self.log.write(f"would call {service}:{operation} in {account} {region} "
                           f"{json.dumps(dict(params), sort_keys=True, default=str)}\n")


def _echo_calls(client: Any, region: str, account: str, log: TextIO) -> None:
    service = client.meta.service_model.service_name

    def before(params: Mapping[str, Any], model: Any, **_: Any) -> None:
        log.write(f"call {service}:{model.name} in {account} {region} "
                  f"{json.dumps(dict(params), sort_keys=True, default=str)}\n")

    client.meta.events.register("before-parameter-build", before)


def _assumed(base: Any, region: str, endpoint_url: str | None, a: Access, session_name: str) -> Any:
    """A session as ``a.role_arn``, its credentials renewed before they expire (a long drill outlives the
    one hour a role assumed from another role's session lasts)."""
    import boto3
    import botocore.session
    from botocore.credentials import RefreshableCredentials

    sts = base.client("sts", region_name=region, endpoint_url=endpoint_url)
    kw: dict[str, Any] = {"RoleArn": a.role_arn, "RoleSessionName": session_name}
    if a.external_id:
        kw["ExternalId"] = a.external_id

    def fetch() -> dict[str, str]:
        c = sts.assume_role(**kw)["Credentials"]
        return {"access_key": c["AccessKeyId"], "secret_key": c["SecretAccessKey"], "token": c["SessionToken"],
                "expiry_time": c["Expiration"].isoformat()}

    core = botocore.session.get_session()
    core._credentials = RefreshableCredentials.create_from_metadata(  # botocore has no public setter
        metadata=fetch(), refresh_using=fetch, method="sts-assume-role")
    return boto3.Session(botocore_session=core)


def boto3_make(accounts: Mapping[str, Access], *, profile: str | None = None, endpoint_url: str | None = None,
               assume_roles: bool = True, session_name: str = "dsql-backup") -> Make:
    """``make`` from a boto3 session; ``ImportError`` when boto3 is not installed."""
    import boto3

    base = boto3.Session(profile_name=profile)
    sessions: dict[str, Any] = {}
    own: list[str] = []  # the base credentials' account, asked once

    def session(account: str, region: str) -> Any:
        a = accounts[account]
        if not assume_roles or not a.role_arn:
            return base
        if not own:
            sts = base.client("sts", region_name=region, endpoint_url=endpoint_url)
            own.append(str(sts.get_caller_identity()["Account"]))
        if own[0] == a.account_id:  # already in that account (a profile for it): no role to assume
            return base
        if account not in sessions:
            sessions[account] = _assumed(base, region, endpoint_url, a, session_name)
        return sessions[account]

    def make(service: str, region: str, account: str) -> Any:
        return session(account, region).client(service, region_name=region, endpoint_url=endpoint_url)

    return make
