"""Input stage: file/JSONL/CSV readers, encodings, bad input, dates."""

from __future__ import annotations

import gzip
import json

import pytest
from shared_data import SEEDS, SHARED, need_shared
from shared_data import SEEDS_META as META

from pipeline.readers import header_date, iter_articles, load_meta, make_doc, parse_date

BODY = "驻村第一书记李勇带领村民发展百香果种植，村集体经济年收入由8000元增加到13万元。"


# --------------------------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020-07-27", "2020-07-27"),
        ("2020-07-27 07:27:36", "2020-07-27"),
        ("2017年04月23日 星期日", "2017-04-23"),
        ("20190123", "2019-01-23"),
        ("2018/11/13 14:56:18", "2018-11-13"),
        ("2020-11", "2020-11"),
        ("2019", "2019"),
        ("2020年7月", "2020-07"),
        ("2019.3.5", "2019-03-05"),
        ("7月20日", None),
        ("", None),
        (None, None),
        ("不详", None),
        ("2019-02-30", None),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("永德县:党建扶贫\n作者:王刚 发布时间:2018/11/13 14:56:18 点击率:0\n近年来……", "2018-11-13"),
        ("标题\n2020-07-27 07:27:36 来源:东南网 责任编辑:林雯晶\n正文。", "2020-07-27"),
        ("标题\n时间：2019年3月5日 来源：县委组织部\n正文。", "2019-03-05"),
        ("“会霞嫂子……”7月20日一大早,第一书记铁星就来到村东头。", None),
        ("2017年年底,义县创造性地成立了驻村扶贫工作党工委。", None),
        ("2016年11月,韩堂村实现全面脱贫。", None),
        ("x" * 400 + "发布时间:2018/11/13", None),
    ],
)
def test_header_date(text, expected):
    assert header_date(text) == expected


def test_seed_dates_follow_record_meta_header_order():
    need_shared(SEEDS)
    meta = load_meta(need_shared(META))
    assert "003_ed907617238cded0" not in meta  # empty published = unknown
    docs = {d.id: d for d in (make_doc(raw, meta) for raw in iter_articles([SEEDS]))}
    assert list(docs) == sorted(docs)
    assert (docs["000_00dfa3e6713d8d2f"].published, docs["000_00dfa3e6713d8d2f"].date_source) == ("2020-11", "meta")
    assert (docs["004_5ec562939da445d0"].published, docs["004_5ec562939da445d0"].date_source) == ("2019", "meta")
    assert (docs["003_ed907617238cded0"].published, docs["003_ed907617238cded0"].date_source) == (None, "unknown")
    # without meta the printed header date is used, and only where one is printed
    bare = {d.id: d for d in (make_doc(raw, None) for raw in iter_articles([SEEDS]))}
    assert (bare["001_3d770bce4823e5b4"].published, bare["001_3d770bce4823e5b4"].date_source) == (
        "2018-11-13",
        "header",
    )
    assert (bare["002_cd77726d6dca0777"].published, bare["002_cd77726d6dca0777"].date_source) == (
        "2020-07-27",
        "header",
    )
    assert bare["003_ed907617238cded0"].date_source == "unknown"
    assert bare["000_00dfa3e6713d8d2f"].date_source == "unknown"
    assert bare["001_3d770bce4823e5b4"].title == "永德县:党建扶贫双向发力、同频共振"
    assert bare["004_5ec562939da445d0"].title == "不获全胜 决不收兵"  # the column label 第一书记 心语 is skipped
    assert bare["003_ed907617238cded0"].title is None  # starts with body text


def test_record_date_wins_over_meta(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"id": "x1", "text": BODY, "date": "2017年04月23日 星期日"}, ensure_ascii=False) + "\n")
    doc = make_doc(next(iter_articles([path])), {"x1": "2019"})
    assert (doc.published, doc.date_source) == ("2017-04-23", "record")
    path.write_text(json.dumps({"id": "x1", "text": BODY, "date": "不详"}, ensure_ascii=False) + "\n")
    doc = make_doc(next(iter_articles([path])), {"x1": "2019"})
    assert (doc.published, doc.date_source) == ("2019", "meta")


