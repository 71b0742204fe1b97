"""Offline preview: compile into a scratch directory and run terraform init + plan on every root with no
network and no credentials. Overrides live only in the scratch copies (see generator.terraform.binary)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.output.compile import Compiled
from generator.output.writer import write_output
from generator.terraform.binary import PlanResult, TerraformRunner, run_many
from generator.terraform.messages import TfDiagnostic
from generator.terraform.overrides import ProviderRef, prepare_offline_copy


@dataclass(frozen=True, slots=True)
class RootPreview:
    root: str
    wave: int
    status: str  # "changes" | "no-changes" | "error"
    add: int
    change: int
    destroy: int
    seconds: float
    diagnostics: tuple[TfDiagnostic, ...]
    directory: Path  # the scratch copy that was planned
    plan_json: dict[str, Any] | None  # ``terraform show -json`` of the plan, when asked for


def preview(
    compiled: Compiled,
    runner: TerraformRunner,
    scratch: Path,
    *,
    parallel: int = 2,
    show: bool = False,
    progress: Callable[[RootPreview], None] | None = None,
    only: Collection[str] | None = None,
) -> list[RootPreview]:
    """Plan every root of ``compiled`` (or the roots named in ``only``) offline inside ``scratch`` (which this
    function fills with the whole compiled output and a scratch copy of each root planned)."""
    compiled_dir = scratch / "compiled"
    write_output(compiled.files, compiled_dir)
    roots = {r.name: r for r in compiled.model.roots}

    def one(root_dir: Path) -> RootPreview:
        root = roots[root_dir.name]
        work = prepare_offline_copy(
            root_dir, scratch / "plan" / root.name, [ProviderRef(p.alias, p.region) for p in root.providers]
        )
        init = runner.init(work)
        if not init.ok:
            result = RootPreview(root.name, root.wave, "error", 0, 0, 0, init.seconds, init.diagnostics, work, None)
        else:
            plan: PlanResult = runner.plan(work)
            doc = runner.show_json(work, plan.planfile) if show and plan.planfile else None
            result = RootPreview(root.name, root.wave, plan.status, plan.add, plan.change, plan.destroy,
                                 init.seconds + plan.seconds, plan.diagnostics, work, doc)
        if progress:
            progress(result)
        return result

    (scratch / "plan").mkdir(parents=True, exist_ok=True)
    ordered = sorted((r for r in roots.values() if only is None or r.name in only), key=lambda r: (r.wave, r.name))
    return run_many([compiled_dir / r.name for r in ordered], one, parallel=parallel)
