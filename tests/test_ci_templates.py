"""The CI templates under examples/ci/ and the pre-commit hook.

- The GitHub Actions workflow passes actionlint and has the documented jobs (one apply job per wave slot).
- The GitLab pipeline parses and has the documented jobs; its child pipeline includes files that exist.
- Every ``dsql-backup`` command line in the templates uses a command and options the CLI has, except the
  ones issue 5 (credentialed plan/apply) is adding, listed in PENDING.
- ``.pre-commit-hooks.yaml`` is valid for pre-commit, and the hook runs on a sample repository: it checks
  the policy files (and only those) and fails on an invalid one. pre-commit installs the hook from a local
  git repository holding this package, so no network is needed but PyPI for the dependencies.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.cli import build_parser
from generator.policy.starter import POLICY_FILE_PATTERN
from generator.terraform.rollout import GITLAB_TEMPLATE_JOB, MAX_WAVES

REPO = Path(__file__).resolve().parent.parent
CI = REPO / "examples" / "ci"
GITHUB_WORKFLOWS = sorted((CI / "github").glob("*.yml"))
GITLAB_PIPELINE = CI / "gitlab" / ".gitlab-ci.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"

# Commands and options the templates use that the CLI does not have yet (none: plan/apply/destroy exist).
# Every template command line must parse with the real parser unless listed here.
PENDING: set[tuple[str, str]] = set()


def actionlint() -> str:
    found = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    if found is None:
        pytest.fail("actionlint is required: it is in the test extra (pip install -e '.[test]')", pytrace=False)
    return found


# --------------------------------------------------------------------------- GitHub Actions


def test_there_is_a_github_workflow() -> None:
    assert [p.name for p in GITHUB_WORKFLOWS] == ["dsql-backup.yml"]


@pytest.mark.parametrize("workflow", GITHUB_WORKFLOWS, ids=lambda p: p.name)
def test_github_workflow_passes_actionlint(workflow: Path) -> None:
    done = subprocess.run([actionlint(), "-no-color", "-oneline", str(workflow)], capture_output=True, text=True,
                          timeout=120, check=False, cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    """The check is real: a typo in an expression and an unknown key fail it."""
    text = GITHUB_WORKFLOWS[0].read_text(encoding="utf-8")
    broken = text.replace("needs.rollout.outputs.wave_2)", "needs.rolout.outputs.wave_2)").replace(
        "    runs-on: ubuntu-latest\n", "    runs-on: ubuntu-latest\n    run-on: x\n", 1)
    target = tmp_path / "broken.yml"
    target.write_text(broken, encoding="utf-8")
    done = subprocess.run([actionlint(), "-no-color", "-oneline", str(target)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 1
    assert "rolout" in done.stdout and "run-on" in done.stdout


def _github() -> dict[str, Any]:
    doc = yaml.safe_load(GITHUB_WORKFLOWS[0].read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def test_github_workflow_has_the_documented_jobs() -> None:
    jobs = _github()["jobs"]
    waves = [f"apply-wave-{n}" for n in range(1, MAX_WAVES + 1)]
    assert list(jobs) == ["validate", "preview-offline", "plan", "rollout", *waves]
    validate_steps = jobs["validate"]["steps"]
    assert any("--format sarif" in s.get("run", "") for s in validate_steps)
    assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif@") for s in validate_steps)
    assert jobs["validate"]["permissions"]["security-events"] == "write"
    fork = "github.event.pull_request.head.repo.full_name != github.repository"
    assert fork in jobs["preview-offline"]["if"]
    assert any('dsql-backup plan --offline "$POLICY"' in s.get("run", "") for s in jobs["preview-offline"]["steps"])
    assert fork.replace("!=", "==") in jobs["plan"]["if"]
    assert jobs["plan"]["permissions"]["pull-requests"] == "write"
    assert any("gh pr comment" in s.get("run", "") for s in jobs["plan"]["steps"])
    assert any("--format github-matrix" in s.get("run", "") for s in jobs["rollout"]["steps"])
    for n, name in enumerate(waves, 1):
        job = jobs[name]
        assert jobs["rollout"]["outputs"][f"wave_{n}"] == f"${{{{ steps.rollout.outputs.wave_{n} }}}}"
        assert job["strategy"]["matrix"] == f"${{{{ fromJSON(needs.rollout.outputs.wave_{n}) }}}}"
        assert f"needs.rollout.outputs.wave_{n}_count != '0'" in job["if"]
        assert job["needs"] == (["rollout", *waves[: n - 1]] if n > 1 else "rollout")
        assert any('--root "$ROOT"' in s.get("run", "") for s in job["steps"])


# --------------------------------------------------------------------------- GitLab CI


def _gitlab() -> dict[str, Any]:
    doc = yaml.safe_load(GITLAB_PIPELINE.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def test_gitlab_pipeline_has_the_documented_jobs() -> None:
    doc = _gitlab()
    jobs = {k: v for k, v in doc.items() if isinstance(v, dict) and not k.startswith(".")
            and k not in ("variables", "workflow", "default")}
    assert list(jobs) == ["validate", "preview-offline", "plan", "rollout", "apply"]
    assert doc["stages"] == ["validate", "plan", "rollout", "apply"]
    for name, job in jobs.items():
        assert job["stage"] in doc["stages"], name
        for parent in [job["extends"]] if isinstance(job.get("extends"), str) else job.get("extends", []):
            assert parent in doc, f"{name} extends {parent}"
    assert any('dsql-backup plan --offline "$POLICY"' in line for line in jobs["preview-offline"]["script"])
    assert "rollout.gitlab-ci.yml" in jobs["rollout"]["artifacts"]["paths"]
    assert any("--format gitlab-pipeline > rollout.gitlab-ci.yml" in line for line in jobs["rollout"]["script"])
    includes = jobs["apply"]["trigger"]["include"]
    assert {"artifact": "rollout.gitlab-ci.yml", "job": "rollout"} in includes
    local = [i["local"] for i in includes if "local" in i]
    assert local == ["ci/dsql-backup-apply.gitlab-ci.yml"]
    template = yaml.safe_load((GITLAB_PIPELINE.parent / local[0]).read_text(encoding="utf-8"))
    assert list(template) == [GITLAB_TEMPLATE_JOB]
    assert any('--root "$DSQL_BACKUP_ROOT"' in line for line in template[GITLAB_TEMPLATE_JOB]["script"])


# --------------------------------------------------------------------------- the commands the templates run


def _command_lines() -> Iterator[tuple[str, str]]:
    """(file, command line) for every ``dsql-backup ...`` in run/script steps of the templates."""
    texts: list[tuple[str, str]] = []

    def walk(node: Any, file: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("run", "script", "before_script") and isinstance(value, str | list):
                    for v in [value] if isinstance(value, str) else value:
                        texts.append((file, str(v)))
                else:
                    walk(value, file)
        elif isinstance(node, list):
            for item in node:
                walk(item, file)

    for path in [*GITHUB_WORKFLOWS, GITLAB_PIPELINE, *(GITLAB_PIPELINE.parent / "ci").glob("*.yml")]:
        walk(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)
    for file, text in texts:
        for m in re.finditer(r"(?<![\w./-])dsql-backup ([^\n>&;#]*)", text.replace("\\\n", " ")):
            yield file, m.group(1).split(" | ")[0].strip()


SAMPLE_VALUES = {"POLICY": "dsql-backup.yaml", "ROOT": "mgmt", "DSQL_BACKUP_ROOT": "mgmt"}


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("no subcommands")


def _parses(words: list[str]) -> bool:
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            build_parser().parse_args(words)
    except SystemExit:
        return False
    return True


def test_plan_and_apply_exit_2_is_not_a_failure_in_the_templates() -> None:
    """plan and apply exit 2 when there are changes (like terraform -detailed-exitcode): the scripts keep
    the code and fail on 1 only."""
    for file, line in _command_lines():
        if line.startswith(("plan ", "apply ")) and "--offline" not in line:
            assert line.endswith(" || code=$?"), f"{file}: {line!r}"


def test_templates_call_only_cli_commands_that_exist_or_are_pending() -> None:
    """Each command line parses with the CLI's own parser (shell variables replaced by sample values); what
    does not exist yet must be listed in PENDING (issue 5's interface)."""
    lines = list(_command_lines())
    assert len(lines) >= 10
    subparsers = _subparsers()
    for file, line in lines:
        command_line = line.split(" || ")[0]
        words = shlex.split(re.sub(r"\$\{?(\w+)\}?", lambda m: SAMPLE_VALUES.get(m.group(1), "x"), command_line))
        command, args = words[0], words[1:]
        if command not in subparsers:
            assert (command, "*") in PENDING, f"{file}: unknown command in {line!r}"
            continue
        options = {o for a in subparsers[command]._actions for o in a.option_strings}
        missing = {w for w in args if w.startswith("-") and w not in options}
        if command == "plan" and "--offline" not in args and "--offline" in options and not missing:
            missing |= set() if _parses(words) else {"<no --offline>"}
        for word in missing:
            assert (command, word) in PENDING, f"{file}: {line!r}: {word} is not an option of {command}"
        if not missing:
            assert _parses(words), f"{file}: {line!r} does not parse"


# --------------------------------------------------------------------------- pre-commit


def _hook_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(PRE_COMMIT_HOME=str(home / "cache"), GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com", GIT_CONFIG_NOSYSTEM="1",
               HOME=str(home))
    return env


def _git(cwd: Path, env: dict[str, str], *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True,
                          timeout=60).stdout.strip()


def _pre_commit(cwd: Path, env: dict[str, str], *args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


def test_pre_commit_hooks_file_is_valid(tmp_path: Path) -> None:
    done = _pre_commit(REPO, _hook_env(tmp_path), "validate-manifest", str(HOOKS))
    assert done.returncode == 0, done.stdout + done.stderr
    hooks = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert [h["id"] for h in hooks] == ["dsql-backup-validate"]
    assert hooks[0]["entry"] == "dsql-backup validate"
    assert hooks[0]["files"] == POLICY_FILE_PATTERN


@pytest.mark.parametrize(("path", "matches"), [
    ("dsql-backup.yaml", True), ("policies/payments.dsql-backup.yaml", True), ("a/b/x.dsql-backup.yml", True),
    ("my-dsql-backup.yaml", False), ("dsql-backup.yaml.bak", False), (".github/workflows/dsql-backup.yml", False),
    ("examples/landing-zone.yaml", False),
])
def test_the_hook_checks_files_named_like_policies(path: str, matches: bool) -> None:
    assert bool(re.search(POLICY_FILE_PATTERN, path)) is matches


def test_pre_commit_hook_runs_on_a_sample_repository(tmp_path: Path) -> None:
    env = _hook_env(tmp_path)
    # The hook repository: this package as committed files (what pre-commit clones and pip installs).
    hook_repo = tmp_path / "hook-repo"
    hook_repo.mkdir()
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(REPO / name, hook_repo / name)
    for name in ("generator", "schemas", "templates"):
        shutil.copytree(REPO / name, hook_repo / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    _git(hook_repo, env, "init", "-q")
    _git(hook_repo, env, "add", "-A")
    _git(hook_repo, env, "commit", "-q", "-m", "hook")
    rev = _git(hook_repo, env, "rev-parse", "HEAD")

    sample = tmp_path / "sample"
    sample.mkdir()
    _git(sample, env, "init", "-q")
    (sample / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n      - id: dsql-backup-validate\n",
        encoding="utf-8")
    assert _pre_commit(sample, env, "validate-config", ".pre-commit-config.yaml").returncode == 0
    good = subprocess.run([sys.executable, "-m", "generator", "init", "-o", "dsql-backup.yaml"], cwd=sample,
                          env={**env, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, check=False)
    assert good.returncode == 0, good.stderr
    policies = sample / "policies"
    policies.mkdir()
    (policies / "bad.dsql-backup.yaml").write_text(
        (sample / "dsql-backup.yaml").read_text(encoding="utf-8").replace("vault: local", "vault: nowhere"),
        encoding="utf-8")
    (sample / "not-a-policy.yaml").write_text("a: [1\n", encoding="utf-8")  # broken YAML, not a policy
    _git(sample, env, "add", "-A")

    done = _pre_commit(sample, env, "run", "--all-files")
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "policies/bad.dsql-backup.yaml:44:16: error DSB203 plan 'daily': vault 'nowhere' is not defined" in output
    assert "policies/bad.dsql-backup.yaml: invalid (1 error, 1 warning)" in output
    assert "dsql-backup.yaml: valid (0 errors, 0 warnings)" in output
    assert "not-a-policy" not in output

    done = _pre_commit(sample, env, "run", "--files", "dsql-backup.yaml", "not-a-policy.yaml", timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "dsql-backup validate" in done.stdout and "Passed" in done.stdout
