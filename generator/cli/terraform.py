"""The terraform commands: ``plan --offline`` (a scratch preview, generator.terraform.offline), and ``plan``,
``apply`` and ``destroy`` over real backends or an emulator (generator.terraform.runner, with the risk report
of generator.terraform.risk).

Exit codes of plan (without ``--offline``), apply and destroy differ from validate's, like ``terraform plan
-detailed-exitcode``: 0 no changes, 2 changes present (plan: pending; apply/destroy: made), 1 error (a root
failed, the policy is invalid, a --fail-on gate tripped, or apply was not confirmed). ``plan --offline``:
0 every root planned, 1 the policy is invalid or a root failed to plan, 2 usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from generator.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    LAYOUTS,
    RAW,
    Parser,
    Subparsers,
    load_valid,
    output_error,
    output_warnings,
)
from generator.terraform import risk

EXIT_NO_CHANGES, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2
EXIT_USAGE = 2  # argparse's; a usage error never reaches terraform

_OFFLINE_HELP = """\
examples:
  dsql-backup plan --offline policy.yaml                 preview every root, no AWS access at all
  dsql-backup plan --offline policy.yaml --keep /tmp/pv  keep the scratch roots and plans to inspect
  dsql-backup plan --offline policy.yaml --root backup   preview only this root (repeatable)

Terraform is found through DSQL_BACKUP_TERRAFORM or PATH; the hashicorp/aws provider through
DSQL_BACKUP_PROVIDER_MIRROR, TF_CLI_CONFIG_FILE's filesystem_mirror, a conventional mirror folder, or
the registry. Exit codes with --offline: 0 every root planned, 1 the policy is invalid or a root failed to
plan, 2 usage error (or terraform missing), 3 internal error.

Without --offline (real credentials and backends, or --endpoint-url):
  exit 0 no changes, 2 changes present, 1 error or a --fail-on gate tripped.
"""


EXIT_CODES_HELP = (
    "Exit codes: 0 no changes, 2 changes present (plan: pending; apply/destroy: made), 1 error (a root "
    "failed, the policy is invalid, a --fail-on gate tripped, or apply was not confirmed); usage errors exit "
    "2 before anything runs."
)

RUN_HELP = {
    "plan": """\
examples:
  dsql-backup plan policy.yaml                              every root, in wave order; roots in .dsql-backup/policy
  dsql-backup plan policy.yaml --affected main/manifest.json --markdown risk.md --fail-on destructive
  dsql-backup plan policy.yaml --endpoint-url http://127.0.0.1:5000   against moto server or LocalStack
  dsql-backup plan --offline policy.yaml                    no credentials, no network (a scratch copy)

The roots are compiled into --dir (default .dsql-backup/<policy file name>), which keeps .terraform/ and
local state between runs; init runs only when a root's backend or providers changed. Each root's plan is
saved there (tfplan) and shown with terraform show -json to classify its risks: destructive (a DSQL
cluster, vault, vault lock or KMS key destroyed or replaced), irreversible (a compliance lock created or
changed), retention (fewer days kept), coverage (a selection stops covering a cluster).
""",
    "apply": """\
examples:
  dsql-backup apply policy.yaml                             plan, show the risks, ask, apply the saved plans
  dsql-backup apply policy.yaml --auto-approve --fail-on destructive --fail-on irreversible

Roots are applied wave by wave (management account, then accounts receiving copies, then the rest); a
failing root does not stop the others of its wave, but later waves are skipped. apply applies exactly the
saved plans it showed. Without --auto-approve it asks on the terminal, and refuses without one.
""",
    "destroy": """\
examples:
  dsql-backup destroy policy.yaml --endpoint-url http://127.0.0.1:5000 --auto-approve

