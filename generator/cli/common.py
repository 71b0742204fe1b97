"""What every command shares: exit codes, the argument parser class, and loading a policy that must be valid.

Only the CLI prints and chooses exit codes. Exit codes: 0 ok, 1 the policy has errors (or warnings with
--strict), 2 usage error, 3 internal error. plan (without --offline), apply and destroy use CI exit codes
instead (generator.cli.terraform).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from generator.diagnostics import Diagnostic, report

if TYPE_CHECKING:
    from generator.output.errors import OutputError, OutputWarning
    from generator.policy.typed import Policy

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
LAYOUTS = ("per-account", "single")
RAW = argparse.RawDescriptionHelpFormatter


class Parser(argparse.ArgumentParser):
    """argparse with a usage error that says where to look for help, and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n(see '{self.prog} --help')\n")
        raise SystemExit(EXIT_USAGE)


Subparsers = Any  # argparse._SubParsersAction[Parser]; private in argparse


def output_error(exc: OutputError, err: TextIO) -> None:
    """The writer's refusal (generator.output.writer.OutputError) as the CLI prints it."""
    err.write(f"dsql-backup: error DSB901 {exc.message}\n    hint: {exc.hint}\n")


def output_warnings(warnings: Sequence[OutputWarning], err: TextIO) -> None:
    """What the writer left beside the output directory and why (printed also with --quiet)."""
    for w in warnings:
        err.write(f"dsql-backup: warning DSB904 {w.message}\n    hint: {w.hint}\n")


def print_diagnostics(diags: Sequence[Diagnostic], out: TextIO) -> None:
    color = out.isatty() and "NO_COLOR" not in os.environ
    out.write(report.as_text(diags, color=color))


def load_valid(path: str, layout: str | None, out: TextIO, err: TextIO) -> Policy | None:
    """The policy at ``path`` when it is valid (``--layout`` applied), its diagnostics printed; else None."""
    import dataclasses

    from generator.policy.validate import validate_file

    v = validate_file(path)
    print_diagnostics(v.diagnostics, out)
    if v.policy is None:
        err.write(report.summary_line([v.file], v.diagnostics) + "; nothing written\n")
        return None
    if layout:
        return dataclasses.replace(v.policy, terraform=dataclasses.replace(v.policy.terraform, layout=layout))
    return v.policy


def cluster_or_error(policy: Any, cluster: str, err: TextIO) -> bool:
    """True when ``policy`` has ``cluster``; else an error naming the closest key, False."""
    import difflib

    if cluster in policy.clusters:
        return True
    close = difflib.get_close_matches(cluster, sorted(policy.clusters), n=1)
    err.write(f"dsql-backup: error: policy '{policy.name}' has no cluster '{cluster}'"
              + (f"; did you mean '{close[0]}'?" if close else "")
              + f" (clusters: {', '.join(sorted(policy.clusters)) or 'none'})\n")
    return False


def valid_policy(path: str, out: TextIO, err: TextIO) -> Any:
    """The policy at ``path`` when it is valid; else its diagnostics printed and None (for the commands that
    act on AWS: steps derived from a broken policy could mislead)."""
    from generator.diagnostics import report
    from generator.policy.validate import validate_file

    v = validate_file(path)
    if v.policy is None:
        out.write(report.as_text(v.diagnostics))
        err.write(report.summary_line([v.file], v.diagnostics) + "\n")
    return v.policy


def region_arns(items: Sequence[str], err: TextIO) -> dict[str, str] | None:
    """``--arn REGION=ARN`` options as ``{region: arn}``; None after an error."""
    arns: dict[str, str] = {}
    for item in items:
        region, sep, arn = item.partition("=")
        if not sep or not region or not arn.startswith("arn:"):
            err.write(f"dsql-backup: error: --arn {item}: expected REGION=ARN\n")
            return None
        arns[region] = arn
    return arns
