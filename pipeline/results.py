"""Turn a processed ``Doc`` into output rows (``ExtractionResult``).

This is where cleaned-text spans become original-text offsets: every row's
``text``/``evidence`` is re-read from ``doc.original`` so that
``original[start:end] == text`` holds by construction.
"""

from __future__ import annotations

from .doc import Doc, Span
from .schema import (
    AdminPath,
    ArticleRow,
    ChangeRow,
    ErrorRow,
    Evidence,
    ExtractionResult,
    MentionRow,
    PostingRow,
    RoleRow,
    StatisticRow,
    Story,
)

_TYPE_OF_LABEL = {
    "PERSON": "PERSON",
    "PLACE": "PLACE",
    "ORG": "ORG",
    "ROLE": "ROLE",
    "MONEY": "MONEY",
    "QUANTITY": "QUANTITY",
    "DATE": "DATE",
}


def article_row(doc: Doc) -> ArticleRow:
    stories = []
    for s in doc.stories:
        if s.end <= s.start:
            continue
        _, o_start, o_end = doc.original_slice(s.start, s.end)
        stories.append(Story(index=s.index, title=s.title, byline=s.byline, start=o_start, end=o_end))
    return ArticleRow(
        id=doc.id,
        title=doc.title,
        published=doc.published,
        date_source=doc.date_source,
        encoding=doc.encoding,
        source=doc.source,
        url=doc.url,
        n_chars=len(doc.original),
        stories=stories,
    )


def evidence_for(doc: Doc, start: int, end: int) -> Evidence:
    """Evidence = the sentence(s) covering the cleaned span [start, end)."""
    first = doc.sentence_at(start)
    last = doc.sentence_at(max(start, end - 1))
    s_start = first.start if first else start
    s_end = last.end if last else end
    text, o_start, o_end = doc.original_slice(s_start, s_end)
    return Evidence(text=text, start=o_start, end=o_end)


def mention_row(doc: Doc, span: Span) -> MentionRow | None:
    if span.end <= span.start or span.label not in _TYPE_OF_LABEL:
        return None
    text, o_start, o_end = doc.original_slice(span.start, span.end)
    sent = doc.sentence_at(span.start)
    attrs = span.attrs
    admin = attrs.get("admin_path")
    if isinstance(admin, dict):
        admin = AdminPath(**{k: v for k, v in admin.items() if k in AdminPath.model_fields})
    name = attrs.get("name") or span.text
    return MentionRow(
        article_id=doc.id,
        type=_TYPE_OF_LABEL[span.label],
        text=text,
        start=o_start,
        end=o_end,
        sentence=sent.index if sent else -1,
        story=sent.story if sent else None,
        name=name if name != text else None,
        level=attrs.get("level"),
        admin_path=admin,
        value=attrs.get("value"),
        value_max=attrs.get("value_max"),
        unit=attrs.get("unit"),
        approximate=bool(attrs.get("approximate", False)),
        lower_bound=bool(attrs.get("lower_bound", False)),
        upper_bound=bool(attrs.get("upper_bound", False)),
        source=span.source,
    )


def _fact_kwargs(doc: Doc, fact: dict) -> dict:
    """Split a stage's fact dict into row fields plus evidence from its span."""
    fields = {k: v for k, v in fact.items() if not k.startswith("_")}
    start, end = fact["_span"]
    fields["evidence"] = evidence_for(doc, start, end)
    fields["article_id"] = doc.id
    fields.setdefault("confidence", 0.5)
    return fields


def doc_to_result(doc: Doc) -> ExtractionResult:
    mentions = [m for m in (mention_row(doc, s) for s in doc.entities) if m is not None]
    mentions.sort(key=lambda m: (m.start, m.end, m.type, m.text))
    return ExtractionResult(
        article=article_row(doc),
        mentions=mentions,
        postings=[PostingRow(**_fact_kwargs(doc, f)) for f in doc.postings],
        roles=[RoleRow(**_fact_kwargs(doc, f)) for f in doc.roles],
        changes=[ChangeRow(**_fact_kwargs(doc, f)) for f in doc.changes],
        statistics=[StatisticRow(**_fact_kwargs(doc, f)) for f in doc.statistics],
        errors=[ErrorRow(article_id=doc.id, stage=stage, reason=reason, source=doc.source) for stage, reason in doc.errors],
    )
