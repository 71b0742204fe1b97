"""Golden files for `explain` and `runbook`: per example (and the incomplete fixture), the explanation as
text, Markdown and JSON, the Mermaid diagram, and one runbook per cluster, under tests/golden_explain/<name>/.

    python -m tests.golden_explain      (run by `make golden`) rewrites them; review the diff like code.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from generator.insight.explain import explain, typed_policy
from generator.insight.explain_render import render
from generator.insight.graph import build_graph, to_mermaid
from generator.insight.runbook import runbook

REPO = Path(__file__).resolve().parent.parent
INPUTS = sorted([*(REPO / "examples").glob("*.yaml"), *(REPO / "tests" / "explain_fixtures").glob("*.yaml")])
GOLDEN = REPO / "tests" / "golden_explain"


def expected_files(policy_file: Path) -> dict[str, str]:
    rel = policy_file.relative_to(REPO).as_posix()
    cwd = os.getcwd()
    os.chdir(REPO)  # diagnostics name the file as given: keep it relative and stable
    try:
        policy, file, diags = typed_policy(rel)
    finally:
        os.chdir(cwd)
    assert policy is not None, f"{rel} cannot be explained"
    e = explain(policy, diags, file)
    files = {f"explain.{ext}": render(e, fmt) for fmt, ext in (("text", "txt"), ("markdown", "md"), ("json", "json"))}
    files["graph.mmd"] = to_mermaid(build_graph(e))
    if not e.errors:
        files.update({f"runbook-{key}.md": runbook(policy, key) for key in sorted(policy.clusters)})
    return files


def read_tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(root.rglob("*")) if p.is_file()}


def main() -> int:
    if GOLDEN.exists():
        shutil.rmtree(GOLDEN)
    for policy_file in INPUTS:
        for rel, text in expected_files(policy_file).items():
            target = GOLDEN / policy_file.stem / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        print(f"tests/golden_explain/{policy_file.stem}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
