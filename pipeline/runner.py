"""Run the pipeline over a corpus: streaming, parallel, resumable, deterministic.

Articles are read in input order and grouped into chunks of ``CHUNK_SIZE``. A
chunk is processed by one worker (this process, a worker process, or a Dask
worker), which returns the serialised rows of every table; this process writes
them as part files plus a checkpoint (see :mod:`pipeline.outputs`). Because
every chunk has a fixed index and rows inside a chunk follow input order, the
final tables are byte-identical whatever the number of workers, the engine, or
how often the run was interrupted and resumed.

Per-article budgets: an article longer than ``max_chars`` is not processed; an
article whose processing takes longer than ``time_budget`` seconds is stopped by
an alarm (``SIGALRM`` when the worker runs it in its main thread, as process
pool workers and ``--workers 1`` do; an asynchronous exception injected by a
timer thread otherwise, e.g. on Dask thread workers). Both go to errors.jsonl
with stage ``budget`` and the run goes on. An alarm interrupts Python code and
regular expressions; a single call into native code that never returns to
Python (one LAC batch) is only stopped when it returns.
"""

from __future__ import annotations

import ctypes
import dataclasses
import importlib
import importlib.metadata
import json
import os
import platform
import re
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import __version__, outputs
from .schema import TABLES, ErrorRow, Manifest

CHUNK_SIZE = 64
DEFAULT_MAX_CHARS = 2_000_000
DEFAULT_TIME_BUDGET = 120.0
BUDGET_STAGE = "budget"
READ_STAGE = "read"
PACKAGES = ("zhucun", "LAC", "paddlepaddle", "jieba", "jionlp", "pydantic", "pyarrow", "networkx", "rich", "dask",
            "distributed", "hanlp")


class RunError(RuntimeError):
    """The run cannot start or continue (bad options, resume of a different run, missing engine)."""


@dataclass(frozen=True)
class RunSettings:
    """Everything that decides the content of the tables (checked when resuming)."""

    ner: str = "lac"
    entities: str = "all"
    meta: str | None = None
    max_chars: int = DEFAULT_MAX_CHARS
    time_budget: float | None = DEFAULT_TIME_BUDGET
    chunk_size: int = CHUNK_SIZE


@dataclass
class RunSummary:
    out_dir: Path
    articles: int = 0  # articles with a row in articles.jsonl
    failed: int = 0  # articles (or unreadable records) with no row in articles.jsonl
    errors: int = 0  # rows in errors.jsonl
    chars: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    resumed_chunks: int = 0
    graph: str = ""

    @property
    def ok(self) -> bool:
        return self.errors == 0 and not self.graph.startswith("failed")

    def line(self) -> str:
        c = self.counts
        return (
            f"processed {self.articles} articles, {self.errors} errors ({self.failed} articles failed), "
            f"{c.get('mentions', 0)} mentions, {c.get('postings', 0)} postings, {c.get('roles', 0)} roles, "
            f"{c.get('changes', 0)} changes, {c.get('statistics', 0)} statistics in {self.seconds:.1f} s "
            f"-> {self.out_dir}"
        )


# --- per-article time budget -------------------------------------------------------------------


class ArticleTimeout(BaseException):
    """Raised inside a stage when the article's time budget is spent.

    A BaseException so that a stage's ``except Exception`` cannot swallow it.
    """


@contextmanager
def time_limit(seconds: float | None):
    """Raise :class:`ArticleTimeout` in this thread if the block runs longer than ``seconds``."""
    if not seconds or seconds <= 0:
        yield
        return
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        with _alarm(seconds):
            yield
    else:
        with _async_timeout(seconds):
            yield


@contextmanager
def _alarm(seconds: float):
    state = {"active": True}

    def on_alarm(signum, frame):
        if state["active"]:
            raise ArticleTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    # and again every second after: a handler that runs where C code clears the exception must not
    # leave the article without a limit
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        state["active"] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def _async_timeout(seconds: float):
    thread_id = threading.get_ident()
    lock = threading.Lock()
    state = {"active": True, "fired": False}

    def fire():
        with lock:
            if state["active"]:
                state["fired"] = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(ArticleTimeout))

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            state["active"] = False
            timer.cancel()
            if state["fired"]:  # clear an exception that was injected but not yet raised
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), None)


