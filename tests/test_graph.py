"""The explain graph in Graphviz: each multi-Region cluster's witness drawn in its Region's box, and no edge label
on a Region box it does not belong to -- checked on the layout Graphviz computes (``dot -Tjson``), not on the
DOT text alone, since where a label lands is Graphviz's choice."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from generator.insight.explain import explain, typed_policy
from generator.insight.graph import build_graph, to_dot

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def _dot(example: str) -> str:
    policy, file, diags = typed_policy(str(ROOT / "examples" / f"{example}.yaml"))
    assert policy is not None
    return to_dot(build_graph(explain(policy, diags, file)))


def _boxes(dot: str) -> dict[str, tuple[str, set[str]]]:
    """Region boxes of the DOT text: subgraph name -> (its label, the node lines declared in it)."""
    boxes: dict[str, tuple[str, set[str]]] = {}
    current: str | None = None
    for line in dot.splitlines():
        if m := re.fullmatch(r"    subgraph (cluster_a\d+_r\d+) \{", line):
            current = m[1]
            boxes[current] = ("", set())
        elif current and (m := re.fullmatch(r'      label="([^"]*)";', line)):
            boxes[current] = (m[1], boxes[current][1])
        elif current and line.startswith("      ") and "[" in line:
            boxes[current][1].add(line.strip())
        elif current and line == "    }":
            current = None
    return boxes


def test_the_witness_is_drawn_in_its_region_and_tied_to_both_peers() -> None:
    # examples/multi-region.yaml: cluster ledger, peers us-east-1 and us-east-2, witness us-west-2
    dot = _dot("multi-region")
    regions = dict(_boxes(dot).values())
    assert set(regions) == {"us-east-1", "us-east-2", "us-west-2"}
    [witness] = [line for line in regions["us-west-2"] if '"ledger (witness)"' in line]
    assert "style=dashed" in witness
    witness_id = witness.split(" ", 1)[0]
    peers = {line.split(" ", 1)[0] for r in ("us-east-1", "us-east-2") for line in regions[r]
             if '"ledger (multi-Region)"' in line}
    assert len(peers) == 2
    tied = {m[1] for m in re.finditer(rf"^  {witness_id} -> (\w+) \[style=dotted, dir=none\];$", dot, re.M)}
    assert tied == peers


def test_single_region_clusters_have_no_witness() -> None:
    assert "witness" not in _dot("single-region")


def _layout(dot: str) -> dict[str, Any]:
    assert shutil.which("dot"), "Graphviz 'dot' is required (.ci/run installs it: apt-get install graphviz)"
    done = subprocess.run(["dot", "-Tjson"], input=dot.encode(), capture_output=True, check=True, timeout=120)
    layout: dict[str, Any] = json.loads(done.stdout)
    return layout


Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in points


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _inside(a: Box, b: Box) -> bool:
    return b[0] <= a[0] and b[1] <= a[1] and a[2] <= b[2] and a[3] <= b[3]


def _labels(layout: dict[str, Any]) -> list[tuple[str, Box, set[str]]]:
    """Every edge label Graphviz placed: (text, its box, the nodes of the edge it labels). An edge label proper
    is read from its drawing operations; a text node standing for one is boxed by the node itself."""
    objects = {o["_gvid"]: o for o in layout["objects"]}
    edges = layout.get("edges", [])
    out: list[tuple[str, Box, set[str]]] = []
    for e in edges:
        ops = e.get("_ldraw_", [])
        size = next((op["size"] for op in ops if op["op"] == "F"), 14.0)
        for op in (op for op in ops if op["op"] == "T"):
            x, y = op["pt"]
            box = (x - op["width"] / 2, y - 0.3 * size, x + op["width"] / 2, y + size)
            out.append((op["text"], box, {objects[e["tail"]]["name"], objects[e["head"]]["name"]}))
    for o in objects.values():
        if o.get("shape") == "plaintext":
            x, y = (float(v) for v in o["pos"].split(","))
            w, h = float(o["width"]) * 72, float(o["height"]) * 72
            ends = {objects[e["head"] if e["tail"] == o["_gvid"] else e["tail"]]["name"] for e in edges
                    if o["_gvid"] in (e["tail"], e["head"])}
            out.append((o["label"], (x - w / 2, y - h / 2, x + w / 2, y + h / 2), ends))
    return out


@pytest.mark.parametrize("example", [p.stem for p in EXAMPLES])
def test_edge_labels_stay_off_the_region_boxes(example: str) -> None:
    layout = _layout(_dot(example))
    objects = {o["_gvid"]: o for o in layout["objects"]}
    regions = [(o["label"], tuple(float(v) for v in o["bb"].split(",")), {objects[n]["name"] for n in o["nodes"]})
               for o in layout["objects"] if re.fullmatch(r"cluster_a\d+_r\d+", o.get("name", ""))]
    labels = _labels(layout)
    assert any(text.startswith("backup") for text, _, _ in labels), "no edge labels found: the check would be empty"
    for text, box, ends in labels:
        for region, bb, members in regions:
            if not _overlap(box, bb):
                continue
            assert _inside(box, bb) and ends <= members, (
                f"{example}: the label {text!r} lies on the {region} box, which does not hold its edge")


def test_copies_between_regions_are_labelled_off_the_boxes() -> None:
    """multi-region.yaml copies each peer's backups to the other peer: one label says both directions."""
    copies = [text for text, _, _ in _labels(_layout(_dot("multi-region"))) if text.startswith("copy")]
    assert copies == ["copy both ways: ledger/daily 35d, ledger/weekly 180d"]
