"""The command line: the only package that prints and chooses exit codes (see generator.cli.common).

One module per command group: ``policy`` (validate, init, schema, codes), ``compile`` (compile, rollout),
``terraform`` (plan, apply, destroy), ``insight`` (explain, runbook, backup-now), ``recovery`` (restore,
drill). This module builds the parser from them and holds the one top-level catch.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import TextIO

from generator import __version__
from generator.cli import compile as compile_cmds
from generator.cli import insight, policy, recovery, terraform
from generator.cli.common import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, RAW, Parser

_MAIN_HELP = """\
Compile one YAML policy into Terraform that protects Amazon Aurora DSQL clusters with AWS Backup.

Start here:
  dsql-backup validate examples/single-region.yaml      check a policy (file:line:col errors)
  dsql-backup compile examples/single-region.yaml -o out  write Terraform roots to out/
  dsql-backup plan --offline examples/single-region.yaml  preview with terraform, no credentials
  dsql-backup explain examples/multi-region.yaml        what is protected, where copies land, restores
  dsql-backup runbook examples/multi-region.yaml ledger  backup and restore steps with AWS CLI commands
  dsql-backup restore policy.yaml ledger --latest         restore a cluster into a new one (boto3)
  dsql-backup drill policy.yaml --junit drill.xml          restore every cluster, check RPO/RTO, clean up
  dsql-backup schema > policy.schema.json                 the JSON Schema, for editors

Exit codes: 0 ok, 1 policy invalid, 2 usage error, 3 internal error (rerun with --debug).
"""


Command = Callable[[argparse.Namespace, TextIO, TextIO], int]
_COMMANDS: dict[str, Command] = {**policy.COMMANDS, **compile_cmds.COMMANDS, **terraform.COMMANDS, **insight.COMMANDS,
                                 **recovery.COMMANDS}


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="dsql-backup", description=_MAIN_HELP, formatter_class=RAW)
    parser.add_argument("--version", action="version", version=f"dsql-backup {__version__}")
    parser.add_argument("--debug", action="store_true", help="show a traceback on internal errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    common = Parser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show a traceback on internal errors")
    policy.add_validate(sub, common)
    compile_cmds.add_compile(sub, common)
    terraform.add_plan(sub, common)
    terraform.add_apply_and_destroy(sub, common)
    policy.add_init(sub, common)
    compile_cmds.add_rollout(sub, common)
    policy.add_schema_and_codes(sub, common)
    insight.add_parsers(sub, common)  # explain, runbook, backup-now
    recovery.add_parsers(sub, common)  # restore, drill
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
