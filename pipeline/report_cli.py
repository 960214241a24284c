"""Subcommand ``report`` (registered into ``zhucun`` by pipeline/cli.py).

    zhucun report OUTDIR [--open] [--max-articles N]
"""

from __future__ import annotations

import sys
from pathlib import Path

EXIT_OK, EXIT_USAGE = 0, 2


def _cmd_report(args) -> int:
    from .report import build_report

    if args.max_articles < 0:
        print("zhucun report: --max-articles must be 0 or more", file=sys.stderr)
        return EXIT_USAGE
    out = Path(args.outdir)
    if not (out / "manifest.json").is_file():
        print(f"zhucun report: {out} is not a run directory (no manifest.json)", file=sys.stderr)
        return EXIT_USAGE
    path = build_report(out, max_articles=args.max_articles)
    print(path)
    if args.open:
        import webbrowser

        webbrowser.open(path.resolve().as_uri())
    return EXIT_OK


def register(subparsers) -> None:
    from .report import DEFAULT_MAX_ARTICLES

    p = subparsers.add_parser(
        "report",
        help="write OUTDIR/report.html: one offline HTML page to browse a run",
        description="Write OUTDIR/report.html, a self-contained page (no network): run summary, postings "
                    "(search, sort, filters), changes, an interactive graph, each article's text with entities "
                    "and evidence highlighted, and a province -> county -> village drill-down.",
    )
    p.add_argument("outdir", metavar="OUTDIR", help="run directory written by 'zhucun run'")
    p.add_argument("--open", action="store_true", help="open the report in the default browser")
    p.add_argument("--max-articles", type=int, default=DEFAULT_MAX_ARTICLES, metavar="N",
                   help="embed the text of at most N articles, those with the most facts (default: %(default)s)")
    p.set_defaults(func=_cmd_report)
