"""Clean stage: normalise whitespace, drop site boilerplate, repair page breaks, find stories.

``clean_text`` returns the cleaned text and an offsets map (``len(cleaned) + 1`` entries).
Invariant, for every cleaned index ``i``:

- ``original[offsets[i]] == cleaned[i]``, except that
- a cleaned ``" "`` or ``"\\n"`` may stand for any whitespace character of the original
  (CR/CRLF -> ``\\n``; nbsp, full-width space, tabs and other Unicode spaces -> ``" "``).

Offsets increase strictly; removed text (boilerplate, indentation, page-break newlines, a character
doubled across a page break) simply has no cleaned character mapping to it. The last entry is the
position just after the last mapped character (0 for an empty result).

Cleaned layout: one paragraph per line, lines stripped, inner whitespace runs collapsed to one space.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .core import register_stage
from .doc import Doc, StorySpan

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
BOILERPLATE_FILE = MODELS_DIR / "boilerplate.txt"
SURNAMES_FILE = MODELS_DIR / "surnames.txt"

ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
LINE_BREAKS = frozenset("\n\u2028\u2029\x0b\x0c\x85")
SENTENCE_END = "。！？!?；;…"
CLOSERS = "”’」』）)】》〉]］"
# a paragraph may run across a page break only when the text so far is prose, not a heading
MIN_BROKEN_PARAGRAPH = 40
HEADING_MAX = 45
SHORT_HEADLINE = 25
KICKER_MAX = 100
CAPTION_MAX = 80

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_CAPTION_CUE = re.compile(r"[(（][左中右前后上下][一二三四五]?[)）]|资料图|图为|供图|摄影|摄\s*$|图\s*$")
_BLOCK_START = re.compile(r"^(本报讯|本报记者|本报通讯员|特约记者|记者|通讯员|作者\s*[:：]|□|■|●|——)")


# ---------------------------------------------------------------------------------------------
# character buffer with its map to the original


@dataclass
class _Line:
    chars: list[str] = field(default_factory=list)
    idx: list[int] = field(default_factory=list)
    newline: int | None = None  # original index of the line break that ends this line

    @property
    def text(self) -> str:
        return "".join(self.chars)

    def keep(self, keep_mask: list[bool]) -> None:
        self.chars = [c for c, k in zip(self.chars, keep_mask, strict=True) if k]
        self.idx = [i for i, k in zip(self.idx, keep_mask, strict=True) if k]

    def tidy(self) -> None:
        """Strip the ends and collapse inner space runs to one space (the first one is kept)."""
        if " " not in self.chars:
            return
        text = self.text
        if "  " not in text and text[0] != " " and text[-1] != " ":
            return
        keep = []
        prev_space = True
        for c in self.chars:
            is_space = c == " "
            keep.append(not (is_space and prev_space))
            prev_space = is_space
        self.keep(keep)
        while self.chars and self.chars[-1] == " ":
            self.chars.pop()
            self.idx.pop()


_LINE_BREAK = re.compile("\r\n|[\r" + "".join(sorted(LINE_BREAKS)) + "]")
_DROPPED = re.compile("[" + "".join(sorted(ZERO_WIDTH)) + "\x00-\x08\x0e-\x1f]")
_ANY_SPACE = re.compile(r"\s")


def _line_of(original: str, start: int, end: int, newline: int | None) -> _Line:
    """The characters of ``original[start:end]`` (no line break inside) with their original indexes."""
    segment = original[start:end]
    idx = list(range(start, end))
    if _DROPPED.search(segment):
        kept = [k for k, c in enumerate(segment) if not _DROPPED.match(c)]
        segment = "".join(segment[k] for k in kept)
        idx = [start + k for k in kept]
    line = _Line(list(_ANY_SPACE.sub(" ", segment)), idx, newline)
    line.tidy()
    return line


def _normalised_lines(original: str) -> list[_Line]:
    """Split into lines with CR/CRLF unified, odd spaces made plain, zero-width and control chars dropped.

    A line's ``newline`` is the original index of the break that ends it (the "\n" of a CRLF)."""
    lines = []
    start = 0
    for m in _LINE_BREAK.finditer(original):
        lines.append(_line_of(original, start, m.start(), m.end() - 1))
        start = m.end()
    lines.append(_line_of(original, start, len(original), None))
    return lines


