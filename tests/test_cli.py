"""The zhucun command line: help, schema, extract, eval, ner-bench, plugin subcommands, exit codes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import types

import pytest
from shared_data import REPO, SHARED
from shared_data import need_shared as _need

from pipeline import cli
from pipeline.cli import main
from pipeline.schema import TABLES

ARTICLE = (
    "2018年3月，省农业厅干部张建国被派到红旗县李家庄镇王家村担任第一书记。"
    "三年来，王家村村集体经济年收入由5000元增加到12万元。"
)


def zhucun(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=REPO, input=stdin, text=True,
                          capture_output=True, timeout=300)


@pytest.mark.parametrize("command", ["run", "extract", "schema", "eval", "ner-bench"])
def test_every_subcommand_has_help_with_examples(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert "example" in capsys.readouterr().out


def test_top_level_help_lists_the_subcommands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("run", "extract", "schema", "eval", "ner-bench"):
        assert command in out


def test_schema_prints_one_table_or_all(capsys):
    assert main(["schema", "postings"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert {"person", "village", "org", "evidence"} <= set(schema["properties"])
    assert main(["schema"]) == 0
    assert set(json.loads(capsys.readouterr().out)) == set(TABLES) | {"manifest"}
    assert main(["schema", "nonsense"]) == 2
    assert "unknown table" in capsys.readouterr().err


def test_extract_prints_the_extraction_result_of_stdin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(ARTICLE))
    assert main(["extract", "--ner", "jieba", "--published", "2019-05-01"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["article"]["published"] == "2019-05-01"
    assert result["article"]["n_chars"] == len(ARTICLE)
    assert result["mentions"], "no mentions in a text full of names, places and amounts"
    for m in result["mentions"]:
        assert ARTICLE[m["start"]:m["end"]] == m["text"]


def test_extract_rejects_empty_input(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("  \n"))
    assert main(["extract", "--ner", "jieba"]) == 2
    assert "no text" in capsys.readouterr().err


def test_unavailable_backend_exits_2_without_traceback(monkeypatch, capsys):
    from pipeline import api
    from pipeline.ner.base import BackendUnavailable

    def unavailable(*args, **kwargs):
        raise BackendUnavailable("backend 'x' needs package x, which is not installed")

    monkeypatch.setattr(api, "extract", unavailable)
    monkeypatch.setattr(sys, "stdin", io.StringIO(ARTICLE))
    assert main(["extract"]) == 2
    err = capsys.readouterr().err
    assert "not installed" in err and "Traceback" not in err


def test_hanlp_backend_without_hanlp_exits_2_with_a_message(tmp_path):
    try:
        import hanlp  # noqa: F401

        pytest.skip("hanlp is installed here; this test is about its absence")
    except ImportError:
        pass
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    proc = zhucun("run", str(article), "--out", str(tmp_path / "out"), "--ner", "hanlp", "--quiet", "--no-graph")
    assert proc.returncode == 2, proc.stderr
    assert "hanlp" in proc.stderr.lower() and "Traceback" not in proc.stderr


def test_console_run_prints_summary_and_exit_status(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    good = tmp_path / "good.txt"
    good.write_text(ARTICLE, encoding="utf-8")
    proc = zhucun("run", str(good), str(bad), "--out", str(tmp_path / "out"), "--ner", "jieba", "--no-graph")
    assert proc.returncode == 0, proc.stderr
    assert "processed 1 articles, 1 errors" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_eval_scores_a_run_directory(tmp_path, capsys):
    gold = SHARED / "gold" / "seeds.gold.jsonl"
    _need(gold)
    pred = tmp_path / "pred"
    pred.mkdir()
    # a run that found nothing: every gold fact is a miss
    for table in TABLES:
        (pred / f"{table}.jsonl").write_text("", encoding="utf-8")
    assert main(["eval", "--gold", str(gold), "--pred", str(pred), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n_articles"] == 5
    assert result["postings"]["tp"] == 0 and result["postings"]["fn"] > 0
    assert main(["eval", "--gold", str(gold), "--pred", str(pred)]) == 0
    assert "postings" in capsys.readouterr().out


def test_ner_bench_scores_a_test_set(capsys):
    test_set = SHARED / "nerbench" / "people_daily" / "test.jsonl"
    _need(test_set)
    assert main(["ner-bench", str(test_set), "--ner", "jieba", "--limit", "50", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert json.dumps(result)  # a JSON object with scores
    text = json.dumps(result)
    assert "f1" in text.lower()


def test_plugin_subcommands_are_registered_or_reported(monkeypatch, capsys):
    plugin = types.ModuleType("zhucun_test_plugin")

    def register(subparsers):
        p = subparsers.add_parser("graph", help="test plugin")
        p.add_argument("--answer", type=int, default=42)
        p.set_defaults(func=lambda args: 0 if args.answer == 42 else 3)

    plugin.register = register
    monkeypatch.setitem(sys.modules, "zhucun_test_plugin", plugin)
    broken = types.ModuleType("zhucun_broken_plugin")  # has no register(): a broken plugin
    monkeypatch.setitem(sys.modules, "zhucun_broken_plugin", broken)
    monkeypatch.setattr(cli, "PLUGIN_COMMANDS", {
        "graph": "zhucun_test_plugin",
        "export": "zhucun_absent_plugin_module",
        "query": "zhucun_broken_plugin",
    })
    assert main(["graph"]) == 0
    assert main(["graph", "--answer", "1"]) == 3
    assert main(["query"]) == 2
    assert "unavailable" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["export"])  # an absent module adds no subcommand
