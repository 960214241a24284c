"""Pydantic models: the contract between stages and the schema of every output table.

Every offset in an output row points into the ORIGINAL article text (as decoded),
never into the cleaned text: ``original[start:end] == text``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

EntityType = Literal["PERSON", "PLACE", "ORG", "ROLE", "MONEY", "QUANTITY", "DATE"]
PlaceLevel = Literal["province", "city", "county", "township", "village"]
DateSource = Literal["record", "meta", "header", "unknown"]


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Evidence(_Row):
    """The sentence a fact was read from, as a slice of the original text."""

    text: str
    start: int
    end: int


class AdminPath(_Row):
    """Administrative chain of a place, filled as far as known."""

    province: str | None = None
    city: str | None = None
    county: str | None = None
    township: str | None = None
    village: str | None = None


class Story(_Row):
    """One story of a multi-story page (a newspaper page holds several)."""

    index: int
    title: str | None = None
    byline: str | None = None
    start: int
    end: int


class ArticleRow(_Row):
    id: str
    title: str | None = None
    published: str | None = Field(None, description="ISO date, as precise as known (YYYY, YYYY-MM or YYYY-MM-DD)")
    date_source: DateSource = "unknown"
    encoding: str | None = None
    source: str | None = Field(None, description="file the article was read from")
    url: str | None = None
    n_chars: int = 0
    stories: list[Story] = Field(default_factory=list)


class MentionRow(_Row):
    article_id: str
    type: EntityType
    text: str = Field(description="exactly original[start:end]")
    start: int
    end: int
    sentence: int = Field(description="index of the sentence in the article")
    story: int | None = None
    name: str | None = Field(None, description="normalised surface form (page breaks removed, coreference resolved)")
    level: PlaceLevel | None = None
    admin_path: AdminPath | None = None
    value: float | str | None = Field(None, description="MONEY: yuan; QUANTITY: number; DATE: ISO value or range 'A/B'")
    value_max: float | None = Field(None, description="upper end when the value is a range (400多万元)")
    unit: str | None = None
    approximate: bool = False
    lower_bound: bool = Field(False, description="the value is a minimum (10万元以上, 突破40万元)")
    upper_bound: bool = Field(False, description="the value is a maximum (不足3万元)")
    source: str = Field("rule", description="what found it: backend name, 'gazetteer', 'rule', 'coref'")


class FactRow(_Row):
    article_id: str
    evidence: Evidence
    confidence: float = Field(ge=0.0, le=1.0)


class PostingRow(FactRow):
    person: str
    role: str | None = None
    village: str | None = None
    township: str | None = None
    county: str | None = None
    city: str | None = None
    province: str | None = None
    org: str | None = Field(None, description="dispatching unit (派出单位) as written, coreference resolved")
    start: str | None = Field(None, description="ISO year or year-month the posting began")


class RoleRow(FactRow):
    person: str
    title: str
    where: str | None = None
    start: str | None = None


class ChangeRow(FactRow):
    subject: str
    metric: str | None = None
    before: float | None = None
    after: float | None = None
    delta: float | None = None
    unit: str | None = None
    before_time: str | None = None
    after_time: str | None = None
    approximate: bool = False


class StatisticRow(FactRow):
    subject: str
    metric: str | None = None
    value: float
    unit: str | None = None
    time: str | None = None
    approximate: bool = False


class ErrorRow(_Row):
    article_id: str
    stage: str
    reason: str
    source: str | None = None


class Manifest(BaseModel):
    zhucun_version: str
    python: str
    packages: dict[str, str]
    settings: dict
    inputs: list[str]
    counts: dict[str, int]
    timings: dict[str, float]
    articles: dict[str, int] = Field(default_factory=dict, description="processed, failed, chars, chunks, resumed_chunks")
    graph: str | None = Field(None, description="built | skipped (reason) | failed (reason)")


class ExtractionResult(_Row):
    """Everything extracted from one article: what ``pipeline.extract`` returns."""

    article: ArticleRow
    mentions: list[MentionRow] = Field(default_factory=list)
    postings: list[PostingRow] = Field(default_factory=list)
    roles: list[RoleRow] = Field(default_factory=list)
    changes: list[ChangeRow] = Field(default_factory=list)
    statistics: list[StatisticRow] = Field(default_factory=list)
    errors: list[ErrorRow] = Field(default_factory=list)


# Output table name -> row model. The order is the order tables are written.
TABLES: dict[str, type[BaseModel]] = {
    "articles": ArticleRow,
    "mentions": MentionRow,
    "postings": PostingRow,
    "roles": RoleRow,
    "changes": ChangeRow,
    "statistics": StatisticRow,
    "errors": ErrorRow,
}


def json_schemas() -> dict[str, dict]:
    """JSON Schema of every output table (and the manifest)."""
    out = {name: model.model_json_schema() for name, model in TABLES.items()}
    out["manifest"] = Manifest.model_json_schema()
    return out