# ---------------------------------------------------------------------------------------------
# boilerplate


@lru_cache(maxsize=4)
def load_boilerplate(path: str | Path = BOILERPLATE_FILE) -> tuple[re.Pattern, ...]:
    patterns = []
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        if raw.strip() and not raw.lstrip().startswith("#"):
            patterns.append(re.compile(raw.rstrip("\n")))
    return tuple(patterns)


def _remove_boilerplate(line: _Line, patterns: tuple[re.Pattern, ...]) -> None:
    text = line.text
    for pattern in patterns:
        if not text:
            return
        spans = [m.span() for m in pattern.finditer(text) if m.end() > m.start()]
        if spans:
            keep = [True] * len(text)
            for start, end in spans:
                for k in range(start, end):
                    keep[k] = False
            line.keep(keep)
            line.tidy()
            text = line.text


# ---------------------------------------------------------------------------------------------
# page-break repair


@lru_cache(maxsize=1)
def _word_freq():
    from .tokens import get_tokenizer  # the jieba dictionary + the domain user dictionary

    return get_tokenizer().FREQ


def is_word(text: str) -> bool:
    return _word_freq().get(text, 0) > 0


def is_caption(line: str) -> bool:
    """A short photo caption (… (右)向村民了解村情。 / …仪式。资料图) printed inside a story."""
    return len(line) <= CAPTION_MAX and _CAPTION_CUE.search(line) is not None


def looks_like_heading(line: str) -> bool:
    """Short and without a sentence end; a very short exclamation (违法占用耕地，严查！) may be a headline too."""
    if len(line) > HEADING_MAX or any(c in line for c in "。；;…"):
        return False
    if any(c in line for c in "！？!?"):
        return len(line) <= SHORT_HEADLINE and line[-1] not in CLOSERS[:2]
    return True


def should_join(paragraph: str, following: str) -> bool:
    """Is ``following`` the rest of ``paragraph``, cut by a page/column break?

    Only prose is joined: the paragraph must not end a sentence (。！？；… closing quote, ASCII period)
    and must already be prose (at least ``MIN_BROKEN_PARAGRAPH`` chars, or holding a 。), so headings,
    column titles, bylines and captions keep their line. A following caption, short unpunctuated
    fragment or block start (本报讯, 本报记者, ——) is never glued on.
    """
    if not paragraph or not following:
        return False
    if paragraph[-1] in SENTENCE_END + CLOSERS + "." or is_caption(paragraph):
        return False
    if len(paragraph) < MIN_BROKEN_PARAGRAPH and "。" not in paragraph:
        return False
    if _BLOCK_START.match(following) or is_caption(following):
        return False
    if len(following) <= 30 and not any(c in following for c in SENTENCE_END + "，,、"):
        return False
    return True


def is_break_duplicate(paragraph: str, following: str) -> bool:
    """Is the first char of ``following`` a copy of the last char of ``paragraph`` made by the page break?

    Layout tools sometimes repeat the character at a page break (党支部书记 / 记乔树峰). The copy is
    dropped only when all hold: the pair is not a word itself (谢谢, 天天, 看看 are real), the paragraph
    ends with a complete dictionary word (书记), and the following char pair is not a word either
    (so 研究 / 究竟 is left alone). Doubled names (富富民) fail the complete-word test and stay.
    """
    if len(paragraph) < 2 or len(following) < 2:
        return False
    c = paragraph[-1]
    if c != following[0] or not _CJK.match(c):
        return False
    if is_word(c + c) or is_word(following[:2]):
        return False
    return is_word(paragraph[-2:]) or is_word(paragraph[-3:])


