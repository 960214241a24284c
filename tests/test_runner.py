"""The corpus runner: bad input, budgets, determinism, workers, resume after kill -9, Dask."""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
import signal
import subprocess
import sys
import time
from itertools import islice
from pathlib import Path

import pytest
from shared_data import REPO, XWLB
from shared_data import need_shared as _need_real_data

from pipeline.cli import main
from pipeline.runner import run
from pipeline.schema import TABLES

# synthetic articles (written for these tests, not taken from any corpus)
GOOD_A = (
    "2018年3月，省农业厅干部张建国被派到红旗县李家庄镇王家村担任第一书记。"
    "三年来，王家村村集体经济年收入由5000元增加到12万元，贫困户从86户减少到3户。"
)
GOOD_B = "记者近日走访了青山县石门乡。乡党委书记刘敏介绍，全乡今年新建合作社12个，带动农户增收300多万元。"
GOOD_C = "驻村工作队队长李红梅来自市财政局。她带领村民种植花椒，柳树村人均收入增加到1.2万元。"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def table_bytes(out: Path) -> dict[str, bytes]:
    return {table: (out / f"{table}.jsonl").read_bytes() for table in TABLES}


@pytest.fixture
def mixed_inputs(tmp_path: Path) -> list[str]:
    """A directory of good and bad files plus a JSONL file with good and bad records."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a_good.txt").write_text(GOOD_A, encoding="utf-8")
    (docs / "b_gbk.txt").write_bytes(GOOD_B.encode("gbk"))
    (docs / "c_utf16.txt").write_bytes(GOOD_C.encode("utf-16"))  # with BOM
    (docs / "d_empty.txt").write_bytes(b"")
    (docs / "e_binary.txt").write_bytes(bytes(range(256)) * 8)
    (docs / "f_english.txt").write_text("Only English text here, no Chinese at all.", encoding="utf-8")
    records = tmp_path / "records.jsonl"
    records.write_text(
        "\n".join([
            json.dumps({"id": "r1", "text": GOOD_B, "date": "2019-05-01"}, ensure_ascii=False),
            '{"id": "r2", "text": "未闭合',
            json.dumps({"id": "r3", "title": "没有正文"}, ensure_ascii=False),
            json.dumps({"id": "r4", "text": GOOD_C}, ensure_ascii=False),
        ]) + "\n",
        encoding="utf-8",
    )
    return [str(docs), str(records)]


GOOD_IDS = ["a_good", "b_gbk", "c_utf16", "r1", "r4"]
BAD = {  # article id -> words its error reason must contain
    "d_empty": "empty",
    "e_binary": "binary",
    "f_english": "no chinese",
    "records.jsonl:2": "malformed jsonl",
    "r3": "no text",
}


def _run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_bad_input_goes_to_errors_and_good_articles_are_processed(mixed_inputs, tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, _ = _run_cli(["run", *mixed_inputs, "--out", str(out), "--ner", "jieba", "--quiet"], capsys)
    assert code == 0
    assert re.search(r"processed 5 articles, 5 errors .* -> " + re.escape(str(out)), stdout)

    articles = read_jsonl(out / "articles.jsonl")
    assert [a["id"] for a in articles] == GOOD_IDS  # input order: directory (sorted), then the JSONL file
    encodings = {a["id"]: a["encoding"] for a in articles}
    assert encodings["b_gbk"] == "gb18030" and encodings["c_utf16"] == "utf-16"
    assert next(a for a in articles if a["id"] == "r1")["published"] == "2019-05-01"

    errors = {e["article_id"]: e for e in read_jsonl(out / "errors.jsonl")}
    assert set(errors) == set(BAD)
    for article_id, words in BAD.items():
        assert words in errors[article_id]["reason"].lower(), errors[article_id]
        assert errors[article_id]["stage"] == "read"
        assert errors[article_id]["source"]

    # every good article got its mentions, with offsets into its original text
    originals = {"a_good": GOOD_A, "b_gbk": GOOD_B, "c_utf16": GOOD_C, "r1": GOOD_B, "r4": GOOD_C}
    mentions = read_jsonl(out / "mentions.jsonl")
    assert {m["article_id"] for m in mentions} == set(GOOD_IDS)
    for m in mentions:
        assert originals[m["article_id"]][m["start"]:m["end"]] == m["text"]

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["articles"] == 5 and manifest["counts"]["errors"] == 5
    assert manifest["settings"]["ner"] == "jieba"
    graph_installed = importlib.util.find_spec("pipeline.graph") is not None
    assert manifest["graph"] == "built" if graph_installed else manifest["graph"].startswith("skipped")
    assert not (out / ".parts").exists()


def test_strict_gives_non_zero_exit_on_errors(mixed_inputs, tmp_path, capsys):
    code, stdout, err = _run_cli(
        ["run", *mixed_inputs, "--out", str(tmp_path / "out"), "--ner", "jieba", "--quiet", "--strict",
         "--no-graph"], capsys)
    assert code == 1
    assert "processed 5 articles" in stdout and "--strict" in err


def test_strict_exits_zero_without_errors(tmp_path, capsys):
    good = tmp_path / "good.txt"
    good.write_text(GOOD_A, encoding="utf-8")
    code, stdout, _ = _run_cli(
        ["run", str(good), "--out", str(tmp_path / "out"), "--ner", "jieba", "--quiet", "--strict", "--no-graph"],
        capsys)
    assert code == 0 and "processed 1 articles, 0 errors" in stdout


def test_two_runs_give_identical_bytes_and_parquet_has_every_column(mixed_inputs, tmp_path):
    import pyarrow.parquet as pq

    first = run(mixed_inputs, tmp_path / "one", ner="jieba", quiet=True, graph=False)
    second = run(mixed_inputs, tmp_path / "two", ner="jieba", quiet=True, graph=False)
    assert first.counts == second.counts
    assert table_bytes(tmp_path / "one") == table_bytes(tmp_path / "two")
    for table, model in TABLES.items():
        parquet = pq.read_table(tmp_path / "one" / f"{table}.parquet")
        assert parquet.column_names == list(model.model_fields)  # also for tables without rows
        assert parquet.num_rows == first.counts[table]
    # MentionRow.value is a number or an ISO date: both kept readable in the one text column
    values = pq.read_table(tmp_path / "one" / "mentions.parquet").column("value").to_pylist()
    assert "2018-03" in values
    assert any(v is not None and v.replace(".", "", 1).isdigit() for v in values)


def test_size_and_time_budgets_send_pathological_articles_to_errors(tmp_path):
    sentence = "村里新修了一条路，张三和李四在合作社里忙着分拣苹果，今年收入比去年多了两千元。"
    huge = sentence * (3_000_000 // len(sentence) + 1)  # 3 M characters
    slow = sentence * (1_500_000 // len(sentence))  # under max_chars, far over the time budget
    corpus = tmp_path / "budget.jsonl"
    corpus.write_text(
        "\n".join(json.dumps({"id": i, "text": t}, ensure_ascii=False)
                  for i, t in [("good1", GOOD_A), ("huge", huge), ("slow", slow), ("good2", GOOD_C)]) + "\n",
        encoding="utf-8",
    )
    t0 = time.perf_counter()
    summary = run([str(corpus)], tmp_path / "out", ner="jieba", quiet=True, graph=False,
                  max_chars=2_000_000, time_budget=4)
    assert time.perf_counter() - t0 < 60
    errors = {e["article_id"]: e for e in read_jsonl(tmp_path / "out" / "errors.jsonl")}
    assert set(errors) == {"huge", "slow"}
    assert errors["huge"]["stage"] == "budget" and "max_chars" in errors["huge"]["reason"]
    assert errors["slow"]["stage"] == "budget" and "time budget of 4 s exceeded" in errors["slow"]["reason"]
    # the pipeline still works after an article was interrupted
    assert [a["id"] for a in read_jsonl(tmp_path / "out" / "articles.jsonl")] == ["good1", "good2"]
    assert summary.articles == 2 and summary.failed == 2


def test_dask_engine_gives_the_tables_of_the_local_engine(mixed_inputs, tmp_path):
    distributed = pytest.importorskip("distributed", reason="dask[distributed] is an optional extra")
    run(mixed_inputs, tmp_path / "local", ner="jieba", quiet=True, graph=False, chunk_size=2)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        summary = run(mixed_inputs, tmp_path / "dask", ner="jieba", quiet=True, graph=False, chunk_size=2,
                      engine="dask", scheduler=cluster.scheduler_address)
    assert summary.articles == 5
    assert table_bytes(tmp_path / "dask") == table_bytes(tmp_path / "local")
    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["settings"]["engine"] == "dask"


def test_resume_refuses_a_run_with_other_settings(mixed_inputs, tmp_path, capsys):
    out = tmp_path / "out"
    parts = out / ".parts"
    parts.mkdir(parents=True)
    (parts / "run.json").write_text(json.dumps({"inputs": ["elsewhere"], "settings": {}}), encoding="utf-8")
    code, _, err = _run_cli(["run", *mixed_inputs, "--out", str(out), "--ner", "jieba", "--quiet", "--resume"],
                            capsys)
    assert code == 2 and "cannot resume" in err


# --- real corpus: 300 CCTV stories ---------------------------------------------------------------


@pytest.fixture(scope="module")
def xwlb300(tmp_path_factory) -> Path:
    _need_real_data(XWLB)
    path = tmp_path_factory.mktemp("xwlb") / "xwlb300.jsonl"
    with gzip.open(XWLB, "rb") as src, open(path, "wb") as dst:
        for line in islice(src, 300):
            dst.write(line)
    return path


@pytest.fixture(scope="module")
def reference_run(xwlb300, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reference")
    summary = run([str(xwlb300)], out, ner="jieba", quiet=True, graph=False, chunk_size=10)
    assert summary.articles + summary.failed == 300
    assert summary.articles > 250
    return out


def test_two_workers_give_the_tables_of_one_worker(xwlb300, reference_run, tmp_path):
    run([str(xwlb300)], tmp_path / "w2", ner="jieba", quiet=True, graph=False, chunk_size=10, workers=2)
    assert table_bytes(tmp_path / "w2") == table_bytes(reference_run)
    # loading the models, processing and the workers' exit are timed apart (the bench rates the processing)
    timings = json.loads((tmp_path / "w2" / "manifest.json").read_text(encoding="utf-8"))["timings"]
    assert {"load", "process", "shutdown", "merge", "total"} <= set(timings)
    assert timings["load"] + timings["process"] + timings["shutdown"] <= timings["total"]


def test_resume_after_kill_9_gives_the_tables_of_an_uninterrupted_run(xwlb300, reference_run, tmp_path, capsys):
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "pipeline.cli", "run", str(xwlb300), "--out", str(out), "--ner", "jieba",
           "--quiet", "--no-graph", "--chunk-size", "10"]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    try:
        while len(list((out / ".parts").glob("*.done.json"))) < 3:
            assert proc.poll() is None, f"run ended before it could be interrupted: {proc.stderr.read()!r}"
            assert time.monotonic() < deadline, "no checkpoint within 240 s"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    done_before = len(list((out / ".parts").glob("*.done.json")))
    assert 3 <= done_before < 30
    assert not (out / "articles.jsonl").exists()  # nothing final yet

    code, stdout, _ = _run_cli(cmd[3:] + ["--resume"], capsys)
    assert code == 0 and "processed" in stdout
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["articles"]["resumed_chunks"] >= 3
    assert table_bytes(out) == table_bytes(reference_run)


def test_dask_engine_without_dask_is_a_clear_error(mixed_inputs, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    code, _, err = _run_cli(["run", *mixed_inputs, "--out", str(tmp_path / "out"), "--ner", "jieba", "--quiet",
                             "--engine", "dask"], capsys)
    assert code == 2
    assert "dask" in err and "not installed" in err and "Traceback" not in err


def test_facts_mode_segments_only_where_it_runs_ner_and_keeps_the_facts():
    from pipeline.api import build_pipeline
    from pipeline.doc import RawArticle
    from pipeline.readers import make_doc
    from pipeline.results import doc_to_result

    def extract(text: str, mode: str):
        doc = make_doc(RawArticle(id="a", text=text), None)
        build_pipeline("jieba", mode)(doc)
        return doc, doc_to_result(doc).model_dump_json()

    # an article with fact cues (第一书记, 村集体): segmented and tagged in full, same rows as 'all' mode
    facts_doc, facts_rows = extract(GOOD_A, "facts")
    all_doc, all_rows = extract(GOOD_A, "all")
    assert facts_doc.tokens == all_doc.tokens and len(facts_doc.sentences) == 2
    assert {facts_doc.sentence_at(t.start).start for t in facts_doc.tokens} == {s.start for s in facts_doc.sentences}
    assert facts_rows == all_rows and '"postings":[{' in facts_rows
    # an article without any cue: no segmentation (and no NER) in 'facts' mode, full segmentation in 'all'
    plain = "记者近日走访了青山县石门乡。这里山清水秀，游客络绎不绝。"
    no_cue_doc, _ = extract(plain, "facts")
    assert no_cue_doc.tokens == [] and len(no_cue_doc.sentences) == 2
    assert extract(plain, "all")[0].tokens
    # no posting cue, but a role word (乡党委书记) and a change (增收300多万元): the NER reads those
    # sentences, so that the role and change rows are those of 'all' mode
    role_doc, role_rows = extract(GOOD_B, "facts")
    all_b = json.loads(extract(GOOD_B, "all")[1])
    facts_b = json.loads(role_rows)
    assert facts_b["roles"] == all_b["roles"] and facts_b["roles"][0]["person"] == "刘敏"
    assert facts_b["changes"] == all_b["changes"]


def test_facts_mode_ner_reads_role_sentences_and_change_sentences_that_may_name_their_subject():
    from pipeline.api import build_pipeline
    from pipeline.doc import RawArticle
    from pipeline.entities import amount_and_date_spans, sentences_for_ner
    from pipeline.places import find_places
    from pipeline.readers import make_doc

    text = (
        "前三季度，全国规模以上工业增加值同比增长6.1%，增速加快。"  # no place the NER could add: no NER
        "去年，昆山GDP增长7%，游客络绎不绝。"  # 昆山 may be the subject (the gazetteer leaves it to the NER)
        "镇党委书记王强说，明年还要加大投入。"  # a role word
        "记者看到，道路两旁的果树已经挂满了果实。"
    )
    doc = make_doc(RawArticle(id="a", text=text), None)
    build_pipeline("jieba", "facts")(doc)
    chosen = sentences_for_ner(doc, "facts", amount_and_date_spans(text, None), find_places(text))
    assert [doc.sentences[i].text for i in chosen] == ["去年，昆山GDP增长7%，游客络绎不绝。", "镇党委书记王强说，明年还要加大投入。"]
    assert sentences_for_ner(doc, "all") == list(range(len(doc.sentences)))
