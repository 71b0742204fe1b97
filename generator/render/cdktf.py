"""CDKTF renderers: the same roots as CDKTF stacks (``--format cdktf``: synthesized ``cdk.tf.json`` per root),
and a ready-to-extend CDKTF Python app (``--format cdktf-app``).

Works with CDK Terrain (``cdktn``, the community continuation) or HashiCorp's deprecated ``cdktf``: same API,
whichever is installed (``pip install 'dsql-backup[cdktf]'``). Node.js is needed only here (jsii runs the
library in node); the library is imported lazily, so the other formats never pay for it.

No prebuilt provider bindings: they bind AWS provider 6.x and weigh ~500 MB. Resources and providers are
generic ``TerraformResource``/``TerraformProvider`` subclasses fed from :mod:`generator.render.blocks`,
with the provider constraint of the policy (the same as the HCL output). Two jsii details matter
(tooling notes section 5): the protected hook is ``_synthesize_attributes`` (a public name is silently
ignored), and ``TerraformProvider.alias`` must be overridden in Python or the alias is dropped.

Machine independence: synth writes a local backend with an absolute state path when a stack has no
backend; it is removed (terraform's default local backend is the same thing, and the HCL output has no
backend block either). Metadata (``//``) holds construct paths relative to the app only.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from generator import __version__
from generator.model.nodes import Model
from generator.render.blocks import PROVIDER_SOURCE, Output, ProviderConfig, Resource, Settings
from generator.render.describe import describe
from generator.render.tfjson import body, output_body, value

LIBRARIES = ("cdktn", "cdktf")
TOOLCHAIN_CODE = "DSB903"  # "an output format's toolchain is missing" in generator.diagnostics.codes
STACK_FILE = "cdk.tf.json"
APP_OUT = "cdktf.out"
_INSTALL_HINT = "install the optional extra: pip install 'dsql-backup[cdktf]' (CDK Terrain, or cdktf >= 0.20)"


class ToolchainMissing(Exception):
    """The cdktf formats need a CDKTF library and Node.js; the message says which is missing."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def node_binary() -> str | None:
    return shutil.which(os.environ.get("JSII_NODE", "node"))


@cache
def load_library() -> ModuleType:
    """``cdktn`` or ``cdktf`` (in that order), or ToolchainMissing saying what to install."""
    import importlib.util

    name = next((n for n in LIBRARIES if importlib.util.find_spec(n) is not None), None)
    if name is None:
        raise ToolchainMissing("--format cdktf needs CDK Terrain (cdktn) or cdktf, and neither is installed",
                               _INSTALL_HINT)
    if node_binary() is None:
        raise ToolchainMissing(f"--format cdktf needs Node.js ({name} runs in node through jsii), and node was "
                               "not found on PATH",
                               "install Node.js >= 20 (https://nodejs.org) and put node on PATH, or set JSII_NODE")
    # Node 20 works but every jsii start prints an end-of-life banner on stderr.
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    try:
        return importlib.import_module(name)
    except Exception as exc:  # jsii failing to start node surfaces as assorted errors
        raise ToolchainMissing(f"{name} could not start: {type(exc).__name__}: {exc}",
                               "check that node runs (node --version) and that JSII_NODE, if set, names it") from exc


