"""Input stage: read articles from files, decode them, and attach publication dates.

Accepted inputs (``iter_articles``):

- a directory: every ``.txt``, ``.html`` and ``.htm`` file directly inside it, sorted by name
  (other files are ignored); the article id is the file stem;
- a single ``.txt`` / ``.html`` / ``.htm`` file;
- a ``.jsonl`` or ``.jsonl.gz`` file, one JSON object per line with ``id`` and ``text`` and
  optional ``title``, ``date``, ``url``; read line by line, never loaded whole;
- a ``.csv`` file with the same columns.

Nothing here raises on bad input: an unusable file or record comes out as a ``RawArticle``
with ``error`` set, so the caller can write it to the error table and go on.

For HTML input the "original text" of the article — the text every offset in the output
points into — is the text extracted from the markup by ``html_to_text``, not the markup.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import re
import sys
from collections.abc import Iterator
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

from .clean import is_column_title
from .doc import Doc, RawArticle

TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")
FILE_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES

_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# what a sensibly decoded Chinese text consists of: CJK, CJK/full-width punctuation, ASCII
_PLAUSIBLE_RE = re.compile(
    r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef\u2000-\u206f\u0020-\u007e\n\r\t\xa0\xb7]"
)
_SNIFF_BYTES = 1 << 20


# ---------------------------------------------------------------------------------------------
# decoding


class DecodeError(ValueError):
    pass


def has_chinese(text: str) -> bool:
    return _CJK_RE.search(text) is not None


def _plausible_share(text: str) -> float:
    if not text:
        return 1.0
    return len(_PLAUSIBLE_RE.findall(text)) / len(text)


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control bytes in the first block (UTF-16 is recognised by its BOM first)."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return bool(head) and controls / len(head) > 0.05


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode file content; return ``(text, encoding)`` or raise ``DecodeError`` with a reason.

    Order: BOMs (UTF-8, UTF-16 LE/BE), binary check, strict UTF-8, then GB18030 accepted only when
    the result is mostly CJK/ASCII (GB18030 decodes almost any byte string, so it needs a check).
    """
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise DecodeError(f"invalid UTF-8 after a UTF-8 BOM at byte {exc.start}") from exc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise DecodeError(f"invalid UTF-16 after a UTF-16 BOM at byte {exc.start}") from exc
    if looks_binary(data):
        raise DecodeError("binary file (NUL or control bytes), not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise DecodeError(f"undecodable: neither UTF-8 nor GB18030 (bad byte at {exc.start})") from exc
    if _plausible_share(text) < 0.9:
        raise DecodeError("undecodable: GB18030 decoding gives mostly non-Chinese characters")
    return text, "gb18030"


# ---------------------------------------------------------------------------------------------
# HTML


class _TextExtractor(HTMLParser):
    BLOCK = frozenset(
        "p div br li ul ol h1 h2 h3 h4 h5 h6 tr table section article header footer blockquote pre "
        "dd dt dl figcaption hr title td th".split()
    )
    SKIP = frozenset({"script", "style", "noscript", "template", "head"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title_parts: list[str] = []
        self._skip_depth = 0
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        if tag == "title":
            self._in_title = True
        elif tag in self.SKIP:
            self._skip_depth += 1
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        elif tag in self.SKIP and self._skip_depth:
            self._skip_depth -= 1
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if self._in_title:
            self.title_parts.append(data)
        elif not self._skip_depth:
            self.parts.append(data)


def html_to_text(markup: str) -> tuple[str, str | None]:
    """Extract ``(text, title)`` from HTML: script/style dropped, block elements become newlines.

    The returned text is what counts as the article's original text for offsets.
    """
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    text = unescape("".join(parser.parts))
    lines = [line.strip(" \t") for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    title = " ".join("".join(parser.title_parts).split()) or None
    return text, title


# ---------------------------------------------------------------------------------------------
# readers


def _error(article_id: str, reason: str, source: str) -> RawArticle:
    return RawArticle(id=article_id, text=None, source=source, error=reason)


def _check_text(article: RawArticle) -> RawArticle:
    """Set ``error`` when the text is missing, empty or has no Chinese characters."""
    if article.error:
        return article
    if article.text is None or not isinstance(article.text, str):
        article.error = "record has no text"
    elif not article.text.strip():
        article.error = "empty text"
    elif not has_chinese(article.text):
        article.error = "text has no Chinese characters"
    return article


def read_file(path: Path) -> RawArticle:
    """Read one .txt/.html/.htm file into a RawArticle (error set when unusable)."""
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _error(path.stem, f"cannot read file: {exc.strerror or exc}", source)
    if not data.strip():
        return _error(path.stem, "empty file", source)
    try:
        text, encoding = decode_bytes(data)
    except DecodeError as exc:
        return _error(path.stem, str(exc), source)
    title = None
    if path.suffix.lower() in HTML_SUFFIXES:
        text, title = html_to_text(text)
    article = RawArticle(id=path.stem, text=text, title=title, encoding=encoding, source=source)
    return _check_text(article)


def _optional_str(value) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _record_to_article(record: dict, fallback_id: str, source: str, encoding: str) -> RawArticle:
    record_id = _optional_str(record.get("id"))
    text = record.get("text")
    article = RawArticle(
        id=record_id or fallback_id,
        text=text if isinstance(text, str) else None,
        title=_optional_str(record.get("title")),
        date=_optional_str(record.get("date")),
        url=_optional_str(record.get("url")),
        encoding=encoding,
        source=source,
    )
    if text is not None and not isinstance(text, str):
        article.error = f"field 'text' is a {type(text).__name__}, not a string"
    return _check_text(article)


def _open_binary(path: Path):
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")


def read_jsonl(path: Path) -> Iterator[RawArticle]:
    """Stream a .jsonl / .jsonl.gz file; a bad line yields an error article with id ``FILE:LINE``."""
    name = path.name
    try:
        handle = _open_binary(path)
    except OSError as exc:
        yield _error(name, f"cannot read file: {exc.strerror or exc}", str(path))
        return
    seen_any = False
    with handle:
        line_no = 0
        while True:
            try:
                raw = handle.readline()
            except (OSError, EOFError, gzip.BadGzipFile) as exc:
                yield _error(f"{name}:{line_no + 1}", f"cannot read compressed data: {exc}", str(path))
                return
            if not raw:
                break
            line_no += 1
            where = f"{name}:{line_no}"
            source = f"{path}:{line_no}"
            if not raw.strip():
                continue
            seen_any = True
            try:
                line = raw.decode("utf-8-sig" if line_no == 1 else "utf-8")
            except UnicodeDecodeError:
                yield _error(where, "malformed JSONL line: not UTF-8", source)
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield _error(where, f"malformed JSONL line: {exc.msg} (column {exc.colno})", source)
                continue
            if not isinstance(record, dict):
                yield _error(where, f"malformed JSONL line: a {type(record).__name__}, not an object", source)
                continue
            yield _record_to_article(record, where, source, "utf-8")
    if not seen_any:
        yield _error(path.stem, "empty file", str(path))


def _sniff_text_encoding(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if looks_binary(head):
        raise DecodeError("binary file (NUL or control bytes), not text")
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3 and len(head) == _SNIFF_BYTES:  # cut inside a character
            return "utf-8"
    return "gb18030"


def read_csv(path: Path) -> Iterator[RawArticle]:
    """Stream a .csv with columns id, text and optional title, date, url."""
    name = path.name
    try:
        encoding = _sniff_text_encoding(path)
    except DecodeError as exc:
        yield _error(path.stem, str(exc), str(path))
        return
    except OSError as exc:
        yield _error(name, f"cannot read file: {exc.strerror or exc}", str(path))
        return
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    seen_any = False
    with path.open("r", encoding=encoding, newline="") as handle:
        reader = csv.DictReader(handle)
        row_no = 1
        try:
            if not reader.fieldnames or "text" not in reader.fieldnames:
                yield _error(path.stem, f"csv has no 'text' column (columns: {reader.fieldnames})", str(path))
                return
            for row in reader:
                row_no = reader.line_num
                seen_any = True
                where = f"{name}:{row_no}"
                yield _record_to_article(row, where, f"{path}:{row_no}", encoding)
        except (UnicodeDecodeError, csv.Error) as exc:
            yield _error(f"{name}:{row_no}", f"unreadable csv after line {row_no}: {exc}", str(path))
            return
    if not seen_any:
        yield _error(path.stem, "csv has no rows", str(path))


def _kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith((".jsonl", ".jsonl.gz")):
        return "jsonl"
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(FILE_SUFFIXES):
        return "file"
    return None


def iter_articles(inputs: list[str | Path]) -> Iterator[RawArticle]:
    """Yield every article of every input, in input order (directories sorted by file name)."""
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.is_file() and p.name.lower().endswith(FILE_SUFFIXES))
            if not files:
                yield _error(path.name, "directory holds no .txt/.html/.htm files", str(path))
            for file in files:
                yield read_file(file)
            continue
        if not path.exists():
            yield _error(path.name, "no such file or directory", str(path))
            continue
        kind = _kind(path)
        if kind == "jsonl":
            yield from read_jsonl(path)
        elif kind == "csv":
            yield from read_csv(path)
        elif kind == "file":
            yield read_file(path)
        else:
            yield _error(path.name, f"unknown file type {''.join(path.suffixes) or '(no suffix)'!r}", str(path))


# ---------------------------------------------------------------------------------------------
# dates


def load_meta(path: str | Path) -> dict[str, str]:
    """Read ``id,published`` (other columns ignored); empty published values are left out."""
    out: dict[str, str] = {}
    with Path(path).open("r", encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            article_id = (row.get("id") or "").strip()
            published = (row.get("published") or "").strip()
            if article_id and published:
                out[article_id] = published
    return out


_FULL_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)\s*[日号]?")
_COMPACT_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)")
_MONTH_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})(?!\d)\s*月?")
_YEAR_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)\s*年?")


