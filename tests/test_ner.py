import re

import pytest
from shared_data import seed_text

from pipeline.ner import BackendUnavailable, get_backend, known_backends
from pipeline.ner.base import split_for_model
from pipeline.ner.hanlp_backend import HanlpBackend, hanlp_document_to_spans, locate_tokens

LABELS = {"PERSON", "PLACE", "ORG", "DATE"}

SYNTHETIC = "2019年3月，张建国来到河南省新乡市延津县，在北京大学的帮助下开展工作。"


def found(text, spans):
    return {(text[s:e], label) for s, e, label in spans}


def assert_well_formed(text, spans):
    assert spans == sorted(spans)
    for s, e, label in spans:
        assert 0 <= s < e <= len(text)
        assert label in LABELS


@pytest.fixture(scope="module")
def lac():
    return get_backend("lac")


def test_lac_finds_person_place_org_in_synthetic_sentence(lac):
    [spans] = lac.tag([SYNTHETIC])
    assert_well_formed(SYNTHETIC, spans)
    entities = found(SYNTHETIC, spans)
    assert ("张建国", "PERSON") in entities
    assert ("北京大学", "ORG") in entities
    assert any(label == "PLACE" and "延津县" in text for text, label in entities)
    assert any(label == "DATE" and text.startswith("2019年") for text, label in entities)


def test_lac_on_seed_sentence():
    text = seed_text("003")
    sentence = next(s for s in re.split(r"(?<=[。！？])", text) if "襄城县交通局" in s)
    [spans] = get_backend("lac").tag([sentence])
    assert_well_formed(sentence, spans)
    assert ("襄城县交通局", "ORG") in found(sentence, spans)


def test_titles_never_glue_to_person_and_zhucun_not_to_place(lac):
    text = "第一书记吕明华和驻村工作队队员走访了义县驻村点，吕书记说要干实事。"
    [spans] = lac.tag([text])
    entities = found(text, spans)
    assert not any("书记" in t for t, label in entities if label == "PERSON")
    assert not any("驻村" in t for t, label in entities if label == "PLACE")


def test_batching_keeps_offsets(lac):
    texts = [f"第{i}次会议上，李四在上海市浦东新区发言。" for i in range(150)] + ["", "   ", SYNTHETIC]
    batched = lac.tag(texts)
    assert len(batched) == len(texts)
    assert batched[150] == [] and batched[151] == []
    for text, spans in zip(texts, batched, strict=True):
        assert_well_formed(text, spans)
    assert ("李四", "PERSON") in found(texts[7], batched[7])
    assert batched[-1] == lac.tag([SYNTHETIC])[0]


def test_long_text_and_whitespace_keep_offsets(lac):
    unit = "王大明在湖南省长沙市工作，"
    text = "  " + unit * 120 + "\n\u3000" + SYNTHETIC  # far beyond the piece length
    assert len(text) > 3 * lac.max_len
    [spans] = lac.tag([text])
    assert_well_formed(text, spans)
    names = [text[s:e] for s, e, label in spans if label == "PERSON"]
    assert names.count("王大明") >= 110
    assert "张建国" in names
    words = lac.segment([text])[0]
    assert all(text[s:e] == w for s, e, w, _ in words)
    assert all(w.strip() == w and w for _, _, w, _ in words)


def test_split_for_model_covers_text_and_respects_limit():
    text = "甲乙丙丁。" * 30 + "无标点" * 50
    pieces = split_for_model(text, 40)
    assert "".join(p for _, p in pieces) == text
    assert all(len(p) <= 40 for _, p in pieces)
    assert all(text[o : o + len(p)] == p for o, p in pieces)
    assert pieces[0][1].endswith("。")


def test_jieba_backend():
    jieba_backend = get_backend("jieba")
    [spans] = jieba_backend.tag([SYNTHETIC])
    assert_well_formed(SYNTHETIC, spans)
    entities = found(SYNTHETIC, spans)
    assert ("张建国", "PERSON") in entities
    assert ("河南省", "PLACE") in entities
    words = jieba_backend.segment([SYNTHETIC])[0]
    assert "".join(w for _, _, w, _ in words) == SYNTHETIC.replace(" ", "")


def test_backend_is_cached_per_options():
    assert get_backend("jieba") is get_backend("jieba")
    assert get_backend("jieba", hmm=False) is not get_backend("jieba")


def test_unknown_backend_fails_clearly():
    with pytest.raises(ValueError, match="known backends: hanlp, jieba, lac"):
        get_backend("nope")
    assert known_backends() == ["hanlp", "jieba", "lac"]


def test_hanlp_unavailable_names_the_alternative(monkeypatch, tmp_path):
    # Either hanlp is missing or its model cannot be fetched/loaded from an empty directory.
    monkeypatch.setenv("ZHUCUN_HANLP_MODEL", str(tmp_path))
    with pytest.raises(BackendUnavailable) as error:
        HanlpBackend()
    message = str(error.value)
    assert "--ner lac" in message
    assert "ZHUCUN_HANLP_MODEL" in message and "pip install .[hanlp]" in message


# The structure printed in HanLP's ner_mtl.ipynb demo (HanLP(['...', '...'], tasks='ner*')).
HANLP_SENTENCES = [
    "2021年HanLPv2.1为生产环境带来次世代最先进的多语种NLP技术。",
    "阿婆主来到北京立方庭参观自然语义科技公司。",
]
HANLP_DOCUMENT = {
    "tok/fine": [
        [
            "2021年",
            "HanLPv2.1",
            "为",
            "生产",
            "环境",
            "带来",
            "次",
            "世代",
            "最",
            "先进",
            "的",
            "多",
            "语种",
            "NLP",
            "技术",
            "。",
        ],
        ["阿婆主", "来到", "北京", "立方庭", "参观", "自然", "语义", "科技", "公司", "。"],
    ],
    "ner/msra": [
        [["2021年", "DATE", 0, 1], ["HanLPv2.1", "WWW", 1, 2]],
        [["北京", "LOCATION", 2, 3], ["立方庭", "LOCATION", 3, 4], ["自然语义科技公司", "ORGANIZATION", 5, 9]],
    ],
    "ner/pku": [[], [["北京立方庭", "ns", 2, 4], ["自然语义科技公司", "nt", 5, 9]]],
}


def test_hanlp_document_conversion_msra():
    spans = hanlp_document_to_spans(HANLP_SENTENCES, HANLP_DOCUMENT)
    assert spans[0] == [(0, 5, "DATE")]
    first, second = HANLP_SENTENCES
    assert found(second, spans[1]) == {("北京", "PLACE"), ("立方庭", "PLACE"), ("自然语义科技公司", "ORG")}


def test_hanlp_document_conversion_pku_and_errors():
    spans = hanlp_document_to_spans(HANLP_SENTENCES, HANLP_DOCUMENT, ner_task="ner/pku")
    assert spans[0] == []
    assert found(HANLP_SENTENCES[1], spans[1]) == {("北京立方庭", "PLACE"), ("自然语义科技公司", "ORG")}
    with pytest.raises(ValueError, match="ner/ontonotes"):
        hanlp_document_to_spans(HANLP_SENTENCES, HANLP_DOCUMENT, ner_task="ner/ontonotes")
    with pytest.raises(ValueError, match="sentences"):
        hanlp_document_to_spans(HANLP_SENTENCES[:1], HANLP_DOCUMENT)
    assert locate_tokens("甲 乙", ["甲", "乙", "丙"]) == [(0, 1), (2, 3), None]
