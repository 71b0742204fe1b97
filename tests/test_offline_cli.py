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
    """Two of central-vault's four roots (--root, named out of order): a row each, in wave order. Every root of
    every example plans offline in tests/test_terraform_examples.py."""
    keep = tmp_path / "preview"
    done = subprocess.run([sys.executable, "-m", "generator", "plan", "--offline", "--keep", str(keep),
                           "--root", "payments", "--root", "backup",
                           str(REPO / "examples" / "central-vault.yaml")], capture_output=True, text=True,
                          check=False, env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == 0, done.stderr
    rows = [line.split() for line in done.stdout.splitlines()[1:]]
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [("backup", "2", "changes", "13"),
                                                        ("payments", "3", "changes", "28")]
    assert "planning 2 root(s) offline" in done.stderr and "2 of 2 root(s) planned" in done.stderr
    # the scratch copies carry the override; the compiled output (every root) does not
    assert sorted(p.name for p in (keep / "plan").iterdir()) == ["backup", "payments"]
    assert (keep / "plan" / "backup" / "zz_offline_override.tf").is_file()
    assert not list((keep / "compiled").rglob("zz_offline_override.tf"))
    assert "assume_role" in (keep / "compiled" / "orders" / "providers.tf").read_text()


def test_offline_plan_of_an_unknown_root_is_a_usage_error() -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main(["plan", "--offline", str(REPO / "examples" / "central-vault.yaml"), "--root", "nope", "--root",
                 "backup"], stdout=out, stderr=err)
    assert code == 2
    assert err.getvalue() == "dsql-backup: --root nope: no such root (roots: mgmt, backup, orders, payments)\n"


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
