"""The insight commands: ``explain``, ``runbook`` and ``backup-now`` (which acts through
:mod:`generator.recovery.backup_now`).

Exit codes: 0 ok, 1 the policy is invalid
(or an unknown cluster, or AWS refused a request), 2 usage error (a missing tool or optional extra too),
3 internal error (the top-level catch in ``generator.cli.main``).

``explain`` also works on a policy with errors: it prints the explanation with every diagnostic, and exits 1.
``runbook`` and ``backup-now`` need a valid policy: restore steps derived from a broken policy could mislead.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from generator.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    RAW,
    Parser,
    Subparsers,
    cluster_or_error,
    region_arns,
    valid_policy,
)

_EXPLAIN_HELP = """\
examples:
  dsql-backup explain policy.yaml                        per cluster: plans, schedule, RPO, copies, restore
  dsql-backup explain policy.yaml --format markdown      for a pull-request comment
  dsql-backup explain policy.yaml --format json | jq '.clusters[].gaps'
  dsql-backup explain policy.yaml --format json | jq '.selections[].description'   what tag plans back up
  dsql-backup explain policy.yaml --graph protection.mmd Mermaid (renders in GitHub comments)
  dsql-backup explain policy.yaml --graph protection.svg SVG or PNG through Graphviz's dot

