"""Clean stage: whitespace, boilerplate, page-break repair, offsets invariant, stories."""

from __future__ import annotations

import gzip
import json
import random

import pytest
from shared_data import XWLB, need_shared, seed_text

from pipeline.clean import clean_text, is_break_duplicate, load_boilerplate, should_join, split_stories


def assert_offsets_invariant(original: str, cleaned: str, offsets: list[int]) -> None:
    """original[offsets[i]] == cleaned[i], except a cleaned space/newline stands for any original whitespace."""
    assert len(offsets) == len(cleaned) + 1
    for i, ch in enumerate(cleaned):
        source = original[offsets[i]]
        if ch in " \n":
            assert source.isspace(), (i, ch, source)
        else:
            assert source == ch, (i, ch, source)
    assert all(a < b for a, b in zip(offsets, offsets[1:], strict=False)), "offsets must increase strictly"
    assert offsets[-1] == (offsets[-2] + 1 if cleaned else 0)


def assert_clean_layout(cleaned: str) -> None:
    for bad in ("\r", "\xa0", "\u3000", "\t", "\n\n", "  "):
        assert bad not in cleaned, repr(bad)
    assert all(line == line.strip(" ") and line for line in cleaned.split("\n"))


# --------------------------------------------------------------------------------------------- synthetic


def test_whitespace_normalisation_and_map():
    original = "\u3000\u3000第一段文字。\r\n\r\n\xa0 第二段\t文字。\r第三段。"
    cleaned, offsets = clean_text(original)
    assert cleaned == "第一段文字。\n第二段 文字。\n第三段。"
    assert_offsets_invariant(original, cleaned, offsets)
    assert original[offsets[cleaned.index("第二段")] :].startswith("第二段")


def test_zero_width_and_empty():
    assert clean_text("") == ("", [0])
    assert clean_text(" \r\n \u3000") == ("", [0])
    original = "第一\u200b书记\ufeff。"
    cleaned, offsets = clean_text(original)
    assert cleaned == "第一书记。"
    assert_offsets_invariant(original, cleaned, offsets)


def test_page_break_joins_prose_but_keeps_headings_and_paragraphs():
    prose = "为加大脱贫攻坚力度,省和市先后选派了151个驻村扶贫工作队。为了解决驻"
    original = f"标题没有标点\n\n本报记者 王云峰\n\n{prose}\n\n村扶贫工作队在工作中遇到的问题。\n\n下一段。"
    cleaned, offsets = clean_text(original)
    assert cleaned.split("\n") == [
        "标题没有标点",
        "本报记者 王云峰",
        prose + "村扶贫工作队在工作中遇到的问题。",
        "下一段。",
    ]
    assert_offsets_invariant(original, cleaned, offsets)


def test_should_join_rules():
    long_prose = "驻村工作队员不管离家远近,要求必须吃住在村,决不允许走读。每天在手机上签到,实时"
    assert should_join(long_prose, "记录上传工作日志。")
    assert not should_join(long_prose + "。", "下一段。")  # sentence end: a real paragraph break
    assert not should_join("创新成立驻村扶贫工作三级组织管理体系", "在这一组织框架下,县委书记挂帅。")  # heading
    assert not should_join(long_prose, "丁鹤镇驻京流动党员党支部成立仪式。资料图")  # caption in between
    assert not should_join(long_prose, "村第一书记龚鑫(右)向村民了解村情。")
    assert not should_join(long_prose, "本报讯 为破解考核工作针对性不强的问题,丹东市探索。")
    assert not should_join(long_prose, "信息直通车 ZHITONGCHE")


def test_doubled_character_across_break():
    assert is_break_duplicate("据六家子村党支部书记", "记乔树峰介绍")
    # real reduplications and names survive
    for left, right in [
        ("他连声说谢", "谢大家的支持"),
        ("村民们天", "天都来"),
        ("人", "人争当标兵"),
        ("房家村党支部书记富", "富民和村委会主任"),
    ]:
        assert not is_break_duplicate(left, right), (left, right)
    assert not is_break_duplicate("大家一起研究", "究竟怎么办")  # 究竟 is a word: leave it
    prose = "六家子村的小麦面粉加工厂是六家子村党支部利用扶贫资金兴建的,今年8月竣工投产。据六家子村党支部书记"
    cleaned, offsets = clean_text(prose + "\n\n记乔树峰介绍,该村以小麦加工厂为依托。")
    assert "党支部书记乔树峰介绍" in cleaned
    assert_offsets_invariant(prose + "\n\n记乔树峰介绍,该村以小麦加工厂为依托。", cleaned, offsets)


def test_boilerplate_patterns_are_data_and_spare_body_text():
    patterns = load_boilerplate()
    assert len(patterns) >= 10
    body = "村里办理了食品经营许可证后,合作社的销量翻了一番,这是驻村第一书记跑了三个月的成果,村民们都说他的版权意识和法律意识很强,举报电话也公开在村务栏里。"
    original = f"{body}\n打印 | 收藏 | 发给好友 【字号 大 中 小】 |\n网络出版服务许可证 (署)网出证(闽)字第018号"
    cleaned, _ = clean_text(original)
    assert cleaned == body


