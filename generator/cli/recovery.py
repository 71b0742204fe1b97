"""The recovery commands: ``restore`` (one cluster, in an incident) and ``drill`` (every cluster, on a
schedule, deleted afterwards). Both need boto3 (the ``aws`` extra) and a valid policy.

Exit codes: 0 done (drill: every drill passed), 1 a failure (invalid policy, no recovery point, a job that
failed, AWS refused, a drill that failed or was interrupted), 2 usage error (or boto3 missing).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import uuid
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

_RESTORE_HELP = """\
examples:
  dsql-backup restore policy.yaml ledger --latest --terraform-outputs outputs.json
  dsql-backup restore policy.yaml ledger --latest --arn us-east-1=arn:aws:dsql:us-east-1:111122223333:cluster/abc
  dsql-backup restore policy.yaml ledger --latest --account backup --region us-east-2   from the backup account's copy
  dsql-backup restore policy.yaml ledger --latest --multi-region --terraform-outputs outputs.json
  dsql-backup restore policy.yaml ledger --recovery-point arn:aws:backup:...:recovery-point:... --dry-run

The recovery point is printed with its age before anything starts, and you are asked to confirm (--yes
skips that). The restore always creates a new cluster; the source cluster is never changed. It runs in the
account and Region of the recovery point, as that account's AWS Backup role, reached through the account's
role_arn in the policy (the role Terraform assumes; --no-assume-role uses your credentials as they are).
--multi-region restores both peers with the witness (metadata as AWS documents it) and, when the peer
Region holds no identical copy of the recovery point, copies it there first (--no-copy prints the command
instead). The output is one line per new cluster: Region, ARN, identifier, endpoint (tab-separated).
Exit codes: 0 restored (or started, with --no-wait), 1 failed, 2 usage error.
"""

_DRILL_HELP = """\
examples:
  dsql-backup drill policy.yaml --terraform-outputs out/payments.json --terraform-outputs out/orders.json
  dsql-backup drill policy.yaml --cluster ledger --json drill.json --junit drill.xml --markdown drill.md
  dsql-backup drill policy.yaml --probe          also connect with an IAM token: SELECT 1, count user tables
  dsql-backup drill policy.yaml --dry-run        print every AWS call, change nothing
  dsql-backup drill policy.yaml --cleanup --older-than 24   delete drill clusters left over from earlier runs

