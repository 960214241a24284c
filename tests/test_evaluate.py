"""Scoring rules of ../shared/gold/README.md, on hand-made gold and predictions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shared_data import GOLD as SHARED_GOLD
from shared_data import need_shared

from pipeline.evaluate import (
    evaluate,
    format_report,
    org_correct,
    prf,
    start_correct,
    value_within,
)


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def gold_article(article: str, postings=(), changes=(), persons=(), villages=()) -> dict:
    return {"article": article, "published": None, "postings": list(postings), "changes": list(changes),
            "roles": [], "persons": list(persons), "villages": list(villages)}


def gposting(person, village=None, township=None, county=None, org=None, start=None, **extra) -> dict:
    return {"person": person, "role": "第一书记", "village": village, "township": township, "county": county,
            "org": org, "start": start, **extra}


def pposting(person, village=None, township=None, county=None, org=None, start=None, article="a1") -> dict:
    return {"article_id": article, "person": person, "village": village, "township": township, "county": county,
            "org": org, "start": start}


def gchange(subject, before=None, after=None, delta=None) -> dict:
    return {"subject": subject, "metric": "收入", "before": before, "after": after, "delta": delta, "unit": "元"}


def pchange(subject, before=None, after=None, delta=None, metric="收入", article="a1") -> dict:
    return {"article_id": article, "subject": subject, "metric": metric, "before": before, "after": after,
            "delta": delta}


def mention(text, type_="PERSON", level=None, article="a1") -> dict:
    return {"article_id": article, "type": type_, "text": text, "level": level}


@pytest.fixture
def run(tmp_path):
    """run(gold_articles, postings=None, changes=None, mentions=None) -> evaluate() result; None = file absent."""

    def _run(gold, postings=None, changes=None, mentions=None):
        gold_path = tmp_path / "gold.jsonl"
        write_jsonl(gold_path, gold)
        pred = tmp_path / "pred"
        pred.mkdir(exist_ok=True)
        for name, rows in (("postings", postings), ("changes", changes), ("mentions", mentions)):
            if rows is not None:
                write_jsonl(pred / f"{name}.jsonl", rows)
        return evaluate(gold_path, pred)

    return _run


def counts(score: dict) -> tuple[int, int, int]:
    return score["tp"], score["fp"], score["fn"]


# ---------------------------------------------------------------- postings


def test_predicted_place_ending_with_gold_place_matches(run):
    gold = [gold_article("a1", postings=[gposting("叶瑾", "罗坑村", "夏道镇", "延平区")])]
    r = run(gold, postings=[pposting("叶瑾", "南平市延平区夏道镇罗坑村")])
    assert counts(r["postings"]) == (1, 0, 0)
    assert r["postings"]["f1"] == 1.0


def test_gold_place_ending_with_predicted_place_does_not_match(run):
    gold = [gold_article("a1", postings=[gposting("叶瑾", "罗坑村")])]
    r = run(gold, postings=[pposting("叶瑾", "坑村")])
    assert counts(r["postings"]) == (0, 1, 1)
    assert r["articles"]["a1"]["postings"]["misses"][0]["person"] == "叶瑾"
    assert r["articles"]["a1"]["postings"]["extras"] == [
        {"person": "叶瑾", "village": "坑村", "township": None, "county": None, "org": None, "start": None}]


def test_person_must_be_equal(run):
    gold = [gold_article("a1", postings=[gposting("叶瑾", "罗坑村")])]
    r = run(gold, postings=[pposting("叶瑾书记", "罗坑村"), pposting("瑾", "罗坑村")])
    assert counts(r["postings"]) == (0, 2, 1)


def test_alt_village_is_accepted(run):
    gold = [gold_article("a1", postings=[gposting("董立开", "吉山村", "汤头乡", alt_village=["小溪头村"])])]
    assert counts(run(gold, postings=[pposting("董立开", "小溪头村")])["postings"]) == (1, 0, 0)
    assert counts(run(gold, postings=[pposting("董立开", "三洲镇小溪头村")])["postings"]) == (1, 0, 0)
    assert counts(run(gold, postings=[pposting("董立开", "汤头乡")])["postings"]) == (0, 1, 1)


def test_township_then_county_fallback(run):
    gold = [gold_article("a1", postings=[
        gposting("董连杰", None, "头道河镇", "义县"),
        gposting("卢西朋", None, None, "封丘县"),
    ])]
    r = run(gold, postings=[
        pposting("董连杰", None, "头道河镇", "义县"),
        pposting("卢西朋", None, None, "河南省封丘县"),
    ])
    assert counts(r["postings"]) == (2, 0, 0)
    # the predicted place is its village when it has one, even if its township is right
    r = run(gold, postings=[pposting("董连杰", "某某村", "头道河镇", "义县"), pposting("卢西朋", None, "某镇", "封丘县")])
    assert counts(r["postings"]) == (0, 2, 2)


def test_prediction_without_place_never_matches(run):
    gold = [gold_article("a1", postings=[gposting("李勇", "南石桥子村")])]
    r = run(gold, postings=[pposting("李勇")])
    assert counts(r["postings"]) == (0, 1, 1)


def test_duplicate_predictions_count_once_and_first_one_is_scored(run):
    gold = [gold_article("a1", postings=[gposting("铁星", "漕厂村", org="襄城县交通局")])]
    r = run(gold, postings=[
        pposting("铁星", "漕厂村", org="交通局"),
        pposting("铁星", "漕厂村", org="教育局"),
        pposting("铁星", "漕厂村", township="姜庄乡"),
    ])
    assert counts(r["postings"]) == (1, 0, 0)
    assert r["postings"]["org"] == {"correct": 1, "total": 1, "accuracy": 1.0}


def test_each_gold_posting_matches_one_prediction(run):
    gold = [gold_article("a1", postings=[gposting("叶瑾", "罗坑村")])]
    # two different place strings that both fit: one is a match, the other an extra
    r = run(gold, postings=[pposting("叶瑾", "罗坑村"), pposting("叶瑾", "延平区罗坑村")])
    assert counts(r["postings"]) == (1, 1, 0)
    assert r["articles"]["a1"]["postings"]["extras"][0]["village"] == "延平区罗坑村"
    assert r["postings"]["precision"] == 0.5
    assert r["postings"]["recall"] == 1.0
    assert r["postings"]["f1"] == pytest.approx(2 / 3)


def test_matching_is_maximal_not_greedy(run):
    # gold A accepts 甲村 or 乙村, gold B only 乙村: a greedy pass giving 乙村 to A would lose B
    gold = [gold_article("a1", postings=[gposting("王某", "甲村", alt_village=["乙村"]), gposting("王某", "乙村")])]
    r = run(gold, postings=[pposting("王某", "乙村"), pposting("王某", "甲村")])
    assert counts(r["postings"]) == (2, 0, 0)


def test_org_accuracy_containment_and_nulls(run):
    gold = [gold_article("a1", postings=[
        gposting("甲", "一村", org="襄城县人民法院"),
        gposting("乙", "二村", org="襄城县人民法院"),
        gposting("丙", "三村", org="襄城县交通局"),
        gposting("丁", "四村", org=None),
        gposting("戊", "五村", org=None),
        gposting("己", "六村", org="开原市融媒体中心"),
    ])]
    r = run(gold, postings=[
        pposting("甲", "一村", org="人民法院"),  # predicted inside gold
        pposting("乙", "二村", org="河南省襄城县人民法院"),  # gold inside predicted
        pposting("丙", "三村", org="襄城县人民法院"),  # different unit
        pposting("丁", "四村", org=None),  # null meets null
        pposting("戊", "五村", org="某局"),  # value where gold has none
        pposting("己", "六村", org=""),  # empty string is null
    ])
    assert counts(r["postings"]) == (6, 0, 0)
    assert r["postings"]["org"] == {"correct": 3, "total": 6, "accuracy": 0.5}
    wrong = sorted(p["gold"]["person"] for p in r["articles"]["a1"]["postings"]["org_mismatches"])
    assert wrong == ["丙", "己", "戊"]


def test_start_accuracy_prefix_and_nulls(run):
    gold = [gold_article("a1", postings=[
        gposting("甲", "一村", start="2018-05"),
        gposting("乙", "二村", start="2019"),
        gposting("丙", "三村", start="2018-05"),
        gposting("丁", "四村", start=None),
        gposting("戊", "五村", start=None),
        gposting("己", "六村", start="2019-06"),
    ])]
    r = run(gold, postings=[
        pposting("甲", "一村", start="2018-05-01"),
        pposting("乙", "二村", start="2019-06"),
        pposting("丙", "三村", start="2018"),  # less precise than gold
        pposting("丁", "四村", start=None),
        pposting("戊", "五村", start="2019"),
        pposting("己", "六村", start=None),
    ])
    assert r["postings"]["start"] == {"correct": 3, "total": 6, "accuracy": 0.5}
    wrong = sorted(p["gold"]["person"] for p in r["articles"]["a1"]["postings"]["start_mismatches"])
    assert wrong == ["丙", "己", "戊"]


def test_accuracy_without_matches_is_none(run):
    r = run([gold_article("a1", postings=[gposting("甲", "一村")])], postings=[])
    assert r["postings"]["org"] == {"correct": 0, "total": 0, "accuracy": None}
    assert r["postings"]["start"]["accuracy"] is None


def test_org_and_start_helpers():
    assert org_correct("襄城县人民法院", "人民法院") and org_correct(None, None) and org_correct(" ", None)
    assert not org_correct(None, "法院") and not org_correct("法院", None) and not org_correct("交通局", "法院")
    assert start_correct("2018-05", "2018-05") and start_correct("2018", "2018-05-03") and start_correct(None, "")
    assert not start_correct("2018-05", "2018") and not start_correct(None, "2018") and not start_correct("2018", None)


# ---------------------------------------------------------------- changes


@pytest.mark.parametrize(("predicted", "ok"), [
    (130000, True), (131300, True), (128700, True),  # exactly 1% either side is inside
    (131301, False), (128699, False), (None, False),
])
def test_change_values_within_one_percent_both_sides(run, predicted, ok):
    gold = [gold_article("a1", changes=[gchange("龙地村", before=8000, after=130000)])]
    r = run(gold, changes=[pchange("龙地村", before=8000, after=predicted)])
    assert counts(r["changes"]) == ((1, 0, 0) if ok else (0, 1, 1))


def test_change_tolerance_is_relative_to_gold():
    assert value_within(100, 101) and value_within(100, 99)
    assert not value_within(100, 101.5) and not value_within(100, 98.9)
    assert value_within(0, 0) and not value_within(0, 0.001)
    assert value_within(None, None) and value_within(None, "") and not value_within(None, 0)
    assert not value_within(0, None) and not value_within(5, "五")


def test_change_null_must_meet_null(run):
    gold = [gold_article("a1", changes=[gchange("房家村", before=0, after=162000)])]
    assert counts(run(gold, changes=[pchange("房家村", before=0, after=162000)])["changes"]) == (1, 0, 0)
    assert counts(run(gold, changes=[pchange("房家村", before=None, after=162000)])["changes"]) == (0, 1, 1)
    assert counts(run(gold, changes=[pchange("房家村", 0, 162000, delta=162000)])["changes"]) == (0, 1, 1)


def test_change_subject_list_and_suffix(run):
    gold = [gold_article("a1", changes=[gchange(["富有台村", "大铁厂村"], delta=100000)])]
    assert counts(run(gold, changes=[pchange("大铁厂村", delta=100000)])["changes"]) == (1, 0, 0)
    assert counts(run(gold, changes=[pchange("瓦子峪镇富有台村", delta=100000)])["changes"]) == (1, 0, 0)
    assert counts(run(gold, changes=[pchange("富有台", delta=100000)])["changes"]) == (0, 1, 1)
    assert counts(run(gold, changes=[pchange("义县", delta=100000)])["changes"]) == (0, 1, 1)


def test_changes_one_to_one_and_duplicates(run):
    gold = [gold_article("a1", changes=[gchange("下党村", delta=100000), gchange("义县", before=50, after=207)])]
    r = run(gold, changes=[
        pchange("下党村", delta=100000),
        pchange("下党村", delta=100000.0, metric="村集体收入"),  # identical for scoring: counts once
        pchange("下党村", delta=100500),  # also fits the gold change, which is already taken
    ])
    assert counts(r["changes"]) == (1, 1, 1)
    assert r["articles"]["a1"]["changes"]["extras"] == [
        {"subject": "下党村", "metric": "收入", "before": None, "after": None, "delta": 100500}]
    assert r["articles"]["a1"]["changes"]["misses"] == [gchange("义县", before=50, after=207)]


# ---------------------------------------------------------------- persons / villages


def test_persons_and_villages_are_distinct_texts(run):
    gold = [gold_article("a1", persons=["李勇", "龚鑫", "习近平"], villages=["孙桥屯村", "红台子村"])]
    r = run(gold, mentions=[
        mention("李勇"), mention("李勇"), mention("龚鑫"), mention("吕书记"),
        mention("孙桥屯村", "PLACE", "village"), mention("孙桥屯村", "PLACE", "village"),
        mention("九道岭镇", "PLACE", "township"), mention("红台子村", "PLACE", None),
        mention("红台子村", "ORG"), mention("习近平", "ORG"),
    ])
    assert counts(r["persons"]) == (2, 1, 1)
    assert counts(r["villages"]) == (1, 0, 1)
    a1 = r["articles"]["a1"]
    assert a1["persons"]["misses"] == ["习近平"] and a1["persons"]["extras"] == ["吕书记"]
    assert a1["villages"]["misses"] == ["红台子村"] and a1["villages"]["extras"] == []


def test_scores_are_micro_over_articles(run):
    gold = [gold_article("a1", persons=["甲", "乙", "丙"]), gold_article("a2", persons=["丁"])]
    r = run(gold, mentions=[mention("甲"), mention("乙"), mention("戊"), mention("丁", article="a2")])
    assert counts(r["persons"]) == (3, 1, 1)
    assert r["persons"]["precision"] == 0.75 and r["persons"]["recall"] == 0.75


# ---------------------------------------------------------------- files, articles, bad input


def test_missing_files_mean_no_predictions(run):
    gold = [gold_article("a1", postings=[gposting("甲", "一村")], changes=[gchange("一村", delta=1)],
                         persons=["甲"], villages=["一村"])]
    r = run(gold)
    assert r["missing_files"] == ["postings.jsonl", "changes.jsonl", "mentions.jsonl"]
    for task in ("postings", "changes", "persons", "villages"):
        scores = {k: r[task][k] for k in ("tp", "fp", "fn", "precision", "recall", "f1")}
        assert scores == {"tp": 0, "fp": 0, "fn": 1, "precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_gold_article_without_predictions_is_all_missed_and_unknown_articles_are_ignored(run):
    gold = [gold_article("a1", persons=["甲"]), gold_article("a2", persons=["乙", "丙"])]
    r = run(gold, mentions=[mention("甲"), mention("丁", article="zz"), mention("戊", article="yy")],
            postings=[pposting("丁", "一村", article="zz")], changes=[])
    assert counts(r["persons"]) == (1, 0, 2)
    assert counts(r["postings"]) == (0, 0, 0)
    assert r["postings"]["f1"] == 1.0  # nothing to find, nothing predicted
    assert r["ignored_articles"] == 2 and r["ignored_article_ids"] == ["yy", "zz"]
    assert r["missing_files"] == []


def test_missing_prediction_directory_is_an_error(tmp_path):
    gold = tmp_path / "gold.jsonl"
    write_jsonl(gold, [gold_article("a1")])
    with pytest.raises(FileNotFoundError):
        evaluate(gold, tmp_path / "nope")


def test_bad_rows_are_reported_with_their_line(tmp_path):
    gold = tmp_path / "gold.jsonl"
    write_jsonl(gold, [gold_article("a1")])
    pred = tmp_path / "pred"
    pred.mkdir()
    (pred / "mentions.jsonl").write_text('{"article_id": "a1", "type": "PERSON", "text": "甲"}\n\n{broken\n')
    with pytest.raises(ValueError, match=r"mentions.jsonl:3"):
        evaluate(gold, pred)
    (pred / "mentions.jsonl").write_text('{"type": "PERSON", "text": "甲"}\n')
    with pytest.raises(ValueError, match="article_id"):
        evaluate(gold, pred)
    (pred / "mentions.jsonl").write_text("[1, 2]\n")
    with pytest.raises(ValueError, match="JSON object"):
        evaluate(gold, pred)
    write_jsonl(gold, [gold_article("a1"), gold_article("a1")])
    (pred / "mentions.jsonl").write_text("")
    with pytest.raises(ValueError, match="twice"):
        evaluate(gold, pred)


def test_prf_edge_cases():
    assert prf(0, 0, 0) == {"tp": 0, "fp": 0, "fn": 0, "precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert prf(0, 2, 0)["precision"] == 0.0 and prf(0, 2, 0)["recall"] == 0.0
    assert prf(1, 1, 3) == {"tp": 1, "fp": 1, "fn": 3, "precision": 0.5, "recall": 0.25, "f1": pytest.approx(1 / 3)}


def test_report_lists_scores_misses_and_mismatches(run):
    gold = [gold_article("a1", postings=[gposting("铁星", "漕厂村", org="襄城县交通局", start="2018")],
                         persons=["铁星", "秦高远"])]
    r = run(gold, postings=[pposting("铁星", "漕厂村", org="教育局", start="2018-03"), pposting("王昊", "城上村")],
            mentions=[mention("铁星")])
    text = format_report(r)
    assert "postings" in text and "0.500" in text and "1.000" in text
    assert "postings extra: 王昊 @ 城上村" in text
    assert "persons miss:  秦高远" in text
    assert "org wrong: 铁星: gold='襄城县交通局' pred='教育局'" in text
    assert "postings org accuracy: 0.000 (0/1)" in text
    assert "postings start accuracy: 1.000 (1/1)" in text
    short = format_report(r, show_misses=False)
    assert "[a1]" not in short and "秦高远" not in short and "0.500" in short
    assert json.loads(json.dumps(r, ensure_ascii=False)) == r  # the result is plain JSON


# ---------------------------------------------------------------- self-consistency on the real gold


def _shared_gold() -> Path:
    return need_shared(SHARED_GOLD)


def predictions_from_gold(gold_rows: list[dict]) -> tuple[list[dict], list[dict], list[dict]]:
    postings, changes, mentions = [], [], []
    for g in gold_rows:
        aid = g["article"]
        for p in g["postings"]:
            postings.append({"article_id": aid, **{k: v for k, v in p.items() if k != "alt_village"}})
        for c in g["changes"]:
            subject = c["subject"][0] if isinstance(c["subject"], list) else c["subject"]
            changes.append({"article_id": aid, **c, "subject": subject})
        mentions += [mention(name, "PERSON", article=aid) for name in g["persons"]]
        mentions += [mention(name, "PLACE", "village", article=aid) for name in g["villages"]]
    return postings, changes, mentions


def test_gold_scored_against_itself_is_perfect(tmp_path):
    gold_path = _shared_gold()
    gold_rows = [json.loads(line) for line in gold_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    postings, changes, mentions = predictions_from_gold(gold_rows)
    pred = tmp_path / "pred"
    pred.mkdir()
    write_jsonl(pred / "postings.jsonl", postings)
    write_jsonl(pred / "changes.jsonl", changes)
    write_jsonl(pred / "mentions.jsonl", mentions)
    r = evaluate(gold_path, pred)
    assert r["n_articles"] == len(gold_rows) and r["ignored_articles"] == 0
    for task in ("postings", "changes", "persons", "villages"):
        assert r[task]["f1"] == 1.0, (task, r[task])
        assert r[task]["fp"] == 0 and r[task]["fn"] == 0
    assert r["postings"]["tp"] == sum(len(g["postings"]) for g in gold_rows) > 0
    assert r["changes"]["tp"] == sum(len(g["changes"]) for g in gold_rows) > 0
    assert r["postings"]["org"]["accuracy"] == 1.0
    assert r["postings"]["start"]["accuracy"] == 1.0
    assert r["postings"]["start"]["total"] == r["postings"]["tp"]
    # and the scorer is not trivially generous: dropping one posting and one person costs exactly those
    write_jsonl(pred / "postings.jsonl", postings[1:])
    write_jsonl(pred / "mentions.jsonl", [m for m in mentions if m["text"] != gold_rows[0]["persons"][0]])
    r = evaluate(gold_path, pred)
    assert counts(r["postings"]) == (len(postings) - 1, 0, 1)
    assert r["persons"]["fn"] == 1 and r["persons"]["fp"] == 0