Roots are destroyed in reverse wave order. Vaults, vault locks and KMS keys carry lifecycle
prevent_destroy, so a root that holds them fails to plan its destruction, with a message that says so:
dsql-backup never deletes recovery points' vaults or their keys.
""",
}


def add_run_arguments(p: argparse.ArgumentParser, command: str) -> None:
    """The options of plan/apply/destroy (plan already has --layout, --parallel, --offline and --keep)."""
    if command != "plan":
        p.add_argument("policy", metavar="POLICY", help="policy YAML file")
        p.add_argument("--layout", choices=LAYOUTS, help="override terraform.layout")
        p.add_argument("--parallel", type=int, default=os.cpu_count() or 2, metavar="N",
                       help="roots of one wave run at once (default: the CPU count)")
        p.add_argument("--auto-approve", action="store_true", help=f"{command} without asking")
    p.add_argument("--dir", metavar="DIR", help="working directory the roots are compiled into and run in "
                   "(default .dsql-backup/<policy file name>); keeps .terraform/ and local state")
    p.add_argument("--root", action="append", default=[], metavar="NAME",
                   help="only this root (repeatable), e.g. one CI job per root of a wave")
    p.add_argument("--affected", metavar="MANIFEST", help="only roots whose content hash differs from this "
                   "previous manifest.json (new roots included)")
    p.add_argument("--endpoint-url", metavar="URL", help="run against a local AWS emulator (moto server, "
                   "LocalStack) with fake credentials, through overrides in working copies under DIR/.emulator")
    p.add_argument("--fail-on", action="append", choices=risk.RISK_CLASSES, default=[], metavar="CLASS",
                   help="exit 1 (and never apply) when a change of this risk class is planned: destructive, "
                   "irreversible, retention or coverage; repeatable")
    p.add_argument("--json", metavar="FILE", help="write the summary and risk report as JSON")
    p.add_argument("--markdown", metavar="FILE", help="write the summary and risk report as Markdown "
                   "(a pull-request comment)")


def add_plan(sub: Subparsers, common: Parser) -> None:
    pl = sub.add_parser("plan", parents=[common],
                        help="compile and run terraform plan on every root (--offline: no credentials)",
                        description="Compile a policy into a scratch directory and run terraform init and plan on "
                        "every root, in apply-wave order.", epilog=_OFFLINE_HELP,
                        formatter_class=RAW)
    pl.epilog = (pl.epilog or "") + "\n" + RUN_HELP["plan"]
    pl.add_argument("policy", metavar="POLICY", help="policy YAML file")
    pl.add_argument("--offline", action="store_true",
                    help="no network, no credentials: fake credentials, no assume_role, local backend "
                    "(in the scratch copy only)")
    pl.add_argument("--layout", choices=LAYOUTS, help="override terraform.layout")
    pl.add_argument("--parallel", type=int, default=os.cpu_count() or 2, metavar="N",
                    help="roots of one wave planned at once (default: the CPU count)")
    pl.add_argument("--keep", metavar="DIR", help="plan in DIR (created; must not exist) and keep it, "
                    "instead of a temporary directory")
    add_run_arguments(pl, "plan")  # plan without --offline, apply, destroy


def add_apply_and_destroy(sub: Subparsers, common: Parser) -> None:
    for command, summary in (("apply", "plan, confirm and apply every root in wave order"),
                             ("destroy", "plan the destruction of every root, confirm and destroy it")):
        p = sub.add_parser(command, parents=[common], help=summary,
                           description=f"Compile a policy and {summary}. {EXIT_CODES_HELP}",
                           epilog=RUN_HELP[command], formatter_class=RAW)
        add_run_arguments(p, command)


_OFFLINE_CONFLICTS = ("dir", "affected", "endpoint_url", "json", "markdown")


def offline_conflict(args: argparse.Namespace) -> str | None:
    """The first option given with ``plan --offline`` that only works for real runs, or None."""
    for name in _OFFLINE_CONFLICTS:
        if getattr(args, name, None):
            return "--" + name.replace("_", "-")
    if getattr(args, "fail_on", None):
        return "--fail-on"
    return None


def unknown_roots(asked: Sequence[str], roots: Sequence[str]) -> str | None:
    """The error line for ``--root`` names that are not roots of the policy, or None."""
    unknown = sorted(set(asked) - set(roots))
    return f"dsql-backup: --root {', '.join(unknown)}: no such root (roots: {', '.join(roots)})\n" if unknown else None


def _rows(runs: Sequence[Any], skipped: Sequence[Any]) -> list[risk.RootLine]:
    rows = [risk.RootLine(r.root, r.wave, r.status, r.add, r.change, r.destroy, round(r.seconds, 1),
                          r.error_text() if r.failed else r.note) for r in runs]
    rows += [risk.RootLine(t.name, t.wave, "not-affected", 0, 0, 0, 0.0) for t in skipped]
    return sorted(rows, key=lambda r: (r.wave, r.root))


def _table(rows: Sequence[risk.RootLine]) -> str:
    width = max([len("root")] + [len(r.root) for r in rows])
    lines = [f"{'root'.ljust(width)}  wave  status        add  change  destroy  seconds"]
    lines += [f"{r.root.ljust(width)}  {r.wave:>4}  {r.status:<12} {r.add:>4}  {r.change:>6}  {r.destroy:>7}"
              f"  {r.seconds:>7.1f}" for r in rows]
    return "\n".join(lines) + "\n"


def _write_reports(args: argparse.Namespace, command: str, rows: Sequence[risk.RootLine],
                   risks: Sequence[risk.Risk], err: TextIO) -> None:
    for path, render in ((args.json, risk.as_json), (args.markdown, risk.as_markdown)):
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(render(command, args.policy, rows, risks, args.fail_on), encoding="utf-8")
            err.write(f"wrote {path}\n")


def run_terraform_command(  # noqa: PLR0915 (the command's steps in order, each one call)
    command: str, args: argparse.Namespace, out: TextIO, err: TextIO
) -> int:
    from generator.output.compile import compile_policy
    from generator.output.writer import OutputError
    from generator.terraform.binary import TerraformRunner
    from generator.terraform.discovery import TerraformUnavailable
    from generator.terraform.runner import ManifestError, affected, apply_all, plan_all, prepare

    if args.parallel < 1:
        err.write("dsql-backup: --parallel takes a whole number >= 1\n")
        return EXIT_USAGE
    if getattr(args, "keep", None):
        err.write("dsql-backup: --keep works with --offline only; real runs keep their roots in --dir\n")
        return EXIT_USAGE
    endpoint = args.endpoint_url
    if endpoint is not None and not endpoint.startswith(("http://", "https://")):
        err.write(f"dsql-backup: --endpoint-url {endpoint}: give an http:// or https:// URL\n")
        return EXIT_USAGE
    policy = load_valid(args.policy, args.layout, out, err)
    if policy is None:
        return EXIT_ERROR
    compiled = compile_policy(policy)
    directory = Path(args.dir) if args.dir else Path(".dsql-backup") / Path(args.policy).stem
    try:
        targets = prepare(compiled, directory, endpoint_url=endpoint,
                          on_warnings=lambda warnings: output_warnings(warnings, err))
    except OutputError as exc:
        output_error(exc, err)
        return EXIT_ERROR
    chosen, skipped = list(targets), []
    if args.root:
        if unknown := unknown_roots(args.root, [t.name for t in targets]):
            err.write(unknown)
            return EXIT_ERROR
        chosen = [t for t in targets if t.name in args.root]
        skipped = [t for t in targets if t.name not in args.root]
    if args.affected:
        try:
            picked, gone = affected(targets, Path(args.affected))
        except ManifestError as exc:
            err.write(f"dsql-backup: --affected {exc}\n")
            return EXIT_ERROR
        chosen = [t for t in chosen if t in picked]
        skipped = [t for t in targets if t not in chosen]
        err.write(f"affected: {', '.join(t.name for t in chosen) or 'no root'} "
                  f"({len(picked)} of {len(targets)} root(s) changed since {args.affected})\n")
        for name in gone:
            err.write(f"warning: root {name} is in {args.affected} but no longer compiled: dsql-backup leaves "
                      "its resources alone; destroy them from the previous compile if that is intended\n")

    lock = threading.Lock()

    def progress(root: str, message: str) -> None:
        with lock:
            err.write(f"  {root}: {message}\n")
            err.flush()

    with tempfile.TemporaryDirectory(prefix="dsql-backup-tf-") as tmp:
        try:
            runner = TerraformRunner.discover(Path(tmp), offline=endpoint is not None,
                                              plugin_cache=directory.resolve().parent / ".terraform-plugin-cache")
        except TerraformUnavailable as exc:
            err.write(f"dsql-backup: error DSB902 {exc.message}\n    hint: {exc.hint}\n")
            return EXIT_ERROR
        where = f" against {endpoint}" if endpoint else ""
        err.write(f"{'planning destruction of' if command == 'destroy' else 'planning'} {len(chosen)} root(s) in "
                  f"{directory}{where} with {runner.binary}, {args.parallel} at a time ...\n")
        runs = plan_all(runner, chosen, destroy=command == "destroy", parallel=args.parallel, progress=progress)
        risks = [x for r in runs if r.plan_json is not None for x in risk.classify(r.root, r.plan_json)]
        rows = _rows(runs, skipped)
        out.write(_table(rows))
        _print_failures(runs, out)
        out.write(risk.as_text(risks))
        gate = risk.tripped(risks, args.fail_on)
        if gate:
            err.write(f"dsql-backup: --fail-on {','.join(args.fail_on)}: {len(gate)} planned change(s) of those "
                      "classes" + ("; nothing applied" if command != "plan" else "") + "\n")
        changes = [r for r in runs if r.status == "changes"]
        if command == "plan" or gate or not changes:
            _write_reports(args, command, rows, risks, err)
            failed = [r.root for r in runs if r.failed]
            if failed:
                err.write(f"failed: {', '.join(failed)}\n")
            if failed or gate:
                return EXIT_ERROR
            return EXIT_CHANGES if changes else EXIT_NO_CHANGES
        if not args.auto_approve and not _confirm(command, len(changes), err):
            _write_reports(args, command, rows, risks, err)
            return EXIT_ERROR
        err.write(f"{'destroying' if command == 'destroy' else 'applying'} {len(changes)} root(s) ...\n")
        final = apply_all(runner, runs, parallel=args.parallel, progress=progress)
    rows = _rows(final, skipped)
    out.write(_table(rows))
    _print_failures(final, out)
    _write_reports(args, command, rows, risks, err)
    failed = [r.root for r in final if r.failed]
    not_run = [r.root for r in final if r.status == "skipped"]
    if failed or not_run:
        err.write(f"failed: {', '.join(failed)}" + (f"; not {command}ed (an earlier wave failed): "
                                                     f"{', '.join(not_run)}" if not_run else "") + "\n")
        return EXIT_ERROR
    return EXIT_CHANGES


def _print_failures(runs: Sequence[Any], out: TextIO) -> None:
    for r in runs:
        if not r.failed:
            continue
        for d in r.diagnostics:
            if d.severity == "error":
                where = f" ({d.filename}:{d.line})" if d.filename else ""
                out.write(f"{r.root}: {r.stage} error{where}: {d.summary}" + (f": {d.detail}" if d.detail else "")
                          + "\n")
        if r.note:
            out.write(f"{r.root}: {r.note}\n")


def _confirm(command: str, roots: int, err: TextIO) -> bool:
    stdin = sys.stdin
    if stdin is None or not stdin.isatty():
        err.write(f"dsql-backup: {command} needs confirmation and there is no terminal to ask on: review the "
                  "plan above and pass --auto-approve\n")
        return False
    err.write(f"{command.capitalize()} the plans above in {roots} root(s)? Only 'yes' is accepted: ")
    err.flush()
    answer = stdin.readline().strip()
    if answer != "yes":
        err.write(f"{command} cancelled\n")
        return False
    return True


def cmd_plan(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import tempfile
    from pathlib import Path

    from generator.output.compile import compile_policy
    from generator.terraform.binary import TerraformRunner
    from generator.terraform.discovery import TerraformUnavailable
    from generator.terraform.offline import RootPreview, preview

    if not args.offline:
        return run_terraform_command("plan", args, out, err)
    if conflict := offline_conflict(args):
        err.write(f"dsql-backup: {conflict} does not work with --offline (a scratch preview with no state)\n")
        return EXIT_USAGE
    if args.parallel < 1:
        err.write("dsql-backup: --parallel takes a whole number >= 1\n")
        return EXIT_USAGE
    if args.keep and Path(args.keep).exists():
        err.write(f"dsql-backup: --keep {args.keep}: the directory exists; name a new one\n")
        return EXIT_USAGE
    policy = load_valid(args.policy, args.layout, out, err)
    if policy is None:
        return EXIT_INVALID
    compiled = compile_policy(policy)
    in_waves = sorted(compiled.model.roots, key=lambda r: (r.wave, r.name))
    if unknown := unknown_roots(args.root, [r.name for r in in_waves]):
        err.write(unknown)
        return EXIT_USAGE
    total = len(set(args.root)) if args.root else len(compiled.model.roots)

    def progress(r: RootPreview) -> None:
        err.write(f"  {r.root}: {r.status} ({r.seconds:.1f} s)\n")

    with tempfile.TemporaryDirectory(prefix="dsql-backup-plan-") as tmp:
        scratch = Path(args.keep) if args.keep else Path(tmp)
        scratch.mkdir(parents=True, exist_ok=True)
        try:
            runner = TerraformRunner.discover(scratch, offline=True)
        except TerraformUnavailable as exc:
            err.write(f"dsql-backup: error DSB902 {exc.message}\n    hint: {exc.hint}\n")
            return EXIT_USAGE
        err.write(f"planning {total} root(s) offline with {runner.binary} ...\n")
        results = preview(compiled, runner, scratch, parallel=args.parallel, progress=progress,
                          only=args.root or None)
    width = max(len(r.root) for r in results)
    out.write(f"{'root'.ljust(width)}  wave  status      add  change  destroy  seconds\n")
    for r in results:
        out.write(f"{r.root.ljust(width)}  {r.wave:>4}  {r.status:<10} {r.add:>4}  {r.change:>6}  {r.destroy:>7}"
                  f"  {r.seconds:>7.1f}\n")
    failed = [r for r in results if r.status == "error"]
    for r in failed:
        for d in r.diagnostics:
            out.write(f"{r.root}: {d.severity} {d.summary}" + (f": {d.detail}" if d.detail else "") + "\n")
    err.write(f"{total - len(failed)} of {total} root(s) planned" + (f"; failed: {', '.join(r.root for r in failed)}"
              if failed else "") + (f"; kept in {args.keep}" if args.keep else "") + "\n")
    return EXIT_INVALID if failed else EXIT_OK


def cmd_apply_or_destroy(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    return run_terraform_command(args.command, args, out, err)


COMMANDS = {"plan": cmd_plan, "apply": cmd_apply_or_destroy, "destroy": cmd_apply_or_destroy}
