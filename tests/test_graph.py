"""Graph building on constructed run tables, and cross-article resolution on real xwlb stories."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from shared_data import XWLB, need_shared

from pipeline.graph import build_graph, graph_from_rows, load, read_run_rows
from pipeline.outputs import row_line
from pipeline.resolve import jionlp_admin_index
from pipeline.schema import ArticleRow, ChangeRow, Evidence, MentionRow, PostingRow, RoleRow


def ev(text: str) -> Evidence:
    return Evidence(text=text, start=0, end=len(text))


def posting(article: str, person: str, **kw) -> PostingRow:
    return PostingRow(article_id=article, evidence=ev(f"{person}任第一书记"), confidence=0.9, person=person,
                      role=kw.pop("role", "第一书记"), **kw)


def mention(article: str, type_: str, text: str, start: int = 0, **kw) -> MentionRow:
    return MentionRow(article_id=article, type=type_, text=text, start=start, end=start + len(text), sentence=0, **kw)


def write_run(out: Path, tables: dict[str, list]) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        (out / f"{name}.jsonl").write_text("".join(row_line(r) for r in rows), encoding="utf-8")
    return out


def corpus_v1() -> dict[str, list]:
    return {
        "articles": [ArticleRow(id="a1", published="2019-06-20"), ArticleRow(id="a2", published="2019-07-01")],
        "postings": [
            posting("a1", "黄文秀", province="广西壮族自治区", city="百色市", county="乐业县", township="新化镇",
                    village="百坭村", org="百色市委宣传部", start="2018-03"),
            posting("a2", "黄文秀", county="乐业县", village="百坭村"),
            posting("a1", "王勇", county="义县", township="九道岭镇", village="红台子村", org="县委组织部"),
            posting("a2", "王勇", county="襄城县", township="姜庄乡", village="漕厂村", org="县交通局"),
        ],
        "roles": [RoleRow(article_id="a1", evidence=ev("村党支部书记张三"), confidence=0.8, person="张三",
                          title="党支部书记", where="百坭村")],
        "changes": [ChangeRow(article_id="a2", evidence=ev("百坭村集体经济收入由2万元增加到6万元"), confidence=0.8,
                              subject="百坭村", metric="村集体经济收入", before=20000, after=60000, unit="元")],
        "mentions": [mention("a1", "PERSON", "黄文秀"), mention("a1", "PERSON", "黄文秀", 10),
                     mention("a2", "PERSON", "黄文秀"), mention("a2", "PLACE", "百坭村", 5, level="village"),
                     mention("a2", "ORG", "百色市委宣传部", 20)],
    }


def nodes_named(graph, name: str, type_: str) -> list[str]:
    return sorted(n for n, d in graph.nodes(data=True) if d.get("name") == name and d.get("type") == type_)


@pytest.fixture(scope="module")
def index():
    return jionlp_admin_index()


def test_build_graph_writes_tables_and_resolves_across_articles(tmp_path, index):
    out = write_run(tmp_path / "run", corpus_v1())
    graph = build_graph(out, index=index)
    for name in ("nodes.jsonl", "edges.jsonl", "merges.jsonl", "nodes.parquet", "edges.parquet", "stats.json"):
        assert (out / "graph" / name).exists(), name
    huang = nodes_named(graph, "黄文秀", "Person")
    assert len(huang) == 1
    d = graph.nodes[huang[0]]
    assert d["articles"] == ["a1", "a2"] and d["mention_count"] == 3
    assert (d["first_published"], d["last_published"]) == ("2019-06-20", "2019-07-01")
    # namesakes in two counties stay two people
    assert len(nodes_named(graph, "王勇", "Person")) == 2
    # the village resolves to one node with a full chain up to the province
    village = nodes_named(graph, "百坭村", "Place")
    assert len(village) == 1
    assert graph.nodes[village[0]]["path"] == "广西壮族自治区/百色市/乐业县/新化镇/百坭村"
    chain, node = [], village[0]
    while True:
        parents = [v for _, v, t in graph.out_edges(node, data="type") if t == "PART_OF"]
        if not parents:
            break
        node = parents[0]
        chain.append(graph.nodes[node]["name"])
    assert chain == ["新化镇", "乐业县", "百色市", "广西壮族自治区"]
    # generic units take the posting's county
    assert nodes_named(graph, "义县委组织部", "Organization") and nodes_named(graph, "襄城县交通局", "Organization")
    merges = [json.loads(line) for line in (out / "graph" / "merges.jsonl").read_text(encoding="utf-8").splitlines()]
    person_merges = [m for m in merges if m["entity"] == "Person" and m["decision"] == "merge"]
    assert person_merges and person_merges[0]["rule"] == "same_name_same_place"
    assert {r["article_id"] for r in person_merges[0]["refs"]} == {"a1", "a2"}
    assert any(m["rule"] == "same_name_different_place" for m in merges if m["entity"] == "Person")


def test_edges_carry_facts_and_evidence(tmp_path, index):
    graph, _, _ = graph_from_rows(read_run_rows(write_run(tmp_path / "run", corpus_v1())), index)
    huang = nodes_named(graph, "黄文秀", "Person")[0]
    posted = [d for _, _, d in graph.out_edges(huang, data=True) if d["type"] == "POSTED_TO"]
    assert sorted(d["article"] for d in posted) == ["a1", "a2"]
    first = next(d for d in posted if d["article"] == "a1")
    assert first["start"] == "2018-03" and first["org"] == "百色市委宣传部" and first["evidence"] == "黄文秀任第一书记"
    sent = [(graph.nodes[v]["name"], d["type"]) for _, v, d in graph.out_edges(huang, data=True) if d["type"] == "SENT_BY"]
    assert sent == [("百色市委宣传部", "SENT_BY")]
    village = nodes_named(graph, "百坭村", "Place")[0]
    changed = [d for _, _, d in graph.out_edges(village, data=True) if d["type"] == "CHANGED"]
    assert [(d["before"], d["after"], d["unit"]) for d in changed] == [(20000, 60000, "元")]
    roles = [(graph.nodes[u]["name"], d["title"]) for u, _, d in graph.in_edges(village, data=True)
             if d["type"] == "HOLDS_ROLE"]
    assert roles == [("张三", "党支部书记")]


def test_node_ids_are_stable_when_the_corpus_grows(tmp_path, index):
    v1 = corpus_v1()
    g1 = build_graph(write_run(tmp_path / "v1", v1), index=index)
    v2 = corpus_v1()
    v2["articles"].append(ArticleRow(id="a0", published="2018-01-01"))
    v2["postings"].insert(0, posting("a0", "李四", county="封丘县", village="韩堂村", org="中国农业科学院农田灌溉研究所"))
    v2["postings"].append(posting("a0", "黄文秀", county="乐业县", village="百坭村"))
    g2 = build_graph(write_run(tmp_path / "v2", v2), index=index)
    kept = [n for n, d in g1.nodes(data=True) if d["type"] in ("Person", "Place", "Organization")]
    assert kept and all(n in g2 for n in kept)
    huang = nodes_named(g2, "黄文秀", "Person")
    assert huang == nodes_named(g1, "黄文秀", "Person")
    assert g2.nodes[huang[0]]["first_published"] == "2018-01-01"


def test_output_is_deterministic(tmp_path, index):
    a = write_run(tmp_path / "a", corpus_v1())
    b = write_run(tmp_path / "b", corpus_v1())
    build_graph(a, index=index)
    build_graph(b, index=index)
    for name in ("nodes.jsonl", "edges.jsonl", "merges.jsonl", "stats.json"):
        assert (a / "graph" / name).read_bytes() == (b / "graph" / name).read_bytes(), name


def test_load_returns_graph_and_dataframes(tmp_path, index):
    out = write_run(tmp_path / "run", corpus_v1())
    build_graph(out, index=index)
    graph, tables = load(out)
    assert graph.number_of_nodes() == len(tables["nodes"])
    assert graph.number_of_edges() == len(tables["edges"])
    assert list(tables["postings"]["person"]) == ["黄文秀", "黄文秀", "王勇", "王勇"]
    assert set(tables["merges"]["entity"]) >= {"Person", "Place"}


def test_empty_or_missing_run_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        build_graph(tmp_path)


# --------------------------------------------------------------------------- real stories


def _huang_wenxiu_stories(limit: int = 6) -> list[dict]:
    stories = []
    with gzip.open(XWLB, "rt", encoding="utf-8") as fh:
        for line in fh:
            if "黄文秀" in line:
                stories.append(json.loads(line))
                if len(stories) >= limit:
                    break
    return stories


@pytest.mark.slow
def test_huang_wenxiu_merges_across_real_xwlb_stories(tmp_path):
    need_shared(XWLB)
    from pipeline.api import extract

    stories = _huang_wenxiu_stories()
    assert len(stories) >= 2
    tables: dict[str, list] = {"articles": [], "mentions": [], "postings": [], "roles": [], "changes": [],
                               "statistics": []}
    for i, story in enumerate(stories):
        text = story.get("content") or story.get("text") or ""
        date = story.get("date") or story.get("published")
        result = extract(text, published=str(date) if date else None, article_id=f"xwlb{i:02d}",
                         title=story.get("title"))
        for name in tables:
            rows = [result.article] if name == "articles" else getattr(result, name)
            tables[name].extend(rows)
    out = write_run(tmp_path / "xwlb", tables)
    graph = build_graph(out)
    huang = nodes_named(graph, "黄文秀", "Person")
    anchored = [n for n in huang if graph.nodes[n]["n_articles"] > 1]
    assert len(anchored) == 1, [graph.nodes[n] for n in huang]
    d = graph.nodes[anchored[0]]
    places = {graph.nodes[v]["name"] for _, v, t in graph.out_edges(anchored[0], data="type")
              if t in ("POSTED_TO", "HOLDS_ROLE")}
    assert places & {"百坭村", "乐业县"}, places
    merges = [json.loads(line) for line in (out / "graph" / "merges.jsonl").read_text(encoding="utf-8").splitlines()]
    rules = {m["rule"] for m in merges if m["entity"] == "Person" and m["decision"] == "merge"
             and any(k.startswith("黄文秀@") for k in m["keys"][0].split("+"))}
    assert rules & {"same_name_same_place", "same_name_compatible_admin_path", "same_name_same_org"}
    assert d["n_articles"] >= 2
