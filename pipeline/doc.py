"""The in-memory document that stages read and fill.

Stages work on ``doc.text`` (the cleaned text). ``doc.offsets`` maps every
cleaned position to a position in ``doc.original`` so that any span found by a
stage can be reported against the original text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RawArticle:
    """One article as read from the input, before any processing."""

    id: str
    text: str | None
    title: str | None = None
    date: str | None = None
    url: str | None = None
    encoding: str | None = None
    source: str | None = None
    error: str | None = None  # set by the reader when the record cannot be used


@dataclass
class Span:
    """A span of the cleaned text with a label and normalised attributes."""

    start: int
    end: int
    label: str
    text: str
    attrs: dict[str, Any] = field(default_factory=dict)
    source: str = "rule"


@dataclass
class Token:
    start: int
    end: int
    text: str
    pos: str | None = None


@dataclass
class Sentence:
    index: int
    start: int
    end: int
    text: str
    story: int | None = None


@dataclass
class StorySpan:
    index: int
    start: int
    end: int
    title: str | None = None
    byline: str | None = None


@dataclass
class Doc:
    id: str
    original: str
    text: str = ""
    offsets: list[int] = field(default_factory=list)  # len(text) + 1 entries
    title: str | None = None
    published: str | None = None  # ISO, as precise as known
    date_source: str = "unknown"
    encoding: str | None = None
    source: str | None = None
    url: str | None = None
    stories: list[StorySpan] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    tokens: list[Token] = field(default_factory=list)
    entities: list[Span] = field(default_factory=list)
    # coreference links: {"start", "end", "text", "label", "name"} in cleaned coordinates
    coref: list[dict] = field(default_factory=list)
    # story index -> the author a first-person column speaks as (我 -> that name)
    first_person: dict[int, str] = field(default_factory=dict)
    postings: list[dict] = field(default_factory=list)
    roles: list[dict] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    statistics: list[dict] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (stage, reason)
    done: set[str] = field(default_factory=set)  # names of the attributes stages have provided

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a cleaned-text span to the original text."""
        if not self.offsets:
            return start, end
        o_start = self.offsets[start]
        # end is exclusive: map the last character and step past it
        o_end = self.offsets[end - 1] + 1 if end > start else o_start
        return o_start, o_end

    def original_slice(self, start: int, end: int) -> tuple[str, int, int]:
        o_start, o_end = self.to_original(start, end)
        return self.original[o_start:o_end], o_start, o_end

    def sentence_at(self, pos: int) -> Sentence | None:
        lo, hi = 0, len(self.sentences) - 1
        while lo <= hi:
            mid = (lo + hi) // 2
            s = self.sentences[mid]
            if pos < s.start:
                hi = mid - 1
            elif pos >= s.end:
                lo = mid + 1
            else:
                return s
        return None
