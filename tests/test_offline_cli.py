"""`dsql-backup plan --offline` end to end through the CLI, and its errors."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator.cli import main
from tests.conftest import REPO

pytestmark = pytest.mark.terraform


def test_offline_plan_of_an_example_prints_a_table_per_root(tmp_path: Path) -> None:
    keep = tmp_path / "preview"
    done = subprocess.run([sys.executable, "-m", "generator", "plan", "--offline", "--keep", str(keep),
                           str(REPO / "examples" / "central-vault.yaml")], capture_output=True, text=True,
                          check=False, env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == 0, done.stderr
    rows = [line.split() for line in done.stdout.splitlines()[1:]]
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("mgmt", "1", "changes"), ("backup", "2", "changes"), ("orders", "3", "changes"), ("payments", "3", "changes"),
    ]
    assert "4 of 4 root(s) planned" in done.stderr
    # the scratch copies carry the override; the compiled output does not
    assert (keep / "plan" / "backup" / "zz_offline_override.tf").is_file()
    assert not list((keep / "compiled").rglob("zz_offline_override.tf"))
    assert "assume_role" in (keep / "compiled" / "orders" / "providers.tf").read_text()


def test_missing_terraform_is_a_clear_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSQL_BACKUP_TERRAFORM", "/nonexistent/terraform")
    out, err = io.StringIO(), io.StringIO()
    code = main(["plan", "--offline", str(REPO / "examples" / "single-region.yaml")], stdout=out, stderr=err)
    assert code == 2
    assert "DSB902" in err.getvalue() and "/nonexistent/terraform" in err.getvalue()
    assert "Traceback" not in err.getvalue()


def test_an_invalid_policy_plans_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nname: x1\naccounts: {}\n")
    out, err = io.StringIO(), io.StringIO()
    assert main(["plan", "--offline", str(bad)], stdout=out, stderr=err) == 1
    assert "DSB107" in out.getvalue()