def _join_lines(lines: list[_Line]) -> tuple[list[str], list[int]]:
    chars: list[str] = []
    idx: list[int] = []
    paragraph: list[str] = []  # text of the current paragraph (for the join decisions)
    last_newline: int | None = None
    for line in lines:
        if not line.chars:
            continue
        text = line.text
        if paragraph and should_join("".join(paragraph[-MIN_BROKEN_PARAGRAPH * 4 :]), text):
            if is_break_duplicate("".join(paragraph[-3:]), text):
                line.chars, line.idx = line.chars[1:], line.idx[1:]
        elif paragraph:
            chars.append("\n")
            idx.append(last_newline)
            paragraph = []
        chars.extend(line.chars)
        idx.extend(line.idx)
        paragraph.extend(line.chars)
        last_newline = line.newline if line.newline is not None else line.idx[-1]
    return chars, idx


def clean_text(original: str, boilerplate: tuple[re.Pattern, ...] | None = None) -> tuple[str, list[int]]:
    """Return ``(cleaned, offsets)``; see the module docstring for the offsets invariant."""
    patterns = load_boilerplate() if boilerplate is None else boilerplate
    lines = _normalised_lines(original)
    for line in lines:
        _remove_boilerplate(line, patterns)
    chars, idx = _join_lines(lines)
    offsets = idx + [idx[-1] + 1 if idx else 0]
    return "".join(chars), offsets


# ---------------------------------------------------------------------------------------------
# stories


@lru_cache(maxsize=1)
def _surnames() -> tuple[frozenset[str], frozenset[str]]:
    single, double = set(), set()
    if SURNAMES_FILE.exists():
        for raw in SURNAMES_FILE.read_text(encoding="utf-8").splitlines():
            name = raw.strip()
            if name and not name.startswith("#"):
                (double if len(name) == 2 else single).add(name)
    return frozenset(single), frozenset(double)


def looks_like_name(token: str) -> bool:
    """A 2-3 character Chinese personal name (4 with a two-character surname)."""
    if not re.fullmatch(r"[\u4e00-\u9fff]{2,4}", token):
        return False
    single, double = _surnames()
    if not single and not double:
        return len(token) <= 3
    if len(token) == 4:
        return token[:2] in double
    return token[0] in single or token[:2] in double


_ROLE_TOKENS = re.compile(
    r"^(本报记者|本报特约记者|本报通讯员|特约记者|见习记者|记者|通讯员|作者|文并摄|文/图|文／图|图/文|摄影|摄|报道|文|图)$"
)
_BYLINE_LINE = re.compile(
    r"^[□■]+\s+|^(本报记者|本报特约记者|本报通讯员|特约记者|见习记者|记者|通讯员)\s*[\u4e00-\u9fff]"
    r"|^作者\s*[:：]"
)
# 河南省封丘县韩堂村第一书记 卢西朋: a unit (place or organisation) + a post, then the name
_TITLED_AUTHOR = re.compile(
    r"^\S{0,28}[省市县区旗乡镇村局院校所委厅部办司行社会央盟党联]\S{0,20}"
    r"(书记|记者|通讯员|主任|主席|队长|干部|教授|研究员|作者|部长|局长|院长|校长|会长|县长|市长|镇长|乡长)"
    r"\s+([\u4e00-\u9fff](?: ?[\u4e00-\u9fff]){1,3})$"
)
_COLUMN_PINYIN = re.compile(r"^[\u4e00-\u9fff]{2,8}\s*[A-Z]{3,}$")
# column titles without pinyin (基层传真, 党建视窗, 第一书记 心语): short lines ending in a column word
_COLUMN_WORD = re.compile(
    r"^[\u4e00-\u9fff ]{0,6}(传真|视窗|心语|观察|直通车|速递|快讯|简讯|时评|短评|论坛|图说|视点|扫描|动态|纵横|之窗|茶座|专栏|走笔|札记)$"
)
_STORY_LEAD = re.compile(
    r"^(本报讯|本报[\u4e00-\u9fff]{1,6}电|新华社[\u4e00-\u9fff]{1,6}电|[\u4e00-\u9fff]{2,6}网\d{1,2}月\d{1,2}日讯)"
)
_LEAD_REPORTER = re.compile(
    r"^本报讯\s*[(（]?\s*(?:本报)?(?:记者|通讯员)\s*([\u4e00-\u9fff]{2,4}(?:[\s、][\u4e00-\u9fff]{2,4})*?)\s*(?:报道|[)）])"
)
_DATELINE_REPORTER = re.compile(
    r"[(（][^()（）]{0,15}?(?:记者|通讯员)\s*([\u4e00-\u9fff]{2,4}(?:[\s、][\u4e00-\u9fff]{2,4})*)\s*[)）]"
)
_TRAILING_AUTHOR = re.compile(r"[。！？”]\s+([\u4e00-\u9fff]{2,4})$")