# --- worker side -------------------------------------------------------------------------------

_WORKER_LOCK = threading.Lock()  # Dask thread workers share one pipeline per process
_META_CACHE: dict[str | None, Any] = {}


def _worker_meta(path: str | None):
    if path not in _META_CACHE:
        from .readers import load_meta

        _META_CACHE[path] = load_meta(Path(path)) if path else None
    return _META_CACHE[path]


def _worker_pipeline(settings: RunSettings):
    from .api import build_pipeline

    return build_pipeline(settings.ner, settings.entities)


# a synthetic article that goes through every stage once, so that resources stages load lazily
# are loaded before the first real article (and never count against its time budget)
WARM_UP_TEXT = (
    "2018年3月，省农业厅干部张建国被派到红旗县李家庄镇王家村担任第一书记。"
    "三年来，王家村村集体经济年收入由5000元增加到12万元，贫困户从86户减少到3户。"
)


def warm_up(settings: RunSettings) -> int:
    """Load models and lazily loaded resources before the first article; return the process id."""
    from .doc import RawArticle
    from .readers import make_doc

    pipeline = _worker_pipeline(settings)
    _worker_meta(settings.meta)
    with _WORKER_LOCK:
        if not getattr(pipeline, "_zhucun_warm", False):
            pipeline._zhucun_warm = True
            try:
                pipeline(make_doc(RawArticle(id="warm-up", text=WARM_UP_TEXT), None))
            except Exception:  # noqa: BLE001, S110 - a stage bug shows up (per article) on the real articles
                pass
    return os.getpid()


def _init_worker(settings: RunSettings) -> None:
    """Initializer of a worker process: load the models; at exit, skip the interpreter's teardown.

    Freeing the gazetteer's and the models' millions of objects took a worker about a second at
    shutdown. A worker holds nothing to save by then: it has sent every result (synchronously) to the
    main process, which writes all files.
    """
    import atexit

    atexit.register(_exit_now)
    warm_up(settings)


def _exit_now() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _ready(settings: RunSettings, hold: float = 0.2) -> int:
    # hold the worker, so that the other _ready tasks go to the other workers (or wait for them to load)
    time.sleep(hold)
    return warm_up(settings)


def _running_stage(pipeline, doc) -> str:
    """The first stage whose outputs the doc does not hold yet: the one that was interrupted."""
    from .core import registered_stages

    registry = registered_stages()
    done = doc.done if doc is not None else set()
    for name in pipeline.stage_names:
        if not registry[name].provides <= done:
            return name
    return "results"


def _error_line(article_id: str, stage: str, reason: str, source: str | None) -> str:
    return outputs.row_line(ErrorRow(article_id=article_id, stage=stage, reason=reason, source=source))


SURROGATE = re.compile("[\ud800-\udfff]")
RAW_LABELS = ("id", "title", "date", "url", "encoding", "source", "error")


def writable(value: str | None) -> str | None:
    """``value`` with unpaired surrogates (invalid JSON strings, file names with undecodable bytes)
    spelled as ASCII escapes (``\\udcff``), so that every row can be written as UTF-8 and Parquet."""
    if value is None or not SURROGATE.search(value):
        return value
    return value.encode("utf-8", "backslashreplace").decode("utf-8")


def _writable_labels(raw):
    """The article with writable id, title, source, ... (its text is checked, never changed)."""
    changed = {name: writable(getattr(raw, name)) for name in RAW_LABELS}
    if all(changed[name] is getattr(raw, name) for name in RAW_LABELS):
        return raw
    return dataclasses.replace(raw, **changed)


