"""The CI templates under examples/ci/ and the pre-commit hook.

- The GitHub Actions workflows pass actionlint; the plan/apply one has the documented jobs (one apply job per
  wave slot).
- The GitLab pipeline parses and has the documented jobs; its child pipeline and include files exist.
- The restore drill templates (a weekly GitHub workflow, a scheduled GitLab job): run on a schedule only,
  with OIDC credentials, the cluster ARNs from ``terraform output -json`` of each root, the reports kept
  even when the drill fails (JUnit for GitLab) and the leftover-cluster clean-up run whatever happened.
- Every ``dsql-backup`` command line in the templates uses a command and options the CLI has, except the
  ones listed in PENDING (a command the CLI does not have yet, with the options its interface documents).
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
GITHUB_WORKFLOW = CI / "github" / "dsql-backup.yml"
GITHUB_DRILL = CI / "github" / "dsql-backup-drill.yml"
GITLAB_PIPELINE = CI / "gitlab" / ".gitlab-ci.yml"
GITLAB_DRILL = CI / "gitlab" / "ci" / "dsql-backup-drill.gitlab-ci.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"

# Commands and options the templates use that the CLI does not have yet. Every template command line must
# parse with the real parser unless listed here: (command, "*") for a whole command, then (command, option)
# for each option of its documented interface that the templates use.
PENDING: set[tuple[str, str]] = set()


def actionlint() -> str:
    found = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    if found is None:
        pytest.fail("actionlint is required: it is in the test extra (pip install -e '.[test]')", pytrace=False)
    return found


# --------------------------------------------------------------------------- GitHub Actions


def test_there_is_a_github_workflow() -> None:
    assert [p.name for p in GITHUB_WORKFLOWS] == ["dsql-backup-drill.yml", "dsql-backup.yml"]


@pytest.mark.parametrize("workflow", GITHUB_WORKFLOWS, ids=lambda p: p.name)
def test_github_workflow_passes_actionlint(workflow: Path) -> None:
    done = subprocess.run([actionlint(), "-no-color", "-oneline", str(workflow)], capture_output=True, text=True,
                          timeout=120, check=False, cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    """The check is real: a typo in an expression and an unknown key fail it."""
    text = GITHUB_WORKFLOW.read_text(encoding="utf-8")
    broken = text.replace("needs.rollout.outputs.wave_2)", "needs.rolout.outputs.wave_2)").replace(
        "    runs-on: ubuntu-latest\n", "    runs-on: ubuntu-latest\n    run-on: x\n", 1)
    target = tmp_path / "broken.yml"
    target.write_text(broken, encoding="utf-8")
    done = subprocess.run([actionlint(), "-no-color", "-oneline", str(target)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 1
    assert "rolout" in done.stdout and "run-on" in done.stdout


def _github(path: Path = GITHUB_WORKFLOW) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
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


def _gitlab(path: Path = GITLAB_PIPELINE) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def test_gitlab_pipeline_has_the_documented_jobs() -> None:
    doc = _gitlab()
    jobs = {k: v for k, v in doc.items() if isinstance(v, dict) and not k.startswith(".")
            and k not in ("variables", "workflow", "default")}
    assert list(jobs) == ["validate", "preview-offline", "plan", "rollout", "apply"]
    assert doc["stages"] == ["validate", "plan", "rollout", "apply", "drill"]
    assert doc["include"] == [{"local": GITLAB_DRILL.relative_to(GITLAB_PIPELINE.parent).as_posix()}]
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
        # A bash array built in the same script (``outputs+=(--terraform-outputs "$f")``) stands for its words.
        arrays: dict[str, list[str]] = {}
        for m in re.finditer(r"\b(\w+)\+=\(([^)]*)\)", text):
            arrays.setdefault(m.group(1), []).append(m.group(2))
        for m in re.finditer(r"(?<![\w./-])dsql-backup ([^\n>&;#]*)", text.replace("\\\n", " ")):
            line = m.group(1).split(" | ")[0].strip()
            yield file, re.sub(r'"\$\{(\w+)\[@\]\}"', lambda a, known=arrays: " ".join(known.get(a.group(1), [])),
                               line)


SAMPLE_VALUES = {"POLICY": "dsql-backup.yaml", "ROOT": "mgmt", "DSQL_BACKUP_ROOT": "mgmt"}


def _words(line: str) -> list[str]:
    """The words of a command line, shell variables replaced by sample values; ``${VAR:+WORDS}`` (an option
    given when VAR is set) counts as given."""
    command_line = re.sub(r"\$\{\w+:\+([^}]*)\}", r"\1", line.split(" || ", maxsplit=1)[0])
    return shlex.split(re.sub(r"\$\{?(\w+)\}?", lambda m: SAMPLE_VALUES.get(m.group(1), "x"), command_line))


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
        words = _words(line)
        command, args = words[0], words[1:]
        if command not in subparsers:
            assert (command, "*") in PENDING, f"{file}: unknown command in {line!r}"
            for word in (w for w in args if w.startswith("-")):
                assert (command, word) in PENDING, f"{file}: {line!r}: {word} is not in the interface of {command}"
            continue
        options = {o for a in subparsers[command]._actions for o in a.option_strings}
        missing = {w for w in args if w.startswith("-") and w not in options}
        if command == "plan" and "--offline" not in args and "--offline" in options and not missing:
            missing |= set() if _parses(words) else {"<no --offline>"}
        for word in missing:
            assert (command, word) in PENDING, f"{file}: {line!r}: {word} is not an option of {command}"
        if not missing:
            assert _parses(words), f"{file}: {line!r} does not parse"


def test_pending_lists_only_what_the_cli_lacks_and_the_templates_use() -> None:
    """Once a pending command or option exists, its entry goes (the real parser checks it from then on)."""
    subparsers = _subparsers()
    used = {(words[0], w) for _, line in _command_lines() for words in [_words(line)] for w in ["*", *words[1:]]}
    for command, option in PENDING:
        assert (command, option) in used, f"PENDING: no template uses {command} {option}"
        if option == "*":
            assert command not in subparsers, f"PENDING: the CLI has {command} now: remove its entries"
        elif command in subparsers:
            options = {o for a in subparsers[command]._actions for o in a.option_strings}
            assert option not in options, f"PENDING: {command} has {option} now: remove it"


# --------------------------------------------------------------------------- the restore drill


def _drill_commands(path: Path) -> tuple[list[str], list[str]]:
    """The words of the template's drill command line and of its clean-up command line."""
    lines = [_words(line) for file, line in _command_lines() if file == path.name and line.startswith("drill ")]
    runs = [words for words in lines if "--cleanup" not in words]
    cleanups = [words for words in lines if "--cleanup" in words]
    assert len(runs) == 1 and len(cleanups) == 1, lines
    return runs[0], cleanups[0]


