"""``dsql-backup drill``: prove every cluster of the policy comes back, then delete what the proof created.

Per cluster (declared, or found in AWS by a plan's tag selection):

1. per Region, the newest completed recovery point in the cluster's own backup vault there; its age against
   the RPO the policy promises (the longest gap between scheduled backups plus the rule's start window): a
   missing or late backup fails the drill;
2. restore the newest of them into a new cluster without deletion protection (multi-Region clusters as
   multi-Region, with the peer copy found or made first: a copy the policy promises and that is not there
   fails the drill), tag the new clusters as a drill, wait until they are ACTIVE: the time from the start
   (with a copy the restore waits for) is the RTO;
3. optionally probe them with SQL;
4. delete every cluster the drill created, also on failure, timeout and interrupt. A restore job still
   running then is waited for (``cleanup_wait``) so that its cluster can be deleted too; what cannot be
   deleted is reported as left behind and fails the drill.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.insight.recovery_sites import PolicyRecovery, Recovery
from generator.recovery import points
from generator.recovery.engine import DONE, Engine, NewCluster, identifier
from generator.recovery.errors import RecoveryError, aws_problem
from generator.recovery.points import Point
from generator.recovery.restore import ensure_peer_copy
from generator.recovery.wait import WaitTimeout

DRILL_TAG = "dsql-backup:drill"  # value: the drill's run ID
POLICY_TAG = "dsql-backup:policy"
SOURCE_TAG = "dsql-backup:source"
STARTED_TAG = "dsql-backup:drill-started"  # ISO 8601 UTC; drill --cleanup reads it

Probe = Callable[[Engine, str, NewCluster], str]  # (engine, account, cluster) -> what the probe saw


@dataclass
class RegionCheck:
    region: str
    recovery_point: str | None
    created: str | None  # ISO 8601
    age_hours: float | None
    allowed_hours: float | None  # None: the policy promises no RPO here
    ok: bool


@dataclass
class DrillResult:
    cluster: str
    account: str
    regions: tuple[str, ...]
    kind: str  # "single-Region" | "multi-Region"
    checks: list[RegionCheck] = field(default_factory=list)
    recovery_point: str | None = None
    restored_from: str = ""  # "<vault> (<account> <Region>)"
    peer_copy: str = "n/a"  # "n/a" | "present" | "copied" | "missing"
    restore_job: str | None = None
    restored: list[NewCluster] = field(default_factory=list)
    rto_seconds: float | None = None
    probe: str = "not run"
    cleanup: list[str] = field(default_factory=list)  # per created cluster: "deleted ARN" | "kept ARN" | "left ..."
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass(frozen=True, slots=True)
class Options:
    run_id: str
    keep: bool = False
    probe: Probe | None = None
    cleanup_wait_seconds: float = 600


@dataclass
class _Pending:
    """What a drill created or may still create: restore jobs and clusters, cleaned up in ``finally``."""

    account: str
    region: str
    job: str | None = None
    arns: list[tuple[str, str]] = field(default_factory=list)  # (Region, ARN)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def check_regions(engine: Engine, rec: Recovery, arns: Mapping[str, str], now: dt.datetime,
                  result: DrillResult) -> list[Point]:
    """The newest recovery point per Region in the cluster's own backup vaults, with its age checked."""
    found: list[Point] = []
    for region in rec.regions:
        allowed = rec.allowed_age_hours(region)
        sites = [s for s in rec.sites_of(region, rec.account, region) if s.kind == "backup"]
        if region not in arns:
            result.checks.append(RegionCheck(region, None, None, None, allowed, False))
            result.failures.append(f"{region}: the cluster's ARN is not known (pass --terraform-outputs or --arn)")
            continue
        if not sites:
            result.checks.append(RegionCheck(region, None, None, None, allowed, False))
            result.failures.append(f"{region}: no plan backs the cluster up here (DSB221)")
            continue
        p = points.newest(engine.clients, sites, arns[region])
        if p is None:
            result.checks.append(RegionCheck(region, None, None, None, allowed, False))
            vaults = ", ".join(s.vault_name for s in sites)
            result.failures.append(f"{region}: no completed recovery point in {vaults}")
            continue
        age = p.age_hours(now)
        ok = allowed is None or age <= allowed
        result.checks.append(RegionCheck(region, p.arn, p.created.astimezone(dt.UTC).isoformat(), round(age, 2),
                                         allowed, ok))
        if not ok:
            result.failures.append(f"{region}: the newest recovery point is {age:.1f} hours old; the policy promises "
                                   f"at most {allowed:g} (RPO plus start window): a backup was missed")
        found.append(p)
    return found


