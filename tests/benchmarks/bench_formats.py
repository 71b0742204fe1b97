"""Compile time per output format on landing zones, next to the time CDKTF itself needs to synthesize the same
resources.

    python tests/benchmarks/bench_formats.py            prints a Markdown table
    python tests/benchmarks/bench_formats.py --quick    examples/landing-zone.yaml only

Each cell runs in a fresh subprocess (so the CDKTF library import is paid once, as in a real run) and is the
best of ``--repeat`` runs (default 3). ``compile`` is model + render + manifest (validation excluded).
For cdktf the compile time includes the library import (cdktn and its jsii kernel in node), and is split
into ``import``, ``construct`` (building the stacks from the model through jsii) and ``synth``
(``App.synth()``: the CDKTF library's own work, writing cdk.tf.json files), measured on a second, warm pass.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
FORMATS = ("hcl", "tf-json", "cdktf", "cdktf-app")
# (label, accounts) of generated landing zones (tests/benchmarks/landing_zone.py); None: the example.
CASES: list[tuple[str, int | None]] = [("examples/landing-zone.yaml", None), ("generated, 10 accounts", 10),
                                       ("generated, 100 accounts", 100)]


def _child(fmt: str, accounts: int) -> None:
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from generator.policy.validate import validate_file, validate_text

    if accounts:
        from tests.benchmarks.landing_zone import landing_zone

        text = landing_zone(accounts)
        v = validate_text(text, "bench.yaml")
    else:
        path = REPO / "examples" / "landing-zone.yaml"
        text = path.read_text(encoding="utf-8")
        v = validate_file(path)
    assert v.policy is not None
    from generator.output.compile import compile_policy

    result: dict[str, float] = {"import_s": 0.0}
    if fmt == "cdktf":  # the library import (node + jsii kernel) first, cold, as a real run pays it
        from generator.render import cdktf

        start = time.perf_counter()
        cdktf.load_library()
        result["import_s"] = time.perf_counter() - start
    start = time.perf_counter()
    compiled = compile_policy(v.policy, fmt, policy_source=text)
    result["compile_s"] = result["import_s"] + time.perf_counter() - start
    if fmt == "cdktf":  # the same work as render_cdktf again, timed in parts
        import tempfile

        from generator.aws.capabilities import load_capabilities
        from generator.model.build import build_model

        model = build_model(v.policy, load_capabilities())
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            app = cdktf.load_library().App(outdir=tmp, stack_traces=False, skip_validation=True)
            cdktf.add_stacks(app, model)
            t1 = time.perf_counter()
            app.synth()
            t2 = time.perf_counter()
        result.update(construct_s=t1 - t0, synth_s=t2 - t1)
    result["resources"] = compiled.manifest["totals"]["resources"]
    result["roots"] = compiled.manifest["totals"]["roots"]
    result["bytes"] = sum(len(t.encode()) for t in compiled.files.values())
    print(json.dumps(result))


def measure(fmt: str, accounts: int | None, repeat: int) -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, __file__, "--child", fmt, str(accounts or 0)], capture_output=True,
                             text=True, check=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    best = min(runs, key=lambda r: r["compile_s"])
    return {k: min(r[k] for r in runs) if k.endswith("_s") else best[k] for k in best}  # type: ignore[no-any-return]


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        _child(argv[1], int(argv[2]))
        return 0
    repeat = int(argv[argv.index("--repeat") + 1]) if "--repeat" in argv else 3
    cases = CASES[:1] if "--quick" in argv else CASES
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, node {node}")
    print()
    print("| policy | roots | resources | format | compile | of which cdktf import / construct / synth |")
    print("| --- | ---: | ---: | --- | ---: | --- |")
    for label, accounts in cases:
        for fmt in FORMATS:
            r = measure(fmt, accounts, repeat)
            split = (f"{r['import_s']:.2f} s / {r['construct_s']:.2f} s / {r['synth_s']:.2f} s"
                     if fmt == "cdktf" else "")
            print(f"| {label} | {r['roots']:.0f} | {r['resources']:.0f} | {fmt} | {r['compile_s']:.2f} s | {split} |",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