def _value(words: list[str], option: str) -> str:
    assert option in words, f"{option} missing from {shlex.join(words)}"
    return words[words.index(option) + 1]


def _check_drill_command(words: list[str], cleanup: list[str], script: str) -> tuple[str, str, str]:
    """Both templates: ARNs from each root's ``terraform output -json``, the three reports, the clean-up of
    leftover drill clusters. Returns the report files (JSON, JUnit, Markdown)."""
    assert words[:2] == ["drill", SAMPLE_VALUES["POLICY"]]
    assert "output -json" in script and "--terraform-outputs" in words
    assert "--cluster" in words and int(_value(words, "--timeout")) > 0
    assert cleanup[:2] == ["drill", SAMPLE_VALUES["POLICY"]] and int(_value(cleanup, "--older-than")) > 0
    return _value(words, "--json"), _value(words, "--junit"), _value(words, "--markdown")


def test_github_drill_runs_weekly_with_oidc_and_never_two_at_once() -> None:
    doc = _github(GITHUB_DRILL)
    on = doc[True]  # PyYAML reads the key "on" as YAML 1.1's true
    assert set(on) == {"schedule", "workflow_dispatch"}
    assert [len(entry["cron"].split()) for entry in on["schedule"]] == [5]
    assert "cluster" in on["workflow_dispatch"]["inputs"]
    assert doc["permissions"] == {"contents": "read", "id-token": "write"}
    assert doc["concurrency"]["group"] and doc["concurrency"]["cancel-in-progress"] is False
    assert re.fullmatch(r"dsql-backup\[aws(,probe)?\]==\S+", doc["env"]["DSQL_BACKUP_PIP"])
    (job,) = doc["jobs"].values()
    assert 0 < job["timeout-minutes"] <= 360
    credentials = [s for s in job["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")]
    assert credentials
    assert all(s["with"]["role-to-assume"] == "${{ vars.DSQL_BACKUP_DRILL_ROLE_ARN }}" for s in credentials)