# --------------------------------------------------------------------------------------------- files


def test_seed_directory_reads_every_file_in_name_order():
    need_shared(SEEDS)
    articles = list(iter_articles([SEEDS]))
    assert [a.id for a in articles] == sorted(p.stem for p in SEEDS.glob("*.txt"))
    assert all(a.error is None and a.encoding == "utf-8" and "第一书记" in a.text for a in articles)


@pytest.mark.parametrize(
    ("encoding", "bom", "expected"),
    [
        ("gbk", b"", "gb18030"),
        ("gb18030", b"", "gb18030"),
        ("utf-8", b"", "utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
        ("utf-16-le", b"\xff\xfe", "utf-16"),
        ("utf-16-be", b"\xfe\xff", "utf-16"),
    ],
)
def test_encodings(tmp_path, encoding, bom, expected):
    path = tmp_path / "story.txt"
    path.write_bytes(bom + BODY.encode(encoding))
    (article,) = iter_articles([path])
    assert article.error is None
    assert article.encoding == expected
    assert article.text == BODY  # the BOM is not part of the text
    assert article.id == "story"


def test_bad_files_give_errors_and_good_files_still_come_through(tmp_path):
    (tmp_path / "a_good.txt").write_text(BODY, encoding="utf-8")
    (tmp_path / "b_empty.txt").write_bytes(b"")
    (tmp_path / "c_blank.txt").write_bytes(b"  \n\n ")
    (tmp_path / "d_binary.txt").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "e_english.txt").write_text("No Chinese here at all.\n", encoding="utf-8")
    (tmp_path / "f_gbk.txt").write_bytes(BODY.encode("gbk"))
    (tmp_path / "g_noise.txt").write_bytes(bytes([0x80 + (i * 37) % 127 for i in range(600)]))
    (tmp_path / "notes.md").write_text("ignored", encoding="utf-8")
    got = {a.id: a for a in iter_articles([tmp_path])}
    assert list(got) == ["a_good", "b_empty", "c_blank", "d_binary", "e_english", "f_gbk", "g_noise"]
    assert got["a_good"].error is None and got["a_good"].text == BODY
    assert got["f_gbk"].error is None and got["f_gbk"].text == BODY
    assert got["b_empty"].error == "empty file"
    assert got["c_blank"].error == "empty file"
    assert "binary" in got["d_binary"].error
    assert got["e_english"].error == "text has no Chinese characters"
    assert got["g_noise"].error and got["g_noise"].text is None
    assert all(a.source and a.source.startswith(str(tmp_path)) for a in got.values())


def test_unknown_type_and_missing_path(tmp_path):
    doc = tmp_path / "report.docx"
    doc.write_bytes(b"PK\x03\x04")
    missing = tmp_path / "nope.txt"
    a, b = iter_articles([doc, missing])
    assert a.id == "report.docx" and "unknown file type" in a.error
    assert b.id == "nope.txt" and "no such file" in b.error


def test_html_text_title_and_entities(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>驻村第一书记的一天</title><style>p{color:red}</style></head><body>"
        "<script>var x='不要';</script><div>第一段&nbsp;文字&lt;测试&gt;。</div><p>第二段。</p></body></html>",
        encoding="utf-8",
    )
    (article,) = iter_articles([path])
    assert article.error is None
    assert article.title == "驻村第一书记的一天"
    assert article.text == "第一段\xa0文字<测试>。\n\n第二段。"
    assert "不要" not in article.text and "color" not in article.text


# --------------------------------------------------------------------------------------------- records


