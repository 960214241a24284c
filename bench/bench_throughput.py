"""Throughput of zhucun against its parts, on the same text.

usage: python bench/bench_throughput.py [N] [--ner lac|jieba] [--corpus FILE.jsonl.gz]

Takes the first N stories (default 300) of the CCTV transcripts and measures, in one process:
zhucun in 'facts' and 'all' entity modes with 1 and 2 workers, plain ``jieba.lcut`` and the NER
backend alone (``tag``) on the same texts, and the peak RSS of this process and its children.
Prints a markdown table and the ratios facts/all and 2 workers/1 worker.

zhucun's rate is characters over the processing phase (reading, all stages, writing parts),
after the models are loaded (in this process, or in every worker process before the first chunk).
Model loading is excluded from the wall seconds (reported as "load s") but included in the CPU
seconds, which also count the worker processes. "wall s incl. load" is the whole run (model loading,
processing, merging); the 2-workers/1-worker ratio is printed both ways. The machine's 1-minute load
average is printed per row: other processes competing for the CPUs lower the 2-worker rates most.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "xwlb-2012-2026.jsonl.gz"


def first_stories(corpus: Path, n: int, dest: Path) -> list[str]:
    texts = []
    with gzip.open(corpus, "rb") as src, open(dest, "wb") as dst:
        for line in islice(src, n):
            dst.write(line)
            texts.append(json.loads(line)["text"])
    return texts


def peak_rss_mb() -> tuple[float, float]:
    """Peak resident memory (MB) of this process and of its largest finished child."""
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return self_kb / 1024, children_kb / 1024


def cpu_seconds() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def bench_zhucun(corpus: Path, out_root: Path, ner: str, entities: str, workers: int) -> dict:
    from pipeline.runner import run

    cpu0 = cpu_seconds()
    summary = run([str(corpus)], out_root / f"{entities}-{workers}", ner=ner, entities=entities, workers=workers,
                  quiet=True, graph=False, parquet=False)
    manifest = json.loads((summary.out_dir / "manifest.json").read_text(encoding="utf-8"))
    seconds = manifest["timings"]["process"]
    return {
        "what": f"zhucun --entities {entities} --workers {workers}",
        "seconds": seconds,
        "chars": summary.chars,
        "cpu": cpu_seconds() - cpu0,
        "load": manifest["timings"]["load"],
        "total": manifest["timings"]["total"],
        "loadavg": os.getloadavg()[0],
        "errors": summary.errors,
    }


def bench_jieba(texts: list[str]) -> dict:
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    cpu0 = cpu_seconds()
    t0 = time.perf_counter()
    for text in texts:
        jieba.lcut(text)
    return {"what": "jieba.lcut", "seconds": time.perf_counter() - t0, "chars": sum(map(len, texts)),
            "cpu": cpu_seconds() - cpu0, "load": 0.0, "errors": 0}


def bench_ner(texts: list[str], ner: str) -> dict:
    from pipeline.ner.base import get_backend

    t0 = time.perf_counter()
    backend = get_backend(ner)
    backend.tag(texts[:1])
    load = time.perf_counter() - t0
    cpu0 = cpu_seconds()
    t0 = time.perf_counter()
    for i in range(0, len(texts), 64):
        backend.tag(texts[i:i + 64])
    return {"what": f"NER backend {ner} alone (tag)", "seconds": time.perf_counter() - t0,
            "chars": sum(map(len, texts)), "cpu": cpu_seconds() - cpu0, "load": load, "errors": 0}


def markdown(rows: list[dict]) -> str:
    lines = [
        "| what | chars | seconds | chars/s | CPU s | CPU s per 10^6 chars | wall s per 10^6 chars | load s "
        "| wall s incl. load | load avg (1 min) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        rate = r["chars"] / r["seconds"] if r["seconds"] else float("inf")
        per_m = 1e6 / rate if rate else float("inf")
        cpu_per_m = r["cpu"] / r["chars"] * 1e6 if r["chars"] else float("nan")
        lines.append(f"| {r['what']} | {r['chars']:,} | {r['seconds']:.2f} | {rate:,.0f} | {r['cpu']:.1f} | "
                     f"{cpu_per_m:.1f} | {per_m:.1f} | {r['load']:.1f} | {r.get('total', r['seconds'] + r['load']):.2f} "
                     f"| {r.get('loadavg', os.getloadavg()[0]):.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", nargs="?", type=int, default=300, help="number of stories")
    parser.add_argument("--ner", default="lac", help="NER backend")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="zhucun-bench-") as tmp:
        tmp_path = Path(tmp)
        corpus = tmp_path / "stories.jsonl"
        texts = first_stories(args.corpus, args.n, corpus)
        rows = [bench_zhucun(corpus, tmp_path, args.ner, mode, 1) for mode in ("facts", "all")]
        rows += [bench_zhucun(corpus, tmp_path, args.ner, mode, 2) for mode in ("facts", "all")]
        rows.append(bench_jieba(texts))
        rows.append(bench_ner(texts, args.ner))

    by = {r["what"]: r for r in rows}

    def rate(what: str) -> float:
        r = by[what]
        return r["chars"] / r["seconds"]

    self_mb, child_mb = peak_rss_mb()
    print(f"## zhucun throughput: first {args.n} stories of {args.corpus.name}, "
          f"{sum(map(len, texts)):,} characters, NER {args.ner}, {os.cpu_count()} CPUs, "
          f"load average {load_before:.2f} before the runs (other processes compete for the CPUs)\n")
    print(markdown(rows))
    print()
    for workers in (1, 2):
        facts = rate(f"zhucun --entities facts --workers {workers}")
        full = rate(f"zhucun --entities all --workers {workers}")
        print(f"- speed facts/all, {workers} worker(s): {facts / full:.2f}")
    for mode in ("facts", "all"):
        one = rate(f"zhucun --entities {mode} --workers 1")
        two = rate(f"zhucun --entities {mode} --workers 2")
        one_total = by[f"zhucun --entities {mode} --workers 1"]["total"]
        two_total = by[f"zhucun --entities {mode} --workers 2"]["total"]
        print(f"- speed 2 workers/1 worker, --entities {mode}: {two / one:.2f} "
              f"(including model loading: {one_total / two_total:.2f})")
    one_all = rate("zhucun --entities all --workers 1")
    print(f"- zhucun (all, 1 worker) is {rate('jieba.lcut') / one_all:.1f}x slower than jieba.lcut and "
          f"{rate(f'NER backend {args.ner} alone (tag)') / one_all:.1f}x slower than the NER backend alone")
    print(f"- peak RSS: this process {self_mb:,.0f} MB, largest worker process {child_mb:,.0f} MB")
    print(f"- cost per 10^6 characters (all, 1 worker): {1e6 / one_all:,.0f} s wall, "
          f"{by['zhucun --entities all --workers 1']['cpu'] / by['zhucun --entities all --workers 1']['chars'] * 1e6:,.0f}"
          " CPU s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