@cache
def _classes() -> tuple[Any, Any, Any, Any]:
    lib = load_library()

    class AwsProvider(lib.TerraformProvider):  # type: ignore[misc, name-defined]
        def __init__(self, scope: Any, id_: str, *, version: str, alias: str, args: Mapping[str, Any]) -> None:
            meta = lib.TerraformProviderGeneratorMetadata(provider_name="aws", provider_version_constraint=version)
            super().__init__(scope, id_, terraform_resource_type="aws", terraform_provider_source=PROVIDER_SOURCE,
                             terraform_generator_metadata=meta)
            self._dsb_alias: str | None = alias
            self._dsb_args = dict(args)

        @property
        def alias(self) -> str | None:
            return self._dsb_alias

        @alias.setter
        def alias(self, v: str | None) -> None:
            self._dsb_alias = v

        def _synthesize_attributes(self) -> dict[str, Any]:
            return self._dsb_args

    class AwsResource(lib.TerraformResource):  # type: ignore[misc, name-defined]
        def __init__(self, scope: Any, id_: str, *, type_: str, version: str, provider: Any,
                     args: Mapping[str, Any], depends_on: list[Any], lifecycle: Any) -> None:
            meta = lib.TerraformProviderGeneratorMetadata(provider_name="aws", provider_version_constraint=version)
            super().__init__(scope, id_, terraform_resource_type=type_, terraform_generator_metadata=meta,
                             provider=provider, depends_on=depends_on or None, lifecycle=lifecycle)
            self._dsb_args = dict(args)

        def _synthesize_attributes(self) -> dict[str, Any]:
            return self._dsb_args

    class S3Backend(lib.S3Backend):  # type: ignore[misc, name-defined]
        """The S3 backend with exactly the HCL output's arguments (the typed props lag behind terraform's)."""

        def __init__(self, scope: Any, args: Mapping[str, Any]) -> None:
            super().__init__(scope, bucket=args["bucket"], key=args["key"])
            self._dsb_args = dict(args)

        def _synthesize_attributes(self) -> dict[str, Any]:
            return self._dsb_args

    return lib, AwsProvider, AwsResource, S3Backend


def add_stacks(app: Any, model: Model) -> dict[str, Any]:
    """One ``TerraformStack`` per root of ``model`` in ``app``, keyed by root name (the stack's name too).

    Each resource is a construct whose logical ID is its Terraform label, so ``aws_backup_vault.x`` is the
    same address as in the HCL and Terraform JSON output; add your own constructs to the returned stacks.
    """
    lib, provider_cls, resource_cls, s3_backend_cls = _classes()
    stacks: dict[str, Any] = {}
    for rb in describe(model):
        root = rb.root
        stack = lib.TerraformStack(app, root.name)
        stacks[root.name] = stack
        version = root.provider_version
        providers: dict[str, Any] = {}
        made: dict[str, Any] = {}
        for f in rb.files:
            for item in f.items:
                if isinstance(item, Settings):
                    stack.add_override("terraform.required_version", item.required_version)
                    if item.backend:
                        kind, args = item.backend
                        assert kind == "s3", "the policy schema knows the s3 backend only"
                        s3_backend_cls(stack, body(args))
                elif isinstance(item, ProviderConfig):
                    providers[item.alias] = provider_cls(stack, f"aws_{item.alias}", version=version,
                                                         alias=item.alias, args=body(item.args))
                elif isinstance(item, Resource):
                    made[item.address] = _resource(lib, resource_cls, stack, item, version=version,
                                                       providers=providers, made=made)
                elif isinstance(item, Output):
                    out = output_body(item)
                    lib.TerraformOutput(stack, item.name, value=out["value"], description=out["description"])
    return stacks


def _resource(lib: ModuleType, cls: Any, stack: Any, r: Resource, *, version: str, providers: Mapping[str, Any],
              made: Mapping[str, Any]) -> Any:
    lifecycle = None
    if r.lifecycle:
        lifecycle = lib.TerraformResourceLifecycle(
            prevent_destroy=r.lifecycle.prevent_destroy or None,
            ignore_changes=list(r.lifecycle.ignore_changes) or None,
        )
    res = cls(stack, r.address, type_=r.type, version=version, provider=providers[r.provider],
              args={k: value(v) for k, v in r.args.items()}, depends_on=[made[a] for a in r.depends_on],
              lifecycle=lifecycle)
    res.override_logical_id(r.label)
    return res


def machine_independent(doc: dict[str, Any]) -> dict[str, Any]:
    """Drop what synth adds that depends on the build machine: the local backend's absolute state path."""
    terraform = doc.get("terraform") or {}
    backend = terraform.get("backend") or {}
    if set(backend) == {"local"}:
        del terraform["backend"]
        meta = (doc.get("//") or {}).get("metadata") or {}
        meta.pop("backend", None)
    return doc