def test_cctv_prefix_and_editor_tail():
    original = (
        "中国网络电视台消息(新闻联播)：本台消息，第一书记座谈会今天召开。\r\n    (视频编辑：张贝龙 文字编辑：温凤浩)"
    )
    cleaned, offsets = clean_text(original)
    assert cleaned == "本台消息，第一书记座谈会今天召开。"
    assert_offsets_invariant(original, cleaned, offsets)


# --------------------------------------------------------------------------------------------- seeds


def test_seed_000_page_breaks_repaired():
    cleaned, _ = clean_text(seed_text("000"))
    assert "驻村扶贫工作队在工作中" in cleaned
    assert "党支部书记乔树峰" in cleaned and "书记记" not in cleaned
    assert "派驻干部积极" in cleaned
    assert "帮助制定和落实帮扶计划" in cleaned
    assert "种植项目。他们一起选址" in cleaned
    assert "“火眼金睛”" in cleaned
    assert "驻村工作队队的领导" in cleaned  # a doubled char in the body (no break) is the author's, kept
    assert "\n王平\n" in cleaned  # heading and byline lines stay lines


def test_seed_004_breaks_captions_and_names():
    cleaned, _ = clean_text(seed_text("004"))
    assert "闫胜才的女儿" in cleaned
    assert "\n丁鹤镇、孔镇镇驻京流动党员党支部成立仪式。资料图\n" in cleaned  # caption kept apart
    assert "富富民" in cleaned
    assert "投稿邮箱" not in cleaned


def test_seed_002_footer_removed():
    original = seed_text("002")
    cleaned, _ = clean_text(original)
    for gone in ("许可证", "举报电话", "举报邮箱", "版权", "打印 | 收藏", "相关阅读", "责任编辑", "网出证"):
        assert gone in original and gone not in cleaned, gone
    assert cleaned.endswith("必将夺取疫情防控和经济社会发展双胜利!")
    assert cleaned.startswith("福建省持续选派党员干部驻村任职:把初心镌刻在脱贫一线\n东南网7月27日讯")


def test_seed_001_header_fields_removed_byline_kept():
    cleaned, _ = clean_text(seed_text("001"))
    assert cleaned.split("\n")[1] == "作者:王刚"
    assert "点击率" not in cleaned and "发布时间" not in cleaned


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_seed_offsets_invariant(prefix):
    original = seed_text(prefix)
    cleaned, offsets = clean_text(original)
    assert_offsets_invariant(original, cleaned, offsets)
    assert_clean_layout(cleaned)
    rng = random.Random(prefix)
    for _ in range(50):  # random spans map back to the same text (up to whitespace)
        start = rng.randrange(len(cleaned))
        end = min(len(cleaned), start + rng.randrange(1, 40))
        o_start, o_end = offsets[start], offsets[end - 1] + 1
        span = cleaned[start:end]
        if "\n" not in span:  # no page break inside: the original slice is the same text
            assert "".join(original[o_start:o_end].split()) == "".join(span.split())


def test_seed_000_stories():
    text, _ = clean_text(seed_text("000"))
    stories = split_stories(text)
    assert len(stories) >= 5
    assert [s.index for s in stories] == list(range(len(stories)))
    assert stories[0].start == 0 and stories[-1].end == len(text)
    assert all(a.end == b.start for a, b in zip(stories, stories[1:], strict=False))
    bylines = [s.byline for s in stories]
    assert bylines[:3] == ["王云峰", "曲宏", "王平"]
    assert stories[0].title.startswith("义县成立驻村扶贫工作党工委")
    assert stories[1].title.endswith("第一书记成驻村乡亲主心骨")
    assert text[stories[1].start :].startswith("走近贫困户")
    assert any(s.title == "朝阳确定67个“党建+”特色品牌" and s.byline == "曲宏" for s in stories)
    # sub-headings inside a story do not start stories
    assert not any(s.title == "创新成立驻村扶贫工作三级组织管理体系" for s in stories)


def test_seed_004_stories():
    text, _ = clean_text(seed_text("004"))
    stories = split_stories(text)
    assert len(stories) == 3
    assert (stories[0].title, stories[0].byline) == ("不获全胜 决不收兵", "卢西朋")
    assert stories[1].title == "高明县牛栏江镇 “党建+河长制” 护卫绿水青山"
    assert stories[2].byline == "贾鹏 魏雪莹 杨志华 刘振远"
    assert text[stories[2].start :].startswith("党建视窗")


@pytest.mark.parametrize("prefix", ["001", "002", "003"])
def test_web_articles_are_one_story(prefix):
    text, _ = clean_text(seed_text(prefix))
    stories = split_stories(text)
    assert len(stories) == 1 and (stories[0].start, stories[0].end) == (0, len(text))


# --------------------------------------------------------------------------------------------- transcripts


def xwlb_records(n: int) -> list[dict]:
    records = []
    with gzip.open(need_shared(XWLB), "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if "\r\n" in record["text"] or "\xa0" in record["text"] or len(records) < n // 2:
                records.append(record)
            if len(records) == n:
                break
    return records


def test_xwlb_offsets_and_whitespace():
    records = xwlb_records(50)
    assert len(records) == 50
    for record in records:
        cleaned, offsets = clean_text(record["text"])
        assert_offsets_invariant(record["text"], cleaned, offsets)
        assert_clean_layout(cleaned)
        assert "视频编辑" not in cleaned and "(新闻联播)：" not in cleaned
        assert cleaned
