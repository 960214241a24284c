import json

import pytest
from shared_data import SHARED, need_shared

from pipeline import nerbench
from pipeline.nerbench import align_spans, format_report, load_alignment, load_jsonl, score, score_predictions

PD_TEST = SHARED / "nerbench" / "people_daily" / "test.jsonl"


def write_jsonl(path, rows):
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def test_score_predictions_exact_numbers(tmp_path):
    rows = [
        {"text": "张三在北京工作。", "entities": [[0, 2, "PER"], [3, 5, "LOC"]]},
        {"text": "李四去了新华社。", "entities": [[0, 2, "PER"], [4, 7, "ORG"]]},
    ]
    gold = [[tuple(e) for e in r["entities"]] for r in load_jsonl(write_jsonl(tmp_path / "g.jsonl", rows))]
    predicted = [
        [(0, 2, "PER"), (3, 5, "ORG")],  # right PER, LOC with the wrong type
        [(0, 2, "PER"), (4, 7, "ORG"), (5, 7, "LOC")],  # two right, one spurious
    ]
    result = score_predictions(gold, predicted)
    overall = result["overall"]
    assert (overall["tp"], overall["fp"], overall["fn"]) == (3, 2, 1)
    assert overall["precision"] == pytest.approx(3 / 5)
    assert overall["recall"] == pytest.approx(3 / 4)
    assert overall["f1"] == pytest.approx(2 * 0.6 * 0.75 / 1.35)
    assert result["per_type"]["PER"]["f1"] == 1.0
    assert result["per_type"]["LOC"]["recall"] == 0.0 and result["per_type"]["LOC"]["precision"] == 0.0
    assert result["per_type"]["ORG"]["precision"] == pytest.approx(0.5)
    report = format_report(result)
    assert "overall" in report and "60.00" in report and "75.00" in report


def test_score_predictions_rejects_length_mismatch():
    with pytest.raises(ValueError):
        score_predictions([[]], [])


def test_load_jsonl_rejects_bad_records(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="nerbench record"):
        load_jsonl(bad)


def test_score_with_lac_on_tiny_file(tmp_path):
    rows = [
        {"text": "张建国在北京大学工作。", "entities": [[0, 3, "PER"], [4, 8, "ORG"]]},
        {"text": "中美两国代表今天会谈。", "entities": [[0, 1, "LOC"], [1, 2, "LOC"]]},
    ]
    path = write_jsonl(tmp_path / "tiny.jsonl", rows)
    aligned = score(path, backend="lac", align=True)
    assert aligned["overall"]["tp"] == 4 and aligned["overall"]["fp"] == 0
    assert aligned["sentences"] == 2 and aligned["gold_entities"] == 4
    raw = score(path, backend="lac", align=False, limit=1)
    assert raw["sentences"] == 1 and raw["overall"]["f1"] == 1.0


def spans_text(text, spans):
    return [(text[s:e], label) for s, e, label in spans]


def test_alignment_rules_follow_people_daily_conventions():
    rules = load_alignment()
    text = "中美关系和中国政府的立场，胡老和王小姐都看了中国男队比赛。"
    predicted = [(0, 2, "LOC"), (5, 9, "ORG"), (13, 15, "PER"), (16, 19, "PER"), (22, 24, "LOC")]
    aligned = spans_text(text, align_spans(text, predicted, None, rules))
    assert aligned == [("中", "LOC"), ("美", "LOC"), ("中国", "LOC"), ("胡", "PER"), ("王", "PER"), ("中国男队", "ORG")]


def test_alignment_word_rules():
    rules = load_alignment()
    text = "美国总统访华后，美国财政部长发言。"
    words = [
        (0, 2, "美国", "LOC"),
        (2, 4, "总统", "n"),
        (4, 6, "访华", "v"),
        (6, 7, "后", "f"),
        (7, 8, "，", "w"),
        (8, 10, "美国", "LOC"),
        (10, 12, "财政", "n"),
        (12, 14, "部长", "n"),
        (14, 16, "发言", "v"),
    ]
    predicted = [(0, 2, "LOC"), (8, 10, "LOC")]
    aligned = spans_text(text, align_spans(text, predicted, words, rules))
    assert aligned == [("美国", "LOC"), ("华", "LOC"), ("美国财政部", "ORG")]


def test_alignment_leaves_ordinary_spans_alone():
    rules = load_alignment()
    text = "江苏省南京市的王建国"
    predicted = [(0, 3, "LOC"), (3, 6, "LOC"), (7, 10, "PER")]
    assert align_spans(text, predicted, None, rules) == predicted


@pytest.mark.slow
def test_lac_aligned_f1_on_people_daily_test():
    need_shared(PD_TEST)
    result = score(PD_TEST, backend="lac", align=True)
    assert result["sentences"] == 4636
    assert result["overall"]["f1"] >= 0.78, nerbench.format_report(result)
