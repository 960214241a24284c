"""spaCy Doc and displaCy HTML built from a hand-made ExtractionResult over a synthetic text."""

from __future__ import annotations

import json
import re

import pytest

from pipeline.display import char_doc, longest_non_overlapping, render_html, to_spacy_doc
from pipeline.schema import ArticleRow, ChangeRow, Evidence, ExtractionResult, MentionRow, PostingRow

# whitespace (CRLF, nbsp, ASCII space) is kept on purpose: offsets must survive it
TEXT = "标题\r\n\xa0\xa0张三任红星村第一书记。 红星村集体收入由8000元增加到13万元。"


def at(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def mention(type_: str, needle: str, nth: int = 0, **extra) -> MentionRow:
    start, end = at(TEXT, needle, nth)
    return MentionRow(article_id="t1", type=type_, text=needle, start=start, end=end, sentence=0, **extra)


def evidence(sentence: str) -> Evidence:
    start, end = at(TEXT, sentence)
    return Evidence(text=sentence, start=start, end=end)


SENT1 = "张三任红星村第一书记。"
SENT2 = "红星村集体收入由8000元增加到13万元。"


def make_result(mentions: list[MentionRow]) -> ExtractionResult:
    return ExtractionResult(
        article=ArticleRow(id="t1"),
        mentions=mentions,
        postings=[PostingRow(article_id="t1", evidence=evidence(SENT1), confidence=0.9, person="张三",
                             village="红星村")],
        changes=[ChangeRow(article_id="t1", evidence=evidence(SENT2), confidence=0.8, subject="红星村",
                           before=8000, after=130000, unit="元")],
    )


@pytest.fixture
def result() -> ExtractionResult:
    return make_result([
        mention("PERSON", "张三"),
        mention("PLACE", "红星村", level="village"),
        mention("ROLE", "第一书记"),
        mention("ROLE", "书记"),  # inside 第一书记: the longer one stays
        mention("PLACE", "红星村", nth=1, level="village"),
        mention("MONEY", "8000元", value=8000),
        mention("MONEY", "13万元", value=130000),
        mention("QUANTITY", "13万", value=130000),  # shorter, overlapping
    ])


def test_doc_keeps_original_text_one_token_per_char():
    doc = char_doc(TEXT)
    assert doc.text == TEXT
    assert len(doc) == len(TEXT)
    assert [t.idx for t in doc] == list(range(len(TEXT)))


def test_ents_have_original_offsets_and_types(result):
    doc = to_spacy_doc(result, TEXT)
    got = [(e.start_char, e.end_char, e.label_, e.text) for e in doc.ents]
    expected = [
        (*at(TEXT, "张三"), "PERSON", "张三"),
        (*at(TEXT, "红星村"), "PLACE", "红星村"),
        (*at(TEXT, "第一书记"), "ROLE", "第一书记"),
        (*at(TEXT, "红星村", 1), "PLACE", "红星村"),
        (*at(TEXT, "8000元"), "MONEY", "8000元"),
        (*at(TEXT, "13万元"), "MONEY", "13万元"),
    ]
    assert got == expected
    assert got[0][:2] == (6, 8)  # after 标题, CR, LF and two nbsp


def test_fact_spans_cover_the_evidence(result):
    doc = to_spacy_doc(result, TEXT)
    facts = [(s.start_char, s.end_char, s.label_, s.text) for s in doc.spans["facts"]]
    assert facts == [(*at(TEXT, SENT1), "POSTING", SENT1), (*at(TEXT, SENT2), "CHANGE", SENT2)]


def test_equal_length_overlap_is_resolved_deterministically():
    a = mention("PLACE", "红星村")
    b = MentionRow(article_id="t1", type="ORG", text="星村第", start=a.start + 1, end=a.end + 1, sentence=0)
    same_span_org = MentionRow(article_id="t1", type="ORG", text="红星村", start=a.start, end=a.end, sentence=0)
    for order in ([a, b, same_span_org], [same_span_org, b, a], [b, a, same_span_org]):
        kept = longest_non_overlapping(order)
        assert [(m.start, m.type) for m in kept] == [(a.start, "PLACE")]


def test_bad_offsets_are_rejected():
    shifted = mention("PERSON", "张三").model_copy(update={"start": 8, "end": 10})
    with pytest.raises(ValueError, match="reads"):
        to_spacy_doc(make_result([shifted]), TEXT)
    outside = mention("PERSON", "张三").model_copy(update={"start": len(TEXT), "end": len(TEXT) + 2})
    with pytest.raises(ValueError, match="outside"):
        to_spacy_doc(make_result([outside]), TEXT)
    with pytest.raises(ValueError, match="posting of 张三"):
        to_spacy_doc(make_result([]), TEXT[:12])  # evidence of the posting runs past the end
    bad_evidence = make_result([])
    bad_evidence.changes[0].evidence = Evidence(text="别的句子", start=0, end=4)
    with pytest.raises(ValueError, match="change of 红星村"):
        to_spacy_doc(bad_evidence, TEXT)


def test_render_html_shows_entities_with_colours(result):
    html = render_html(to_spacy_doc(result, TEXT), title="测试")
    assert html.lstrip().startswith("<!DOCTYPE html>")
    marks = re.findall(r"<mark[^>]*>\s*(\S+)\s*<span[^>]*>(\w+)</span>", html)
    assert marks == [("张三", "PERSON"), ("红星村", "PLACE"), ("第一书记", "ROLE"), ("红星村", "PLACE"),
                     ("8000元", "MONEY"), ("13万元", "MONEY")]
    assert "#f4a6a6" in html  # PERSON colour
    assert "测试" in html


def test_render_html_without_entities_and_escaping():
    text = "没有<b>实体</b>的句子。"
    with pytest.warns(UserWarning, match="W006"):
        html = render_html(to_spacy_doc(ExtractionResult(article=ArticleRow(id="t1")), text))
    assert "没有&lt;b&gt;实体&lt;/b&gt;的句子。" in html and "<mark" not in html and "<b>" not in html


def test_real_article_mentions_land_on_their_text():
    from shared_data import GOLD, SEEDS, need_shared

    gold = json.loads(need_shared(GOLD).read_text(encoding="utf-8").splitlines()[2])
    text = (need_shared(SEEDS) / f"{gold['article']}.txt").read_text(encoding="utf-8")
    mentions = []
    for type_, names in (("PERSON", gold["persons"]), ("PLACE", gold["villages"])):
        for name in names:
            start = text.find(name)
            while start >= 0:
                mentions.append(MentionRow(article_id=gold["article"], type=type_, text=name, start=start,
                                           end=start + len(name), sentence=0))
                start = text.find(name, start + 1)
    doc = to_spacy_doc(ExtractionResult(article=ArticleRow(id=gold["article"]), mentions=mentions), text)
    assert doc.text == text
    assert len(doc.ents) == len(longest_non_overlapping(mentions)) > len(gold["persons"])
    assert all(text[e.start_char:e.end_char] == e.text for e in doc.ents)
    assert {e.text for e in doc.ents if e.label_ == "PERSON"} == set(gold["persons"])
    html = render_html(doc)
    assert all(name in html for name in gold["persons"] + gold["villages"])
