"""Benchmark: CPU time to validate the adversarial documents of tests/test_properties.py (deep nesting, alias
bombs, 8000 accounts, long scalars and lists). Target from the issues: under 1 s of CPU per document.

    python tests/benchmarks/bench_adversarial.py       (part of make bench) prints a Markdown table

Each document is validated in this process three times; the table shows the best CPU time (what validate
costs, not how busy the machine is) and whether it meets the target.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

TARGET_S = 1.0


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))
    from generator.policy.validate import validate_text
    from tests.test_properties import ADVERSARIAL

    print("| document | size | CPU (best of 3) | diagnostics | target < 1 s |")
    print("| --- | --- | --- | --- | --- |")
    missed = 0
    for name in sorted(ADVERSARIAL):
        text = ADVERSARIAL[name]()
        best, count = float("inf"), 0
        for _ in range(3):
            start = time.process_time()
            count = len(validate_text(text, "policy.yaml").diagnostics)
            best = min(best, time.process_time() - start)
        ok = best < TARGET_S
        missed += not ok
        print(f"| {name} | {len(text.encode()) / 1000:.0f} kB | {best:.2f} s | {count} | {'yes' if ok else 'NO'} |")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
