"""The policy commands: ``validate``, ``init`` (a starter policy), ``schema`` and ``codes``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TextIO

from generator.cli.common import EXIT_INVALID, EXIT_OK, EXIT_USAGE, RAW, Parser, Subparsers, print_diagnostics
from generator.diagnostics import Diagnostic, report

_VALIDATE_HELP = """\
examples:
  dsql-backup validate policy.yaml
  dsql-backup validate --strict policies/*.yaml          warnings fail too
  dsql-backup validate --format sarif policy.yaml > dsql-backup.sarif   GitHub code scanning
  dsql-backup validate --format json policy.yaml | jq '.diagnostics[] | .code'

Every problem is reported at once as FILE:LINE:COL: SEVERITY CODE message, followed by a hint.
Exit codes: 0 valid (warnings allowed unless --strict), 1 invalid, 2 usage error, 3 internal error.
"""


_INIT_HELP = """\
examples:
  dsql-backup init                                         dsql-backup.yaml: one placeholder account, us-east-1
  dsql-backup init --accounts prod=111111111111,stage=222222222222 --regions us-east-1,us-east-2
  dsql-backup init -o policies/payments.dsql-backup.yaml --name payments
  dsql-backup init -o - > policy.yaml                      print the starter instead

Writes a commented starter policy that validates, and beside it the JSON Schema its first line points
editors at (kept if present). Never overwrites a policy: exit 1 if the file exists.
"""


def add_validate(sub: Subparsers, common: Parser) -> None:
    v = sub.add_parser("validate", parents=[common], help="check policies against the schema and the semantic rules",
                       description="Check one or more policies: YAML, JSON Schema, then semantic rules.",
                       epilog=_VALIDATE_HELP, formatter_class=RAW)
    v.add_argument("policies", nargs="+", metavar="POLICY", help="policy YAML file(s)")
    v.add_argument("--format", choices=("text", "json", "sarif"), default="text", help="output format (default text)")
    v.add_argument("--strict", action="store_true", help="treat warnings as errors (exit 1)")
    v.add_argument("--quiet", "-q", action="store_true", help="text format: print only errors and warnings")


def add_init(sub: Subparsers, common: Parser) -> None:
    from generator.policy.starter import DEFAULT_NAME, DEFAULT_PATH, DEFAULT_SCHEMA_FILE

    i = sub.add_parser("init", parents=[common], help="write a commented starter policy",
                       description="Write a commented starter policy that validates, for the accounts and "
                       "Regions given.", epilog=_INIT_HELP, formatter_class=RAW)
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


def add_schema_and_codes(sub: Subparsers, common: Parser) -> None:
    sub.add_parser("schema", parents=[common], help="print the policy JSON Schema (Draft 2020-12)",
                   description="Print the JSON Schema of policy v1, for editors and other tools.",
                   epilog="examples:\n  dsql-backup schema > policy.schema.json\n"
                   "  # then, first line of a policy:  # yaml-language-server: $schema=policy.schema.json",
                   formatter_class=RAW)
    sub.add_parser("codes", parents=[common], help="list every diagnostic code",
                   description="List every diagnostic code with its severity and meaning (Markdown table).",
                   epilog="examples:\n  dsql-backup codes\n  dsql-backup codes | grep DSB604",
                   formatter_class=RAW)


def cmd_validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.policy.validate import validate_file

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
        print_diagnostics(all_diags, out)
        if not args.quiet:
            for f, ds in results:
                err.write(report.summary_line([f], ds) + "\n")
    if errors or (args.strict and warnings):
        return EXIT_INVALID
    return EXIT_OK


def cmd_init(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from pathlib import Path

    from generator.aws.capabilities import load_capabilities
    from generator.policy.schema import schema_text
    from generator.policy.starter import (
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


def cmd_schema(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.policy.schema import schema_text

    out.write(schema_text())
    return EXIT_OK


def cmd_codes(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    out.write(report.codes_markdown())
    return EXIT_OK


COMMANDS = {"validate": cmd_validate, "init": cmd_init, "schema": cmd_schema, "codes": cmd_codes}
