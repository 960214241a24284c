"""Sentences stage: split the cleaned text into sentences (cleaned coordinates).

A sentence ends at 。！？!?；; (runs of them count as one end) or at a line break. Closing quotes and
brackets right after the end stay with the sentence (……说。” ends after ”). Inside a “…” quotation
of at most ``MAX_QUOTE`` characters the text is not split, so a quoted speech of several sentences
stays one sentence; a longer quotation is split at its inner sentence ends. Sentences never start or
end with whitespace; each carries the index of the story it starts in.
"""

from __future__ import annotations

from .clean import story_at
from .core import register_stage
from .doc import Doc, Sentence, StorySpan

ENDS = frozenset("。！？!?；;")
CLOSERS = frozenset("”’」』）)】》〉]］\"'")
OPEN_QUOTE, CLOSE_QUOTE = "“", "”"
MAX_QUOTE = 200


def _protected_ranges(line: str, max_quote: int) -> list[tuple[int, int]]:
    """(start, end) of balanced “…” quotations no longer than ``max_quote``; nested ones are inside."""
    ranges, stack = [], []
    for i, c in enumerate(line):
        if c == OPEN_QUOTE:
            stack.append(i)
        elif c == CLOSE_QUOTE and stack:
            start = stack.pop()
            if not stack and i + 1 - start <= max_quote:
                ranges.append((start, i + 1))
    return ranges


def _line_cuts(line: str, max_quote: int) -> list[int]:
    """Positions (exclusive ends) where sentences of one line end."""
    inside = [False] * (len(line) + 1)
    for start, end in _protected_ranges(line, max_quote):
        for k in range(start + 1, end - 1):
            inside[k] = True
    cuts = []
    i, n = 0, len(line)
    while i < n:
        if line[i] in ENDS:
            j = i + 1
            while j < n and line[j] in ENDS:
                j += 1
            closing = j
            while closing < n and line[closing] in CLOSERS:
                closing += 1
            # an end inside a short quote only counts when the quote closes right after it
            if not inside[i] or (closing > j and not inside[closing - 1]):
                cuts.append(closing)
            i = max(closing, i + 1)
        else:
            i += 1
    if not cuts or cuts[-1] != n:
        cuts.append(n)
    return cuts


def split_sentences(text: str, stories: list[StorySpan] | None = None, max_quote: int = MAX_QUOTE) -> list[Sentence]:
    sentences: list[Sentence] = []
    line_start = 0
    for line in text.split("\n"):
        prev = 0
        for cut in _line_cuts(line, max_quote):
            piece = line[prev:cut]
            stripped = piece.strip()
            if stripped:
                start = line_start + prev + (len(piece) - len(piece.lstrip()))
                end = start + len(stripped)
                story = story_at(stories, start) if stories else None
                sentences.append(Sentence(index=len(sentences), start=start, end=end, text=stripped, story=story))
            prev = cut
        line_start += len(line) + 1
    return sentences


@register_stage(
    "sentences",
    requires=["text", "stories"],
    provides=["sentences"],
    description="sentence split that keeps quotations and closing quotes together",
)
def sentences_stage(max_quote: int = MAX_QUOTE, **_settings):
    def run(doc: Doc) -> None:
        doc.sentences = split_sentences(doc.text, doc.stories, max_quote)

    return run
