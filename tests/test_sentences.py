"""Sentences and tokens stages on synthetic text, seeds and CCTV transcripts."""

from __future__ import annotations

import logging

import pytest
from shared_data import SEEDS, need_shared, xwlb_sample

from pipeline import core
from pipeline.clean import clean_stage, split_stories
from pipeline.doc import Doc
from pipeline.sentences import sentences_stage, split_sentences
from pipeline.tokens import USERDICT_FILE, get_tokenizer, segment, tokens_stage


def texts(text: str, max_quote: int = 200) -> list[str]:
    return [s.text for s in split_sentences(text, max_quote=max_quote)]


def run_chain(doc_id: str, original: str) -> Doc:
    doc = Doc(id=doc_id, original=original)
    for factory in (clean_stage, sentences_stage, tokens_stage):
        factory()(doc)
    return doc


# --------------------------------------------------------------------------------------------- splitting rules


def test_basic_ends_and_semicolons():
    assert texts("第一句。第二句！第三句？第四句；第五句!第六句?") == [
        "第一句。",
        "第二句！",
        "第三句？",
        "第四句；",
        "第五句!",
        "第六句?",
    ]
    assert texts("真的吗？！是的。") == ["真的吗？！", "是的。"]


def test_newline_splits_and_whitespace_is_trimmed():
    sentences = split_sentences("标题没有标点\n 第一句。 第二句\n")
    assert [s.text for s in sentences] == ["标题没有标点", "第一句。", "第二句"]
    text = "标题没有标点\n 第一句。 第二句\n"
    for s in sentences:
        assert text[s.start : s.end] == s.text and s.text == s.text.strip()


def test_closing_quote_stays_with_sentence():
    assert texts("“我们是团队协作。”李勇对记者说。") == ["“我们是团队协作。”", "李勇对记者说。"]
    assert texts("他说：“在义县驻村工作，我一点也不孤单。在脱贫攻坚战场上，我们是团队协作。”11月12日到村。") == [
        "他说：“在义县驻村工作，我一点也不孤单。在脱贫攻坚战场上，我们是团队协作。”",
        "11月12日到村。",
    ]
    assert texts("这何尝不是好事呢（笑）！下一句。") == ["这何尝不是好事呢（笑）！", "下一句。"]


def test_no_split_inside_short_quote_but_long_quote_splits():
    short = "她说：“不要急。慢慢来，日子会好起来的。”然后走了。"
    assert texts(short) == ["她说：“不要急。慢慢来，日子会好起来的。”", "然后走了。"]
    inner = "我们要把党建做实。" * 25  # 225 characters
    long_quote = f"书记说：“{inner}”大家鼓掌。"
    got = texts(long_quote)
    assert len(got) == 26 and got[-1] == "大家鼓掌。"
    assert texts(long_quote, max_quote=1000)[0].endswith("”")


def test_unbalanced_quote_does_not_block_splitting():
    assert texts("他说“第一句。第二句。") == ["他说“第一句。", "第二句。"]


def test_story_index():
    text = "前沿观察 GUANCHAO\n标题一\n本报记者 王云峰\n第一篇的正文。第二句。\n信息直通车 ZHITONGCHE\n标题二\n本报讯 第二篇的正文。"
    stories = split_stories(text)
    assert len(stories) == 2
    sentences = split_sentences(text, stories)
    assert sentences[-1].text == "本报讯 第二篇的正文。" and sentences[-1].story == 1
    assert [s.story for s in sentences if "第一篇" in s.text] == [0]


# --------------------------------------------------------------------------------------------- tokens


def test_tokenizer_is_private_and_uses_domain_dictionary():
    import jieba

    tokenizer = get_tokenizer()
    assert tokenizer is not jieba.dt and get_tokenizer() is tokenizer
    words = [t.text for t in segment("驻村第一书记和驻村扶贫工作队帮助建档立卡的贫困户，村两委壮大村集体经济。")]
    for word in ("驻村第一书记", "驻村扶贫工作队", "建档立卡", "贫困户", "村两委", "村集体经济"):
        assert word in words, (word, words)
    assert logging.getLogger("jieba").level >= logging.WARNING
    user_words = [line.split()[0] for line in USERDICT_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(user_words) >= 40 and len(set(user_words)) == len(user_words)


def test_tokens_with_pos_and_offsets():
    text = "党支部书记乔树峰介绍，抓党建促脱贫成效明显。"
    tokens = segment(text, offset=10, with_pos=True)
    assert "".join(t.text for t in tokens) == text
    assert all(text[t.start - 10 : t.end - 10] == t.text and t.pos for t in tokens)
    assert {t.text: t.pos for t in tokens}["抓党建促脱贫"] == "vn"


# --------------------------------------------------------------------------------------------- chain on real text


def test_registered_stage_contracts():
    assert core._REGISTRY["clean"].provides == {"text", "offsets", "stories"}
    assert core._REGISTRY["sentences"].requires == {"text", "stories"}
    assert core._REGISTRY["tokens"].requires == {"text", "sentences"}


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_seed_chain(prefix):
    need_shared(SEEDS)
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    doc = run_chain(path.stem, path.read_text(encoding="utf-8"))
    assert len(doc.sentences) > 20
    assert [s.index for s in doc.sentences] == list(range(len(doc.sentences)))
    for s in doc.sentences:
        assert doc.text[s.start : s.end] == s.text and s.text.strip() == s.text and "\n" not in s.text
        assert s.story is not None and doc.stories[s.story].start <= s.start < doc.stories[s.story].end
    assert all(a.end <= b.start for a, b in zip(doc.sentences, doc.sentences[1:], strict=False))
    for t in doc.tokens:
        assert doc.text[t.start : t.end] == t.text
    # a sentence maps back to the original text (whitespace aside)
    for s in doc.sentences[::7]:
        piece, _, _ = doc.original_slice(s.start, s.end)
        assert "".join(piece.split()) == "".join(s.text.split())


def test_seed_000_quote_sentences():
    need_shared(SEEDS)
    (path,) = SEEDS.glob("000_*.txt")
    doc = run_chain(path.stem, path.read_text(encoding="utf-8"))
    got = [s.text for s in doc.sentences]
    assert "“在义县驻村工作,我一点也不觉得孤单与无助。在脱贫攻坚战场上,我们是团队协作。”" in got
    assert "11月12日,李勇对记者说。" in got
    assert any(s.startswith("据六家子村党支部书记乔树峰介绍") for s in got)


def test_xwlb_transcripts_chain():
    records = xwlb_sample(50, every=997)
    assert len(records) == 50
    for record in records:
        doc = Doc(id=record["id"], original=record["text"])
        clean_stage()(doc)
        sentences_stage()(doc)
        assert "\r" not in doc.text and "\xa0" not in doc.text and "\u3000" not in doc.text
        assert doc.sentences
        for s in doc.sentences:
            o_start, o_end = doc.to_original(s.start, s.end)
            assert "".join(doc.original[o_start:o_end].split()) == "".join(s.text.split())
            assert len(s.text) < 2000