def _iso(year: str, month: str | None = None, day: str | None = None) -> str | None:
    y = int(year)
    if month is None:
        return f"{y:04d}"
    m = int(month)
    if not 1 <= m <= 12:
        return None
    if day is None:
        return f"{y:04d}-{m:02d}"
    try:
        return dt.date(y, m, int(day)).isoformat()
    except ValueError:
        return None


def parse_date(value: str | None) -> str | None:
    """Any common date form to ISO, as precise as given (YYYY-MM-DD, YYYY-MM or YYYY); time is dropped."""
    if not value:
        return None
    value = str(value).strip()
    for pattern in (_FULL_DATE, _COMPACT_DATE):
        match = pattern.search(value)
        if match:
            return _iso(*match.groups())  # an impossible day (2019-02-30) is no date, not a month
    match = _MONTH_DATE.search(value)
    if match:
        iso = _iso(*match.groups())
        if iso:
            return iso
    match = _YEAR_DATE.search(value)
    return _iso(match.group(1)) if match else None


_HEADER_LABEL = r"(?:发布时间|发表时间|发布日期|更新时间|时间|日期|刊发时间|出版日期)"
_DATE_TEXT = r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*[日号]?"
_CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?"
_HEADER_PATTERNS = [
    # 发布时间:2018/11/13 14:56:18, 时间：2019年3月5日
    re.compile(_HEADER_LABEL + r"\s*[:：]\s*(" + _DATE_TEXT + ")"),
    # 2020-07-27 07:27:36 (a date with a clock time is metadata, not story text)
    re.compile("(" + _DATE_TEXT + r")\s*" + _CLOCK),
    # 2020-07-27 来源:... / 2019年3月5日 作者:...
    re.compile("(" + _DATE_TEXT + r")\s*(?:来源|作者|编辑|责任编辑|稿源|出处)\s*[:：]"),
    # a line that is only a date (optionally with the weekday)
    re.compile(r"(?m)^\s*(" + _DATE_TEXT + r")\s*(?:星期[一二三四五六日天]|周[一二三四五六日])?\s*$"),
]
HEADER_CHARS = 300


