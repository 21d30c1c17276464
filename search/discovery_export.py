"""The discovery graph (search/discovery.py) as files Gephi opens: an edge list in CSV (Source, Target,
Weight, Type: Gephi's own column names) and GEXF 1.3 with the nodes' labels and attributes."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import networkx as nx

from search.channel_refs import USERNAME, VIA
from search.discovery_graph import Edge, Node

# Characters XML 1.0 cannot hold (a channel title may carry them); GEXF readers reject the file otherwise.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# A title a spreadsheet would run as a formula gets an apostrophe in front (Source/Target are keys:
# `@username` or `id:<n>`, never a formula).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = ("Source", "Target", "Weight", "Type", *VIA, "first_seen", "last_seen", "source_label", "target_label")


def _cell(label: str) -> str:
    if USERNAME.match(label):  # an @username as its own label
        return label
    return "'" + label if label.startswith(_FORMULA_START) else label


def edges_csv(nodes: list[Node], edges: list[Edge]) -> str:
    labels = {n.key: n.label for n in nodes}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in edges:
        writer.writerow(
            [
                e.source,
                e.target,
                e.posts,
                "Directed",
                *(e.via[v] for v in VIA),
                e.first_seen or "",
                e.last_seen or "",
                _cell(labels.get(e.source, e.source)),
                _cell(labels.get(e.target, e.target)),
            ]
        )
    return out.getvalue()


def as_graph(nodes: list[Node], edges: list[Edge]) -> nx.DiGraph:
    g = nx.DiGraph()
    for n in nodes:
        g.add_node(n.key, label=_NOT_XML.sub("\ufffd", n.label), watched=n.watched, in_registry=n.in_registry)
    for e in edges:
        g.add_edge(
            e.source,
            e.target,
            weight=e.posts,
            first_seen=e.first_seen or "",
            last_seen=e.last_seen or "",
            **{v: e.via[v] for v in VIA},
        )
    return g


def write(nodes: list[Node], edges: list[Edge], fmt: str, path: Path) -> None:
    if fmt == "csv":
        path.write_text(edges_csv(nodes, edges), encoding="utf-8")
    elif fmt == "gexf":
        nx.write_gexf(as_graph(nodes, edges), path, version="1.3")
    else:
        raise ValueError(f"unknown format {fmt!r}; use csv or gexf")
