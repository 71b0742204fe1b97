"""Benchmarks for validate and compile on generated landing zones: wall time, peak memory, throughput.

    python tests/benchmarks/bench.py            (make bench) prints a Markdown table
    python tests/benchmarks/bench.py --quick    the small sizes only

Each measurement runs in a fresh subprocess, so peak memory (ru_maxrss) is that of one run. Targets from
the issues: 500 accounts x 3 Regions x 4 clusters validates in < 2 s and compiles in < 5 s and < 1 GB.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = [(1, 3, 4), (10, 3, 4), (100, 3, 4), (500, 3, 4), (834, 3, 4)]  # 12 ... 10,008 clusters
QUICK = SIZES[:3]


def _child(stage: str, accounts: int, regions: int, clusters: int) -> None:
    sys.path.insert(0, str(HERE.parent.parent))
    from generator.output.compile import compile_policy
    from generator.policy.validate import validate_text
    from tests.benchmarks.landing_zone import landing_zone

    text = landing_zone(accounts, regions, clusters)
    start = time.perf_counter()
    v = validate_text(text, "bench.yaml")
    validated = time.perf_counter()
    assert v.policy is not None, [d.message for d in v.diagnostics][:5]
    result = {"validate_s": validated - start, "bytes": len(text.encode())}
    if stage == "compile":
        compiled = compile_policy(v.policy)
        done = time.perf_counter()
        result.update(compile_s=done - validated, total_s=done - start,
                      resources=compiled.manifest["totals"]["resources"], roots=compiled.manifest["totals"]["roots"],
                      files=len(compiled.files))
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(stage: str, size: tuple[int, int, int]) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", stage, *map(str, size)], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        _child(argv[1], *map(int, argv[2:5]))
        return 0
    sizes = QUICK if "--quick" in argv else SIZES
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print()
    print("| accounts x Regions x clusters | clusters | policy | validate | validate peak | compile (validate + "
          "model + render) | resources | resources/s | per cluster | compile peak |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for size in sizes:
        a, r, c = size
        n = a * r * c
        v = measure("validate", size)
        m = measure("compile", size)
        print(f"| {a} x {r} x {c} | {n:,} | {v['bytes'] / 1e6:.2f} MB | {v['validate_s']:.2f} s | "
              f"{v['peak_mb']:.0f} MB | {m['total_s']:.2f} s | {m['resources']:,} | "
              f"{m['resources'] / m['total_s']:,.0f} | {m['total_s'] / n * 1000:.2f} ms | {m['peak_mb']:.0f} MB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
