"""Override files for working copies of a root, never for compiled output: the offline preview's here, the
emulator's in :mod:`generator.terraform.emulator`, both through :func:`provider_override`.

Offline preview. A compiled provider carries a static ``assume_role`` block, and the AWS provider calls
STS AssumeRole while it is configured, even with every ``skip_*`` flag set; with no network, plan fails
(after 25 retries, about 7 minutes) with ``Error: Cannot assume IAM Role``. :func:`offline_override`
writes an override file for a *scratch copy* of a root (:func:`prepare_offline_copy`) that, measured
with Terraform 1.11.4 + hashicorp/aws 5.100.0 under ``unshare -n``:

* replaces the backend with ``backend "local" {}`` (``init -backend=false`` is not enough: plan then
  stops with ``Error: Backend initialization required, please run "terraform init"``);
* sets fake static credentials plus ``skip_credentials_validation``, ``skip_requesting_account_id``,
  ``skip_metadata_api_check``, ``skip_region_validation``, ``max_retries = 1`` (so a call that does slip
  through fails in seconds, not minutes), and nulls ``profile``, ``allowed_account_ids`` and the
  shared-config settings;
* removes the ``assume_role`` block with an empty ``dynamic "assume_role" { for_each = [] }``: an
  override's nested block of the same type replaces the original's, and the dynamic one expands to
  nothing. (``assume_role { role_arn = "" }`` also avoids the STS call but warns ``Missing required
  argument ... "role_arn" is required ... This will be an error in a future release.``; a JSON override
  with ``"assume_role": []`` does not replace the block at all.)

The HCL override also overrides providers declared in Terraform JSON (``*.tf.json``) roots.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.render.hcl_syntax import quote

OFFLINE_OVERRIDE_NAME = "zz_offline_override.tf"
# Left out of an offline scratch copy: local working state that would make plan refresh or reuse plugins.
_COPY_IGNORE = (".terraform", "terraform.tfstate", "terraform.tfstate.backup", ".terraform.tfstate.lock.info")


@dataclass(frozen=True, slots=True)
class ProviderRef:
    """One ``provider "aws"`` configuration of a root: its alias (None for the default one) and Region."""

    alias: str | None
    region: str


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")

# Provider arguments nulled in the scratch copy: each makes the provider read the machine's AWS config
# or compare against an account ID that offline mode cannot know (measured: `profile` -> "failed to get
# shared config profile", `allowed_account_ids` -> "AWS account ID not allowed").
_NULLED = (
    "profile",
    "token",
    "shared_config_files",
    "shared_credentials_files",
    "allowed_account_ids",
    "forbidden_account_ids",
)
_REMOVED_BLOCKS = ("assume_role", "assume_role_with_web_identity")


def provider_override(
    providers: Sequence[ProviderRef],
    *,
    header: str,
    fake_key: str,
    settings: Sequence[tuple[str, str]],
    extra_body: Sequence[str] = (),
) -> str:
    """An override file for a working copy of a root: a local backend, and every ``aws`` provider given fake
    static credentials, the skip flags, ``settings``, the account and profile settings nulled, then the
    lines ``extra_body`` (blocks) appended. Shared by the offline preview and emulator runs.

    ``providers`` must list exactly the ``aws`` provider configurations the root declares (terraform
    rejects an override for a provider the root does not have). The text is in ``terraform fmt`` form.
    """
    seen: set[str | None] = set()
    for p in providers:
        if p.alias is not None and not _IDENT.match(p.alias):
            raise ValueError(f"not a provider alias: {p.alias!r}")
        if p.alias in seen:
            raise ValueError(f"provider alias listed twice: {p.alias!r}")
        seen.add(p.alias)
    blocks = ['terraform {\n  backend "local" {}\n}\n']
    for p in sorted(providers, key=lambda p: (p.alias is not None, p.alias or "")):
        attrs: list[tuple[str, str]] = []
        if p.alias is not None:
            attrs.append(("alias", quote(p.alias)))
        attrs += [
            ("region", quote(p.region)),
            ("access_key", quote(fake_key)),
            ("secret_key", quote(fake_key)),
            *settings,
        ]
        attrs += [(name, "null") for name in _NULLED]
        width = max(len(k) for k, _ in attrs)
        body = [f"  {k.ljust(width)} = {v}" for k, v in attrs] + list(extra_body)
        blocks.append('provider "aws" {\n' + "\n".join(body) + "\n}\n")
    return header + "\n".join(blocks)


def offline_override(providers: Sequence[ProviderRef]) -> str:
    """The text of an override file (:data:`OFFLINE_OVERRIDE_NAME`) for a scratch copy of a root."""
    removed: list[str] = []
    for block in _REMOVED_BLOCKS:
        removed += ["", f'  dynamic "{block}" {{', "    for_each = []", "    content {}", "  }"]
    return provider_override(
        providers,
        header=("# Offline preview only: written into a scratch copy, never into compiled output.\n"
                "# Local backend, fake static credentials, no assume_role, no account lookups: no AWS call.\n"),
        fake_key="offline-preview",
        settings=[
            ("skip_credentials_validation", "true"),
            ("skip_requesting_account_id", "true"),
            ("skip_metadata_api_check", "true"),
            ("skip_region_validation", "true"),
            ("max_retries", "1"),
        ],
        extra_body=removed,
    )


def prepare_offline_copy(root: Path, scratch: Path, providers: Sequence[ProviderRef]) -> Path:
    """Copy ``root`` to ``scratch`` (which must not exist yet), add the offline override, return it.

    ``.terraform/`` and local state files are left out: the copy starts clean, plan has nothing to refresh.
    The original root is only read.
    """
    text = offline_override(providers)
    shutil.copytree(root, scratch, ignore=shutil.ignore_patterns(*_COPY_IGNORE), symlinks=True)
    (scratch / OFFLINE_OVERRIDE_NAME).write_text(text, encoding="utf-8")
    return scratch
