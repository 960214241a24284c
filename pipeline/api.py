"""Python API: the same extraction as ``zhucun run`` on one text."""

from __future__ import annotations

from functools import lru_cache

from .core import DEFAULT_STAGES, Pipeline
from .doc import Doc
from .results import doc_to_result
from .schema import ExtractionResult


@lru_cache(maxsize=8)
def build_pipeline(ner: str = "lac", entities: str = "all") -> Pipeline:
    """A pipeline with the default stages; cached so models load once per process."""
    return Pipeline(list(DEFAULT_STAGES), settings={"ner": ner, "entities": entities})


def process(doc: Doc, ner: str = "lac", entities: str = "all") -> ExtractionResult:
    build_pipeline(ner, entities)(doc)
    return doc_to_result(doc)


def extract(
    text: str,
    published: str | None = None,
    *,
    article_id: str = "text",
    title: str | None = None,
    ner: str = "lac",
    entities: str = "all",
) -> ExtractionResult:
    """Extract mentions, postings, roles, changes and statistics from one article.

    ``published`` (ISO date, as precise as known) anchors relative dates such as
    今年6月; without it they stay unresolved.
    """
    from .readers import parse_date

    iso = parse_date(published) if published else None
    doc = Doc(
        id=article_id,
        original=text,
        title=title,
        published=iso,
        date_source="record" if iso else "unknown",
    )
    return process(doc, ner=ner, entities=entities)


def to_spacy(result: ExtractionResult, original_text: str):
    """A spaCy ``Doc`` over the original text with ``ents`` for displaCy."""
    from .display import to_spacy_doc

    return to_spacy_doc(result, original_text)