def synth(app_factory: Any, model: Model) -> dict[str, str]:
    """Synthesize every root's stack; ``{<root>/cdk.tf.json: text}``."""
    with tempfile.TemporaryDirectory(prefix="dsql-backup-cdktf-") as tmp:
        app = app_factory(outdir=tmp, stack_traces=False, skip_validation=True)
        add_stacks(app, model)
        app.synth()
        files = {}
        for root in model.roots:
            path = Path(tmp) / "stacks" / root.name / STACK_FILE
            doc = machine_independent(json.loads(path.read_text(encoding="utf-8")))
            files[f"{root.name}/{STACK_FILE}"] = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return files


def render_cdktf(model: Model) -> dict[str, str]:
    """Every root as a synthesized CDKTF stack, keyed ``<root>/cdk.tf.json``."""
    return synth(load_library().App, model)


# ------------------------------------------------------------------------------------------------- app

POLICY_FILE = "policy.yaml"

_MAIN = '''\
#!/usr/bin/env python3
"""CDKTF app generated by dsql-backup {version} from policy {policy}.

It builds one stack per Terraform root from policy.yaml, exactly as `dsql-backup compile --format cdktf`
does; add your own constructs below. Edit policy.yaml (not the generated stacks) to change backups.

    pip install -r requirements.txt
    python main.py            # or: cdktf synth   -> {out}/stacks/<root>/cdk.tf.json
    cd {out}/stacks/<root> && terraform init && terraform plan
"""

from pathlib import Path

from generator.render.cdktf import app_stacks

HERE = Path(__file__).resolve().parent

app, stacks = app_stacks(HERE / "policy.yaml", layout={layout})
# stacks: {{root name: TerraformStack}}, {roots}.
# Add your own constructs to a stack here, for example:
#   from cdktn import TerraformOutput   # or: from cdktf import ...
#   TerraformOutput(stacks[{first}], "team", value="platform")

app.synth()
'''


def render_cdktf_app(model: Model, policy_source: str) -> dict[str, str]:
    """``main.py``, ``cdktf.json``, ``requirements.txt`` and a copy of the policy (pure: no CDKTF import)."""
    roots = [r.name for r in model.roots]
    main = _MAIN.format(version=__version__, policy=json.dumps(model.policy_name), out=APP_OUT,
                        layout=json.dumps(model.layout),
                        roots="roots " + ", ".join(roots) if roots else "none yet: the policy protects nothing",
                        first=json.dumps(roots[0] if roots else "<root>"))
    config = {"language": "python", "app": "python3 main.py", "output": APP_OUT, "terraformProviders": [],
              "terraformModules": [], "sendCrashReports": "false", "context": {}}
    return {
        "main.py": main,
        "cdktf.json": json.dumps(config, indent=2) + "\n",
        "requirements.txt": f"dsql-backup[cdktf]=={__version__}\n",
        POLICY_FILE: policy_source if policy_source.endswith("\n") else policy_source + "\n",
    }


def app_stacks(policy_file: str | os.PathLike[str], layout: str | None = None) -> tuple[Any, dict[str, Any]]:
    """For a generated ``main.py``: validate the policy (exit 1 with its diagnostics when invalid), build
    the model and return ``(App, {root: TerraformStack})``. The App's output directory comes from the
    cdktf CLI (``CDKTF_OUTDIR``) or defaults to ``cdktf.out`` beside the policy."""
    import dataclasses

    from generator.aws.capabilities import load_capabilities
    from generator.diagnostics import report
    from generator.model.build import build_model
    from generator.policy.validate import validate_file

    v = validate_file(policy_file)
    sys.stderr.write(report.as_text(v.diagnostics))
    if v.policy is None:
        raise SystemExit(1)
    policy = v.policy
    if layout:
        policy = dataclasses.replace(policy, terraform=dataclasses.replace(policy.terraform, layout=layout))
    lib = load_library()
    outdir = os.environ.get("CDKTF_OUTDIR") or str(Path(policy_file).resolve().parent / APP_OUT)
    app = lib.App(outdir=outdir, stack_traces=False)
    return app, add_stacks(app, build_model(policy, load_capabilities()))
