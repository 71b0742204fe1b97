"""The compile commands: ``compile`` (write the Terraform roots) and ``rollout`` (their apply waves for CI)."""

from __future__ import annotations

import argparse
from typing import TextIO

from generator.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    LAYOUTS,
    RAW,
    Parser,
    Subparsers,
    load_valid,
    output_error,
    output_warnings,
)
from generator.render.formats import FORMATS

_COMPILE_HELP = """\
examples:
  dsql-backup compile policy.yaml -o out                 one root per account: out/<account>/*.tf
  dsql-backup compile policy.yaml -o out --layout single one root for every account and Region
  (cd out/prod && terraform init && terraform plan)

The output directory gets manifest.json (roots, accounts, Regions, resource counts, content hashes and
the apply order in waves) and a marker file. Compiling again replaces the generated files and keeps
everything else in it (terraform state, .terraform/). An invalid policy writes nothing.
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


def add_compile(sub: Subparsers, common: Parser) -> None:
    c = sub.add_parser("compile", parents=[common], help="compile a policy into Terraform roots",
                       description="Validate a policy and write one Terraform root per account (or one for all) "
                       "plus manifest.json into the output directory.",
                       epilog=_COMPILE_HELP, formatter_class=RAW)
    c.add_argument("policy", metavar="POLICY", help="policy YAML file")
    c.add_argument("-o", "--output", required=True, metavar="DIR", help="output directory")
    c.add_argument("--layout", choices=LAYOUTS,
                   help="per-account: one root per account (default); single: one root for everything "
                   "(overrides terraform.layout in the policy)")
    c.add_argument("--format", choices=FORMATS, default="hcl",
                   help="hcl (default); tf-json: Terraform JSON; cdktf: synthesized CDKTF stacks (needs "
                   "dsql-backup[cdktf] and node); cdktf-app: a CDKTF Python app to extend")
    c.add_argument("--force", action="store_true",
                   help="write into a directory dsql-backup did not create (it is moved aside first, not deleted)")
    c.add_argument("--quiet", "-q", action="store_true", help="no progress or summary on stderr")


def add_rollout(sub: Subparsers, common: Parser) -> None:
    from generator.terraform.rollout import FORMATS as ROLLOUT_FORMATS

    r = sub.add_parser("rollout", parents=[common], help="the apply waves as a CI matrix, atlantis.yaml or JSON",
                       description="Print the roots of each apply wave for a CI system: a GitHub Actions "
                       "matrix, an atlantis.yaml, a GitLab child pipeline or JSON.",
                       epilog=_ROLLOUT_HELP, formatter_class=RAW)
    r.add_argument("policy", metavar="POLICY", help="policy YAML file")
    r.add_argument("--format", choices=ROLLOUT_FORMATS, required=True, help="output format")
    r.add_argument("--dir", default="out", metavar="DIR",
                   help="where compile -o writes the roots, relative to the repository root (default out)")
    r.add_argument("--layout", choices=LAYOUTS, help="override terraform.layout")


def cmd_compile(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.output.compile import compile_policy
    from generator.output.writer import OutputError, write_output

    policy = load_valid(args.policy, args.layout, out, err)
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
    roots = {r["name"]: r for r in compiled.manifest["roots"]}
    if not args.quiet and len(roots) > 1:  # in apply order: wave by wave, as the manifest lists them
        in_order = [roots[name] for wave in compiled.manifest["apply_order"] for name in wave["roots"]]
        for i, r in enumerate(in_order, 1):
            err.write(f"[{i}/{len(roots)}] {r['name']}: {r['resources']} resources, wave {r['wave']}\n")
    try:
        result = write_output(compiled.files, args.output, force=args.force)
    except OutputError as exc:
        output_error(exc, err)
        return EXIT_INVALID
    output_warnings(result.warnings, err)
    if not args.quiet:
        if result.restored:
            err.write(f"moved the previous output back from {result.restored} (an interrupted compile left it "
                      "there)\n")
        for leftover in result.removed:
            err.write(f"removed {leftover}: an interrupted compile left it, it held nothing to lose\n")
        if result.moved_aside:
            err.write(f"moved the previous contents of {args.output} to {result.moved_aside}\n")
        if result.kept:
            err.write(f"kept {len(result.kept)} file(s) that compile does not generate (state, .terraform)\n")
        totals = compiled.manifest["totals"]
        waves = " -> ".join("[" + ", ".join(w["roots"]) + "]" for w in compiled.manifest["apply_order"])
        err.write(f"compiled {policy.name}: {totals['roots']} root(s), {totals['resources']} resources "
                  f"in {args.output} (apply order {waves})\n")
    return EXIT_OK


def cmd_rollout(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.output.compile import compile_policy
    from generator.terraform.rollout import render, rollout_from_manifest

    if ".." in args.dir.replace("\\", "/").split("/") or args.dir.startswith("/"):
        err.write(f"dsql-backup: --dir {args.dir}: give the directory relative to the repository root, "
                  "inside it\n")
        return EXIT_USAGE
    policy = load_valid(args.policy, args.layout, err, err)
    if policy is None:
        return EXIT_INVALID
    compiled = compile_policy(policy)
    out.write(render(rollout_from_manifest(compiled.manifest, args.dir), args.format, args.policy))
    return EXIT_OK


COMMANDS = {"compile": cmd_compile, "rollout": cmd_rollout}