def is_column_title(line: str) -> bool:
    """A newspaper column label (前沿观察 GUANCHAO, 基层传真, 第一书记 心语), not a headline."""
    return bool(_COLUMN_PINYIN.match(line) or _COLUMN_WORD.match(line))


def byline_names(line: str) -> str | None:
    """The author name(s) of a byline line: 本报记者 王云峰 文并摄 -> 王云峰."""
    line = re.sub(r"^作者\s*[:：]\s*", "", line)
    line = re.sub(r"\s*(文并摄|摄影报道|摄影|报道|摄|文/图|图/文)\s*$", "", line)
    # People's Daily spaces two-character names: 本报记者 贺 勇 -> 贺勇
    line = re.sub(r"(?<![\u4e00-\u9fff])([\u4e00-\u9fff]) ([\u4e00-\u9fff])(?![\u4e00-\u9fff])", r"\1\2", line)
    titled = _TITLED_AUTHOR.match(line)
    if titled:
        return titled.group(2).replace(" ", "")
    tokens = re.split(r"[\s□■、,，]+", line)
    names = []
    for token in tokens:
        token = re.sub(r"^(本报记者|本报特约记者|本报通讯员|特约记者|见习记者|记者|通讯员)", "", token)
        token = re.sub(r"(文并摄|摄影|摄|报道)$", "", token)
        if token and not _ROLE_TOKENS.match(token) and looks_like_name(token):
            names.append(token)
    return " ".join(names) or None


def _is_name_line(line: str) -> bool:
    tokens = line.split(" ")
    return 1 <= len(tokens) <= 4 and all(len(t) <= 3 and looks_like_name(t) for t in tokens)


def _line_kind(line: str) -> str:
    if _BYLINE_LINE.match(line) and len(line) <= 60 and "。" not in line:
        return "byline"
    if _TITLED_AUTHOR.match(line):
        return "byline"
    if _COLUMN_PINYIN.match(line):
        return "column"
    if looks_like_heading(line) and not is_caption(line):
        return "heading"
    return "body"


def _refine_run(texts: list[str], kinds: list[str]) -> list[str]:
    """Inside one run of header lines: a bare name after a heading is a byline; a column word line is a column."""
    kinds = list(kinds)
    for j in range(1, len(kinds)):
        if kinds[j] == "heading" and kinds[j - 1] == "heading" and _is_name_line(texts[j]):
            kinds[j] = "byline"
    if len(kinds) >= 2 and kinds[0] == "heading" and is_column_title(texts[0]):
        kinds[0] = "column"
    return kinds


def _line_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for part in text.split("\n"):
        spans.append((start, start + len(part)))
        start += len(part) + 1
    return spans


