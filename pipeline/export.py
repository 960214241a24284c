"""Export the knowledge graph: GraphML, GEXF, node-link JSON, Neo4j bulk-import CSVs, Parquet/CSV tables.

GraphML and GEXF hold only scalar attributes: lists (``articles``) become JSON
text and missing values are left out; every attribute keeps one type across all
nodes (or edges) so the files round-trip through ``networkx.read_graphml``.
"""

from __future__ import annotations

import csv
import json
import os
from collections import defaultdict
from pathlib import Path

import networkx as nx

from .graph import edge_rows, node_rows

FORMATS = ("graphml", "gexf", "json", "neo4j", "parquet", "csv")
# GEXF reserves these attribute names for time spells
_GEXF_RESERVED = {"start": "since", "end": "until"}


def _unify_types(items: list[dict]) -> None:
    """One type per attribute: lists -> JSON text, int+float -> float, numbers mixed with text -> text."""
    kinds: dict[str, set[type]] = defaultdict(set)
    for attrs in items:
        for k, v in attrs.items():
            if isinstance(v, (list, dict)):
                attrs[k] = json.dumps(v, ensure_ascii=False, sort_keys=True)
                v = attrs[k]
            kinds[k].add(type(v))
    for k, ts in kinds.items():
        target = None
        if len(ts) > 1:
            target = float if ts <= {int, float} else str
        if target is None:
            continue
        for attrs in items:
            if k in attrs:
                attrs[k] = target(attrs[k]) if target is float else _text(attrs[k])


def _text(v) -> str:
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)


def scalar_graph(graph: nx.MultiDiGraph, rename: dict[str, str] | None = None) -> nx.MultiDiGraph:
    """A copy with only scalar, consistently typed attributes (what GraphML/GEXF can hold)."""
    rename = rename or {}
    nodes = [(n, {rename.get(k, k): v for k, v in d.items() if v is not None}) for n, d in sorted(graph.nodes(data=True))]
    edges = [(u, v, k, {rename.get(a, a): x for a, x in d.items() if x is not None})
             for u, v, k, d in sorted(graph.edges(keys=True, data=True), key=lambda e: (e[0], e[1], str(e[2])))]
    _unify_types([d for _, d in nodes])
    _unify_types([d for *_, d in edges])
    out = nx.MultiDiGraph()
    out.add_nodes_from(nodes)
    for u, v, k, d in edges:
        out.add_edge(u, v, key=k, **d)
    return out


def _atomic(path: Path, write) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    write(tmp)
    os.replace(tmp, path)
    return path


def export_graphml(graph: nx.MultiDiGraph, path: Path) -> Path:
    g = scalar_graph(graph)
    for _, d in g.nodes(data=True):
        d.setdefault("label", d.get("name", ""))  # Gephi shows ``label``
    return _atomic(Path(path), lambda p: nx.write_graphml(g, p, encoding="utf-8"))


def export_gexf(graph: nx.MultiDiGraph, path: Path) -> Path:
    g = scalar_graph(graph, rename=_GEXF_RESERVED)
    for _, d in g.nodes(data=True):
        d.setdefault("label", d.get("name", ""))
    return _atomic(Path(path), lambda p: nx.write_gexf(g, p, encoding="utf-8"))


def export_node_link(graph: nx.MultiDiGraph, path: Path) -> Path:
    data = {"directed": True, "multigraph": True, "graph": {},
            "nodes": node_rows(graph), "links": edge_rows(graph)}
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1)
    return _atomic(Path(path), lambda p: p.write_text(text + "\n", encoding="utf-8"))


# --------------------------------------------------------------------------- Neo4j


def _neo4j_type(values: list) -> str:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return "boolean"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "long"
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return "double"
    if present and all(isinstance(v, list) for v in present):
        return "string[]"
    return "string"


