"""Golden files: the compiled output of every example, checked in under tests/golden/<example>/.

    python -m tests.golden      (make golden) rewrites them; review the diff like code.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from generator.diagnostics import report
from generator.output.compile import compile_policy
from generator.policy.validate import validate_file

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))
GOLDEN = REPO / "tests" / "golden"


def expected_files(example: Path) -> dict[str, str]:
    """What the golden directory of one example holds: the diagnostics, and every compiled file (HCL in
    ``compiled/``, Terraform JSON in ``compiled-tf-json/``)."""
    rel = example.relative_to(REPO).as_posix()
    cwd = os.getcwd()
    os.chdir(REPO)  # diagnostics name the file as given: keep it relative and stable
    try:
        v = validate_file(rel)
    finally:
        os.chdir(cwd)
    files = {"validate.txt": report.as_text(v.diagnostics) or "(no diagnostics)\n"}
    if v.policy is not None:
        files.update({f"compiled/{k}": t for k, t in compile_policy(v.policy).files.items()})
        files.update({f"compiled-tf-json/{k}": t for k, t in compile_policy(v.policy, "tf-json").files.items()})
    return files


def read_tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(root.rglob("*")) if p.is_file()}


def main() -> int:
    if GOLDEN.exists():
        shutil.rmtree(GOLDEN)
    for example in EXAMPLES:
        for rel, text in expected_files(example).items():
            target = GOLDEN / example.stem / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        print(f"tests/golden/{example.stem}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