def header_date(text: str) -> str | None:
    """A publication date printed in the header (first ``HEADER_CHARS`` chars) of an article.

    Only dates with a year and a header cue count: a label (发布时间:), a clock time, a following
    来源/作者 field, or a line holding nothing but the date. Story dates (7月20日一大早,
    2017年年底) are never taken.
    """
    head = text[:HEADER_CHARS]
    best: tuple[int, str] | None = None
    for pattern in _HEADER_PATTERNS:
        for match in pattern.finditer(head):
            iso = parse_date(match.group(1))
            if iso and (best is None or match.start(1) < best[0]):
                best = (match.start(1), iso)
            break
    return best[1] if best else None


# ---------------------------------------------------------------------------------------------
# RawArticle -> Doc

_FINAL_PUNCT = "。！？!?；;…"


def guess_title(text: str) -> str | None:
    """First short header line of a plain-text article, skipping column labels (前沿观察 GUANCHAO, 基层传真)."""
    for line in text.split("\n")[:6]:
        line = line.strip(" \t\u3000\xa0\r")
        if not line or is_column_title(line):
            continue
        if len(line) <= 60 and line[-1] not in _FINAL_PUNCT and "。" not in line:
            return line
        return None
    return None


def make_doc(raw: RawArticle, meta: dict[str, str] | None = None) -> Doc:
    """Build the Doc of an article; published/date_source by record date, meta, header, else unknown."""
    original = raw.text or ""
    doc = Doc(
        id=raw.id,
        original=original,
        title=raw.title or guess_title(original),
        encoding=raw.encoding,
        source=raw.source,
        url=raw.url,
    )
    if raw.error:
        doc.errors.append(("input", raw.error))
    candidates = (
        ("record", parse_date(raw.date)),
        ("meta", parse_date((meta or {}).get(raw.id))),
        ("header", header_date(original)),
    )
    for source, iso in candidates:
        if iso:
            doc.published, doc.date_source = iso, source
            break
    return doc


__all__ = [
    "DecodeError",
    "decode_bytes",
    "guess_title",
    "has_chinese",
    "header_date",
    "html_to_text",
    "iter_articles",
    "load_meta",
    "make_doc",
    "parse_date",
    "read_csv",
    "read_file",
    "read_jsonl",
]
