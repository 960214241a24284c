"""The ``zhucun`` command line.

Subcommands defined here: run, extract, schema, eval, ner-bench. Other modules add
their own subcommand by exporting ``register(subparsers)`` (see ``PLUGIN_COMMANDS``);
the subparser they add must set ``func`` (``args -> int exit status``) with
``set_defaults``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import textwrap
from collections.abc import Callable

EXIT_OK = 0
EXIT_ERRORS = 1  # run --strict: rows in errors.jsonl; extract: a stage failed on the text
EXIT_UNAVAILABLE = 2  # bad usage, a backend or engine that is not available
EXIT_INTERRUPTED = 130

NER_CHOICES = ("lac", "jieba", "hanlp")

# subcommand -> module exporting register(subparsers); added by other modules, imported when present
PLUGIN_COMMANDS: dict[str, str] = {
    "graph": "pipeline.graph_cli",
    "export": "pipeline.export_cli",
    "query": "pipeline.query_cli",
    "sql": "pipeline.sql_cli",
    "report": "pipeline.report_cli",
}


class _Formatter(argparse.RawDescriptionHelpFormatter):
    pass


def _doc(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


# --- run ---------------------------------------------------------------------------------------


def _cmd_run(args) -> int:
    from .runner import run

    summary = run(
        args.inputs,
        args.out,
        meta=args.meta,
        ner=args.ner,
        entities=args.entities,
        workers=args.workers,
        resume=args.resume,
        strict=args.strict,
        quiet=args.quiet,
        graph=not args.no_graph,
        engine=args.engine,
        scheduler=args.scheduler,
        max_chars=args.max_chars,
        time_budget=args.time_budget,
        chunk_size=args.chunk_size,
    )
    print(summary.line())
    if not args.no_graph and summary.graph != "built":
        print(f"graph: {summary.graph}", file=sys.stderr)
    if args.strict and not summary.ok:
        print(f"--strict: {summary.errors} error rows in {summary.out_dir / 'errors.jsonl'}", file=sys.stderr)
        return EXIT_ERRORS
    return EXIT_OK


def _add_run(sub) -> None:
    from .runner import CHUNK_SIZE, DEFAULT_MAX_CHARS, DEFAULT_TIME_BUDGET

    p = sub.add_parser(
        "run",
        help="extract the fact tables from a corpus",
        formatter_class=_Formatter,
        description=_doc("""
            Read every article of INPUT (directories of .txt/.html, .txt/.html files, .jsonl/.jsonl.gz
            or .csv with id,text[,title,date,url]) and write, in --out:
              articles mentions postings roles changes statistics errors  (.jsonl and .parquet)
              manifest.json (versions, settings, counts, timings)
            Rows follow input order; the tables are byte-identical for the same input and settings,
            whatever --workers, --engine or --resume. A bad article becomes a row of errors.jsonl
            and the run goes on.
            """),
        epilog=_doc("""
            examples:
              zhucun run ../shared/corpus/seeds --meta ../shared/corpus/seeds.meta.csv --out outputs/seeds
              zhucun run news.jsonl.gz --out out --workers 2 --entities facts
              zhucun run news.jsonl.gz --out out --resume          # continue after Ctrl-C or a crash
              zhucun run news.jsonl --out out --engine dask --scheduler tcp://10.0.0.5:8786
            exit status: 0 done (even with error rows), 1 error rows with --strict,
                         2 unavailable backend/engine or bad options, 130 interrupted
            """),
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files or directories, read in the order given")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory")
    p.add_argument("--meta", metavar="FILE.csv", help="publication dates: a csv with columns id,published")
    p.add_argument("--ner", choices=NER_CHOICES, default="lac", help="NER backend (default: %(default)s)")
    p.add_argument("--entities", choices=("facts", "all"), default="all",
                   help="'facts': only the entities the fact tables need (faster); 'all': every mention "
                        "(default: %(default)s)")
    p.add_argument("--workers", type=int, default=1, metavar="N", help="worker processes (or Dask workers) (default: %(default)s)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run in --out")
    p.add_argument("--strict", action="store_true", help="exit with status 1 when errors.jsonl is not empty")
    p.add_argument("--quiet", action="store_true", help="no progress bar (also off when stderr is not a terminal)")
    p.add_argument("--no-graph", action="store_true", help="do not build the knowledge graph after the tables")
    p.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="'dask' runs the chunks on a Dask cluster (needs zhucun[dask]) (default: %(default)s)")
    p.add_argument("--scheduler", metavar="ADDR",
                   help="Dask scheduler address; without it --engine dask starts a local cluster of --workers")
    p.add_argument("--max-chars", type=int, default=DEFAULT_MAX_CHARS, metavar="N",
                   help="longer articles are not processed (row in errors.jsonl, stage 'budget') (default: %(default)s)")
    p.add_argument("--time-budget", type=float, default=DEFAULT_TIME_BUDGET, metavar="SECONDS",
                   help="per-article time limit; 0 for none (row in errors.jsonl, stage 'budget') "
                        "(default: %(default)s)")
    p.add_argument("--chunk-size", type=int, default=CHUNK_SIZE, metavar="N",
                   help="articles per checkpoint (a resumed run must use the same value; tables do not depend on it) "
                        "(default: %(default)s)")
    p.set_defaults(func=_cmd_run)


# --- extract -----------------------------------------------------------------------------------


def _cmd_extract(args) -> int:
    from .api import extract

    text = sys.stdin.read()
    if not text.strip():
        print("zhucun extract: no text on standard input", file=sys.stderr)
        return EXIT_UNAVAILABLE
    result = extract(text, args.published, article_id=args.id, title=args.title, ner=args.ner,
                     entities=args.entities)
    indent = None if args.compact else 2
    print(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=indent))
    return EXIT_OK


def _add_extract(sub) -> None:
    p = sub.add_parser(
        "extract",
        help="extract facts from one text on standard input, print JSON",
        formatter_class=_Formatter,
        description="Read one article from standard input and print its ExtractionResult as JSON "
                    "(article, mentions, postings, roles, changes, statistics, errors).",
        epilog=_doc("""
            examples:
              zhucun extract --published 2018-11-13 < article.txt
              echo '2017年，村集体经济收入由8000元增加到13万元。' | zhucun extract --ner jieba
            """),
    )
    p.add_argument("--published", metavar="DATE", help="publication date (anchors 今年, 去年 ...)")
    p.add_argument("--id", default="stdin", help="article id in the output")
    p.add_argument("--title", help="article title")
    p.add_argument("--ner", choices=NER_CHOICES, default="lac", help="NER backend (default: %(default)s)")
    p.add_argument("--entities", choices=("facts", "all"), default="all", help="entity mode, as in 'run' (default: %(default)s)")
    p.add_argument("--compact", action="store_true", help="one line of JSON")
    p.set_defaults(func=_cmd_extract)


# --- schema ------------------------------------------------------------------------------------


def _cmd_schema(args) -> int:
    from .schema import json_schemas

    schemas = json_schemas()
    if args.table is None:
        out = schemas
    elif args.table in schemas:
        out = schemas[args.table]
    else:
        print(f"zhucun schema: unknown table {args.table!r}; tables: {', '.join(schemas)}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return EXIT_OK


def _add_schema(sub) -> None:
    p = sub.add_parser(
        "schema",
        help="print the JSON Schema of the output tables",
        formatter_class=_Formatter,
        description="Print the JSON Schema of one output table, or of all tables and the manifest.",
        epilog="examples:\n  zhucun schema postings\n  zhucun schema > schemas.json",
    )
    p.add_argument("table", nargs="?", help="articles, mentions, postings, roles, changes, statistics, errors "
                                            "or manifest (default: all)")
    p.set_defaults(func=_cmd_schema)


# --- eval --------------------------------------------------------------------------------------


def _cmd_eval(args) -> int:
    from .evaluate import evaluate, format_report

    result = evaluate(args.gold, args.pred)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(format_report(result), end="")
    return EXIT_OK


def _add_eval(sub) -> None:
    from pathlib import Path

    p = sub.add_parser(
        "eval",
        help="score a run against gold facts",
        formatter_class=_Formatter,
        description="Score the tables of a run (postings, changes, persons, villages) against a gold file; "
                    "rules in the gold README.",
        epilog="example:\n  zhucun eval --gold ../shared/gold/seeds.gold.jsonl --pred outputs/seeds",
    )
    p.add_argument("--gold", required=True, type=Path, metavar="FILE", help="gold facts (.jsonl)")
    p.add_argument("--pred", required=True, type=Path, metavar="DIR", help="output directory of 'zhucun run'")
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    p.set_defaults(func=_cmd_eval)


# --- ner-bench ---------------------------------------------------------------------------------


def _cmd_ner_bench(args) -> int:
    from .nerbench import format_report, score

    result = score(args.file, backend=args.ner, align=not args.no_align, limit=args.limit)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(format_report(result), end="")
    return EXIT_OK


def _add_ner_bench(sub) -> None:
    from pathlib import Path

    p = sub.add_parser(
        "ner-bench",
        help="score an NER backend on a public NER test set",
        formatter_class=_Formatter,
        description="Exact-span precision/recall/F1 per type of a NER backend on a JSONL test set "
                    "(one sentence a line with character-offset entities).",
        epilog="example:\n  zhucun ner-bench ../shared/nerbench/people_daily/test.jsonl --ner lac --limit 2000",
    )
    p.add_argument("file", type=Path, metavar="FILE.jsonl", help="test set")
    p.add_argument("--ner", choices=NER_CHOICES, default="lac", help="NER backend (default: %(default)s)")
    p.add_argument("--no-align", action="store_true",
                   help="score the backend's raw spans, without aligning them to the test set's conventions")
    p.add_argument("--limit", type=int, metavar="N", help="only the first N sentences")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=_cmd_ner_bench)


# --- plugins -----------------------------------------------------------------------------------


def _unavailable(name: str, reason: str) -> Callable:
    def fail(args) -> int:
        print(f"zhucun {name}: unavailable: {reason}", file=sys.stderr)
        return EXIT_UNAVAILABLE

    return fail


def _add_plugins(sub) -> None:
    for name, module_name in PLUGIN_COMMANDS.items():
        try:
            module = importlib.import_module(module_name)
            register = module.register
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue  # that module is not part of this installation
            reason = f"{module_name} cannot be imported: {exc}"
        except Exception as exc:  # noqa: BLE001 - one broken subcommand must not break the others
            reason = f"{module_name} cannot be imported: {type(exc).__name__}: {exc}"
        else:
            register(sub)
            continue
        p = sub.add_parser(name, help=f"(unavailable: {reason})", add_help=True)
        p.set_defaults(func=_unavailable(name, reason))


BUILTIN_COMMANDS: dict[str, Callable] = {
    "run": _add_run,
    "extract": _add_extract,
    "schema": _add_schema,
    "eval": _add_eval,
    "ner-bench": _add_ner_bench,
}


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="zhucun",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Facts about village postings (驻村) and what changed there, from Chinese news reports "
                    "on party-building poverty work (抓党建促脱贫).",
        epilog=_doc("""
            examples:
              zhucun run ../shared/corpus/seeds --meta ../shared/corpus/seeds.meta.csv --out outputs/seeds
              zhucun eval --gold ../shared/gold/seeds.gold.jsonl --pred outputs/seeds
              zhucun extract --published 2019-03-05 < article.txt
              zhucun schema postings
            'zhucun COMMAND --help' describes each command.
            """),
    )
    parser.add_argument("--version", action="version", version=f"zhucun {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for add in BUILTIN_COMMANDS.values():
        add(sub)
    _add_plugins(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .core import PipelineConfigError, StageError
    from .ner.base import BackendUnavailable
    from .runner import RunError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (BackendUnavailable, RunError, PipelineConfigError, FileNotFoundError) as exc:
        print(f"zhucun {args.command}: {exc}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    except StageError as exc:
        if isinstance(exc.__cause__, BackendUnavailable):  # raised lazily, inside a stage
            print(f"zhucun {args.command}: {exc.__cause__}", file=sys.stderr)
            return EXIT_UNAVAILABLE
        print(f"zhucun {args.command}: stage {exc.stage!r} failed: {exc.reason}", file=sys.stderr)
        return EXIT_ERRORS
    except KeyboardInterrupt:
        hint = " (rerun with --resume to continue)" if args.command == "run" else ""
        print(f"zhucun {args.command}: interrupted{hint}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
