"""Run compiled roots against a local AWS emulator (moto server, LocalStack): ``--endpoint-url``.

Compiled output is never changed. Each root gets a working copy, ``<dir>/.emulator/<root>/``, that holds
the root's files plus an override file (:data:`EMULATOR_OVERRIDE_NAME`) and keeps its own ``.terraform/``
and local state between runs, so apply, plan and destroy are separate commands as against real AWS.

The override, per ``provider "aws"`` of the root:

* every service the roots use (backup, dsql, iam, kms, sns, sts) goes to the endpoint URL;
* fake static credentials and the ``skip_*`` flags, so nothing reads the machine's AWS configuration;
  the account ID is still asked of the emulator's STS (resources such as ``aws_backup_global_settings``
  take their ID from it; with ``skip_requesting_account_id`` their ID is empty and apply fails with
  "Root object was present, but now absent");
* ``max_retries = 3``: an emulator answers an operation it lacks with HTTP 500 or 404, which the SDK
  retries for about 10 minutes at the default setting (25; measured with moto 5.2.5); 3 keeps that to
  seconds while still riding out a dropped connection to a busy local server ("use of closed network
  connection", seen with 1 on a loaded 2-core machine);
* ``allowed_account_ids`` and the profile settings nulled: the emulator decides the account;
* the compiled ``assume_role`` is kept and goes to the emulator's STS, which files each account's
  resources under the account of the assumed role (moto does), so accounts stay apart as in AWS;
* the backend becomes ``backend "local" {}``.

``lifecycle { prevent_destroy }`` is not touched: the emulator shows what AWS would refuse.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

from generator.render.hcl_syntax import quote
from generator.terraform.overrides import ProviderRef, provider_override

EMULATOR_OVERRIDE_NAME = "zz_emulator_override.tf"
EMULATOR_DIR = ".emulator"
SERVICES = ("backup", "dsql", "iam", "kms", "sns", "sts")
_SYNCED = ".dsql-backup-synced"  # the files the last sync copied, so stale ones can be removed


def emulator_override(providers: Sequence[ProviderRef], endpoint_url: str) -> str:
    """The override file's text for a root whose ``aws`` providers are ``providers``."""
    if not endpoint_url.startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) URL: {endpoint_url!r}")
    url = quote(endpoint_url.rstrip("/"))
    return provider_override(
        providers,
        header=("# Emulator runs only (--endpoint-url): written into a working copy, never into compiled output.\n"
                "# Every API call goes to the emulator with fake credentials; local state.\n"),
        fake_key="emulator",
        settings=[
            ("skip_credentials_validation", "true"),
            ("skip_metadata_api_check", "true"),
            ("skip_region_validation", "true"),
            ("max_retries", "3"),
        ],
        extra_body=["", "  endpoints {", *(f"    {s.ljust(6)} = {url}" for s in SERVICES), "  }"],
    )


def sync_working_copy(root: Path, work: Path, providers: Sequence[ProviderRef], endpoint_url: str) -> Path:
    """Make ``work`` hold ``root``'s current files plus the override; keep its ``.terraform/`` and state.

    Files of ``root`` are copied over (``.terraform/`` and state files of ``root`` itself are not); files a
    previous sync copied that ``root`` no longer has are removed; anything else in ``work`` is left alone.
    """
    work.mkdir(parents=True, exist_ok=True)
    skip = {".terraform", "terraform.tfstate", "terraform.tfstate.backup", ".terraform.tfstate.lock.info",
            ".terraform.lock.hcl", "tfplan"}
    copied: list[str] = []
    for src in sorted(root.iterdir()):
        if src.name in skip or src.is_dir():
            continue
        shutil.copy2(src, work / src.name)
        copied.append(src.name)
    try:
        previous = json.loads((work / _SYNCED).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        previous = []
    for name in previous:
        if isinstance(name, str) and name not in copied and "/" not in name and (work / name).is_file():
            (work / name).unlink()
    (work / EMULATOR_OVERRIDE_NAME).write_text(emulator_override(providers, endpoint_url), encoding="utf-8")
    (work / _SYNCED).write_text(json.dumps(copied) + "\n", encoding="utf-8")
    return work