def invalid_unicode(text: str) -> str | None:
    """Why ``text`` is not valid Unicode (it holds an unpaired surrogate), or None."""
    m = SURROGATE.search(text)
    if m is None:
        return None
    return (f"invalid Unicode: unpaired surrogate U+{ord(m.group(0)):04X} at character {m.start():,} "
            "(the text cannot be written as UTF-8)")


def process_article(raw, settings: RunSettings, pipeline, meta) -> tuple[dict[str, list[str]], bool]:
    """Rows of one article (serialised) and whether it was processed."""
    from .core import StageError
    from .ner.base import BackendUnavailable
    from .readers import make_doc
    from .results import doc_to_result

    lines: dict[str, list[str]] = {}
    raw = _writable_labels(raw)
    source = raw.source

    def fail(stage: str, reason: str):
        return {"errors": [_error_line(raw.id, stage, reason, source)]}, False

    if raw.error:
        return fail(READ_STAGE, raw.error)
    text = raw.text or ""  # the reader has already rejected missing text and text without Chinese
    bad_unicode = invalid_unicode(text)
    if bad_unicode:
        return fail(READ_STAGE, bad_unicode)
    if len(text) > settings.max_chars:
        return fail(BUDGET_STAGE, f"article has {len(text):,} characters, more than max_chars={settings.max_chars:,}")
    doc = None
    try:
        with time_limit(settings.time_budget):
            doc = make_doc(raw, meta)
            pipeline(doc)
            result = doc_to_result(doc)
    except ArticleTimeout:
        stage = _running_stage(pipeline, doc)
        return fail(BUDGET_STAGE, f"time budget of {settings.time_budget:g} s exceeded in stage {stage!r}")
    except StageError as exc:
        if isinstance(exc.__cause__, BackendUnavailable):  # not the article's fault: stop the run
            raise exc.__cause__ from None
        return fail(exc.stage, exc.reason)
    except Exception as exc:  # noqa: BLE001 - make_doc/doc_to_result failures are per-article too
        stage = "results" if doc is not None and doc.done else READ_STAGE
        return fail(stage, f"{type(exc).__name__}: {exc}")
    lines["articles"] = [outputs.row_line(result.article)]
    for table in TABLES:
        if table == "articles":
            continue
        rows = getattr(result, table)
        if rows:
            lines[table] = [outputs.row_line(r) for r in rows]
    return lines, True


def process_chunk(index: int, raws: list, settings: RunSettings) -> dict[str, Any]:
    """Process one chunk of articles; return its serialised rows and a checkpoint record."""
    warm_up(settings)
    with _WORKER_LOCK:
        pipeline = _worker_pipeline(settings)
        meta = _worker_meta(settings.meta)
        before = dict(pipeline.timings)
        lines: dict[str, list[str]] = {t: [] for t in TABLES}
        processed = failed = 0
        for raw in raws:
            article_lines, ok = process_article(raw, settings, pipeline, meta)
            processed += ok
            failed += not ok
            for table, rows in article_lines.items():
                lines[table].extend(rows)
        timings = {k: round(v - before.get(k, 0.0), 6) for k, v in pipeline.timings.items()}
    checkpoint = {
        "chunk": index,
        "n": len(raws),
        "first_id": writable(raws[0].id) if raws else None,
        "last_id": writable(raws[-1].id) if raws else None,
        "articles": processed,
        "failed": failed,
        "chars": sum(len(r.text or "") for r in raws),
        "rows": {t: len(v) for t, v in lines.items()},
        "timings": timings,
    }
    return {"lines": lines, "checkpoint": checkpoint}


# --- engines -----------------------------------------------------------------------------------


def _chunks(articles: Iterable, size: int) -> Iterator[tuple[int, list]]:
    batch: list = []
    index = 0
    for raw in articles:
        batch.append(raw)
        if len(batch) >= size:
            yield index, batch
            index += 1
            batch = []
    if batch:
        yield index, batch


