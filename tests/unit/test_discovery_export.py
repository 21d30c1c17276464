"""The Gephi files of channel discovery read back: GEXF 1.3 (parsed by networkx, and its root checked)
and the CSV edge list, with channel titles that carry markup, commas, quotes, bidi and control characters."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx

from search.discovery_export import edges_csv, write
from search.discovery_graph import Edge, Node

HOSTILE = 'Канал "<b>новости</b>", \u202eздоровья\x07\x00 end'
NODES = [
    Node("id:1", HOSTILE, watched=True, in_registry=True),
    Node("@target_one", "@target_one", watched=False, in_registry=False),
    Node("id:99", "Только по id", watched=False, in_registry=False),
    Node("id:7", '=HYPERLINK("http://x","y")', watched=False, in_registry=False),
]
EDGES = [
    Edge(
        "id:1",
        "@target_one",
        3,
        "2026-11-01T00:00:00Z",
        "2026-11-02T00:00:00Z",
        {"forward": 2, "mention": 1, "link": 1},
    ),
    Edge("id:1", "id:99", 1, None, None, {"forward": 0, "mention": 0, "link": 1}),
    Edge("id:1", "id:7", 1, None, None, {"forward": 1, "mention": 0, "link": 0}),
]


def test_gexf_is_version_1_3_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "g.gexf"
    write(NODES, EDGES, "gexf", path)
    root = ET.parse(path).getroot()
    assert root.tag == "{http://gexf.net/1.3}gexf" and root.get("version") == "1.3"
    g = nx.read_gexf(path)
    assert g.is_directed() and sorted(g.nodes) == ["@target_one", "id:1", "id:7", "id:99"]
    label = g.nodes["id:1"]["label"]
    assert label.startswith('Канал "<b>новости</b>", \u202eздоровья') and "\x07" not in label and "\x00" not in label
    assert (g.nodes["id:1"]["watched"], g.nodes["id:99"]["watched"]) == (True, False)
    assert g.edges["id:1", "@target_one"]["weight"] == 3 and g.edges["id:1", "@target_one"]["forward"] == 2
    assert g.edges["id:1", "id:99"]["first_seen"] in ("", None)


def test_csv_edge_list_reads_back_with_gephis_columns() -> None:
    rows = list(csv.DictReader(io.StringIO(edges_csv(NODES, EDGES))))
    assert [(r["Source"], r["Target"], r["Weight"], r["Type"]) for r in rows] == [
        ("id:1", "@target_one", "3", "Directed"),
        ("id:1", "id:99", "1", "Directed"),
        ("id:1", "id:7", "1", "Directed"),
    ]
    assert rows[2]["target_label"] == "'" + NODES[3].label  # not run as a formula
    assert rows[0]["target_label"] == "@target_one"  # a username label stays as it is
    assert rows[0]["source_label"] == HOSTILE and rows[1]["target_label"] == "Только по id"
    assert (rows[0]["forward"], rows[0]["mention"], rows[0]["link"], rows[1]["first_seen"]) == ("2", "1", "1", "")
