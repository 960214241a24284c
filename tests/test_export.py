"""Exports: GraphML and GEXF round trips, node-link JSON, Neo4j CSVs, Parquet/CSV tables, DuckDB SQL."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest

from pipeline.cli import main
from pipeline.export import export
from pipeline.graph import build_graph
from pipeline.graph_cli import run_tables_sql
from pipeline.outputs import row_line
from pipeline.resolve import jionlp_admin_index
from pipeline.schema import ArticleRow, ChangeRow, Evidence, MentionRow, PostingRow


def ev(text: str) -> Evidence:
    return Evidence(text=text, start=3, end=3 + len(text))


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run")
    tables = {
        "articles": [ArticleRow(id="a1", published="2020-07-27", title="标题一"), ArticleRow(id="a2")],
        "postings": [
            PostingRow(article_id="a1", evidence=ev("铁星任漕厂村第一书记"), confidence=0.9, person="铁星", role="第一书记",
                       county="襄城县", township="姜庄乡", village="漕厂村", org="县交通局", start="2019-03"),
            PostingRow(article_id="a2", evidence=ev("铁星在漕厂村"), confidence=0.6, person="铁星", county="襄城县",
                       village="漕厂村"),
        ],
        "changes": [ChangeRow(article_id="a1", evidence=ev("龙地村由8000元增加到13万元"), confidence=0.8, subject="龙地村",
                              metric="集体经济年收入", before=8000, after=130000, unit="元", approximate=True)],
        "mentions": [MentionRow(article_id="a1", type="PLACE", text="龙地村", start=0, end=3, sentence=0, level="village",
                                admin_path={"county": "安溪县", "township": "西坪镇", "village": "龙地村"}),
                     MentionRow(article_id="a1", type="PERSON", text="铁星", start=5, end=7, sentence=0)],
    }
    for name, rows in tables.items():
        (out / f"{name}.jsonl").write_text("".join(row_line(r) for r in rows), encoding="utf-8")
    build_graph(out, index=jionlp_admin_index())
    return out


@pytest.fixture(scope="module")
def graph(run_dir):
    from pipeline.graph import load

    return load(run_dir)[0]


def test_graphml_round_trip_keeps_counts_and_attributes(graph, tmp_path):
    (path,) = export(graph, tmp_path, ["graphml"])
    back = nx.read_graphml(path, force_multigraph=True)
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()
    assert Counter(t for *_, t in back.edges(data="type")) == Counter(t for *_, t in graph.edges(data="type"))
    for node, d in graph.nodes(data=True):
        b = back.nodes[node]
        assert b["type"] == d["type"] and b["name"] == d["name"]
        if d["type"] != "Article":
            assert json.loads(b["articles"]) == d["articles"]
    change = next(d for _, _, d in back.edges(data=True) if d["type"] == "CHANGED")
    assert (change["before"], change["after"], change["approximate"]) == (8000.0, 130000.0, True)
    posted = [d for _, _, d in back.edges(data=True) if d["type"] == "POSTED_TO"]
    assert sorted(d.get("start", "") for d in posted) == ["", "2019-03"]
    assert all(d["evidence"] for d in posted)


def test_gexf_and_node_link_json(graph, tmp_path):
    gexf, node_link = export(graph, tmp_path, ["gexf", "json"])
    back = nx.read_gexf(gexf)
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()
    data = json.loads(node_link.read_text(encoding="utf-8"))
    back = nx.node_link_graph(data, directed=True, multigraph=True, edges="links")
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()


def test_neo4j_csvs_have_valid_headers_and_no_dangling_ids(graph, tmp_path):
    files = export(graph, tmp_path, ["neo4j"])
    node_files = [f for f in files if f.name.startswith("nodes_")]
    rel_files = [f for f in files if f.name.startswith("rels_")]
    assert {f.name for f in node_files} >= {"nodes_Person.csv", "nodes_Place.csv", "nodes_Organization.csv",
                                            "nodes_Article.csv", "nodes_Change.csv"}
    ids: set[str] = set()
    for f in node_files:
        with open(f, encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        assert rows[0][:2] == ["id:ID", ":LABEL"]
        assert all(":" in h for h in rows[0])
        for r in rows[1:]:
            assert r[0] not in ids
            ids.add(r[0])
            assert r[1].endswith(";Node")
    assert len(ids) == graph.number_of_nodes()
    n_rels = 0
    for f in rel_files:
        with open(f, encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        assert rows[0][:3] == [":START_ID", ":END_ID", ":TYPE"]
        for r in rows[1:]:
            assert r[0] in ids and r[1] in ids, r
            assert r[2] == f.stem.removeprefix("rels_")
            n_rels += 1
    assert n_rels == graph.number_of_edges()
    script = (tmp_path / "neo4j" / "load.cypher").read_text(encoding="utf-8")
    assert script.count("LOAD CSV WITH HEADERS") == len(node_files) + len(rel_files)
    assert "CREATE (a)-[r:POSTED_TO]->(b)" in script


def test_tables_export_parquet_and_csv(graph, tmp_path):
    import pandas as pd

    files = export(graph, tmp_path, ["parquet", "csv"])
    assert sorted(f.name for f in files) == ["edges.csv", "edges.parquet", "nodes.csv", "nodes.parquet"]
    nodes = pd.read_parquet(tmp_path / "tables" / "nodes.parquet")
    assert len(nodes) == graph.number_of_nodes()
    assert len(pd.read_csv(tmp_path / "tables" / "edges.csv")) == graph.number_of_edges()


def test_unknown_format_is_rejected(graph, tmp_path):
    with pytest.raises(ValueError, match="unknown export format"):
        export(graph, tmp_path, ["pdf"])


def test_duckdb_sql_over_run_and_graph_tables(run_dir):
    df = run_tables_sql(run_dir, "SELECT person, org, start FROM postings ORDER BY start NULLS LAST")
    assert list(df["person"]) == ["铁星", "铁星"] and df["org"][0] == "县交通局"
    df = run_tables_sql(run_dir, "SELECT type, count(*) AS n FROM nodes GROUP BY type ORDER BY type")
    assert dict(zip(df["type"], df["n"], strict=True))["Person"] == 1
    df = run_tables_sql(run_dir, "SELECT evidence.text AS t FROM changes")
    assert df["t"][0].startswith("龙地村")


def test_cli_export_and_sql(run_dir, tmp_path, capsys):
    assert main(["export", str(run_dir), "--format", "graphml", "--format", "neo4j", "--to", str(tmp_path)]) == 0
    assert (tmp_path / "graph.graphml").exists() and (tmp_path / "neo4j" / "load.cypher").exists()
    capsys.readouterr()
    assert main(["sql", "SELECT person FROM postings WHERE org IS NOT NULL", str(run_dir), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"person": "铁星"}]
    assert main(["sql", "SELECT * FROM no_such_table", str(run_dir)]) == 2