For every cluster (and every cluster in AWS that a plan's tag selection matches): the newest recovery point
in each Region must be younger than the RPO the policy promises (plus the rule's start window); the newest
one is restored into a new cluster without deletion protection, tagged dsql-backup:drill, and must become
ACTIVE (the time it takes is the RTO); then every cluster the drill created is deleted, also after a
failure, a timeout or Ctrl-C (--keep leaves them). Cluster ARNs come from --terraform-outputs (the JSON of
'terraform output -json' of each root), --arn CLUSTER/REGION=ARN, or the policy (adopted clusters).
Exit codes: 0 every drill passed, 1 a drill failed (or was interrupted), 2 usage error.
"""


def _aws_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("AWS access")
    g.add_argument("--terraform-outputs", action="append", default=[], metavar="FILE",
                   help="JSON of 'terraform output -json' of a root (its cluster_arns); repeat per root")
    g.add_argument("--profile", help="AWS profile of the base credentials")
    g.add_argument("--no-assume-role", action="store_true", help="use the base credentials in every account instead "
                   "of assuming the account's role_arn from the policy")
    g.add_argument("--endpoint-url", metavar="URL", help="send every AWS call to URL (an emulator)")
    g.add_argument("--timeout", type=float, default=60.0, metavar="MINUTES", help="give up waiting for a job or a "
                   "cluster after MINUTES (default 60)")
    g.add_argument("--poll-seconds", type=float, default=15.0, metavar="S", help="seconds between status checks "
                   "(default 15)")
    g.add_argument("--dry-run", action="store_true", help="print every AWS call; make the reads, change nothing")


def add_parsers(sub: Subparsers, common: Parser) -> None:
    r = sub.add_parser("restore", parents=[common], formatter_class=RAW, epilog=_RESTORE_HELP,
                       help="restore a cluster from a recovery point into a new cluster (boto3)",
                       description="Restore one cluster of the policy into a new cluster, and wait for it.")
    r.add_argument("policy", metavar="POLICY", help="policy YAML file")
    r.add_argument("cluster", metavar="CLUSTER", help="a key of the policy's clusters")
    which = r.add_mutually_exclusive_group(required=True)
    which.add_argument("--recovery-point", metavar="ARN", help="restore this recovery point")
    which.add_argument("--latest", action="store_true", help="restore the newest completed recovery point")
    r.add_argument("--region", help="only recovery points in this Region")
    r.add_argument("--vault", help="only recovery points in this vault (policy key or vault name)")
    r.add_argument("--account", help="only recovery points in this account (policy key)")
    r.add_argument("--multi-region", action="store_true", help="restore as a multi-Region cluster")
    r.add_argument("--no-copy", action="store_true", help="with --multi-region: stop instead of copying the "
                   "recovery point to the peer Region when no copy is there")
    r.add_argument("--deletion-protection", action=argparse.BooleanOptionalAction, default=None,
                   help="deletion protection of the new cluster (default: as the policy says for the cluster)")
    r.add_argument("--arn", action="append", default=[], metavar="REGION=ARN",
                   help="the source cluster's ARN in a Region (repeat per Region)")
    r.add_argument("--no-wait", action="store_true", help="print the restore job ID and return")
    r.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    r.add_argument("--force", action="store_true", help="restore a recovery point even when it is not a backup of "
                   "CLUSTER, or its source cannot be checked")
    _aws_options(r)

    d = sub.add_parser("drill", parents=[common], formatter_class=RAW, epilog=_DRILL_HELP,
                       help="restore every cluster into a throw-away cluster, check RPO and RTO, delete it (boto3)",
                       description="A restore drill: prove every cluster of the policy comes back.")
    d.add_argument("policy", metavar="POLICY", help="policy YAML file")
    d.add_argument("--cluster", action="append", default=[], metavar="KEY", help="drill only this cluster (repeat)")
    d.add_argument("--region", action="append", default=[], metavar="REGION", help="drill only clusters in this "
                   "Region (repeat; a multi-Region cluster with a peer there is drilled whole)")
    d.add_argument("--arn", action="append", default=[], metavar="CLUSTER/REGION=ARN",
                   help="a cluster's ARN in a Region (repeat)")
    d.add_argument("--probe", action="store_true", help="connect to each restored cluster (IAM token, pg8000): "
                   "SELECT 1 and count user tables; needs pip install 'dsql-backup[aws,probe]'")
    d.add_argument("--keep", action="store_true", help="leave the restored clusters for inspection")
    d.add_argument("--cleanup-wait", type=float, default=10.0, metavar="MINUTES", help="after a timeout or Ctrl-C, "
                   "wait this long for a running restore job so its cluster can be deleted (default 10)")
    d.add_argument("--json", metavar="FILE", help="write the report as JSON (format dsql-backup/drill-report)")
    d.add_argument("--junit", metavar="FILE", help="write the report as JUnit XML, one test case per cluster")
    d.add_argument("--markdown", metavar="FILE", help="write the report as Markdown (a CI job summary)")
    d.add_argument("--cleanup", action="store_true", help="instead of drilling, delete drill clusters of this "
                   "policy older than --older-than")
    d.add_argument("--older-than", type=float, default=24.0, metavar="HOURS", help="with --cleanup (default 24)")
    _aws_options(d)


# --- shared -------------------------------------------------------------------------------------------------


def _outputs(files: list[str], err: TextIO) -> dict[str, str] | None:
    """``{"cluster/Region": ARN}`` from the terraform output files; None after an error."""
    from generator.recovery.backup_now import BackupNowError, terraform_cluster_arns

    arns: dict[str, str] = {}
    for f in files:
        try:
            arns.update(terraform_cluster_arns(Path(f).read_text(encoding="utf-8")))
        except OSError as exc:
            err.write(f"dsql-backup: error: cannot read {f}: {exc.strerror or exc}\n")
            return None
        except BackupNowError as exc:
            err.write(f"dsql-backup: error: {f}: {exc}\n")
            return None
    return arns


def _clients(pr: Any, args: argparse.Namespace, err: TextIO) -> Any:
    from generator.recovery.clients import Clients, boto3_make

    try:
        make = boto3_make(pr.accounts, profile=args.profile, endpoint_url=args.endpoint_url,
                          assume_roles=not args.no_assume_role, session_name=f"dsql-backup-{args.command}")
    except ImportError:
        err.write(f"dsql-backup: error: {args.command} needs boto3: pip install 'dsql-backup[aws]'\n")
        return None
    return Clients(pr.accounts, make, log=err if args.dry_run else None)


def _engine(clients: Any, pr: Any, args: argparse.Namespace, err: TextIO) -> Any:
    from generator.recovery.engine import Engine

    return Engine(clients, pr, poll_seconds=args.poll_seconds, timeout_seconds=args.timeout * 60, progress=err,
                  dry_run=args.dry_run)


def _aws_failure(exc: Exception, err: TextIO) -> int:
    from generator.recovery.errors import RecoveryError, aws_problem

    problem = str(exc) if isinstance(exc, RecoveryError) else aws_problem(exc, "AWS")
    if problem is None:
        raise exc
    err.write(f"dsql-backup: error: {problem}\n")
    return EXIT_INVALID


# --- restore ------------------------------------------------------------------------------------------------


def _confirm(question: str, err: TextIO) -> bool | None:
    """The answer, or None when nobody can answer (no terminal)."""
    if not sys.stdin.isatty():
        return None
    err.write(question + " [y/N] ")
    err.flush()
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def cmd_restore(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.insight.recovery_sites import policy_recovery
    from generator.recovery.backup_now import of_cluster

    arns = region_arns(args.arn, err)
    if arns is None:
        return EXIT_USAGE
    if args.no_copy and not args.multi_region:
        err.write("dsql-backup: error: --no-copy only applies with --multi-region\n")
        return EXIT_USAGE
    policy = valid_policy(args.policy, out, err)
    if policy is None:
        return EXIT_INVALID
    if not cluster_or_error(policy, args.cluster, err):
        return EXIT_INVALID
    if args.account and args.account not in policy.accounts:
        err.write(f"dsql-backup: error: --account {args.account}: the policy has no such account "
                  f"(accounts: {', '.join(sorted(policy.accounts))})\n")
        return EXIT_USAGE
    outputs = _outputs(args.terraform_outputs, err)
    if outputs is None:
        return EXIT_USAGE
    pr = policy_recovery(policy)
    rec = pr.clusters[args.cluster]
    arns = {**rec.known_arns, **of_cluster(outputs, args.cluster), **arns}
    clients = _clients(pr, args, err)
    if clients is None:
        return EXIT_USAGE
    return _restore(_engine(clients, pr, args, err), rec, arns, args, out=out, err=err)


def _restore(engine: Any, rec: Any, arns: dict[str, str], args: argparse.Namespace, *, out: TextIO,
             err: TextIO) -> int:
    """Choose, confirm, restore, report."""
    from generator.recovery import restore as rs
    from generator.recovery.errors import RecoveryError
    from generator.recovery.wait import WaitTimeout

    started: list[str] = []  # the restore job, once there is one
    choice = rs.Choice(recovery_point=args.recovery_point, region=args.region, vault=args.vault,
                       account=args.account, multi_region=args.multi_region, copy=not args.no_copy,
                       deletion_protection=args.deletion_protection, force=args.force, wait=not args.no_wait)
    try:
        if args.multi_region and not rec.multi_region:
            raise RecoveryError(f"cluster '{args.cluster}' is single-Region: --multi-region does not apply")
        point = rs.choose(engine, rec, arns, choice)
        err.write(rs.describe_choice(point, dt.datetime.now(dt.UTC)) + "\n")
        if not args.yes and not args.dry_run:
            kind = "a multi-Region cluster" if args.multi_region else "a new cluster"
            answer = _confirm(f"Restore it into {kind} in account '{point.account}' {point.region}?", err)
            if answer is None:
                err.write("dsql-backup: error: confirm with --yes (no terminal to ask on)\n")
                return EXIT_USAGE
            if not answer:
                err.write("not restored\n")
                return EXIT_INVALID
        outcome = rs.restore(engine, rec, point, choice, on_started=started.append)
    except KeyboardInterrupt:
        if started and not args.dry_run:
            err.write(f"interrupted: restore job {started[0]} goes on in AWS; follow it with: aws backup "
                      f"describe-restore-job --region {point.region} --restore-job-id {started[0]}\n")
        raise
    except (RecoveryError, WaitTimeout) as exc:
        if isinstance(exc, WaitTimeout):
            err.write(f"dsql-backup: error: {exc}; the job goes on in AWS (describe-restore-job shows it)\n")
            return EXIT_INVALID
        return _aws_failure(exc, err)
    except Exception as exc:
        return _aws_failure(exc, err)
    if args.dry_run:
        err.write("dry run: nothing was changed\n")
        return EXIT_OK
    if not outcome.clusters:
        out.write(f"{outcome.job_id}\n")
        err.write(f"restore job {outcome.job_id} started in {point.account} {point.region}; follow it with: aws "
                  f"backup describe-restore-job --region {point.region} --restore-job-id {outcome.job_id}\n")
        return EXIT_OK
    for c in outcome.clusters:
        out.write(f"{c.region}\t{c.arn}\t{c.identifier}\t{c.endpoint}\n")
    err.write(f"restored cluster '{args.cluster}' into {len(outcome.clusters)} new cluster(s) ({c.status}); point "
              "applications at the endpoint, and adopt the cluster in the policy (existing_arns) to back it up\n")
    return EXIT_OK


# --- drill --------------------------------------------------------------------------------------------------


def _drill_arns(args: argparse.Namespace, outputs: dict[str, str], err: TextIO) -> dict[str, str] | None:
    arns = dict(outputs)
    for item in args.arn:
        key, sep, arn = item.partition("=")
        if not sep or key.count("/") != 1 or not arn.startswith("arn:"):
            err.write(f"dsql-backup: error: --arn {item}: expected CLUSTER/REGION=ARN\n")
            return None
        arns[key] = arn
    return arns


def cmd_drill(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.insight.recovery_sites import policy_recovery

    policy = valid_policy(args.policy, out, err)
    if policy is None:
        return EXIT_INVALID
    unknown = [k for k in args.cluster if k not in policy.clusters]
    if unknown:
        err.write(f"dsql-backup: error: --cluster {unknown[0]}: the policy has no such cluster (clusters: "
                  f"{', '.join(sorted(policy.clusters))})\n")
        return EXIT_USAGE
    outputs = _outputs(args.terraform_outputs, err)
    arns = None if outputs is None else _drill_arns(args, outputs, err)
    if arns is None:
        return EXIT_USAGE
    probe = None
    if args.probe:
        from generator.recovery.probe import pg8000_connect, sql_probe

        try:
            probe = sql_probe(pg8000_connect())
        except ImportError:
            err.write("dsql-backup: error: --probe needs pg8000: pip install 'dsql-backup[aws,probe]'\n")
            return EXIT_USAGE
    pr = policy_recovery(policy)
    clients = _clients(pr, args, err)
    if clients is None:
        return EXIT_USAGE
    engine = _engine(clients, pr, args, err)
    if args.cleanup:
        return _cleanup(engine, pr, args, out, err)
    return run_drill(engine, pr, args, arns, probe, out=out, err=err)


def _cleanup(engine: Any, pr: Any, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from generator.recovery.drill import cleanup_old

    places = sorted({(s.account, s.region) for rec in pr.clusters.values() for s in rec.sites}
                    | {(rec.account, r) for rec in pr.clusters.values() for r in rec.regions})
    try:
        done = cleanup_old(engine, places, args.older_than, dt.datetime.now(dt.UTC))
    except Exception as exc:
        return _aws_failure(exc, err)
    out.writelines(line + "\n" for line in done)
    err.write(f"{len(done)} leftover drill cluster(s) of policy '{pr.policy}' older than {args.older_than:g} hours "
              f"{'would be ' if args.dry_run else ''}deleted in {len(places)} account/Region(s)\n")
    return EXIT_OK


def run_drill(engine: Any, pr: Any, args: argparse.Namespace, arns: dict[str, str], probe: Any, *, out: TextIO,
              err: TextIO) -> int:
    from generator.recovery import drill, report
    from generator.recovery.backup_now import of_cluster
    from generator.recovery.errors import RecoveryError

    started = dt.datetime.now(dt.UTC)
    run_id = f"{started:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"
    options = drill.Options(run_id=run_id, keep=args.keep, probe=probe, cleanup_wait_seconds=args.cleanup_wait * 60)
    keys = args.cluster or sorted(pr.clusters)
    results: list[drill.DrillResult] = []
    interrupted = False
    try:
        targets = [(pr.clusters[k], {**pr.clusters[k].known_arns, **of_cluster(arns, k)}) for k in keys]
        if not args.cluster:
            known = {a for _, m in targets for a in m.values()}
            try:
                targets += drill.tagged_clusters(engine, pr, known)
            except Exception as exc:
                return _aws_failure(exc, err)
        if args.region:
            targets = [(rec, m) for rec, m in targets if set(rec.regions) & set(args.region)]
        if not targets:  # a scheduled drill that silently drills nothing would pass forever
            err.write(f"dsql-backup: error: nothing to drill: no cluster of policy '{pr.policy}'"
                      + (f" in {', '.join(args.region)}" if args.region else "") + "\n")
            return EXIT_INVALID
        err.write(f"drill {run_id}: {len(targets)} cluster(s) of policy '{pr.policy}'\n")
        for rec, cluster_arns in targets:
            results.append(drill.drill_cluster(engine, rec, cluster_arns, options))
    except KeyboardInterrupt:
        interrupted = True
        err.write("interrupted: the clusters this drill created were deleted (see the report)\n")
    except RecoveryError as exc:
        err.write(f"dsql-backup: error: {exc}\n")
        return EXIT_INVALID
    run = report.Run(pr.policy, run_id, started.strftime("%Y-%m-%dT%H:%M:%SZ"),
                     dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), interrupted, tuple(results))
    out.write(report.as_table(run))
    try:
        for path in report.write_reports(run, json_path=args.json, junit_path=args.junit,
                                         markdown_path=args.markdown):
            err.write(f"wrote {path}\n")
    except OSError as exc:
        err.write(f"dsql-backup: error: cannot write a report: {exc.strerror or exc}: {exc.filename}\n")
        return EXIT_USAGE
    if args.dry_run:
        err.write("dry run: nothing was changed\n")
        return EXIT_OK
    return EXIT_OK if run.passed else EXIT_INVALID


COMMANDS = {"restore": cmd_restore, "drill": cmd_drill}
