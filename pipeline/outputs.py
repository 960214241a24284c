"""Output writers: JSON Lines tables written atomically per chunk, merged in order, copied to Parquet.

Layout of an output directory while a run is going on::

    out/.parts/run.json                 settings of the run (checked by --resume)
    out/.parts/000000.articles.jsonl    rows of chunk 0, one file per non-empty table
    out/.parts/000000.done.json         checkpoint: chunk 0 is complete (written last)

Every file is written to a temporary name and renamed into place, so a reader
(or a resumed run) never sees a truncated JSON line. At the end the parts are
concatenated in chunk order into ``out/TABLE.jsonl`` (again temp file +
``os.replace``) and ``.parts`` is removed.
"""

from __future__ import annotations

import json
import os
import shutil
import types
import typing
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .schema import TABLES

PARTS_DIR = ".parts"
RUN_FILE = "run.json"
PARQUET_BATCH_ROWS = 20_000


# line separators JSON allows raw inside strings but str.splitlines() (and many JSONL readers) split on
_LINE_BREAKING = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_LINE_BREAKING_TABLE = str.maketrans(_LINE_BREAKING)


def row_line(row: BaseModel) -> str:
    """One table row as a JSON line: UTF-8 text, keys in model field order.

    The only raw line break is the final ``\\n``: U+0085/U+2028/U+2029 are written as JSON escapes, so that a
    reader splitting on any Unicode line break still sees one row per line.
    """
    line = json.dumps(row.model_dump(mode="json"), ensure_ascii=False, separators=(", ", ": "))
    if not line.isascii() and ("\x85" in line or "\u2028" in line or "\u2029" in line):
        line = line.translate(_LINE_BREAKING_TABLE)
    return line + "\n"


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that the file appears complete or not at all."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    os.replace(tmp, path)


def parts_dir(out_dir: Path) -> Path:
    return Path(out_dir) / PARTS_DIR


def part_path(out_dir: Path, chunk: int, table: str) -> Path:
    return parts_dir(out_dir) / f"{chunk:06d}.{table}.jsonl"


def done_path(out_dir: Path, chunk: int) -> Path:
    return parts_dir(out_dir) / f"{chunk:06d}.done.json"


def write_chunk(out_dir: Path, chunk: int, lines: dict[str, list[str]], checkpoint: dict[str, Any]) -> None:
    """Write the table parts of one chunk, then its checkpoint (the checkpoint marks it complete)."""
    for table in TABLES:
        path = part_path(out_dir, chunk, table)
        if lines.get(table):
            write_atomic(path, "".join(lines[table]))
        elif path.exists():  # left by an interrupted earlier attempt at this chunk
            path.unlink()
    write_atomic(done_path(out_dir, chunk), json.dumps(checkpoint, ensure_ascii=False, sort_keys=True))


def read_checkpoint(out_dir: Path, chunk: int) -> dict[str, Any] | None:
    path = done_path(out_dir, chunk)
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def completed_chunks(out_dir: Path) -> set[int]:
    return {int(p.name.split(".", 1)[0]) for p in parts_dir(out_dir).glob("*.done.json")}


def reset_parts(out_dir: Path) -> None:
    """Start a fresh run: drop parts of any earlier (interrupted) run."""
    shutil.rmtree(parts_dir(out_dir), ignore_errors=True)
    parts_dir(out_dir).mkdir(parents=True, exist_ok=True)


def remove_stale_temp_files(out_dir: Path) -> None:
    for tmp in list(parts_dir(out_dir).glob("*.tmp")) + list(Path(out_dir).glob("*.tmp")):
        tmp.unlink(missing_ok=True)


def merge_parts(out_dir: Path, n_chunks: int) -> dict[str, int]:
    """Concatenate the parts of chunks 0..n_chunks-1 into the final tables; return rows per table."""
    out_dir = Path(out_dir)
    counts: dict[str, int] = {}
    for table in TABLES:
        final = out_dir / f"{table}.jsonl"
        tmp = final.with_name(f"{final.name}.{os.getpid()}.tmp")
        rows = 0
        with open(tmp, "wb") as dst:
            for chunk in range(n_chunks):
                part = part_path(out_dir, chunk, table)
                if not part.exists():
                    continue
                with open(part, "rb") as src:
                    for line in src:
                        dst.write(line)
                        rows += 1
        os.replace(tmp, final)
        counts[table] = rows
    return counts


def finish_parts(out_dir: Path) -> None:
    shutil.rmtree(parts_dir(out_dir), ignore_errors=True)


def write_manifest(out_dir: Path, manifest: dict[str, Any]) -> None:
    write_atomic(Path(out_dir) / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")


# --- Parquet -----------------------------------------------------------------------------------


def _non_none_args(annotation) -> list:
    return [a for a in typing.get_args(annotation) if a is not type(None)]


def arrow_type(annotation):
    """The Arrow type of a pydantic field annotation.

    A union of a number and a string (``MentionRow.value``: yuan or an ISO date)
    has no Arrow equivalent; it is stored as text: a string as it is, a number as
    its JSON text (``"100000.0"``).
    """
    import pyarrow as pa

    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = _non_none_args(annotation)
        if len(args) == 1:
            return arrow_type(args[0])
        return pa.string()
    if origin is typing.Literal:
        return pa.string()
    if origin is list:
        (item,) = typing.get_args(annotation)
        return pa.list_(arrow_type(item))
    if origin is dict:
        return pa.string()
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return pa.struct([pa.field(name, arrow_type(f.annotation)) for name, f in annotation.model_fields.items()])
    simple = {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_()}
    if annotation in simple:
        return simple[annotation]
    raise TypeError(f"no Arrow type for {annotation!r}")


def arrow_schema(model: type[BaseModel]):
    import pyarrow as pa

    return pa.schema([pa.field(name, arrow_type(f.annotation)) for name, f in model.model_fields.items()])


def _json_text_fields(model: type[BaseModel]) -> list[str]:
    """Top-level fields of mixed type stored as text in Parquet (see :func:`arrow_type`)."""
    import pyarrow as pa

    return [name for name, f in model.model_fields.items()
            if arrow_type(f.annotation) == pa.string() and _is_mixed(f.annotation)]


def _is_mixed(annotation) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return len(_non_none_args(annotation)) > 1
    return origin is dict


def _batches(path: Path, json_fields: list[str], size: int) -> Iterator[list[dict]]:
    batch: list[dict] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            for name in json_fields:
                value = row.get(name)
                if value is not None and not isinstance(value, str):
                    row[name] = json.dumps(value, ensure_ascii=False)
            batch.append(row)
            if len(batch) >= size:
                yield batch
                batch = []
    if batch:
        yield batch


def write_parquet(out_dir: Path, tables: Iterable[str] = TABLES) -> list[Path]:
    """Parquet copy of every JSON Lines table, in batches so memory stays bounded."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    written = []
    for table in tables:
        model = TABLES[table]
        schema = arrow_schema(model)
        json_fields = _json_text_fields(model)
        src = Path(out_dir) / f"{table}.jsonl"
        final = Path(out_dir) / f"{table}.parquet"
        tmp = final.with_name(f"{final.name}.{os.getpid()}.tmp")
        with pq.ParquetWriter(tmp, schema) as writer:
            for batch in _batches(src, json_fields, PARQUET_BATCH_ROWS):
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
        os.replace(tmp, final)
        written.append(final)
    return written