def _ordered(submit: Callable, result_of: Callable, jobs: Iterable, max_in_flight: int) -> Iterator:
    """Submit jobs with at most ``max_in_flight`` pending; yield results in submission order."""
    pending: deque = deque()
    for job in jobs:
        pending.append(submit(job))
        while len(pending) >= max_in_flight:
            yield result_of(pending.popleft())
    while pending:
        yield result_of(pending.popleft())


def _pool_result(future) -> dict:
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool as exc:
        raise RunError(
            "a worker process died (killed, or out of memory); the chunks written so far are kept: "
            "rerun with --resume, with fewer --workers or a smaller --max-chars"
        ) from exc


class _LocalEngine:
    def __init__(self, settings: RunSettings, workers: int):
        self.settings = settings
        self.workers = max(1, workers)
        self.pool = None
        if self.workers > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self.pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(settings,),
            )
            self._wait_until_workers_are_ready()
        else:
            warm_up(settings)

    def _wait_until_workers_are_ready(self, max_wait: float = 300.0) -> None:
        """Start every worker and let it load its models, so that timings separate loading from work.

        A worker still loading (its initializer) cannot take a task; one that is ready can take several
        while it holds each for ``hold`` seconds. So the hold doubles until every worker has answered:
        then no worker is still loading models when the first chunk is sent.
        """
        seen: set[int] = set()
        hold = 0.2
        deadline = time.perf_counter() + max_wait
        while len(seen) < self.workers and time.perf_counter() < deadline:
            futures = [self.pool.submit(_ready, self.settings, hold) for _ in range(self.workers)]
            seen |= {_pool_result(f) for f in futures}
            hold = min(2 * hold, 5.0)

    def map(self, jobs: Iterable[tuple[int, list]]) -> Iterator[dict]:
        if self.pool is None:
            for index, raws in jobs:
                yield process_chunk(index, raws, self.settings)
            return
        yield from _ordered(
            lambda job: self.pool.submit(process_chunk, job[0], job[1], self.settings),
            _pool_result,
            jobs,
            2 * self.workers,
        )

    def close(self, cancel: bool = False):
        if self.pool is not None:
            self.pool.shutdown(wait=not cancel, cancel_futures=cancel)


class _DaskEngine:
    def __init__(self, settings: RunSettings, workers: int, scheduler):
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise RunError(
                "engine 'dask' needs dask.distributed, which is not installed: pip install 'zhucun[dask]'"
            ) from exc
        self.settings = settings
        self.cluster = None
        if scheduler is None:
            self.cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, dashboard_address=None)
            self.client = Client(self.cluster)
        elif isinstance(scheduler, Client):
            self.client = scheduler
        else:
            self.client = Client(scheduler)
        self.own_client = not isinstance(scheduler, Client)
        self.slots = max(1, sum(self.client.nthreads().values()))

    def map(self, jobs: Iterable[tuple[int, list]]) -> Iterator[dict]:
        yield from _ordered(
            lambda job: self.client.submit(process_chunk, job[0], job[1], self.settings, pure=False),
            lambda fut: fut.result(),
            jobs,
            2 * self.slots,
        )

    def close(self, cancel: bool = False):
        if self.own_client:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()


# --- progress ----------------------------------------------------------------------------------


class _Progress:
    """rich progress bar: articles, articles/s, characters/s, ETA (when the total is known)."""

    def __init__(self, enabled: bool, count_total: Callable[[], int] | None):
        self.enabled = enabled
        self.t0 = time.perf_counter()
        self.articles = 0
        self.chars = 0
        if not enabled:
            return
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self.bar = Progress(
            TextColumn("[bold]zhucun"),
            BarColumn(),
            TextColumn("{task.completed:,.0f}/{task.fields[total_text]} articles"),
            TextColumn("{task.fields[aps]:.1f} art/s"),
            TextColumn("{task.fields[cps]:,.0f} chars/s"),
            TimeRemainingColumn(),
            transient=False,
        )
        self.task = self.bar.add_task("run", total=None, total_text="?", aps=0.0, cps=0.0)
        self.bar.start()
        if count_total is not None:
            threading.Thread(target=self._count, args=(count_total,), daemon=True).start()

    def _count(self, count_total):
        try:
            total = count_total()
        except Exception:  # noqa: BLE001 - the ETA is a nicety; the run itself reports input errors
            return
        self.bar.update(self.task, total=total, total_text=f"{total:,}")

    def advance(self, articles: int, chars: int):
        self.articles += articles
        self.chars += chars
        if not self.enabled:
            return
        elapsed = max(time.perf_counter() - self.t0, 1e-9)
        self.bar.update(self.task, advance=articles, aps=self.articles / elapsed, cps=self.chars / elapsed)

    def close(self):
        if self.enabled:
            self.bar.stop()


