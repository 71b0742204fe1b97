"""generator.terraform.binary against the real terraform binary and the offline provider mirror.

Nothing here is skipped: CI has terraform and the mirror, and a machine without them fails with a message
saying what is missing. When ``unshare -n`` works, terraform runs in a network namespace with no
interfaces, which proves the offline plan makes no network call at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from generator.terraform.binary import PlanResult, TerraformRunner, run_many
from generator.terraform.discovery import (
    MIRROR_ENV,
    TERRAFORM_ENV,
    TerraformUnavailable,
    default_search_roots,
    find_provider_mirror,
    find_terraform,
    os_arch,
    write_cli_config,
)
from generator.terraform.messages import TfDiagnostic, diagnostics_of
from generator.terraform.overrides import OFFLINE_OVERRIDE_NAME, ProviderRef, offline_override, prepare_offline_copy

pytestmark = pytest.mark.terraform

PROVIDERS = (ProviderRef("primary", "us-east-1"), ProviderRef("dr", "us-west-2"))
ROLE = "arn:aws:iam::111111111111:role/x"

HCL_ROOT = f"""\
terraform {{
  required_providers {{
    aws = {{
      source  = "hashicorp/aws"
      version = "5.100.0"
    }}
  }}
  backend "s3" {{
    bucket = "dsql-backup-state"
    key    = "prod/terraform.tfstate"
    region = "us-east-1"
  }}
}}

provider "aws" {{
  alias  = "primary"
  region = "us-east-1"
  assume_role {{
    role_arn     = "{ROLE}"
    session_name = "dsql-backup"
  }}
}}

provider "aws" {{
  alias  = "dr"
  region = "us-west-2"
}}

resource "aws_backup_vault" "primary" {{
  provider = aws.primary
  name     = "dsql-primary"
}}

resource "aws_backup_vault" "dr" {{
  provider = aws.dr
  name     = "dsql-dr"
}}