def drill_cluster(engine: Engine, rec: Recovery, arns: Mapping[str, str], options: Options) -> DrillResult:
    """Drill one cluster. Never raises for a failed drill (the result says why); re-raises an interrupt
    after cleaning up."""
    kind = "multi-Region" if rec.multi_region else "single-Region"
    result = DrillResult(rec.cluster, rec.account, rec.regions, kind)
    pending: list[_Pending] = []
    try:
        found = check_regions(engine, rec, arns, _now(), result)
        if found:
            _restore(engine, rec, max(found, key=points.recency), options, result=result, pending=pending)
    except RecoveryError as exc:
        result.failures.append(str(exc))
    except WaitTimeout as exc:
        result.failures.append(f"timeout: {exc}")
    except KeyboardInterrupt:
        result.failures.append("interrupted")
        _cleanup(engine, pending, options, result)
        raise
    except Exception as exc:
        problem = aws_problem(exc, rec.account)
        if problem is None:
            raise
        result.failures.append(problem)
    _cleanup(engine, pending, options, result)
    return result


def _restore(engine: Engine, rec: Recovery, point: Point, options: Options, *, result: DrillResult,
             pending: list[_Pending]) -> None:
    """Restore ``point`` (copying it to the peer Region first where needed), tag, wait, probe."""
    result.recovery_point = point.arn
    result.restored_from = f"{point.vault_name} ({point.account} {point.region})"
    engine.say(f"drill {rec.cluster}: restoring {point.arn} ({point.region})")
    started = engine.clock.now()  # the RTO counts a copy the restore has to wait for
    if rec.multi_region:
        promised = rec.promised_copy(point.region, rec.peer_of(point.region))
        result.peer_copy = ensure_peer_copy(engine, rec, point, copy=True)
        if result.peer_copy == "copied" and promised is not None:
            result.failures.append(f"{rec.peer_of(point.region)}: the copy the policy promises into "
                                   f"{promised.vault_name} was not there; the drill copied it")
    meta = engine.metadata(rec, point, multi_region=rec.multi_region, deletion_protection=False)
    job = _Pending(point.account, point.region)
    pending.append(job)
    job.job = engine.start_restore(point, meta)
    result.restore_job = job.job
    if engine.dry_run:
        return
    created = engine.wait_restore(point.account, point.region, job.job)
    _created(engine, job, point.region, created)
    tags = {DRILL_TAG: options.run_id, POLICY_TAG: engine.pr.policy, SOURCE_TAG: rec.cluster,
            STARTED_TAG: _now().strftime("%Y-%m-%dT%H:%M:%SZ")}
    for region, arn in job.arns:
        engine.tag(point.account, region, arn, tags)
    result.restored = [engine.wait_active(point.account, region, arn) for region, arn in job.arns]
    result.rto_seconds = round(engine.clock.now() - started, 1)
    engine.say(f"drill {rec.cluster}: ACTIVE after {result.rto_seconds:.0f} s")
    if options.probe is not None:
        for c in result.restored:
            result.probe = options.probe(engine, point.account, c)
            if not result.probe.startswith("ok"):
                result.failures.append(f"probe of {c.identifier}: {result.probe}")


def _created(engine: Engine, job: _Pending, region: str, arn: str) -> None:
    job.arns.append((region, arn))
    for peer in engine.cluster(job.account, region, arn).peers:
        job.arns.append((peer.split(":")[3], peer))