# --- the run -----------------------------------------------------------------------------------


def _package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def _run_record(inputs: list[str], settings: RunSettings) -> dict[str, Any]:
    return {"inputs": inputs, "settings": asdict(settings)}


def _prepare_out_dir(out_dir: Path, record: dict[str, Any], resume: bool) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    run_file = outputs.parts_dir(out_dir) / outputs.RUN_FILE
    if resume and run_file.exists():
        previous = json.loads(run_file.read_text(encoding="utf-8"))
        if previous != record:
            raise RunError(
                f"cannot resume: {out_dir} holds a run with other inputs or settings "
                f"({json.dumps(previous, ensure_ascii=False)}); run without --resume or use another --out"
            )
        outputs.remove_stale_temp_files(out_dir)
        return
    outputs.reset_parts(out_dir)
    outputs.write_atomic(run_file, json.dumps(record, ensure_ascii=False, sort_keys=True))


def build_graph_if_available(out_dir: Path) -> str:
    """Call ``pipeline.graph.build_graph(out_dir)`` when that module exists; say what happened."""
    try:
        module = importlib.import_module("pipeline.graph")
    except ModuleNotFoundError as exc:
        if exc.name == "pipeline.graph":
            return "skipped (pipeline.graph is not installed)"
        return f"failed (pipeline.graph cannot be imported: {exc})"
    build = getattr(module, "build_graph", None)
    if build is None:
        return "skipped (pipeline.graph has no build_graph function)"
    try:
        build(out_dir)
    except Exception as exc:  # noqa: BLE001 - the tables are written; report the graph failure
        return f"failed ({type(exc).__name__}: {exc})"
    return "built"


def _counting(inputs: list[str]) -> Callable[[], int]:
    def count() -> int:
        from .readers import iter_articles

        return sum(1 for _ in iter_articles(inputs))

    return count


