"""Diagrams of an :class:`~generator.insight.explain.Explanation`: clusters and tag selections -> vaults -> copy
destinations, grouped by account and Region, with each multi-Region cluster's witness in its own Region. Mermaid
(renders in GitHub comments) and Graphviz DOT are pure text; SVG and PNG come from Graphviz's ``dot``
(:func:`render_dot`, the only function here that runs a program).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from generator.insight.explain import Explanation, Landing, tag_words

FORMATS = {".mmd": "mermaid", ".mermaid": "mermaid", ".dot": "dot", ".gv": "dot", ".svg": "svg", ".png": "png"}


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    label: str
    kind: str  # "cluster" | "selection" | "vault" | "witness"
    account: str
    region: str


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    label: str  # "" for a witness edge
    kind: str  # "backup" | "copy" | "witness"


@dataclass(frozen=True, slots=True)
class Graph:
    title: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def groups(self) -> dict[str, dict[str, list[Node]]]:
        """account label -> Region -> nodes, sorted."""
        out: dict[str, dict[str, list[Node]]] = {}
        for n in sorted(self.nodes, key=lambda n: (n.account, n.region, n.kind, n.id)):
            out.setdefault(n.account, {}).setdefault(n.region, []).append(n)
        return out


def _id(*parts: str) -> str:
    return "_".join(re.sub(r"[^A-Za-z0-9]", "_", p) for p in parts)


def build_graph(e: Explanation) -> Graph:
    nodes: dict[str, Node] = {}
    edges: dict[tuple[str, str, str], set[str]] = {}
    accounts = ({c.account: c.account_id for c in e.clusters} | {s.account: s.account_id for s in e.selections}
                | {v.account: v.account_id for v in e.vaults})

    def account_label(key: str) -> str:
        return f"account {key} ({accounts.get(key, '?')})"

    def vault_node(account: str, region: str, name: str) -> str:
        nid = _id("v", account, region, name)
        nodes.setdefault(nid, Node(nid, name, "vault", account_label(account), region))
        return nid

    for v in e.vaults:
        vault_node(v.account, v.region, v.name)
    def edges_of(landings: Sequence[Landing], source_of: dict[str, str]) -> None:
        for x in landings:
            target = vault_node(x.account, x.region, x.vault_name)
            origin = _backup_vault(landings, x) if x.kind == "copy" else None
            source = source_of[x.source_region] if origin is None else vault_node(origin[0], x.source_region,
                                                                                   origin[1])
            edges.setdefault((source, target, x.kind), set()).add(f"{x.plan}/{x.rule} {x.retention_days}d")

    for c in e.clusters:
        ids = {}
        for region in c.regions:
            ids[region] = nid = _id("c", c.key, region)
            label = f"{c.key} ({'multi-Region' if c.multi_region else 'single-Region'})"
            nodes[nid] = Node(nid, label, "cluster", account_label(c.account), region)
        edges_of(c.landings, ids)
        if c.multi_region and c.witness_region:
            wid = _id("w", c.key, c.witness_region)
            nodes[wid] = Node(wid, f"{c.key} (witness)", "witness", account_label(c.account), c.witness_region)
            for nid in ids.values():  # witness -> peers: Graphviz draws the witness first, beside its peers
                edges.setdefault((wid, nid, "witness"), set())
    for s in e.selections:
        ids = {}
        for region in s.regions:
            ids[region] = nid = _id("s", s.plan, s.account, region)
            nodes[nid] = Node(nid, f"every cluster tagged {tag_words(s.tags)} ({s.plan})", "selection",
                              account_label(s.account), region)
        edges_of(s.landings, ids)
    return Graph(
        title=e.policy,
        nodes=tuple(sorted(nodes.values(), key=lambda n: n.id)),
        edges=tuple(Edge(s, t, ", ".join(sorted(labels)), k) for (s, t, k), labels in sorted(edges.items())),
    )


def _backup_vault(landings: Sequence[Landing], copy: Landing) -> tuple[str, str] | None:
    """The vault (account, name) a copy starts from: the backup of the same cluster (or selection), plan, rule
    and source Region."""
    for x in landings:
        if x.kind == "backup" and x.plan == copy.plan and x.rule == copy.rule and x.region == copy.source_region:
            return x.account, x.vault_name
    return None


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def to_mermaid(g: Graph) -> str:
    out = ["flowchart LR"]
    for i, (account, regions) in enumerate(g.groups().items()):
        aid = f"acct{i}"
        out.append(f'  subgraph {aid}["{_mermaid_text(account)}"]')
        for j, (region, nodes) in enumerate(regions.items()):
            out.append(f'    subgraph {aid}_r{j}["{_mermaid_text(region)}"]')
            for n in nodes:
                text = _mermaid_text(n.label)
                shape = {"cluster": f'(["{text}"])', "witness": f'(["{text}"])',
                         "selection": f'{{{{"{text}"}}}}'}.get(n.kind, f'[("{text}")]')
                out.append(f"      {n.id}{shape}")
            out.append("    end")
        out.append("  end")
    for edge in g.edges:
        if edge.kind == "witness":
            out.append(f"  {edge.source} -.- {edge.target}")
            continue
        arrow = "-->" if edge.kind == "backup" else "-.->"
        out.append(f'  {edge.source} {arrow}|"{_mermaid_text(edge.kind + ": " + edge.label)}"| {edge.target}')
    return "\n".join(out) + "\n"


def _dot_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


_DOT_SHAPES = {
    "cluster": "shape=ellipse, style=filled, fillcolor=lightblue",
    "selection": "shape=hexagon, style=filled, fillcolor=lavender",
    "vault": "shape=cylinder, style=filled, fillcolor=lightyellow",
    "witness": "shape=ellipse, style=dashed",
}
_DOT_EDGES: dict[str, dict[str, str]] = {
    "backup": {}, "copy": {"style": "dashed"}, "witness": {"style": "dotted", "dir": "none"}}


def _dot_attrs(attrs: dict[str, str]) -> str:
    return f" [{', '.join(f'{k}={v}' for k, v in attrs.items())}]" if attrs else ""


def _dot_edges(g: Graph) -> tuple[dict[str, list[str]], list[str]]:
    """The edge lines, and the nodes that carry labels (account -> its label nodes, "" for the top level).

    An edge within one Region box keeps its label, which Graphviz places inside that box. The label of an edge
    between boxes would be placed with no regard to the boxes it crosses, so it becomes a text node on the
    edge's way, declared in the innermost box that holds both ends (the account's, or none): Graphviz keeps a
    node out of the boxes it does not belong to. Copies both ways between two vaults with the same rules share
    one such node."""
    where = {n.id: (n.account, n.region) for n in g.nodes}
    edges = {(e.source, e.target, e.kind): e for e in g.edges}
    labels: dict[str, list[str]] = {}
    lines: list[str] = []
    merged: set[tuple[str, str, str]] = set()
    for i, e in enumerate(g.edges):
        if (e.source, e.target, e.kind) in merged:
            continue
        style = _DOT_EDGES[e.kind]
        (s_account, s_region), (t_account, t_region) = where[e.source], where[e.target]
        if not e.label or (s_account, s_region) == (t_account, t_region):
            label = {"label": _dot_text(f"{e.kind}: {e.label}")} if e.label else {}
            lines.append(f"  {e.source} -> {e.target}{_dot_attrs({**label, **style})};")
            continue
        back = edges.get((e.target, e.source, e.kind))
        both = back is not None and back.label == e.label
        lid = f"label{i}"
        text = f"{e.kind} both ways: {e.label}" if both else f"{e.kind}: {e.label}"
        labels.setdefault(s_account if s_account == t_account else "", []).append(
            f"{lid} [label={_dot_text(text)}, shape=plaintext, fontsize=10];")
        if both:
            merged.add((e.target, e.source, e.kind))
            lines += [f"  {end} -> {lid}{_dot_attrs({**style, 'dir': 'back'})};" for end in (e.source, e.target)]
        else:
            lines += [f"  {e.source} -> {lid}{_dot_attrs({**style, 'dir': 'none'})};",
                      f"  {lid} -> {e.target}{_dot_attrs(style)};"]
    return labels, lines


def to_dot(g: Graph) -> str:
    out = [f"digraph {_dot_text(g.title)} {{", "  rankdir=LR;", '  node [fontname="Helvetica"];',
           '  edge [fontname="Helvetica", fontsize=10];']
    labels, edge_lines = _dot_edges(g)
    for i, (account, regions) in enumerate(g.groups().items()):
        out += [f"  subgraph cluster_a{i} {{", f"    label={_dot_text(account)};", "    style=rounded;"]
        for j, (region, nodes) in enumerate(regions.items()):
            out += [f"    subgraph cluster_a{i}_r{j} {{", f"      label={_dot_text(region)};", "      style=dashed;"]
            for n in nodes:
                shape = _DOT_SHAPES[n.kind]
                out.append(f"      {n.id} [label={_dot_text(n.label)}, {shape}];")
            out.append("    }")
        out += [f"    {line}" for line in labels.get(account, [])]
        out.append("  }")
    out += [f"  {line}" for line in labels.get("", [])]
    out += edge_lines
    out.append("}")
    return "\n".join(out) + "\n"


class GraphvizUnavailable(Exception):
    pass


def render_dot(dot_text: str, fmt: str, dot: str | None = None) -> bytes:
    """SVG or PNG bytes from DOT text through Graphviz's ``dot``."""
    binary = dot or shutil.which("dot")
    if binary is None:
        raise GraphvizUnavailable("Graphviz 'dot' is not on PATH: install Graphviz (Debian/Ubuntu: apt-get install "
                                  "graphviz; macOS: brew install graphviz)")
    done = subprocess.run([binary, f"-T{fmt}"], input=dot_text.encode(), capture_output=True, check=False,
                          timeout=120)
    if done.returncode != 0:
        raise GraphvizUnavailable(f"dot -T{fmt} failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def graph_format(path: str) -> str | None:
    """The output format for a file name, by extension; None when unknown."""
    lowered = path.lower()
    return next((f for ext, f in FORMATS.items() if lowered.endswith(ext)), None)


def render_graph(e: Explanation, fmt: str) -> bytes:
    g = build_graph(e)
    if fmt == "mermaid":
        return to_mermaid(g).encode()
    if fmt == "dot":
        return to_dot(g).encode()
    return render_dot(to_dot(g), fmt)