def _jsonl_lines() -> list[str]:
    return [
        json.dumps(
            {"id": "r1", "text": BODY, "title": "标题一", "date": "2020-07-27", "url": "http://x/1"}, ensure_ascii=False
        ),
        "{this is not json",
        "",
        json.dumps({"id": "r3", "title": "no text"}, ensure_ascii=False),
        json.dumps({"id": "r4", "text": "   "}, ensure_ascii=False),
        json.dumps({"id": "r5", "text": "English only."}, ensure_ascii=False),
        json.dumps(["a", "list"]),
        json.dumps({"text": BODY}, ensure_ascii=False),
        json.dumps({"id": 7, "text": BODY, "date": "20190123"}, ensure_ascii=False),
    ]


def _check_jsonl(articles, name):
    assert [a.id for a in articles] == ["r1", f"{name}:2", "r3", "r4", "r5", f"{name}:7", f"{name}:8", "7"]
    by_id = {a.id: a for a in articles}
    good = [a for a in articles if a.error is None]
    assert [a.id for a in good] == ["r1", f"{name}:8", "7"]
    assert all(a.text == BODY for a in good)
    assert by_id["r1"].title == "标题一" and by_id["r1"].url == "http://x/1" and by_id["r1"].date == "2020-07-27"
    assert by_id[f"{name}:2"].error.startswith("malformed JSONL line")
    assert by_id["r3"].error == "record has no text"
    assert by_id["r4"].error == "empty text"
    assert by_id["r5"].error == "text has no Chinese characters"
    assert "not an object" in by_id[f"{name}:7"].error
    assert make_doc(by_id["7"]).published == "2019-01-23"


def test_jsonl_bad_lines_among_good(tmp_path):
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(_jsonl_lines()) + "\n", encoding="utf-8")
    _check_jsonl(list(iter_articles([path])), "batch.jsonl")


def test_jsonl_gz(tmp_path):
    path = tmp_path / "batch.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(_jsonl_lines()) + "\n")
    _check_jsonl(list(iter_articles([path])), "batch.jsonl.gz")


def test_jsonl_is_streamed(tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps({"id": "only", "text": BODY}, ensure_ascii=False) + "\n", encoding="utf-8")
    stream = iter_articles([path])
    first = next(stream)
    with path.open("a", encoding="utf-8") as handle:  # appended after the first record was read
        handle.write(json.dumps({"id": "late", "text": BODY}, ensure_ascii=False) + "\n")
    assert first.id == "only"
    assert [a.id for a in stream] == ["late"]


def test_empty_jsonl(tmp_path):
    path = tmp_path / "none.jsonl"
    path.write_text("\n\n", encoding="utf-8")
    (article,) = iter_articles([path])
    assert article.error == "empty file"


def test_csv(tmp_path):
    path = tmp_path / "rows.csv"
    text = f'id,title,date,url,text\nc1,标题,2020年7月,,"{BODY}"\nc2,,,,\nc3,,2019,,"多行\n正文，第一书记。"\n'
    path.write_text(text, encoding="utf-8")
    articles = list(iter_articles([path]))
    assert [a.id for a in articles] == ["c1", "c2", "c3"]
    assert articles[0].error is None and articles[0].text == BODY and articles[0].url is None
    assert make_doc(articles[0]).published == "2020-07"
    assert articles[1].error == "empty text"
    assert articles[2].error is None and articles[2].text == "多行\n正文，第一书记。"


def test_csv_gbk_and_missing_text_column(tmp_path):
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(f"id,text\ng1,{BODY}\n".encode("gbk"))
    (article,) = iter_articles([gbk])
    assert article.error is None and article.text == BODY and article.encoding == "gb18030"
    bad = tmp_path / "bad.csv"
    bad.write_text("id,body\nb1,第一书记\n", encoding="utf-8")
    (article,) = iter_articles([bad])
    assert "no 'text' column" in article.error


def test_real_jsonl_records_stream():
    path = need_shared(SHARED / "corpus" / "rmrb-2017-03.jsonl")
    articles = list(iter_articles([path]))
    assert len(articles) == 236
    assert sum(a.error is None for a in articles) >= 230
    doc = make_doc(articles[0])
    assert doc.date_source == "record" and doc.published and len(doc.published) == 10