def _neo4j_value(v, kind: str) -> str:
    if v is None:
        return ""
    if kind == "string[]":
        return ";".join(str(x) for x in v)
    if kind == "boolean":
        return "true" if v else "false"
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False, sort_keys=True)
    return str(v)


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    def write(p: Path) -> None:
        with open(p, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(rows)

    return _atomic(path, write)


def export_neo4j(graph: nx.MultiDiGraph, out_dir: Path) -> list[Path]:
    """``nodes_<Label>.csv`` and ``rels_<TYPE>.csv`` for ``neo4j-admin database import``, plus ``load.cypher``."""
    out_dir = Path(out_dir)
    written: list[Path] = []
    nodes_by_label: dict[str, list[dict]] = defaultdict(list)
    for row in node_rows(graph):
        nodes_by_label[row["type"]].append(row)
    edges_by_type: dict[str, list[dict]] = defaultdict(list)
    for row in edge_rows(graph):
        edges_by_type[row["type"]].append(row)
    cypher = [
        "// Load the zhucun knowledge graph with LOAD CSV: copy these CSV files into Neo4j's import directory.",
        "// Bulk alternative: neo4j-admin database import full --nodes=nodes_<Label>.csv ... --relationships=rels_<TYPE>.csv ...",
        "CREATE CONSTRAINT node_id IF NOT EXISTS FOR (n:Node) REQUIRE n.id IS UNIQUE;",
    ]
    for label in sorted(nodes_by_label):
        rows = nodes_by_label[label]
        props = sorted({k for r in rows for k in r} - {"id", "type"})
        kinds = {p: _neo4j_type([r.get(p) for r in rows]) for p in props}
        header = ["id:ID", ":LABEL"] + [f"{p}:{kinds[p]}" for p in props]
        body = [[r["id"], f"{label};Node"] + [_neo4j_value(r.get(p), kinds[p]) for p in props] for r in rows]
        path = out_dir / f"nodes_{label}.csv"
        written.append(_write_csv(path, header, body))
        sets = ", ".join(f"n.`{p}` = {_cypher_cast(f'row.`{p}:{kinds[p]}`', kinds[p])}" for p in props)
        cypher.append(f"LOAD CSV WITH HEADERS FROM 'file:///{path.name}' AS row "
                      f"MERGE (n:Node {{id: row.`id:ID`}}) SET n:{label}" + (f", {sets};" if sets else ";"))
    for etype in sorted(edges_by_type):
        rows = edges_by_type[etype]
        props = sorted({k for r in rows for k in r} - {"source", "target", "type"})
        kinds = {p: _neo4j_type([r.get(p) for r in rows]) for p in props}
        header = [":START_ID", ":END_ID", ":TYPE"] + [f"{p}:{kinds[p]}" for p in props]
        body = [[r["source"], r["target"], etype] + [_neo4j_value(r.get(p), kinds[p]) for p in props] for r in rows]
        path = out_dir / f"rels_{etype}.csv"
        written.append(_write_csv(path, header, body))
        sets = ", ".join(f"r.`{p}` = {_cypher_cast(f'row.`{p}:{kinds[p]}`', kinds[p])}" for p in props)
        cypher.append(f"LOAD CSV WITH HEADERS FROM 'file:///{path.name}' AS row "
                      f"MATCH (a:Node {{id: row.`:START_ID`}}), (b:Node {{id: row.`:END_ID`}}) "
                      f"CREATE (a)-[r:{etype}]->(b)" + (f" SET {sets};" if sets else ";"))
    script = out_dir / "load.cypher"
    written.append(_atomic(script, lambda p: p.write_text("\n".join(cypher) + "\n", encoding="utf-8")))
    return written


def _cypher_cast(expr: str, kind: str) -> str:
    if kind == "long":
        return f"toInteger(nullif({expr}, ''))"
    if kind == "double":
        return f"toFloat(nullif({expr}, ''))"
    if kind == "boolean":
        return f"({expr} = 'true')"
    if kind == "string[]":
        return f"split({expr}, ';')"
    return f"nullif({expr}, '')"


# --------------------------------------------------------------------------- tables


def export_tables(graph: nx.MultiDiGraph, out_dir: Path, fmt: str) -> list[Path]:
    """``nodes`` and ``edges`` as Parquet or CSV (lists and dicts as JSON text in CSV)."""
    import pandas as pd

    from .graph import _parquet

    out_dir = Path(out_dir)
    written = []
    for name, rows in (("nodes", node_rows(graph)), ("edges", edge_rows(graph))):
        path = out_dir / f"{name}.{fmt}"
        if fmt == "parquet":
            out_dir.mkdir(parents=True, exist_ok=True)
            _parquet(path, rows)
            written.append(path)
        else:
            df = pd.DataFrame(rows)
            for col in df.columns:
                df[col] = [json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v for v in df[col]]
            written.append(_atomic(path, lambda p, df=df: df.to_csv(p, index=False)))
    return written


def export(graph: nx.MultiDiGraph, out_dir: Path, formats: list[str]) -> list[Path]:
    """Write the graph in each format under ``out_dir``; returns the files written."""
    out_dir = Path(out_dir)
    written: list[Path] = []
    for fmt in formats:
        if fmt == "graphml":
            written.append(export_graphml(graph, out_dir / "graph.graphml"))
        elif fmt == "gexf":
            written.append(export_gexf(graph, out_dir / "graph.gexf"))
        elif fmt == "json":
            written.append(export_node_link(graph, out_dir / "graph.json"))
        elif fmt == "neo4j":
            written.extend(export_neo4j(graph, out_dir / "neo4j"))
        elif fmt in ("parquet", "csv"):
            written.extend(export_tables(graph, out_dir / "tables", fmt))
        else:
            raise ValueError(f"unknown export format {fmt!r}; choose from {', '.join(FORMATS)}")
    return written
