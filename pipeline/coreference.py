"""Stage ``coreference``: resolve references within one article.

- 该县/该村/该镇/本县/全县 -> the place of that level last named in the story
  (该县人民法院 -> 襄城县人民法院);
- 吕书记 / 老付 / 小王 -> the full name when the article names exactly one
  person with that surname;
- in a first-person column, 我 -> the author named in the heading or byline;
- place chains completed from earlier mentions (九道岭镇 in an article about
  义县 -> 义县九道岭镇).
"""

from __future__ import annotations

import re
from collections import Counter

from .core import register_stage
from .doc import Doc, Span

LEVEL_OF_CHAR = {"县": "county", "区": "county", "市": "city", "镇": "township", "乡": "township", "村": "village", "省": "province"}
ANAPHOR = re.compile(r"(该|本|全|此)(县|区|市|镇|乡|村|省)")
SHORT_PERSON = re.compile(r"(老|小)?([\u4e00-\u9fff])(书记|主任|队长|局长|部长|县长|镇长|乡长|村长|支书|老师|同志)")
LEVELS = ("province", "city", "county", "township", "village")


def place_mentions(doc: Doc) -> list[Span]:
    return [s for s in doc.entities if s.label == "PLACE" and s.attrs.get("level")]


def story_of(doc: Doc, pos: int) -> int | None:
    sent = doc.sentence_at(pos)
    return sent.story if sent else None


def in_quotes(doc: Doc, span: Span) -> bool:
    """“清风襄城”: a name inside a slogan or title does not anchor references."""
    sent = doc.sentence_at(span.start)
    before = doc.text[sent.start if sent else 0 : span.start]
    return before.count("“") > before.count("”") or before.count("《") > before.count("》")


def last_place_before(doc: Doc, pos: int, level: str, places: list[Span]) -> Span | None:
    story = story_of(doc, pos)
    best = None
    for span in places:
        if span.start >= pos:
            break
        if span.attrs.get("level") == level and story_of(doc, span.start) == story and not in_quotes(doc, span):
            best = span
    return best


def focus_place(doc: Doc, level: str, places: list[Span], story: int | None = None) -> Span | None:
    """The place of a level named most often in the story (ties: first named)."""
    cands = [s for s in places if s.attrs.get("level") == level and (story is None or story_of(doc, s.start) == story)]
    if not cands:
        return None
    counts = Counter(s.text for s in cands)
    top = max(counts.values())
    for s in cands:
        if counts[s.text] == top:
            return s
    return None


def canonical_name(span: Span, level: str, places: list[Span]) -> str:
    """The full name of a place when the text used a short form (襄城 -> 襄城县): the gazetteer's
    name, its admin path, or a longer form of the same level that the article itself uses."""
    for full in (span.attrs.get("name"), (span.attrs.get("admin_path") or {}).get(level)):
        if full and full.startswith(span.text) and len(full) > len(span.text):
            return full
    longer = sorted(
        {p.text for p in places if p.attrs.get("level") == level and p.text.startswith(span.text) and len(p.text) > len(span.text)}
    )
    return longer[0] if len(longer) == 1 else span.text


def resolve_anaphora(doc: Doc, places: list[Span]) -> None:
    for m in ANAPHOR.finditer(doc.text):
        level = LEVEL_OF_CHAR[m.group(2)]
        target = last_place_before(doc, m.start(), level, places)
        if target is None:
            target = focus_place(doc, level, places, story_of(doc, m.start()))
        if target is None:
            continue
        doc.coref.append({"start": m.start(), "end": m.end(), "text": m.group(0), "label": "PLACE", "name": canonical_name(target, level, places)})
    for span in doc.entities:
        if span.label != "ORG":
            continue
        m = ANAPHOR.match(span.text)
        if not m:
            continue
        link = next((c for c in doc.coref if c["start"] == span.start), None)
        if link:
            span.attrs["name"] = link["name"] + span.text[m.end():]


def resolve_short_person_refs(doc: Doc) -> None:
    persons = [s for s in doc.entities if s.label == "PERSON"]
    by_surname: dict[str, set[str]] = {}
    for p in persons:
        if len(p.text) >= 2 and "·" not in p.text:
            by_surname.setdefault(p.text[0], set()).add(p.text)
    for m in SHORT_PERSON.finditer(doc.text):
        names = by_surname.get(m.group(2), set())
        if len(names) == 1:
            doc.coref.append(
                {"start": m.start(), "end": m.end(), "text": m.group(0), "label": "PERSON", "name": next(iter(names))}
            )


def first_person_authors(doc: Doc) -> None:
    """A story written in the first person whose heading or byline names one person."""
    persons = [s for s in doc.entities if s.label == "PERSON"]
    for story in doc.stories:
        body = doc.text[story.start : story.end]
        if body.count("我") - body.count("我们") < 2:
            continue
        head_end = story.start + min(len(body), 120)
        first_line_persons = [p for p in persons if story.start <= p.start < head_end]
        author = None
        if story.byline and len(story.byline) <= 4:
            author = story.byline
        elif first_line_persons:
            author = first_line_persons[0].text
        if author:
            doc.first_person[story.index] = author


def complete_place_paths(doc: Doc, places: list[Span]) -> None:
    """Give each place the admin levels above it that the text implies."""
    from .places import resolve_admin_path

    for span in places:
        path = dict(span.attrs.get("admin_path") or {})
        level = span.attrs["level"]
        path.setdefault(level, span.text)
        if path.get(level) is None:
            path[level] = span.text
        upper = LEVELS[: LEVELS.index(level)]
        if all(path.get(lv) for lv in upper):
            continue
        story = story_of(doc, span.start)
        context = []
        for lv in ("county", "city", "province"):
            if lv in upper and not path.get(lv):
                near = last_place_before(doc, span.start, lv, places) or focus_place(doc, lv, places, story)
                if near is not None:
                    context.append(near.text)
        try:
            resolved = resolve_admin_path({k: v for k, v in path.items() if v}, context=context)
        except Exception:  # noqa: BLE001 - the gazetteer is best effort; keep what the text says
            resolved = None
        if resolved is not None:
            for lv in LEVELS:
                value = getattr(resolved, lv, None)
                if value and not path.get(lv):
                    path[lv] = value
        span.attrs["admin_path"] = {lv: path.get(lv) for lv in LEVELS if path.get(lv)}


@register_stage(
    "coreference",
    requires=["entities", "stories", "sentences"],
    provides=["coref", "first_person"],
    description="该县/该村, 吕书记, first-person authors, place chains completed",
)
def make_coreference_stage(**_settings):
    def run(doc: Doc) -> None:
        places = sorted(place_mentions(doc), key=lambda s: s.start)
        doc.coref = []
        resolve_anaphora(doc, places)
        resolve_short_person_refs(doc)
        first_person_authors(doc)
        complete_place_paths(doc, places)
        doc.coref.sort(key=lambda c: (c["start"], c["end"]))

    return run