def test_github_drill_publishes_its_reports_and_cleans_up_whatever_happens() -> None:
    steps = _github(GITHUB_DRILL)["jobs"]["drill"]["steps"]
    words, cleanup = _drill_commands(GITHUB_DRILL)
    drill = next(i for i, s in enumerate(steps) if "dsql-backup drill" in s.get("run", "")
                 and "--cleanup" not in s["run"])
    script = "\n".join(s.get("run", "") for s in steps[: drill + 1])
    json_report, junit, markdown = _check_drill_command(words, cleanup, script)
    assert f'cat {markdown} >> "$GITHUB_STEP_SUMMARY"' in steps[drill]["run"]
    assert "if" not in steps[drill]
    after = steps[drill + 1:]
    assert after and all("always()" in s.get("if", "") for s in after), "every step after the drill runs anyway"
    upload = [s for s in after if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert len(upload) == 1 and set(upload[0]["with"]["path"].split()) == {json_report, junit, markdown}
    assert "dsql-backup drill" in after[-1].get("run", "") and "--cleanup" in after[-1]["run"]


def test_gitlab_drill_runs_on_schedules_only_with_oidc() -> None:
    main, doc = _gitlab(), _gitlab(GITLAB_DRILL)
    assert list(doc) == ["drill", "drill-cleanup"]
    for name, job in doc.items():
        assert job["stage"] in main["stages"], name
        assert all(parent in main for parent in job["extends"]), name
        assert ".aws-oidc" in job["extends"] and job["variables"]["AWS_ROLE_ARN"] == "$DSQL_BACKUP_DRILL_ROLE_ARN"
        assert job["script"][0] == 'echo "$AWS_WEB_IDENTITY_TOKEN" > "$AWS_WEB_IDENTITY_TOKEN_FILE"', name
        assert [r["if"] for r in job["rules"]] == ['$CI_PIPELINE_SOURCE == "schedule" && $DSQL_BACKUP_DRILL == "true"']
        assert job["resource_group"] == "dsql-backup-drill", name
        assert re.fullmatch(r"dsql-backup\[aws(,probe)?\]==\S+", job["variables"]["DSQL_BACKUP_PIP"]), name
    assert main[".aws-oidc"]["id_tokens"]["AWS_WEB_IDENTITY_TOKEN"]["aud"] == "sts.amazonaws.com"
    assert doc["drill"]["timeout"]
    for name in ("rollout", "apply"):  # a drill schedule never applies
        assert main[name]["rules"][0] == {"if": '$DSQL_BACKUP_DRILL == "true"', "when": "never"}, name


def test_gitlab_drill_keeps_its_reports_and_always_cleans_up() -> None:
    doc = _gitlab(GITLAB_DRILL)
    words, cleanup = _drill_commands(GITLAB_DRILL)
    json_report, junit, markdown = _check_drill_command(words, cleanup, "\n".join(doc["drill"]["script"]))
    artifacts = doc["drill"]["artifacts"]
    assert artifacts["when"] == "always" and artifacts["expire_in"]
    assert artifacts["reports"]["junit"] == junit
    assert set(artifacts["paths"]) == {json_report, junit, markdown}
    assert doc["drill-cleanup"]["needs"] == ["drill"]
    assert doc["drill-cleanup"]["rules"][0]["when"] == "always"
    assert any("--cleanup" in line for line in doc["drill-cleanup"]["script"])


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