def _cleanup(engine: Engine, pending: list[_Pending], options: Options, result: DrillResult) -> None:
    for job in pending:
        if job.job and not job.arns and not engine.dry_run:
            _await_late_cluster(engine, job, options, result)
        for region, arn in job.arns:
            if options.keep:
                result.cleanup.append(f"kept {arn}")
                continue
            try:
                engine.delete(job.account, region, arn)
                result.cleanup.append(f"deleted {arn}")
                engine.say(f"drill {result.cluster}: deleted {identifier(arn)} ({region})")
            except Exception as exc:
                why = aws_problem(exc, f"{job.account} {region}") or str(exc)
                result.cleanup.append(f"left {arn}: {why}")
                result.failures.append(f"cluster {arn} was left behind: {why}")


def _await_late_cluster(engine: Engine, job: _Pending, options: Options, result: DrillResult) -> None:
    """A restore job that had not finished when the drill stopped may still create a cluster: wait for it
    (up to ``cleanup_wait_seconds``) so that cluster is deleted too."""
    assert job.job is not None
    name = job.job
    try:
        doc = engine.restore_job(job.account, job.region, name)
        if doc.get("Status") not in DONE:
            engine.say(f"waiting up to {options.cleanup_wait_seconds:.0f} s for restore job {name} to finish, "
                       "to delete what it creates")
            doc = engine.await_restore(job.account, job.region, name, timeout=options.cleanup_wait_seconds)
        if doc.get("CreatedResourceArn"):  # a failed or aborted job may have created one too
            _created(engine, job, job.region, str(doc["CreatedResourceArn"]))
    except (WaitTimeout, KeyboardInterrupt, Exception) as exc:
        why = f"restore job {job.job} in {job.account} {job.region} had not finished ({exc or 'interrupted'})"
        result.cleanup.append(f"left {why}")
        result.failures.append(f"{why}: when it completes, delete the cluster it created (aws backup "
                               f"describe-restore-job --region {job.region} --restore-job-id {job.job} --query "
                               "CreatedResourceArn)")


def cleanup_old(engine: Engine, places: list[tuple[str, str]], older_than_hours: float, now: dt.datetime,
                ) -> list[str]:
    """``drill --cleanup``: delete clusters this policy's drills created more than ``older_than_hours`` ago,
    in the given (account, Region) places. Returns what was done, a line each."""
    done: list[str] = []
    for account, region in places:
        dsql = engine.clients("dsql", region, account)
        kw: dict[str, Any] = {}
        while True:
            page = dsql.list_clusters(**kw)
            for item in page.get("clusters", []):
                doc = dsql.get_cluster(identifier=item["identifier"])
                tags = doc.get("tags") or {}
                if tags.get(POLICY_TAG) != engine.pr.policy or DRILL_TAG not in tags:
                    continue
                if doc.get("status") in ("DELETING", "DELETED"):
                    continue
                started = _parse_time(tags.get(STARTED_TAG)) or doc.get("creationTime")
                if isinstance(started, dt.datetime) and (now - started).total_seconds() < older_than_hours * 3600:
                    continue
                engine.delete(account, region, str(doc["arn"]))
                done.append(f"deleted {doc['arn']} (drill {tags[DRILL_TAG]} of {tags.get(SOURCE_TAG, '?')})")
            if not page.get("nextToken"):
                break
            kw["nextToken"] = page["nextToken"]
    return done


def _parse_time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def tagged_clusters(engine: Engine, pr: PolicyRecovery, known: set[str]) -> list[tuple[Recovery, dict[str, str]]]:
    """Clusters in AWS that a plan's tag selection backs up (not declared ones, not drill clusters)."""
    out: list[tuple[Recovery, dict[str, str]]] = []
    for view in pr.selections:
        for region in view.regions:
            dsql = engine.clients("dsql", region, view.account)
            kw: dict[str, Any] = {}
            while True:
                page = dsql.list_clusters(**kw)
                for item in page.get("clusters", []):
                    arn = str(item["arn"])
                    if arn in known:
                        continue
                    doc = dsql.get_cluster(identifier=item["identifier"])
                    tags = doc.get("tags") or {}
                    if DRILL_TAG in tags or doc.get("status") != "ACTIVE":
                        continue
                    if all(tags.get(k) == v for k, v in view.tags):
                        known.add(arn)
                        out.append((pr.for_tagged(view, region, str(item["identifier"]), arn), {region: arn}))
                if not page.get("nextToken"):
                    break
                kw["nextToken"] = page["nextToken"]
    return out

