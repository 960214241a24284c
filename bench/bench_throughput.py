"""Throughput of zhucun against its parts, on the same text.

usage: python bench/bench_throughput.py [N] [--repeat R] [--ner lac|jieba] [--corpus FILE.jsonl.gz]

Takes the first N stories (default 300) of the CCTV transcripts and measures, in one process:
zhucun in 'facts' and 'all' entity modes with 1 and 2 workers, plain ``jieba.lcut`` and the NER
backend alone (``tag``) on the same texts, and the peak RSS of this process and its children.
Prints a markdown table and the ratios facts/all and 2 workers/1 worker.

The four zhucun configurations run R times (default 3), interleaved (facts 1 worker, all 1 worker,
facts 2 workers, all 2 workers, then again), because the speed of a shared virtual machine drifts
by tens of percent within minutes. The table shows each configuration's fastest repetition; each
ratio is computed per repetition, from the two runs made next to each other, and the median of the
R ratios is the one reported.

zhucun's rate is characters over the processing phase (reading, all stages, writing parts),
after the models are loaded (in this process, or in every worker process before the first chunk)
and before the worker processes exit. Model loading is excluded from the wall seconds (reported as
"load s") but included in the CPU seconds, which also count the worker processes. "wall s incl. load"
is the whole run (model loading, processing, merging); the 2-workers/1-worker ratio is printed both
ways. The machine's 1-minute load average is printed per row.
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


CONFIGS = [("facts", 1), ("all", 1), ("facts", 2), ("all", 2)]


def label(entities: str, workers: int) -> str:
    return f"zhucun --entities {entities} --workers {workers}"


def rate(row: dict) -> float:
    return row["chars"] / row["seconds"]


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", nargs="?", type=int, default=300, help="number of stories")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of the zhucun runs (default 3)")
    parser.add_argument("--ner", default="lac", help="NER backend")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2

    load_before = os.getloadavg()[0]
    reps: list[dict[str, dict]] = []
    with tempfile.TemporaryDirectory(prefix="zhucun-bench-") as tmp:
        tmp_path = Path(tmp)
        corpus = tmp_path / "stories.jsonl"
        texts = first_stories(args.corpus, args.n, corpus)
        for rep in range(max(1, args.repeat)):
            runs = {}
            for entities, workers in CONFIGS:
                row = bench_zhucun(corpus, tmp_path / f"rep{rep}", args.ner, entities, workers)
                runs[row["what"]] = row
            reps.append(runs)
        baselines = [bench_jieba(texts), bench_ner(texts, args.ner)]

    fastest = [min((r[label(*c)] for r in reps), key=lambda row: row["seconds"]) for c in CONFIGS]
    self_mb, child_mb = peak_rss_mb()
    print(f"## zhucun throughput: first {args.n} stories of {args.corpus.name}, "
          f"{sum(map(len, texts)):,} characters, NER {args.ner}, {os.cpu_count()} CPUs, "
          f"load average {load_before:.2f} before the runs; zhucun rows: the fastest of {len(reps)} repetitions\n")
    print(markdown(fastest + baselines))
    print()

    def ratios(top: str, bottom: str) -> list[float]:
        return [rate(r[top]) / rate(r[bottom]) for r in reps]

    def line(name: str, values: list[float]) -> str:
        each = ", ".join(f"{v:.2f}" for v in values)
        return f"- {name}: {median(values):.2f} (median; repetitions: {each})"

    for workers in (1, 2):
        print(line(f"speed facts/all, {workers} worker(s)", ratios(label("facts", workers), label("all", workers))))
    for mode in ("facts", "all"):
        # only the first repetition loads the models in this process for 1 worker: compare whole runs there
        first = reps[0]
        with_load = first[label(mode, 1)]["total"] / first[label(mode, 2)]["total"]
        print(line(f"speed 2 workers/1 worker, --entities {mode}", ratios(label(mode, 2), label(mode, 1)))
              + f"; whole runs including model loading (first repetition): {with_load:.2f}")
    one_all = rate(fastest[1])
    jieba_row, ner_row = baselines
    print(f"- zhucun (all, 1 worker, fastest) is {rate(jieba_row) / one_all:.1f}x slower than jieba.lcut and "
          f"{rate(ner_row) / one_all:.1f}x slower than the NER backend alone")
    print(f"- peak RSS: this process {self_mb:,.0f} MB, largest worker process {child_mb:,.0f} MB")
    print(f"- cost per 10^6 characters (all, 1 worker, fastest): {1e6 / one_all:,.0f} s wall, "
          f"{fastest[1]['cpu'] / fastest[1]['chars'] * 1e6:,.0f} CPU s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
