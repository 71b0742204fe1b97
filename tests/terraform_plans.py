"""Offline terraform plans of compiled policies, for the terraform-backed tests.

Two ways to plan, both offline (fake credentials, no ``assume_role``, local state: the offline override of
generator.terraform.overrides, in scratch copies only):

* :func:`generator.terraform.offline.preview`, the product's own ``plan --offline``: init and plan per root;
* :func:`plan_together`: every root of a compiled policy as a module of one wrapper configuration, planned by
  one ``terraform plan`` and read by one ``terraform show -json``. Terraform ignores a child module's backend
  (with a warning meant for exactly this: "a root module called as a child module for testing"), and each
  module keeps its own provider configurations, so every resource plans as it does in its root. One run
  instead of one per root: a provider process starts once per terraform command, which is most of the cost
  (measured on the 12-root landing zone: 23 s for init, plan and show together, 67 s root by root).

Every root of an example is also planned on its own, as ``dsql-backup plan --offline`` does (:meth:`PlanCache.
previews`): what a root needs to plan alone (its backend, its providers, no reference outside itself) comes from
the same code for every root of a kind. An example of more than :data:`ALONE_UP_TO` roots (the 12-root landing
zone) plans the first root of each kind on its own (a kind: the same resource types over as many Regions), the
rest only together; that saves 32 of the 45 provider processes its roots start on their own. The same roots are
planned in Terraform JSON to compare with HCL (tests/test_format_equivalence.py): a root's configuration is
rendered by the same describing functions whatever its account, so one of each kind shows the two formats
agree, at 9 provider configurations of the landing zone's 33 (each one a provider process of its own).

An example with a single root has nothing to plan together: its root's own plan (the preview, shown as JSON)
is the plan of all its roots, in each format, and the root itself is validated (:func:`plan_alone`; a wrapper
would plan the same root a second time, as its one module).

:class:`PlanCache` keeps each plan for the test session of one pytest worker; tests that share a plan carry
the same ``xdist_group``, so ``--dist loadgroup`` sends them to the same worker.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from generator.model.nodes import Provider, Root
from generator.output.compile import Compiled, compile_policy
from generator.output.writer import write_output
from generator.policy.typed import Policy
from generator.policy.validate import validate_file
from generator.terraform.binary import TerraformRunner
from generator.terraform.discovery import MIRROR_MARKER, find_provider_mirror, os_arch
from generator.terraform.offline import RootPreview, preview
from generator.terraform.overrides import OFFLINE_OVERRIDE_NAME, ProviderRef, offline_override


def provider_override_runner(runner: TerraformRunner, workdir: Path) -> TerraformRunner:
    """A runner like ``runner`` whose CLI configuration runs the mirror's hashicorp/aws provider in place, as a
    ``dev_overrides`` entry, for the plans of this module.

    Terraform checks every installed provider against the lock file's checksum on every command, hashing the
    700 MB provider binary: about 1 s of CPU per init, plan, show or validate (measured: ``show -json`` of a
    one-root plan, 3.3 -> 2.3 CPU seconds; ``validate``, 4.2 -> 3.1). With the provider overridden there is
    nothing to install or verify: the same binary plans the same configuration. Each command then warns that
    "Provider development overrides are in effect"; the tests here look for errors, not warnings. What the
    product does (``dsql-backup plan --offline``, apply against the emulator) is tested through the mirror as
    installed: tests/test_offline_cli.py, tests/test_terraform_runner.py, tests/test_e2e_moto.py. Without an
    unpacked mirror, ``runner`` itself."""
    mirror = find_provider_mirror(dict(runner.env))
    packages = sorted((mirror / MIRROR_MARKER / "hashicorp" / "aws").glob(f"*/{os_arch()}")) if mirror else []
    binaries = [p for p in packages if p.is_dir() and list(p.glob("terraform-provider-aws_*"))]
    if mirror is None or not binaries:
        return runner
    config = workdir / "terraformrc-provider-override"
    config.write_text(
        "provider_installation {\n"
        f"  dev_overrides {{\n    \"hashicorp/aws\" = {json.dumps(str(binaries[-1].resolve()))}\n  }}\n"
        f"  filesystem_mirror {{\n    path = {json.dumps(str(mirror.resolve()))}\n  }}\n"
        "}\n", encoding="utf-8")
    return TerraformRunner(runner.binary, config, base_env=runner.env, offline=True, timeout=runner.timeout)


ALONE_UP_TO = 4  # roots of an example that are all planned on their own as well


def planned_alone(compiled: Compiled) -> list[str]:
    """The roots of ``compiled`` planned on their own: all of them, or the first (by wave and name) of each kind."""
    roots = sorted(compiled.manifest["roots"], key=lambda r: (r["wave"], r["name"]))
    if len(roots) <= ALONE_UP_TO:
        return [r["name"] for r in roots]
    kinds: dict[tuple[tuple[str, ...], int], str] = {}
    for r in roots:
        kinds.setdefault((tuple(sorted(r["resource_types"])), len(r["regions"])), r["name"])
    return list(kinds.values())


@dataclass
class RootPlan:
    """What one root plans: its resource changes and configuration, addresses as in the root itself."""

    root: Root
    changes: list[dict[str, Any]]  # resource_changes, module prefix removed
    config: dict[str, str]  # resource address -> provider config key (``aws.<alias>``)
    outputs: dict[str, Any]  # the root's outputs as planned: {"after": ..., "after_unknown": ...}

    def resources(self) -> Iterator[dict[str, Any]]:
        """Planned resources, each with the root, account ID and Region of its provider."""
        providers: dict[str, Provider] = {f"aws.{p.alias}": p for p in self.root.providers}
        for rc in self.changes:
            p = providers[self.config[rc["address"]]]
            yield {**rc, "root": self.root.name, "account_id": p.account_id, "region": p.region}


def plan_together(compiled: Compiled, runner: TerraformRunner, scratch: Path,
                  only: Collection[str] | None = None) -> dict[str, RootPlan]:
    """Plan every root of ``compiled`` (or those in ``only``) in one terraform run (see the module docstring);
    keyed by root name."""
    write_output(compiled.files, scratch)
    roots = {r.name: r for r in compiled.model.roots if only is None or r.name in only}
    modules = {f"root{i}": r for i, r in enumerate(sorted(roots))}  # module names: identifiers whatever the root
    path_of = {r["name"]: r["path"] for r in compiled.manifest["roots"]}
    calls = []
    for module, name in modules.items():
        root_dir = scratch / path_of[name]
        (root_dir / OFFLINE_OVERRIDE_NAME).write_text(
            offline_override([ProviderRef(p.alias, p.region) for p in roots[name].providers]), encoding="utf-8")
        calls.append(f'module "{module}" {{\n  source = "./{path_of[name]}"\n}}\n\n'
                     f'output "{module}" {{\n  value = module.{module}\n}}\n')
    (scratch / "main.tf").write_text("\n".join(calls), encoding="utf-8")
    init = runner.init(scratch)
    assert init.ok, init.diagnostics
    plan = runner.plan(scratch)
    assert plan.status == "changes", plan.diagnostics
    doc = runner.show_json(scratch, plan.planfile or "tfplan")
    assert "resource_changes" in doc, doc.get("diagnostics")
    out: dict[str, RootPlan] = {}
    calls_config = doc["configuration"]["root_module"]["module_calls"]
    for module, name in modules.items():
        prefix = f"module.{module}."
        changes = [{**rc, "address": rc["address"].removeprefix(prefix), "module_address": None}
                   for rc in doc["resource_changes"] if rc.get("module_address") == f"module.{module}"]
        config = {r["address"]: r["provider_config_key"].removeprefix(f"module.{module}:")
                  for r in calls_config[module]["module"].get("resources", [])}
        output = doc.get("output_changes", {}).get(module, {})
        out[name] = RootPlan(roots[name], changes, config,
                             {"after": output.get("after"), "after_unknown": output.get("after_unknown")})
    return out


def plan_alone(root: Root, preview: RootPreview) -> RootPlan:
    """What a root planned on its own (a preview made with ``show=True``) plans."""
    doc = preview.plan_json
    assert preview.status == "changes" and doc is not None, preview.diagnostics
    assert "resource_changes" in doc, doc.get("diagnostics")
    config = {r["address"]: r["provider_config_key"] for r in doc["configuration"]["root_module"].get("resources", [])}
    outputs = doc.get("output_changes", {})
    return RootPlan(root, list(doc["resource_changes"]), config,
                    {"after": {k: o.get("after") for k, o in outputs.items()},
                     "after_unknown": {k: o.get("after_unknown") for k, o in outputs.items()}})


@dataclass
class Example:
    """A policy file compiled with one layout, its plans in every format asked for, and its per-root previews."""

    name: str
    policy: Policy
    layout: str | None
    plans: dict[str, dict[str, RootPlan]] = field(default_factory=dict)  # format -> root -> plan
    # format -> the initialized configuration that holds every root: the wrapper, or the one root itself
    wrappers: dict[str, Path] = field(default_factory=dict)
    validation: dict[str, Any] | None = None  # ``terraform validate -json`` of the HCL wrapper (or one root)
    compiled: dict[str, Compiled] = field(default_factory=dict)  # format -> compiled
    previews: dict[str, list[RootPreview]] = field(default_factory=dict)  # format -> every root planned alone
    # format -> where the previews are: compiled/ (the roots as compiled) and plan/ (their scratch copies)
    preview_dirs: dict[str, Path] = field(default_factory=dict)

    @property
    def preview_dir(self) -> Path | None:
        return self.preview_dirs.get("hcl")


class PlanCache:
    """Compiled examples and their plans, made once per pytest worker and session."""

    def __init__(self, runner: TerraformRunner, factory: pytest.TempPathFactory) -> None:
        self.runner = runner
        self.factory = factory
        self.examples: dict[tuple[str, str | None], Example] = {}

    def example(self, path: Path, layout: str | None = None) -> Example:
        key = (str(path), layout)
        if key not in self.examples:
            v = validate_file(path)
            assert v.policy is not None, [d.message for d in v.diagnostics]
            policy = v.policy
            if layout:
                import dataclasses

                policy = dataclasses.replace(policy, terraform=dataclasses.replace(policy.terraform, layout=layout))
            self.examples[key] = Example(path.stem, policy, layout)
        return self.examples[key]

    def compiled(self, path: Path, fmt: str = "hcl", layout: str | None = None) -> Compiled:
        ex = self.example(path, layout)
        if fmt not in ex.compiled:
            ex.compiled[fmt] = compile_policy(ex.policy, fmt)
        return ex.compiled[fmt]

    def plans(self, path: Path, fmt: str = "hcl", layout: str | None = None) -> dict[str, RootPlan]:
        """The roots of the example planned in one terraform run (a single root: its preview): in HCL every root;
        in another format the roots :func:`planned_alone` names (every root, or one of each kind)."""
        ex = self.example(path, layout)
        if fmt not in ex.plans:
            compiled = self.compiled(path, fmt, layout)
            if len(compiled.model.roots) == 1:
                [root], [pv] = compiled.model.roots, self._previews(path, fmt, layout)
                ex.plans[fmt] = {root.name: plan_alone(root, pv)}
                ex.wrappers[fmt] = pv.directory
            else:
                scratch = self.factory.mktemp(f"{ex.name}-{layout or 'default'}-{fmt}")
                ex.plans[fmt] = plan_together(compiled, self.runner, scratch,
                                              None if fmt == "hcl" else planned_alone(compiled))
                ex.wrappers[fmt] = scratch
        return ex.plans[fmt]

    def validation(self, path: Path, layout: str | None = None) -> dict[str, Any]:
        """``terraform validate -json`` over every root of the example (each a module of the HCL wrapper; a
        single root on its own)."""
        ex = self.example(path, layout)
        if ex.validation is None:
            self.plans(path, "hcl", layout)
            ex.validation = self.runner.validate(ex.wrappers["hcl"])
        return ex.validation

    def previews(self, path: Path, layout: str | None = None) -> list[RootPreview]:
        """Roots planned on their own, as ``dsql-backup plan --offline`` does (:func:`planned_alone`)."""
        return self._previews(path, "hcl", layout)

    def _previews(self, path: Path, fmt: str, layout: str | None) -> list[RootPreview]:
        """Shown as JSON only when there is one root (plans() has the content of several)."""
        ex = self.example(path, layout)
        if fmt not in ex.previews:
            compiled = self.compiled(path, fmt, layout)
            ex.preview_dirs[fmt] = self.factory.mktemp(f"{ex.name}-{layout or 'default'}-{fmt}-roots")
            ex.previews[fmt] = preview(compiled, self.runner, ex.preview_dirs[fmt], parallel=2,
                                       show=len(compiled.model.roots) == 1, only=planned_alone(compiled))
        return ex.previews[fmt]


def dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