def _reporter_in_lead(paragraph: str) -> str | None:
    match = _LEAD_REPORTER.match(paragraph) or _DATELINE_REPORTER.search(paragraph[:80])
    if not match:
        return None
    names = [t for t in re.split(r"[\s、]+", match.group(1)) if looks_like_name(t)]
    return " ".join(names) or None


def split_stories(text: str) -> list[StorySpan]:
    """Split a cleaned page into stories (cleaned coordinates); the stories cover the whole text.

    A new story starts at a run of header lines (headings, column titles, bylines) that holds a
    byline or a column title, or that is followed by a news lead (本报讯, 本报X电, 新华社X电); a lead
    paragraph with no header run before it also starts a story. A run of plain headings is a
    sub-heading inside the current story. The header run at the top of the text gives story 0 its
    title and byline.
    """
    if not text:
        return [StorySpan(index=0, start=0, end=0)]
    spans = _line_spans(text)
    texts = [text[s:e] for s, e in spans]
    kinds = [_line_kind(t) for t in texts]
    if kinds[0] == "body" and len(texts[0]) <= KICKER_MAX and texts[0][-1] not in SENTENCE_END + CLOSERS:
        kinds[0] = "heading"  # a kicker line above the headline
    starts: list[tuple[int, str | None, str | None, int]] = []  # (char start, title, byline, first body line)
    j = 0
    while j < len(texts):
        if kinds[j] == "body":
            if _STORY_LEAD.match(texts[j]) and j > 0 and kinds[j - 1] == "body":
                starts.append((spans[j][0], None, _reporter_in_lead(texts[j]), j))
            j += 1
            continue
        k = j
        while k < len(texts) and kinds[k] != "body":
            k += 1
        if k == len(texts):
            break  # trailing photo credits and the like belong to the last story
        run = _refine_run(texts[j:k], kinds[j:k])
        has_marker = "column" in run or ("byline" in run and "heading" in run)
        if j == 0 or has_marker or _STORY_LEAD.match(texts[k]):
            title = " ".join(t for t, kind in zip(texts[j:k], run, strict=True) if kind == "heading") or None
            bylines = [byline_names(t) for t, kind in zip(texts[j:k], run, strict=True) if kind == "byline"]
            byline = " ".join(b for b in bylines if b) or _reporter_in_lead(texts[k])
            starts.append((spans[j][0], title, byline, k))
        j = k
    if not starts or starts[0][0] != 0:
        first_body = next((n for n, kind in enumerate(kinds) if kind == "body"), 0)
        starts.insert(0, (0, None, _reporter_in_lead(texts[first_body]), first_body))
    stories = []
    for n, (start, title, byline, _body) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(text)
        if byline is None:
            byline = _trailing_author(text[start:end])
        stories.append(StorySpan(index=n, start=start, end=end, title=title, byline=byline))
    return stories


def _trailing_author(story_text: str) -> str | None:
    """An author name printed after the last sentence of a short item (…生产生活之中。 王耕野)."""
    last = story_text.rstrip("\n").rsplit("\n", 1)[-1]
    match = _TRAILING_AUTHOR.search(last)
    return match.group(1) if match and looks_like_name(match.group(1)) else None


def story_at(stories: list[StorySpan], pos: int) -> int | None:
    starts = [s.start for s in stories]
    k = bisect_right(starts, pos) - 1
    return stories[k].index if k >= 0 else None


# ---------------------------------------------------------------------------------------------
# stage


@register_stage(
    "clean",
    requires=["original"],
    provides=["text", "offsets", "stories"],
    description="normalise whitespace, remove boilerplate, repair page breaks, split stories",
)
def clean_stage(boilerplate_file: str | Path | None = None, **_settings):
    patterns = load_boilerplate(boilerplate_file) if boilerplate_file else load_boilerplate()

    def run(doc: Doc) -> None:
        doc.text, doc.offsets = clean_text(doc.original, patterns)
        doc.stories = split_stories(doc.text)
        if not doc.title and doc.stories and doc.stories[0].title:
            doc.title = doc.stories[0].title

    return run