resource "aws_backup_plan" "daily" {{
  provider = aws.primary
  name     = "dsql-daily"
  rule {{
    rule_name         = "daily"
    target_vault_name = aws_backup_vault.primary.name
    schedule          = "cron(0 5 * * ? *)"
    lifecycle {{
      delete_after = 35
    }}
    copy_action {{
      destination_vault_arn = aws_backup_vault.dr.arn
      lifecycle {{
        delete_after = 35
      }}
    }}
  }}
}}
"""

JSON_ROOT = {
    "terraform": {
        "required_providers": {"aws": {"source": "hashicorp/aws", "version": "5.100.0"}},
        "backend": {
            "s3": {"bucket": "dsql-backup-state", "key": "prod/terraform.tfstate", "region": "us-east-1"}
        },
    },
    "provider": {
        "aws": [
            {
                "alias": "primary",
                "region": "us-east-1",
                "assume_role": [{"role_arn": ROLE, "session_name": "dsql-backup"}],
            },
            {"alias": "dr", "region": "us-west-2"},
        ]
    },
    "resource": {
        "aws_backup_vault": {
            "primary": {"provider": "aws.primary", "name": "dsql-primary"},
            "dr": {"provider": "aws.dr", "name": "dsql-dr"},
        },
        "aws_backup_plan": {
            "daily": {
                "provider": "aws.primary",
                "name": "dsql-daily",
                "rule": [
                    {
                        "rule_name": "daily",
                        "target_vault_name": "${aws_backup_vault.primary.name}",
                        "schedule": "cron(0 5 * * ? *)",
                        "lifecycle": [{"delete_after": 35}],
                        "copy_action": [
                            {
                                "destination_vault_arn": "${aws_backup_vault.dr.arn}",
                                "lifecycle": [{"delete_after": 35}],
                            }
                        ],
                    }
                ],
            }
        },
    },
}

EXPECTED_CHANGES = [
    ("aws_backup_plan.daily", ["create"]),
    ("aws_backup_vault.dr", ["create"]),
    ("aws_backup_vault.primary", ["create"]),
]


def _unshare_works() -> bool:
    try:
        return subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False).returncode == 0
    except OSError:
        return False


UNSHARE = ("unshare", "-n") if _unshare_works() else ()


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> TerraformRunner:
    env = dict(os.environ)
    try:
        terraform = find_terraform(env)
        mirror = find_provider_mirror(env)
    except TerraformUnavailable as exc:
        pytest.fail(f"{exc.message} ({exc.hint})", pytrace=False)
    if mirror is None:
        pytest.fail(
            "no offline mirror of hashicorp/aws found: set "
            f"{MIRROR_ENV} to the folder holding registry.terraform.io/ "
            f"(searched {[str(p) for p in default_search_roots(env)]})",
            pytrace=False,
        )
    config = write_cli_config(mirror, tmp_path_factory.mktemp("tfcli") / "terraformrc")
    return TerraformRunner(terraform, config, offline=True, command_prefix=UNSHARE, timeout=300)


def _write(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# ------------------------------------------------------------------------- offline plan, real terraform


def test_offline_plan_of_hcl_and_json_roots(runner: TerraformRunner, tmp_path: Path) -> None:
    """Two aliased providers (one with a static assume_role) and an s3 backend plan with no network."""
    hcl = _write(tmp_path / "compiled" / "hcl", {"main.tf": HCL_ROOT})
    jsn = _write(tmp_path / "compiled" / "json", {"main.tf.json": json.dumps(JSON_ROOT, indent=2)})
    copies = [prepare_offline_copy(r, tmp_path / "scratch" / r.name, PROVIDERS) for r in (hcl, jsn)]

    def preview(root: Path) -> tuple[bool, PlanResult, dict[str, Any]]:
        init = runner.init(root)
        assert init.ok, init.diagnostics
        plan = runner.plan(root)
        return init.ok, plan, runner.show_json(root, "tfplan")

    results = run_many(copies, preview, parallel=2)

    for root, (_, plan, shown) in zip(copies, results, strict=True):
        # no diagnostics at all: neither "Cannot assume IAM Role" nor a "role_arn is required" warning
        assert plan.diagnostics == (), (root.name, plan.diagnostics)
        assert (plan.status, plan.add, plan.change, plan.destroy) == ("changes", 3, 0, 0)
        assert plan.planfile == root / "tfplan"
        assert sorted(plan.changes) == [(a, acts[0]) for a, acts in EXPECTED_CHANGES]
        changes = sorted((rc["address"], rc["change"]["actions"]) for rc in shown["resource_changes"])
        assert changes == EXPECTED_CHANGES
        assert shown["format_version"] == "1.2"


def test_without_the_assume_role_override_plan_cannot_work_offline(
    runner: TerraformRunner, tmp_path: Path
) -> None:
    """Control for the test above: keep the static assume_role and plan must call STS, and fail.

    Under ``unshare -n`` the call cannot leave the machine; without it (no unshare in CI) STS rejects the
    fake credentials. Either way the same diagnostic comes back, quickly thanks to ``max_retries = 1``.
    """
    root = prepare_offline_copy(
        _write(tmp_path / "root", {"main.tf": HCL_ROOT}), tmp_path / "scratch", PROVIDERS
    )
    override = root / OFFLINE_OVERRIDE_NAME
    neutraliser = '\n  dynamic "assume_role" {\n    for_each = []\n    content {}\n  }\n'
    assert neutraliser in override.read_text()
    override.write_text(override.read_text().replace(neutraliser, ""))
    assert runner.init(root).ok
    plan = runner.plan(root)
    assert plan.status == "error"
    assert next(d.summary for d in plan.diagnostics if d.severity == "error") == "Cannot assume IAM Role"
    if UNSHARE:
        assert any(
            "network is unreachable" in d.detail or "no such host" in d.detail for d in plan.diagnostics
        )


def test_original_root_is_untouched_by_offline_copy(tmp_path: Path) -> None:
    root = _write(tmp_path / "root", {"main.tf": HCL_ROOT, "modules/x/x.tf": "# module\n"})
    _write(root, {".terraform/junk": "x", "terraform.tfstate": "{}"})
    before = _tree_digest(root)
    copy = prepare_offline_copy(root, tmp_path / "scratch", PROVIDERS)
    assert _tree_digest(root) == before
    assert not (root / OFFLINE_OVERRIDE_NAME).exists()
    assert (copy / "main.tf").read_text() == HCL_ROOT  # the compiled file keeps its static assume_role
    assert (copy / "modules/x/x.tf").exists()
    assert not (copy / ".terraform").exists() and not (copy / "terraform.tfstate").exists()
    assert (copy / OFFLINE_OVERRIDE_NAME).read_text() == offline_override(PROVIDERS)


def test_offline_override_text() -> None:
    text = offline_override([ProviderRef("dr", "us-west-2"), ProviderRef(None, "us-east-1")])
    assert 'backend "local" {}' in text
    assert text.count('provider "aws" {') == 2
    default, aliased = text.index('"us-east-1"'), text.index('alias                       = "dr"')
    assert default < aliased  # the default provider first, then aliases by name
    assert 'dynamic "assume_role" {\n    for_each = []\n    content {}\n  }' in text
    assert "assume_role {" not in text
    with pytest.raises(ValueError, match="not a provider alias"):
        offline_override([ProviderRef('x" {', "us-east-1")])
    with pytest.raises(ValueError, match="listed twice"):
        offline_override([ProviderRef("a", "us-east-1"), ProviderRef("a", "us-west-2")])


def test_offline_override_is_canonically_formatted(runner: TerraformRunner, tmp_path: Path) -> None:
    root = _write(tmp_path, {OFFLINE_OVERRIDE_NAME: offline_override(PROVIDERS)})
    assert runner.fmt_check(root) == []


# ------------------------------------------------------------------------------------- validate, plan errors


INVALID = """\
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}