def run(
    inputs: Iterable[str | os.PathLike],
    out_dir: str | os.PathLike,
    *,
    meta: str | os.PathLike | None = None,
    ner: str = "lac",
    entities: str = "all",
    workers: int = 1,
    resume: bool = False,
    strict: bool = False,
    quiet: bool = False,
    graph: bool = True,
    engine: str = "local",
    scheduler=None,
    max_chars: int = DEFAULT_MAX_CHARS,
    time_budget: float | None = DEFAULT_TIME_BUDGET,
    chunk_size: int = CHUNK_SIZE,
    parquet: bool = True,
) -> RunSummary:
    """Extract every article of ``inputs`` into the tables of ``out_dir``; see the module docstring.

    ``strict`` does not change what is written; it is recorded so that callers (the CLI) can turn
    errors into a non-zero exit status via :attr:`RunSummary.ok`.
    """
    from .readers import iter_articles

    if entities not in ("facts", "all"):
        raise RunError(f"entities must be 'facts' or 'all', not {entities!r}")
    if engine not in ("local", "dask"):
        raise RunError(f"unknown engine {engine!r}; use 'local' or 'dask'")
    t_start = time.perf_counter()
    out = Path(out_dir)
    input_list = [str(p) for p in inputs]
    settings = RunSettings(
        ner=ner,
        entities=entities,
        meta=str(meta) if meta else None,
        max_chars=int(max_chars),
        time_budget=float(time_budget) if time_budget else None,
        chunk_size=int(chunk_size),
    )
    _prepare_out_dir(out, _run_record(input_list, settings), resume)
    done = outputs.completed_chunks(out) if resume else set()

    summary = RunSummary(out_dir=out)
    stage_time: dict[str, float] = {}
    n_chunks = 0

    def absorb(checkpoint: dict[str, Any]):
        summary.articles += checkpoint["articles"]
        summary.failed += checkpoint["failed"]
        summary.chars += checkpoint["chars"]
        for name, seconds in checkpoint["timings"].items():
            stage_time[name] = stage_time.get(name, 0.0) + seconds
        progress.advance(checkpoint["n"], checkpoint["chars"])

    def pending_chunks() -> Iterator[tuple[int, list]]:
        nonlocal n_chunks
        for index, raws in _chunks(iter_articles(input_list), settings.chunk_size):
            n_chunks = index + 1
            if index in done:
                checkpoint = outputs.read_checkpoint(out, index)
                if checkpoint["first_id"] != writable(raws[0].id) or checkpoint["n"] != len(raws):
                    raise RunError(f"cannot resume: chunk {index} of {out} was made from other input")
                summary.resumed_chunks += 1
                absorb(checkpoint)
                continue
            yield index, raws

    t_engine = time.perf_counter()
    eng = _DaskEngine(settings, workers, scheduler) if engine == "dask" else _LocalEngine(settings, workers)
    load_seconds = time.perf_counter() - t_engine
    progress = _Progress(enabled=not quiet and sys.stderr.isatty(), count_total=_counting(input_list))
    cancelled = False
    t_processed = None
    try:
        for result in eng.map(pending_chunks()):
            checkpoint = result["checkpoint"]
            outputs.write_chunk(out, checkpoint["chunk"], result["lines"], checkpoint)
            absorb(checkpoint)
        t_processed = time.perf_counter()
    except BaseException:
        cancelled = True
        raise
    finally:
        eng.close(cancel=cancelled)
        progress.close()
    t_process = t_processed - t_engine - load_seconds
    t_shutdown = time.perf_counter() - t_processed
    if done and max(done) >= n_chunks:
        raise RunError(f"cannot resume: {out} holds more chunks than the input has")

    t0 = time.perf_counter()
    summary.counts = outputs.merge_parts(out, n_chunks)
    summary.errors = summary.counts["errors"]
    t_merge = time.perf_counter() - t0
    t0 = time.perf_counter()
    if parquet:
        outputs.write_parquet(out)
    t_parquet = time.perf_counter() - t0
    t0 = time.perf_counter()
    summary.graph = build_graph_if_available(out) if graph else "skipped (--no-graph)"
    t_graph = time.perf_counter() - t0
    summary.seconds = time.perf_counter() - t_start

    timings = {f"stage.{k}": round(v, 3) for k, v in sorted(stage_time.items())}
    timings.update({
        "load": round(load_seconds, 3),
        "process": round(t_process, 3),
        "shutdown": round(t_shutdown, 3),
        "merge": round(t_merge, 3),
        "parquet": round(t_parquet, 3),
        "graph": round(t_graph, 3),
        "total": round(summary.seconds, 3),
    })
    manifest = {
        "zhucun_version": __version__,
        "python": platform.python_version(),
        "packages": _package_versions(),
        "settings": {**asdict(settings), "engine": engine, "workers": workers, "strict": strict,
                     "parquet": parquet, "graph": graph},
        "inputs": input_list,
        "counts": summary.counts,
        "timings": timings,
        "articles": {"processed": summary.articles, "failed": summary.failed, "chars": summary.chars,
                     "resumed_chunks": summary.resumed_chunks, "chunks": n_chunks},
        "graph": summary.graph,
    }
    Manifest.model_validate(manifest)
    outputs.write_manifest(out, manifest)
    outputs.finish_parts(out)
    return summary
