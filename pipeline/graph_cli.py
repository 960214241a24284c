"""Subcommands ``graph``, ``export``, ``query`` and ``sql`` (registered into ``zhucun`` by pipeline/cli.py).

    zhucun graph OUTDIR
    zhucun export OUTDIR --format graphml --format neo4j [--to DIR]
    zhucun query sent-to 漕厂村 [OUTDIR] [--json]
    zhucun sql "SELECT person, org FROM postings" [OUTDIR] [--json]

OUTDIR defaults to ``$ZHUCUN_RUN`` or ``./out``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

EXIT_OK, EXIT_NOT_FOUND, EXIT_USAGE = 0, 1, 2

QUERY_COLUMNS = {
    "sent-to": ["person", "role", "place_path", "org", "start", "article", "published"],
    "sent-by": ["person", "role", "place_path", "org_as_written", "start", "article", "published"],
    "changes": ["place_path", "metric", "before", "after", "delta", "unit", "before_time", "after_time", "article"],
    "postings": ["person", "role", "place_path", "org", "start", "article"],
    "roles": ["person", "title", "where", "start", "article"],
    "statistics": ["place_path", "metric", "value", "unit", "after_time", "article"],
    "places": ["name", "path", "n_articles"],
    "sent_by": ["org", "org_as_written", "start", "article"],
    "articles": ["article", "published", "title"],
    "path": ["from", "direction", "edge", "to", "article"],
    "candidates": ["id", "type", "name", "path", "n_articles", "first_published", "last_published"],
    "top orgs": ["name", "persons_sent", "n_articles", "first_published", "last_published", "id"],
    "top places": ["path", "postings", "changes", "n_articles", "id"],
    "top persons": ["name", "n_articles", "postings", "mentions", "first_published", "last_published", "id"],
}


def default_run() -> str:
    return os.environ.get("ZHUCUN_RUN", "out")


def run_tables_sql(out_dir: Path, sql: str):
    """Run DuckDB SQL over the run's tables (``TABLE.parquet``, else ``TABLE.jsonl``) and the graph tables
    (``nodes``, ``edges``, ``merges`` from ``OUTDIR/graph/``); returns a pandas DataFrame."""
    import duckdb

    con = duckdb.connect()
    try:
        for name, path in sorted(table_files(out_dir).items()):
            reader = "read_parquet" if path.suffix == ".parquet" else "read_json_auto"
            literal = str(path).replace("'", "''")
            con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM {reader}(\'{literal}\')')
        return con.execute(sql).fetchdf()
    finally:
        con.close()


def table_files(out_dir: Path) -> dict[str, Path]:
    """Table name -> file: every ``*.parquet`` (or a ``*.jsonl`` without one) in OUTDIR and OUTDIR/graph."""
    out: dict[str, Path] = {}
    for folder in (Path(out_dir), Path(out_dir) / "graph"):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.jsonl")):
            if path.stat().st_size > 0:
                out.setdefault(path.stem, path)
        for path in sorted(folder.glob("*.parquet")):
            out[path.stem] = path
    return out


# --------------------------------------------------------------------------- output


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def print_rows(rows: list[dict], columns: list[str] | None, title: str | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    columns = columns or (list(rows[0]) if rows else [])
    table = Table(title=title, show_lines=False)
    for col in columns:
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(*[_cell(r.get(c)) for c in columns])
    Console().print(table)
    if not rows:
        print("(no rows)")


def _print_json(data) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=1, default=str))


# --------------------------------------------------------------------------- commands


def _cmd_graph(args) -> int:
    from .graph import GRAPH_DIR, build_graph

    out = Path(args.outdir)
    graph = build_graph(out)
    stats = json.loads((out / GRAPH_DIR / "stats.json").read_text(encoding="utf-8"))
    if args.json:
        _print_json(stats)
    else:
        print(f"graph: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges -> {out / GRAPH_DIR}")
        for section in ("nodes_by_type", "edges_by_type", "decisions_by_rule"):
            print(f"{section}: " + ", ".join(f"{k} {v}" for k, v in stats[section].items()))
    return EXIT_OK


def _cmd_export(args) -> int:
    from .export import FORMATS, export
    from .graph import load

    requested = args.format or ["graphml"]
    formats = list(FORMATS) if "all" in requested else sorted(set(requested), key=FORMATS.index)
    graph, _ = load(args.outdir)
    target = Path(args.to) if args.to else Path(args.outdir) / "graph" / "export"
    for path in export(graph, target, formats):
        print(path)
    return EXIT_OK


def _cmd_query(args) -> int:
    from . import query as q
    from .graph import load

    graph, _ = load(args.outdir)
    try:
        if args.question == "sent-to":
            result = q.sent_to(graph, args.name)
        elif args.question == "sent-by":
            result = q.sent_by(graph, args.name)
        elif args.question == "changes":
            result = q.changes(graph, args.name)
        elif args.question == "place":
            result = q.place_profile(graph, args.name)
        elif args.question == "person":
            result = q.person_profile(graph, args.name)
        elif args.question == "path":
            result = q.path(graph, args.source, args.target)
        else:
            result = q.top(graph, args.kind, args.n)
    except q.Ambiguous as exc:
        if args.json:
            _print_json({"ambiguous": exc.query, "candidates": exc.candidates})
        else:
            print(f"{exc}:", file=sys.stderr)
            print_rows(exc.candidates, QUERY_COLUMNS["candidates"], title=f"candidates for {exc.query}")
        return EXIT_NOT_FOUND
    except q.NotFound as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_NOT_FOUND
    if args.json:
        _print_json(result)
    elif isinstance(result, dict):  # a profile: one header, then a table per section
        head_key = next(iter(result))
        print_rows([result[head_key]], None, title=head_key)
        for section, rows in list(result.items())[1:]:
            print_rows(rows, QUERY_COLUMNS.get(section), title=section)
    else:
        columns = QUERY_COLUMNS.get(args.question if args.question != "top" else f"top {args.kind}")
        print_rows(result, columns)
    return EXIT_OK


def _cmd_sql(args) -> int:
    import duckdb

    try:
        df = run_tables_sql(Path(args.outdir), args.sql)
    except duckdb.Error as exc:
        print(f"sql: {exc}", file=sys.stderr)
        return EXIT_USAGE
    rows = json.loads(df.to_json(orient="records", force_ascii=False, date_format="iso"))
    if args.json:
        _print_json(rows)
    else:
        print_rows(rows, [str(c) for c in df.columns])
    return EXIT_OK


def _add_outdir(p: argparse.ArgumentParser) -> None:
    p.add_argument("outdir", nargs="?", default=default_run(), metavar="OUTDIR",
                   help="run directory (default: $ZHUCUN_RUN or ./out)")


def register(subparsers) -> None:
    p = subparsers.add_parser("graph", help="build the knowledge graph of a run (OUTDIR/graph/)")
    p.add_argument("outdir", metavar="OUTDIR")
    p.add_argument("--json", action="store_true", help="print the statistics as JSON")
    p.set_defaults(func=_cmd_graph)

    p = subparsers.add_parser("export", help="export the knowledge graph (GraphML, GEXF, JSON, Neo4j, tables)")
    p.add_argument("outdir", metavar="OUTDIR")
    p.add_argument("--format", action="append", choices=["graphml", "gexf", "json", "neo4j", "parquet", "csv", "all"],
                   help="repeatable; default graphml")
    p.add_argument("--to", help="target directory (default OUTDIR/graph/export)")
    p.set_defaults(func=_cmd_export)

    p = subparsers.add_parser("query", help="ask the knowledge graph: sent-to, sent-by, place, person, changes, path, top")
    qs = p.add_subparsers(dest="question", required=True)
    for name, helptext in (("sent-to", "who was posted to a place (and the places under it), by whom, when"),
                           ("sent-by", "who a unit sent, where, when"),
                           ("place", "everything under a place through the hierarchy"),
                           ("person", "a person's postings, units, roles, changes at their places, articles"),
                           ("changes", "quantitative changes at a place and the places under it")):
        sp = qs.add_parser(name, help=helptext)
        sp.add_argument("name", help="name, part of a name, path tail or node id")
        _add_outdir(sp)
        sp.add_argument("--json", action="store_true")
    sp = qs.add_parser("path", help="the shortest chain of facts linking two entities")
    sp.add_argument("source")
    sp.add_argument("target")
    _add_outdir(sp)
    sp.add_argument("--json", action="store_true")
    sp = qs.add_parser("top", help="busiest orgs (people sent), places (postings) or persons (articles)")
    sp.add_argument("kind", choices=["orgs", "places", "persons"])
    _add_outdir(sp)
    sp.add_argument("-n", type=int, default=10)
    sp.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_query)

    p = subparsers.add_parser("sql", help="DuckDB SQL over the run's tables (named after their files)")
    p.add_argument("sql", metavar="SQL")
    _add_outdir(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_sql)