resource "aws_backup_vault" "ok" {
  name = "dsql-ok"
}

resource "aws_backup_vault_lock_configuration" "lock" {
  min_retention_days = 7
}
"""

MISSING_VAULT_NAME = TfDiagnostic(
    severity="error",
    summary="Missing required argument",
    detail='The argument "backup_vault_name" is required, but no definition was found.',
    filename="main.tf",
    line=18,
    column=55,
    end_line=18,
    end_column=56,
)


def test_validate_and_plan_report_the_file_and_line(runner: TerraformRunner, tmp_path: Path) -> None:
    root = prepare_offline_copy(
        _write(tmp_path / "root", {"main.tf": INVALID}),
        tmp_path / "scratch",
        [ProviderRef(None, "us-east-1")],
    )
    assert runner.init(root).ok
    doc = runner.validate(root)
    assert doc["valid"] is False
    assert diagnostics_of(doc) == (MISSING_VAULT_NAME,)

    plan = runner.plan(root)
    assert (plan.status, plan.planfile, plan.add) == ("error", None, 0)
    assert plan.diagnostics == (MISSING_VAULT_NAME,)
    project = plan.diagnostics[0].to_diagnostic(root)
    where = (project.code, project.file, project.line, project.column)
    assert where == ("DSB902", str(root / "main.tf"), 18, 55)


def test_validate_without_init_is_data_not_an_exception(runner: TerraformRunner, tmp_path: Path) -> None:
    root = _write(tmp_path, {"main.tf": INVALID})
    doc = runner.validate(root)
    assert doc["valid"] is False
    assert diagnostics_of(doc)[0].severity == "error"


def test_show_json_of_a_missing_plan_is_a_diagnostic(runner: TerraformRunner, tmp_path: Path) -> None:
    doc = runner.show_json(_write(tmp_path, {"main.tf": ""}), "nope.tfplan")
    diags = diagnostics_of(doc)
    assert len(diags) >= 1 and diags[0].severity == "error", doc


# ---------------------------------------------------------------------------------------------------- fmt


def test_fmt_check_lists_misformatted_and_unparsable_files(runner: TerraformRunner, tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "good.tf": "locals {\n  a = 1\n}\n",
            "bad.tf": 'locals {\nb="x"\n}\n',
            "sub/also_bad.tf": "locals {\n  c    = 1\n}\n",
            "data.tf.json": '{"locals":{"d":1}}',  # fmt does not look at JSON
        },
    )
    assert runner.fmt_check(root) == ["bad.tf", "sub/also_bad.tf"]

    _write(root, {"sub/broken.tf": "locals {\n  e = \n"})
    result = runner.fmt(root)
    assert "sub/broken.tf" in result.files and not result.ok
    assert [(d.severity, d.filename, d.line) for d in result.diagnostics] == [("error", "sub/broken.tf", 2)]


# ---------------------------------------------------------------------------------------------- discovery


def _fake_mirror(base: Path, version: str = "5.100.0") -> Path:
    (base / "registry.terraform.io/hashicorp/aws" / version / os_arch()).mkdir(parents=True)
    return base


def test_find_terraform_from_env_var_and_path(tmp_path: Path) -> None:
    exe = tmp_path / "bin" / "terraform"
    exe.parent.mkdir()
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    assert find_terraform({TERRAFORM_ENV: str(exe), "PATH": ""}) == exe
    assert find_terraform({"PATH": str(exe.parent)}) == exe

    with pytest.raises(TerraformUnavailable) as missing:
        find_terraform({"PATH": str(tmp_path / "empty")})
    assert missing.value.message == "terraform was not found on PATH"
    assert TERRAFORM_ENV in missing.value.hint and "install" in missing.value.hint
    assert missing.value.to_diagnostic().code == "DSB902"

    with pytest.raises(TerraformUnavailable, match="is not an executable file"):
        find_terraform({TERRAFORM_ENV: str(tmp_path / "nope"), "PATH": str(exe.parent)})


def test_find_provider_mirror_sources_in_order(tmp_path: Path) -> None:
    by_env = _fake_mirror(tmp_path / "by_env")
    by_config = _fake_mirror(tmp_path / "by config")
    config = write_cli_config(by_config, tmp_path / "rc")
    home = tmp_path / "home"
    by_home = _fake_mirror(home / ".terraform.d" / "plugins")
    nothing = [tmp_path / "empty"]

    assert find_provider_mirror({MIRROR_ENV: str(by_env), "TF_CLI_CONFIG_FILE": str(config)}) == by_env
    assert (
        find_provider_mirror({"TF_CLI_CONFIG_FILE": str(config)}, search_roots=nothing) == by_config.resolve()
    )
    # a CLI config that does not exist (as on this machine) falls through to the search
    assert (
        find_provider_mirror({"TF_CLI_CONFIG_FILE": str(tmp_path / "missing"), "HOME": str(home)}) == by_home
    )
    assert find_provider_mirror({}, search_roots=nothing) is None
    with pytest.raises(TerraformUnavailable, match="is not a directory"):
        find_provider_mirror({MIRROR_ENV: str(tmp_path / "nope")})


def test_mirror_search_is_bounded_and_checks_the_platform(tmp_path: Path) -> None:
    _fake_mirror(tmp_path / "opt" / "a" / "b")  # depth 2: found
    assert find_provider_mirror({}, search_roots=[tmp_path / "opt"]) == tmp_path / "opt" / "a" / "b"
    assert find_provider_mirror({}, search_roots=[tmp_path / "opt"], max_depth=1) is None

    other = tmp_path / "other" / "registry.terraform.io/hashicorp/aws/5.100.0/plan9_mips"
    other.mkdir(parents=True)
    assert find_provider_mirror({}, search_roots=[tmp_path / "other"]) is None

    packed = tmp_path / "packed" / "registry.terraform.io/hashicorp/aws"
    packed.mkdir(parents=True)
    (packed / f"terraform-provider-aws_5.100.0_{os_arch()}.zip").write_bytes(b"")
    assert find_provider_mirror({}, search_roots=[tmp_path / "packed"]) == tmp_path / "packed"


def test_discover_can_require_a_mirror(tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)}
    if TERRAFORM_ENV in os.environ:
        env[TERRAFORM_ENV] = os.environ[TERRAFORM_ENV]
    env[MIRROR_ENV] = str(_fake_mirror(tmp_path / "m"))
    runner = TerraformRunner.discover(tmp_path / "w", env, require_mirror=True)
    assert str(tmp_path / "m") in runner.cli_config.read_text()
    assert runner.env["TF_CLI_CONFIG_FILE"] == str(tmp_path / "w" / "terraformrc")


def test_write_cli_config(tmp_path: Path) -> None:
    mirror = _fake_mirror(tmp_path / 'odd "dir"')
    text = write_cli_config(mirror, tmp_path / "rc", tmp_path / "cache").read_text()
    assert f'plugin_cache_dir = "{tmp_path / "cache"}"' in text
    assert 'path    = "' + str(mirror).replace('"', '\\"') + '"' in text
    assert 'exclude = ["registry.terraform.io/*/*"]' in text
    assert (tmp_path / "cache").is_dir()
    assert "provider_installation" not in write_cli_config(None, tmp_path / "rc2").read_text()


# --------------------------------------------------------------------------------------------- plumbing


def test_missing_binary_raises_unavailable(tmp_path: Path) -> None:
    runner = TerraformRunner(tmp_path / "terraform", tmp_path / "rc")
    with pytest.raises(TerraformUnavailable, match="cannot run"):
        runner.init(tmp_path)


def test_runner_environment(tmp_path: Path) -> None:
    base = {"PATH": "/bin", "AWS_PROFILE": "prod", "TF_CLI_ARGS_plan": "-refresh=false", "TF_LOG": "trace"}
    env = TerraformRunner(tmp_path / "tf", tmp_path / "rc", base_env=base, offline=True).env
    assert env == {
        "PATH": "/bin",
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
        "TF_CLI_CONFIG_FILE": str(tmp_path / "rc"),
    }
    assert TerraformRunner(tmp_path / "tf", tmp_path / "rc", base_env=base).env["AWS_PROFILE"] == "prod"


def test_run_many_keeps_input_order() -> None:
    roots = [Path(str(i)) for i in range(6)]

    def slow_first(root: Path) -> str:
        time.sleep(0.05 * (6 - int(root.name)))
        return root.name

    assert run_many(roots, slow_first, parallel=3) == ["0", "1", "2", "3", "4", "5"]
    assert run_many([], slow_first) == []
    with pytest.raises(ValueError, match="parallel"):
        run_many(roots, slow_first, parallel=0)
