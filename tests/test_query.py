"""Query commands on a real run of the seed articles (the pipeline runs once per session)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shared_data import SEEDS, need_shared
from shared_data import SEEDS_META as META

from pipeline import query as q
from pipeline.cli import main
from pipeline.graph import load


@pytest.fixture(scope="session")
def seed_run(tmp_path_factory) -> Path:
    need_shared(SEEDS)
    out = tmp_path_factory.mktemp("seedrun")
    status = main(["run", str(SEEDS), "--meta", str(META), "--out", str(out), "--ner", "lac"])
    assert status == 0
    assert (out / "graph" / "nodes.jsonl").exists(), "zhucun run did not build the graph"
    return out


@pytest.fixture(scope="session")
def seed_graph(seed_run):
    return load(seed_run)[0]


def test_sent_to_caochang_village(seed_graph):
    rows = q.sent_to(seed_graph, "漕厂村")
    assert [(r["person"], r["org"], r["place"]) for r in rows] == [("铁星", "襄城县交通局", "漕厂村")]
    assert rows[0]["place_path"] == "河南省/许昌市/襄城县/姜庄乡/漕厂村"
    assert rows[0]["role"] == "第一书记" and rows[0]["evidence"]


def test_sent_by_county_transport_bureau(seed_graph):
    rows = q.sent_by(seed_graph, "襄城县交通局")
    assert [(r["person"], r["place"]) for r in rows] == [("铁星", "漕厂村")]


def test_person_profile_lv_lili(seed_graph):
    profile = q.person_profile(seed_graph, "吕力力")
    postings = [(r["place"], r["org"], r["start"]) for r in profile["postings"]]
    assert ("小白庙子村", "开原市融媒体中心", "2018-05") in postings
    assert [r["org"] for r in profile["sent_by"]] == ["开原市融媒体中心"]
    assert profile["articles"][0]["article"] == "000_00dfa3e6713d8d2f"
    assert profile["person"]["first_published"] == "2020-11"


def test_changes_at_longdi_village(seed_graph):
    rows = q.changes(seed_graph, "龙地村")
    assert [(r["before"], r["after"], r["unit"]) for r in rows] == [(8000, 130000, "元")]
    assert rows[0]["place_path"].endswith("安溪县/西坪镇/龙地村")


def test_place_yixian_covers_the_villages_under_it(seed_graph):
    profile = q.place_profile(seed_graph, "义县")
    assert profile["place"]["path"] == "辽宁省/锦州市/义县"
    people = {r["person"] for r in profile["postings"]}
    assert {"李勇", "张涛", "赵强", "李贺", "孔强"} <= people
    assert "吕力力" not in people  # 开原市 is not under 义县
    assert {"沙河子村", "红台子村"} <= {p["name"] for p in profile["places"]}


def test_path_between_person_and_unit(seed_graph):
    steps = q.path(seed_graph, "吕力力", "开原市融媒体中心")
    assert [(s["from"], s["edge"], s["to"]) for s in steps] == [("吕力力", "SENT_BY", "开原市融媒体中心")]


def test_top_lists(seed_graph):
    places = q.top(seed_graph, "places", 3)
    assert places[0]["postings"] >= places[-1]["postings"] and places[0]["postings"] >= 17
    assert q.top(seed_graph, "orgs", 5)[0]["persons_sent"] >= 1
    assert len(q.top(seed_graph, "persons", 4)) == 4
    with pytest.raises(ValueError):
        q.top(seed_graph, "villages")


def test_partial_and_ambiguous_names(seed_graph):
    assert q.sent_to(seed_graph, "姜庄乡漕厂村")[0]["person"] == "铁星"  # a path tail
    assert q.sent_by(seed_graph, "交通局")[0]["person"] == "铁星"  # part of a name
    with pytest.raises(q.Ambiguous) as exc:
        q.person_profile(seed_graph, "王")
    assert len(exc.value.candidates) > 1 and all(c["type"] == "Person" for c in exc.value.candidates)
    with pytest.raises(q.NotFound):
        q.sent_to(seed_graph, "不存在的村")


def test_cli_query_json_and_table(seed_run, capsys):
    assert main(["query", "sent-to", "漕厂村", str(seed_run), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["person"], r["org"]) for r in rows] == [("铁星", "襄城县交通局")]
    assert main(["query", "changes", "龙地村", str(seed_run)]) == 0
    out = capsys.readouterr().out
    assert "8000" in out and "130000" in out
    assert main(["query", "person", "王", str(seed_run), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["ambiguous"] == "王"
    assert main(["sql", "SELECT count(*) AS n FROM postings WHERE person = '铁星'", str(seed_run), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"n": 1}]
