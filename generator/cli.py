"""The command line: the only module that prints and chooses exit codes.

Exit codes: 0 ok, 1 the policy has errors (or warnings with --strict), 2 usage error, 3 internal error.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from generator import __version__, report
from generator.cli_explain import COMMANDS as _EXPLAIN_COMMANDS
from generator.cli_explain import add_parsers as _add_explain_parsers
from generator.diagnostics import Diagnostic

if TYPE_CHECKING:
    from generator.policy import Policy

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

_MAIN_HELP = """\
Compile one YAML policy into Terraform that protects Amazon Aurora DSQL clusters with AWS Backup.

Start here:
  dsql-backup validate examples/single-region.yaml      check a policy (file:line:col errors)
  dsql-backup compile examples/single-region.yaml -o out  write Terraform roots to out/
  dsql-backup plan --offline examples/single-region.yaml  preview with terraform, no credentials
  dsql-backup explain examples/multi-region.yaml        what is protected, where copies land, restores
  dsql-backup runbook examples/multi-region.yaml ledger  backup and restore steps with AWS CLI commands
  dsql-backup schema > policy.schema.json                 the JSON Schema, for editors

Exit codes: 0 ok, 1 policy invalid, 2 usage error, 3 internal error (rerun with --debug).
"""

_COMPILE_HELP = """\
examples:
  dsql-backup compile policy.yaml -o out                 one root per account: out/<account>/*.tf
  dsql-backup compile policy.yaml -o out --layout single one root for every account and Region
  (cd out/prod && terraform init && terraform plan)

The output directory gets manifest.json (roots, accounts, Regions, resource counts, content hashes and
the apply order in waves) and a marker file. Compiling again replaces the generated files and keeps
everything else in it (terraform state, .terraform/). An invalid policy writes nothing.
"""

_PLAN_HELP = """\
examples:
  dsql-backup plan --offline policy.yaml                 preview every root, no AWS access at all
  dsql-backup plan --offline policy.yaml --keep /tmp/pv  keep the scratch roots and plans to inspect

Terraform is found through DSQL_BACKUP_TERRAFORM or PATH; the hashicorp/aws provider through
DSQL_BACKUP_PROVIDER_MIRROR, TF_CLI_CONFIG_FILE's filesystem_mirror, a conventional mirror folder, or
the registry. Exit codes with --offline: 0 every root planned, 1 the policy is invalid or a root failed to
plan, 2 usage error (or terraform missing), 3 internal error.

Without --offline (real credentials and backends, or --endpoint-url):
  exit 0 no changes, 2 changes present, 1 error or a --fail-on gate tripped.
"""

_VALIDATE_HELP = """\
examples:
  dsql-backup validate policy.yaml
  dsql-backup validate --strict policies/*.yaml          warnings fail too
  dsql-backup validate --format sarif policy.yaml > dsql-backup.sarif   GitHub code scanning
  dsql-backup validate --format json policy.yaml | jq '.diagnostics[] | .code'

Every problem is reported at once as FILE:LINE:COL: SEVERITY CODE message, followed by a hint.
Exit codes: 0 valid (warnings allowed unless --strict), 1 invalid, 2 usage error, 3 internal error.
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n(see '{self.prog} --help')\n")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="dsql-backup", description=_MAIN_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"dsql-backup {__version__}")
    parser.add_argument("--debug", action="store_true", help="show a traceback on internal errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    common = _Parser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show a traceback on internal errors")

    v = sub.add_parser("validate", parents=[common], help="check policies against the schema and the semantic rules",
                       description="Check one or more policies: YAML, JSON Schema, then semantic rules.",
                       epilog=_VALIDATE_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    v.add_argument("policies", nargs="+", metavar="POLICY", help="policy YAML file(s)")
    v.add_argument("--format", choices=("text", "json", "sarif"), default="text", help="output format (default text)")
    v.add_argument("--strict", action="store_true", help="treat warnings as errors (exit 1)")
    v.add_argument("--quiet", "-q", action="store_true", help="text format: print only errors and warnings")

    c = sub.add_parser("compile", parents=[common], help="compile a policy into Terraform roots",
                       description="Validate a policy and write one Terraform root per account (or one for all) "
                       "plus manifest.json into the output directory.",
                       epilog=_COMPILE_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("policy", metavar="POLICY", help="policy YAML file")
    c.add_argument("-o", "--output", required=True, metavar="DIR", help="output directory")
    c.add_argument("--layout", choices=("per-account", "single"),
                   help="per-account: one root per account (default); single: one root for everything "
                   "(overrides terraform.layout in the policy)")
    c.add_argument("--format", choices=("hcl", "tf-json", "cdktf", "cdktf-app"), default="hcl",
                   help="hcl (default); tf-json: Terraform JSON; cdktf: synthesized CDKTF stacks (needs "
                   "dsql-backup[cdktf] and node); cdktf-app: a CDKTF Python app to extend")
    c.add_argument("--force", action="store_true",
                   help="write into a directory dsql-backup did not create (it is moved aside first, not deleted)")
    c.add_argument("--quiet", "-q", action="store_true", help="no progress or summary on stderr")

    pl = sub.add_parser("plan", parents=[common],
                        help="compile and run terraform plan on every root (--offline: no credentials)",
                        description="Compile a policy into a scratch directory and run terraform init and plan on "
                        "every root, in apply-wave order.", epilog=_PLAN_HELP,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    pl.epilog = (pl.epilog or "") + "\n" + _run_help("plan")
    pl.add_argument("policy", metavar="POLICY", help="policy YAML file")
    pl.add_argument("--offline", action="store_true",
                    help="no network, no credentials: fake credentials, no assume_role, local backend "
                    "(in the scratch copy only)")
    pl.add_argument("--layout", choices=("per-account", "single"), help="override terraform.layout")
    pl.add_argument("--parallel", type=int, default=os.cpu_count() or 2, metavar="N",
                    help="roots of one wave planned at once (default: the CPU count)")
    pl.add_argument("--keep", metavar="DIR", help="plan in DIR (created; must not exist) and keep it, "
                    "instead of a temporary directory")

    from generator.cli_terraform import add_parsers as _add_run_parsers
    from generator.cli_terraform import add_run_arguments as _add_run_arguments

    _add_run_arguments(pl, "plan")  # plan without --offline, apply, destroy: generator.cli_terraform
    _add_run_parsers(sub, common)
    _add_init_and_rollout(sub, common)
    sub.add_parser("schema", parents=[common], help="print the policy JSON Schema (Draft 2020-12)",
                   description="Print the JSON Schema of policy v1, for editors and other tools.",
                   epilog="examples:\n  dsql-backup schema > policy.schema.json\n"
                   "  # then, first line of a policy:  # yaml-language-server: $schema=policy.schema.json",
                   formatter_class=argparse.RawDescriptionHelpFormatter)
    sub.add_parser("codes", parents=[common], help="list every diagnostic code",
                   description="List every diagnostic code with its severity and meaning (Markdown table).",
                   epilog="examples:\n  dsql-backup codes\n  dsql-backup codes | grep DSB604",
                   formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_explain_parsers(sub, common)  # explain, runbook, backup-now
    return parser


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    args_list = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args_list
    try:
        parser = build_parser()
        try:  # argparse prints help, versions and usage errors itself: send them to our streams
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                args = parser.parse_args(args_list)
        except SystemExit as exc:  # --help/--version exit 0, usage errors exit 2
            return int(exc.code or 0)
        if args.command is None:
            parser.print_help(err)
            return EXIT_USAGE
        return int(_COMMANDS[args.command](args, out, err))
    except KeyboardInterrupt:
        err.write("interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # the one top-level catch
        if debug:
            traceback.print_exc(file=err)
        else:
            err.write(f"dsql-backup: internal error: {type(exc).__name__}: {exc}\n"
                      "This is a bug in dsql-backup. Rerun with --debug for a traceback and report it.\n")
        return EXIT_INTERNAL


def _cmd_validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.validate import validate_file

    results: list[tuple[str, Sequence[Diagnostic]]] = []
    for path in args.policies:
        v = validate_file(path)
        results.append((v.file, v.diagnostics))
    all_diags = [d for _, ds in results for d in ds]
    errors, warnings = report.counts(all_diags)
    if args.format == "json":
        out.write(report.as_json(results, strict=args.strict))
    elif args.format == "sarif":
        out.write(report.as_sarif(results))
    else:
        color = out.isatty() and "NO_COLOR" not in os.environ
        out.write(report.as_text(all_diags, color=color))
        if not args.quiet:
            for f, ds in results:
                err.write(report.summary_line([f], ds) + "\n")
    if errors or (args.strict and warnings):
        return EXIT_INVALID
    return EXIT_OK


def _print_diagnostics(diags: Sequence[Diagnostic], out: TextIO) -> None:
    color = out.isatty() and "NO_COLOR" not in os.environ
    out.write(report.as_text(diags, color=color))


def _cmd_compile(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.compile import compile_policy
    from generator.writer import OutputError, write_output

    policy = _load_valid(args.policy, args.layout, out, err)
    if policy is None:
        return EXIT_INVALID
    from generator.render.cdktf import ToolchainMissing

    source = None
    if args.format == "cdktf-app":  # the app ships a copy of the policy
        with open(args.policy, encoding="utf-8") as fh:
            source = fh.read()
    try:
        compiled = compile_policy(policy, args.format, policy_source=source)
    except ToolchainMissing as exc:
        err.write(f"dsql-backup: error DSB903 {exc.message}\n    hint: {exc.hint}\n")
        return EXIT_USAGE
    roots = compiled.manifest["roots"]
    if not args.quiet and len(roots) > 1:
        for i, r in enumerate(roots, 1):
            err.write(f"[{i}/{len(roots)}] {r['name']}: {r['resources']} resources, wave {r['wave']}\n")
    try:
        result = write_output(compiled.files, args.output, force=args.force)
    except OutputError as exc:
        err.write(f"dsql-backup: error DSB901 {exc.message}\n    hint: {exc.hint}\n")
        return EXIT_INVALID
    if not args.quiet:
        if result.moved_aside:
            err.write(f"moved the previous contents of {args.output} to {result.moved_aside}\n")
        if result.kept:
            err.write(f"kept {len(result.kept)} file(s) that compile does not generate (state, .terraform)\n")
        totals = compiled.manifest["totals"]
        waves = " -> ".join("[" + ", ".join(w["roots"]) + "]" for w in compiled.manifest["apply_order"])
        err.write(f"compiled {policy.name}: {totals['roots']} root(s), {totals['resources']} resources "
                  f"in {args.output} (apply order {waves})\n")
    return EXIT_OK


def _load_valid(path: str, layout: str | None, out: TextIO, err: TextIO) -> Policy | None:
    import dataclasses

    from generator.validate import validate_file

    v = validate_file(path)
    _print_diagnostics(v.diagnostics, out)
    if v.policy is None:
        err.write(report.summary_line([v.file], v.diagnostics) + "; nothing written\n")
        return None
    if layout:
        return dataclasses.replace(v.policy, terraform=dataclasses.replace(v.policy.terraform, layout=layout))
    return v.policy


def _cmd_plan(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import tempfile
    from pathlib import Path

    from generator.cli_terraform import offline_conflict, run_terraform_command
    from generator.compile import compile_policy
    from generator.offline import RootPreview, preview
    from generator.terraform import TerraformRunner, TerraformUnavailable

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
    policy = _load_valid(args.policy, args.layout, out, err)
    if policy is None:
        return EXIT_INVALID
    compiled = compile_policy(policy)
    total = len(compiled.model.roots)

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
        results = preview(compiled, runner, scratch, parallel=args.parallel, progress=progress)
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


_INIT_HELP = """\
examples:
  dsql-backup init                                         dsql-backup.yaml: one placeholder account, us-east-1
  dsql-backup init --accounts prod=111111111111,stage=222222222222 --regions us-east-1,us-east-2
  dsql-backup init -o policies/payments.dsql-backup.yaml --name payments
  dsql-backup init -o - > policy.yaml                      print the starter instead

Writes a commented starter policy that validates, and beside it the JSON Schema its first line points
editors at (kept if present). Never overwrites a policy: exit 1 if the file exists.
"""

_ROLLOUT_HELP = """\
examples:
  dsql-backup rollout policy.yaml --format github-matrix >> "$GITHUB_OUTPUT"   wave_1..wave_3 matrices
  dsql-backup rollout policy.yaml --format atlantis --dir out > atlantis.yaml
  dsql-backup rollout policy.yaml --format gitlab-pipeline > rollout.gitlab-ci.yml   a child pipeline
  dsql-backup rollout policy.yaml --format json | jq '.waves[].roots[].name'

The roots of each apply wave, from the manifest compile would write (nothing is written). --dir is the
directory given to compile -o, relative to the repository root. Diagnostics go to stderr.
"""


def _add_init_and_rollout(sub: argparse._SubParsersAction[_Parser],
                          common: _Parser) -> None:
    from generator.rollout import FORMATS as ROLLOUT_FORMATS
    from generator.starter import DEFAULT_NAME, DEFAULT_PATH, DEFAULT_SCHEMA_FILE

    i = sub.add_parser("init", parents=[common], help="write a commented starter policy",
                       description="Write a commented starter policy that validates, for the accounts and "
                       "Regions given.", epilog=_INIT_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    i.add_argument("-o", "--output", default=DEFAULT_PATH, metavar="FILE",
                   help=f"policy file to create (default {DEFAULT_PATH}; - prints it)")
    i.add_argument("--name", metavar="NAME", help=f"policy name, prefixes AWS names (default {DEFAULT_NAME})")
    i.add_argument("--accounts", action="append", metavar="KEY=ID,...",
                   help="accounts as key=12-digit ID, comma-separated or repeated (default: one placeholder)")
    i.add_argument("--regions", action="append", metavar="REGION,...",
                   help="DSQL Regions, comma-separated or repeated (default us-east-1)")
    i.add_argument("--schema", metavar="REF",
                   help=f"what the $schema line points at (a URL or path); without it, {DEFAULT_SCHEMA_FILE} "
                   "is written beside the policy")

    r = sub.add_parser("rollout", parents=[common], help="the apply waves as a CI matrix, atlantis.yaml or JSON",
                       description="Print the roots of each apply wave for a CI system: a GitHub Actions "
                       "matrix, an atlantis.yaml, a GitLab child pipeline or JSON.",
                       epilog=_ROLLOUT_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    r.add_argument("policy", metavar="POLICY", help="policy YAML file")
    r.add_argument("--format", choices=ROLLOUT_FORMATS, required=True, help="output format")
    r.add_argument("--dir", default="out", metavar="DIR",
                   help="where compile -o writes the roots, relative to the repository root (default out)")
    r.add_argument("--layout", choices=("per-account", "single"), help="override terraform.layout")


def _cmd_init(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from pathlib import Path

    from generator.capabilities import load_capabilities
    from generator.schema_check import schema_text
    from generator.starter import (
        DEFAULT_SCHEMA_FILE,
        FileExists,
        StarterError,
        next_steps,
        parse_starter,
        starter_text,
        write_starter,
    )

    caps = load_capabilities()
    try:
        starter = parse_starter(args.name, args.accounts, args.regions, caps)
        text = starter_text(starter, caps, args.schema or DEFAULT_SCHEMA_FILE, args.output)
        if args.output == "-":
            out.write(text)
            return EXIT_OK
        written = write_starter(Path(args.output), text, None if args.schema else schema_text())
    except FileExists as exc:
        err.write(f"dsql-backup: {exc.message}\n    hint: {exc.hint}\n")
        return EXIT_INVALID
    except StarterError as exc:
        err.write(f"dsql-backup: {exc.message}\n    hint: {exc.hint}\n")
        return EXIT_USAGE
    out.write(f"wrote {args.output}: policy {starter.name}, account(s) {', '.join(k for k, _ in starter.accounts)}, "
              f"Region(s) {', '.join(starter.regions)}\n")
    if written.schema_status == "written":
        out.write(f"wrote {written.schema}: the JSON Schema that the policy's first line points editors at\n")
    elif written.schema_status == "stale":
        out.write(f"kept {written.schema}, which differs from this version's schema; refresh it with: "
                  f"dsql-backup schema > {written.schema}\n")
    out.write("next:\n" + "".join(f"  - {step}\n" for step in next_steps(starter, args.output)))
    return EXIT_OK


def _cmd_rollout(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.compile import compile_policy
    from generator.rollout import render, rollout_from_manifest

    if ".." in args.dir.replace("\\", "/").split("/") or args.dir.startswith("/"):
        err.write(f"dsql-backup: --dir {args.dir}: give the directory relative to the repository root, "
                  "inside it\n")
        return EXIT_USAGE
    policy = _load_valid(args.policy, args.layout, err, err)
    if policy is None:
        return EXIT_INVALID
    compiled = compile_policy(policy)
    out.write(render(rollout_from_manifest(compiled.manifest, args.dir), args.format, args.policy))
    return EXIT_OK


def _cmd_schema(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.schema_check import schema_text

    out.write(schema_text())
    return EXIT_OK


def _cmd_codes(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    out.write(report.codes_markdown())
    return EXIT_OK


_COMMANDS = {
    "init": _cmd_init,
    "rollout": _cmd_rollout,
    "validate": _cmd_validate,
    "compile": _cmd_compile,
    "plan": _cmd_plan,
    "apply": lambda a, o, e: _run_terraform(a, o, e),  # noqa: PLW0108 (defined below the table)
    "destroy": lambda a, o, e: _run_terraform(a, o, e),  # noqa: PLW0108
    "schema": _cmd_schema,
    "codes": _cmd_codes,
}
_COMMANDS.update(_EXPLAIN_COMMANDS)


def _run_help(command: str) -> str:
    from generator.cli_terraform import RUN_HELP

    return RUN_HELP[command]


def _run_terraform(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.cli_terraform import run_terraform_command

    return run_terraform_command(args.command, args, out, err)
