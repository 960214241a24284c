"""Show an extraction result on its original text with spaCy's displaCy.

The spaCy ``Doc`` has one token per character of the original text (whitespace included), so token
indices are character offsets and ``doc.text == original_text`` exactly. spaCy's own Chinese ``char``
segmenter folds whitespace into the neighbouring tokens, which would break that identity.
"""

from __future__ import annotations

from functools import lru_cache
from typing import get_args

import spacy
from spacy import displacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from .schema import EntityType, Evidence, ExtractionResult, MentionRow

FACTS_KEY = "facts"
ENTITY_TYPES: tuple[str, ...] = get_args(EntityType)
ENTITY_COLORS = {
    "PERSON": "#f4a6a6",
    "PLACE": "#9fd4a3",
    "ORG": "#a8c8f0",
    "ROLE": "#f7d38a",
    "MONEY": "#d7b4f3",
    "QUANTITY": "#c9e3a0",
    "DATE": "#b6e3e9",
}


@lru_cache(maxsize=1)
def _blank_zh() -> Language:
    return spacy.blank("zh")


def char_doc(text: str) -> Doc:
    """A Doc with one token per character of ``text``."""
    chars = list(text)
    return Doc(_blank_zh().vocab, words=chars, spaces=[False] * len(chars))


def _check_slice(text: str, start: int, end: int, expected: str, what: str) -> None:
    if not 0 <= start < end <= len(text):
        raise ValueError(f"{what} [{start}, {end}) is outside the text (length {len(text)})")
    if text[start:end] != expected:
        raise ValueError(f"{what} [{start}, {end}) reads {text[start:end]!r}, row says {expected!r}")


def longest_non_overlapping(mentions: list[MentionRow]) -> list[MentionRow]:
    """Resolve overlaps: longer mentions win; ties go to the earlier start, then the type order of the schema."""
    def rank(m: MentionRow) -> tuple:
        return (-(m.end - m.start), m.start, ENTITY_TYPES.index(m.type), m.text)

    taken: list[MentionRow] = []
    occupied: set[int] = set()
    for mention in sorted(mentions, key=rank):
        chars = range(mention.start, mention.end)
        if any(i in occupied for i in chars):
            continue
        occupied.update(chars)
        taken.append(mention)
    return sorted(taken, key=lambda m: m.start)


def _fact_span(doc: Doc, evidence: Evidence, label: str, what: str) -> Span:
    _check_slice(doc.text, evidence.start, evidence.end, evidence.text, what)
    return Span(doc, evidence.start, evidence.end, label=label)


def to_spacy_doc(result: ExtractionResult, original_text: str) -> Doc:
    """Doc over ``original_text``: ``doc.ents`` from the mentions, ``doc.spans['facts']`` from fact evidence.

    Raises ValueError when a row's offsets do not read its text in ``original_text`` (a broken offset
    contract is a pipeline bug and must not be drawn in the wrong place).
    """
    doc = char_doc(original_text)
    for mention in result.mentions:
        _check_slice(original_text, mention.start, mention.end, mention.text, f"{mention.type} mention")
    doc.ents = [Span(doc, m.start, m.end, label=m.type) for m in longest_non_overlapping(result.mentions)]

    facts = [_fact_span(doc, p.evidence, "POSTING", f"posting of {p.person}") for p in result.postings]
    facts += [_fact_span(doc, c.evidence, "CHANGE", f"change of {c.subject}") for c in result.changes]
    doc.spans[FACTS_KEY] = sorted(facts, key=lambda s: (s.start, s.end, s.label_))
    return doc


def render_html(doc: Doc, title: str | None = None) -> str:
    """A standalone HTML page with the entities highlighted, one colour per type."""
    labels = sorted({ent.label_ for ent in doc.ents}, key=lambda t: (t not in ENTITY_COLORS, t))
    options = {"ents": labels, "colors": {t: ENTITY_COLORS[t] for t in labels if t in ENTITY_COLORS}}
    if title is not None:
        doc.user_data["title"] = title
    return displacy.render(doc, style="ent", page=True, jupyter=False, options=options)
