"""botocore Stubber clients for the restore and drill tests: one stubbed client per (service, Region,
account), and the order of every call across all of them.

Every response and every expected request goes through botocore's service model (Stubber validates both),
so a call the code makes with a wrong member name, or a call the test did not expect, fails the test.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from generator import cli
from generator.insight.recovery_sites import Access
from generator.recovery.clients import Clients

POLICY = """\
version: 1
name: acme
organization: { id: o-abc1234567, management_account: app }
accounts:
  app: { id: "111111111111", role_arn: "arn:aws:iam::111111111111:role/deployer" }
  backup: { id: "222222222222", role_arn: "arn:aws:iam::222222222222:role/deployer", external_id: drill-ext }
clusters:
  ledger: { account: app, regions: [us-east-1, us-east-2], witness_region: us-west-2, kms_key: create }
  orders: { account: app, regions: [us-east-1], deletion_protection: false }
vaults:
  local: { account: app, regions: [us-east-1, us-east-2] }
  central: { account: backup, regions: [us-east-2] }
plans:
  ledger:
    targets: { clusters: [ledger] }
    rules:
      - name: daily
        schedule: cron(0 5 ? * * *)
        start_window_minutes: 60
        vault: local
        retention_days: 35
        copy_to: [{ vault: local, regions: peers, retention_days: 35 }]
  orders:
    targets: { clusters: [orders] }
    rules:
      - name: daily
        schedule: cron(0 5 ? * * *)
        vault: local
        retention_days: 35
        copy_to: [{ vault: central, region: us-east-2, retention_days: 90 }]
"""

APP, BACKUP = "111111111111", "222222222222"
LEDGER_E1 = f"arn:aws:dsql:us-east-1:{APP}:cluster/ledgerone"
LEDGER_E2 = f"arn:aws:dsql:us-east-2:{APP}:cluster/ledgertwo"
ORDERS = f"arn:aws:dsql:us-east-1:{APP}:cluster/ordersone"
NEW_E1 = f"arn:aws:dsql:us-east-1:{APP}:cluster/newone"
NEW_E2 = f"arn:aws:dsql:us-east-2:{APP}:cluster/newtwo"


def rp(region: str, account: str, ident: str) -> str:
    return f"arn:aws:backup:{region}:{account}:recovery-point:{ident}"


def vault(region: str, account: str, name: str) -> str:
    return f"arn:aws:backup:{region}:{account}:backup-vault:{name}"


def point(arn: str, resource: str, created: dt.datetime, vault_name: str, status: str = "COMPLETED") -> dict[str, Any]:
    return {"RecoveryPointArn": arn, "ResourceArn": resource, "ResourceType": "DSQL", "CreationDate": created,
            "Status": status, "BackupVaultName": vault_name}


class Stubs:
    """``make`` for :class:`~generator.recovery.clients.Clients`; ``calls`` lists every call in order as
    ``"service:Operation Region account"``."""

    def __init__(self) -> None:
        self.clients: dict[tuple[str, str, str], Any] = {}
        self.stubbers: dict[tuple[str, str, str], Stubber] = {}
        self.calls: list[str] = []
        self.params: dict[str, list[dict[str, Any]]] = {}  # "service:Operation" -> the parameters of each call

    def __call__(self, service: str, region: str, account: str) -> Any:
        return self.get(service, region, account)[0]

    def get(self, service: str, region: str, account: str) -> tuple[Any, Stubber]:
        key = (service, region, account)
        if key not in self.clients:
            client = boto3.client(service, region_name=region, aws_access_key_id="x", aws_secret_access_key="x")
            stubber = Stubber(client)
            stubber.activate()

            def record(params: dict[str, Any], model: Any, **_: Any) -> None:
                self.calls.append(f"{service}:{model.name} {region} {account}")
                self.params.setdefault(f"{service}:{model.name}", []).append(dict(params))

            client.meta.events.register("before-parameter-build", record)  # Stubber answers before-call itself
            self.clients[key], self.stubbers[key] = client, stubber
        return self.clients[key], self.stubbers[key]

    def add(self, service: str, region: str, account: str, operation: str,  # noqa: PLR0917 (reads as the call)
            response: dict[str, Any], expected: dict[str, Any] | None = None) -> None:
        self.get(service, region, account)[1].add_response(operation, response, expected)

    def error(self, service: str, region: str, account: str, operation: str,  # noqa: PLR0917 (reads as the call)
              code: str, message: str = "", status: int = 400) -> None:
        self.get(service, region, account)[1].add_client_error(operation, code, message, status)

    def identity(self, region: str, account: str, account_id: str) -> None:
        self.add("sts", region, account, "get_caller_identity",
                 {"Account": account_id, "Arn": f"arn:aws:sts::{account_id}:assumed-role/deployer/x", "UserId": "x"})

    def assert_done(self) -> None:
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()


ACCESS = {"app": Access(APP, "arn:aws:iam::111111111111:role/deployer", None),
          "backup": Access(BACKUP, "arn:aws:iam::222222222222:role/deployer", "drill-ext")}


def clients(stubs: Stubs) -> Clients:
    return Clients(ACCESS, stubs)


@pytest.fixture
def stubs(monkeypatch: pytest.MonkeyPatch) -> Stubs:
    """Stubbed clients in place of boto3's for every command run in the test."""
    s = Stubs()
    monkeypatch.setattr("generator.recovery.clients.boto3_make", lambda *a, **k: s)
    return s


@pytest.fixture
def acme_policy(tmp_path: Path) -> str:
    """:data:`POLICY` in a file."""
    p = tmp_path / "acme.yaml"
    p.write_text(POLICY, encoding="utf-8")
    return str(p)


def run_cli(command: str, *args: str) -> tuple[int, str, str]:
    """``dsql-backup COMMAND ARGS --poll-seconds 0``: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    rc = cli.main([command, *args, "--poll-seconds", "0"], stdout=out, stderr=err)
    return rc, out.getvalue(), err.getvalue()