Gaps carry the rule codes: DSB221 (a cluster or one of its Regions is backed up by no plan), DSB604 (a rule
copies a multi-Region cluster's backup to no peer Region). A plan that selects by tag is shown as a tag
selection: every DSQL cluster of its accounts and Regions with those tags, whoever created it, with the
declared clusters it matches. Explain reads the model compile builds. A policy with errors is still
explained when it can be read, with its diagnostics; the exit code is then 1.
"""

_RUNBOOK_HELP = """\
examples:
  dsql-backup runbook policy.yaml ledger > RUNBOOK-ledger.md
  dsql-backup runbook policy.yaml ledger -o docs/runbooks/ledger.md

Markdown with the AWS CLI commands to take an on-demand backup, list recovery points by vault and restore
single-Region and multi-Region (copying the recovery point to the peer Region first when needed). Values only
known at restore time are shell variables set by the command before them. Exit codes: 0 ok, 1 invalid policy
or unknown cluster, 2 usage error.
"""

_BACKUP_NOW_HELP = """\
examples:
  dsql-backup backup-now policy.yaml orders --dry-run          print the requests, call nothing
  dsql-backup backup-now policy.yaml ledger --terraform-outputs <(terraform -chdir=out/prod output -json)
  dsql-backup backup-now policy.yaml ledger --arn us-east-1=arn:aws:dsql:... --arn us-east-2=arn:aws:dsql:...

Starts one AWS Backup job per Region of the cluster (vault, role and retention of the first rule that backs
it up there) and prints the job IDs. Needs boto3: pip install 'dsql-backup[aws]'. Credentials come from the
usual AWS chain (or --profile); when they are for another account, the cluster account's role_arn from the
policy is assumed (--no-assume-role: never), and the result must be the cluster's account. Exit codes: 0 jobs
started, 1 invalid policy, unknown cluster or AWS error, 2 usage error (or boto3 missing).
"""


def add_parsers(sub: Subparsers, common: Parser) -> None:
    raw = RAW
    e = sub.add_parser("explain", parents=[common], formatter_class=raw, epilog=_EXPLAIN_HELP,
                       help="what the policy protects, where copies land, how each cluster restores",
                       description="Explain a policy per cluster (account, Regions, plans and rules, schedule in "
                       "words and time zone, RPO, every place a copy lands, restore options, gaps), per tag "
                       "selection and per vault.")
    e.add_argument("policy", metavar="POLICY", help="policy YAML file")
    e.add_argument("--format", choices=("text", "markdown", "json"), default="text", help="output format")
    e.add_argument("--graph", metavar="FILE", help="also write a diagram: FILE.mmd (Mermaid), FILE.dot, FILE.svg "
                   "or FILE.png (Graphviz)")

    r = sub.add_parser("runbook", parents=[common], formatter_class=raw, epilog=_RUNBOOK_HELP,
                       help="backup and restore runbook (AWS CLI commands) for one cluster",
                       description="Print the steps and AWS CLI commands to back up and restore one cluster.")
    r.add_argument("policy", metavar="POLICY", help="policy YAML file")
    r.add_argument("cluster", metavar="CLUSTER", help="a key of the policy's clusters")
    r.add_argument("-o", "--output", metavar="FILE", help="write the runbook to FILE instead of stdout")

    b = sub.add_parser("backup-now", parents=[common], formatter_class=raw, epilog=_BACKUP_NOW_HELP,
                       help="start on-demand backup jobs for every Region of a cluster (boto3)",
                       description="Start an on-demand AWS Backup job in every Region of one cluster.")
    b.add_argument("policy", metavar="POLICY", help="policy YAML file")
    b.add_argument("cluster", metavar="CLUSTER", help="a key of the policy's clusters")
    b.add_argument("--arn", action="append", default=[], metavar="REGION=ARN",
                   help="the cluster's ARN in a Region (repeat per Region; adopted clusters need none)")
    b.add_argument("--terraform-outputs", metavar="FILE", help="JSON of 'terraform output -json' of the root "
                   "that created the cluster (its cluster_arns output)")
    b.add_argument("--profile", help="AWS profile of the base credentials (the cluster's account, or one that may "
                   "assume the account's role_arn)")
    b.add_argument("--no-assume-role", action="store_true", help="never assume the account's role_arn")
    b.add_argument("--endpoint-url", metavar="URL", help="send every AWS call to URL (an emulator)")
    b.add_argument("--dry-run", action="store_true", help="print the StartBackupJob requests and call nothing")


def cmd_explain(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.diagnostics import report
    from generator.insight.explain import explain, typed_policy
    from generator.insight.explain_render import render
    from generator.insight.graph import GraphvizUnavailable, graph_format, render_graph

    fmt = graph_format(args.graph) if args.graph else None
    if args.graph and fmt is None:
        err.write(f"dsql-backup: error: --graph {args.graph}: name a .mmd, .dot, .svg or .png file\n")
        return EXIT_USAGE
    policy, file, diags = typed_policy(args.policy)
    if policy is None:
        out.write(report.as_text(diags))
        err.write(report.summary_line([file], diags) + "; cannot explain it\n")
        return EXIT_INVALID
    e = explain(policy, diags, file)
    if args.graph and fmt is not None:
        try:
            data = render_graph(e, fmt)
        except GraphvizUnavailable as exc:  # the explanation still prints; only the diagram is missing
            out.write(render(e, args.format))
            err.write(f"dsql-backup: error: {exc}; {args.graph} was not written (a .mmd or .dot diagram needs "
                      "no Graphviz)\n")
            return EXIT_USAGE
        try:
            Path(args.graph).write_bytes(data)
        except OSError as exc:
            err.write(f"dsql-backup: error: cannot write {args.graph}: {exc.strerror or exc}\n")
            return EXIT_USAGE
        err.write(f"wrote {args.graph} ({fmt})\n")
    out.write(render(e, args.format))
    return EXIT_INVALID if e.errors else EXIT_OK


def cmd_runbook(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.insight.runbook import runbook

    policy = valid_policy(args.policy, out, err)
    if policy is None:
        return EXIT_INVALID
    if not cluster_or_error(policy, args.cluster, err):
        return EXIT_INVALID
    text = runbook(policy, args.cluster)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            err.write(f"dsql-backup: error: cannot write {args.output}: {exc.strerror or exc}\n")
            return EXIT_USAGE
        err.write(f"wrote {args.output}\n")
    else:
        out.write(text)
    return EXIT_OK


def cmd_backup_now(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import json

    from generator.recovery import backup_now as bn

    arns = region_arns(args.arn, err)
    if arns is None:
        return EXIT_USAGE
    policy = valid_policy(args.policy, out, err)
    if policy is None:
        return EXIT_INVALID
    if not cluster_or_error(policy, args.cluster, err):
        return EXIT_INVALID
    try:
        if args.terraform_outputs:
            try:
                text = Path(args.terraform_outputs).read_text(encoding="utf-8")
            except OSError as exc:
                err.write(f"dsql-backup: error: cannot read {args.terraform_outputs}: {exc.strerror or exc}\n")
                return EXIT_USAGE
            arns = {**bn.cluster_arns_from_outputs(text, args.cluster), **arns}
        requests = bn.plan_backup_jobs(policy, args.cluster, arns)
        if args.dry_run:
            for r in requests:
                out.write(f"{r.region}: StartBackupJob {json.dumps(dict(r.params), sort_keys=True)}\n")
            return EXIT_OK
        try:
            factory = bn.boto3_factory(policy, args.cluster, profile=args.profile, endpoint_url=args.endpoint_url,
                                       assume_role=not args.no_assume_role)
        except ImportError:
            err.write("dsql-backup: error: backup-now needs boto3: pip install 'dsql-backup[aws]'\n")
            return EXIT_USAGE
        return _start(policy, args.cluster, requests, factory, out=out, err=err)
    except bn.BackupNowError as exc:
        err.write(f"dsql-backup: error: {exc}\n")
        return EXIT_INVALID


def _start(policy: Any, cluster: str, requests: Any, factory: Any, *, out: TextIO, err: TextIO) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from generator.recovery import backup_now as bn

    try:
        bn.check_account(policy, cluster, factory)
        started = bn.start_backup_jobs(requests, factory)
    except ClientError as exc:
        err.write(f"dsql-backup: error: AWS refused the request: {exc}\n")
        return EXIT_INVALID
    except BotoCoreError as exc:
        err.write(f"dsql-backup: error: {exc}\n")
        return EXIT_INVALID
    for s in started:
        out.write(f"{s.region}\t{s.job_id}\t{s.vault}\t{s.recovery_point_arn or '-'}\n")
    err.write(f"started {len(started)} backup job(s) for cluster '{cluster}'; on-demand backups are not copied "
              f"by the plan's copy rules (see 'dsql-backup runbook POLICY {cluster}', step 4)\n")
    return EXIT_OK


COMMANDS = {"explain": cmd_explain, "runbook": cmd_runbook, "backup-now": cmd_backup_now}
