"""Stage ``relations``: postings, roles, changes and statistics from mentions.

Rules work on one sentence at a time over the mentions found by ``entities``
and the links of ``coreference``; they are written for the genre's recurring
constructions, not for particular articles:

postings  [ORG]驻[place chain]([党支部])[posting role][PERSON]    襄城县交通局驻姜庄乡漕厂村第一书记铁星
          [PERSON]…是/任/担任[place chain]…[posting role]            吕力力，是小白庙子村驻村第一书记
          [PERSON、PERSON]等N名[posting role] (place: the clause's)   由董连杰、廖伟伟等9名第一书记
          [PERSON、PERSON]…赴[place]、[place]任职                      董立开、熊晓珍先后赴…吉山村、…小溪头村任职
          我…来到[place]担任…[posting role] (first-person column: the author)
          [PERSON]由[ORG]下派 / [ORG]选派[PERSON]: the 派出单位, start = the clause's date
roles     [place][official title][PERSON]; [PERSON]当选为[place][title]; [place]的[PERSON][title]
changes   [subject][metric]由/从[A](增加|减少…)到/至/为[B] (several quantities pair by unit)
          [subject]…(增收|增加|增长)[metric][amount]  -> delta
          [subject][metric]突破[amount]; [metric]已清零 -> after only
          当时[metric]不足A … [date][metric]近B (same metric, past cue) -> before/after
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .core import register_stage
from .doc import Doc, Sentence, Span
from .lexicon import alternation, patterns

LEVELS = ("province", "city", "county", "township", "village")
SUBJECT_LEVELS = ("village", "township", "county", "city")  # the levels a change or statistic subject can have
# what may stand between a place chain and the role word after it
CHAIN_TO_ROLE = re.compile(r"^(?:的)?(?:党支部|党总支|党委|党工委|村委会?|村|驻村|派驻|挂职)?(?:驻村|派驻)?$")
PERSON_LIST_SEP = re.compile(r"^[、和与及,，]$")


@dataclass
class Ctx:
    doc: Doc
    sent: Sentence
    spans: list[Span]  # mentions in the sentence, sorted

    def of(self, label: str) -> list[Span]:
        return [s for s in self.spans if s.label == label]

    def free_places(self) -> list[Span]:
        """PLACE mentions not nested in an ORG (开原市 in 开原市融媒体中心 is not where anyone was posted)."""
        orgs = self.of("ORG")
        return [p for p in self.of("PLACE") if not any(o.start <= p.start and p.end <= o.end for o in orgs)]

    def between(self, a: int, b: int) -> str:
        return self.doc.text[a:b]


def sentence_mentions(doc: Doc) -> dict[int, list[Span]]:
    out: dict[int, list[Span]] = {s.index: [] for s in doc.sentences}
    for span in doc.entities:
        sent = doc.sentence_at(span.start)
        if sent is not None:
            out[sent.index].append(span)
    for link in doc.coref:
        sent = doc.sentence_at(link["start"])
        if sent is None:
            continue
        if link["label"] == "PLACE":
            out[sent.index].append(
                Span(link["start"], link["end"], "ANAPHOR", link["text"], {"name": link["name"]}, "coref")
            )
        elif link["label"] == "PERSON":
            out[sent.index].append(
                Span(link["start"], link["end"], "PERSONREF", link["text"], {"name": link["name"]}, "coref")
            )
    for spans in out.values():
        spans.sort(key=lambda s: (s.start, s.end, s.label))
    return out


# ---------------------------------------------------------------- places


def chain_before(ctx: Ctx, pos: int, max_gap: int = 0) -> list[Span]:
    """The run of adjacent PLACE mentions ending at ``pos`` (gap allowed only for fillers)."""
    places = [s for s in ctx.free_places() if s.end <= pos]
    chain: list[Span] = []
    cursor = pos
    for span in reversed(places):
        gap = ctx.between(span.end, cursor)
        if chain:
            if gap.strip() and not re.fullmatch(r"[的]?", gap):
                break
        elif len(gap) > max_gap and not CHAIN_TO_ROLE.match(gap):
            break
        if chain and LEVELS.index(span.attrs.get("level", "village")) >= LEVELS.index(chain[0].attrs.get("level", "village")):
            break  # a chain climbs: village <- township <- county ...
        chain.insert(0, span)
        cursor = span.start
    return chain


def place_fields(chain: list[Span]) -> dict:
    """village/township/county/city/province from a chain and the lowest place's admin path."""
    fields = {lv: None for lv in LEVELS}
    if not chain:
        return fields
    lowest = chain[-1]
    for lv, value in (lowest.attrs.get("admin_path") or {}).items():
        if lv in fields:
            fields[lv] = value
    for span in chain:
        lv = span.attrs.get("level")
        if lv in fields:
            fields[lv] = span.text
    return fields


def place_key(fields: dict) -> str | None:
    return fields.get("village") or fields.get("township") or fields.get("county")


def nearest_place_before(ctx: Ctx, pos: int, levels=("village", "township", "county")) -> list[Span]:
    for level in levels:
        cands = [s for s in ctx.free_places() if s.end <= pos and s.attrs.get("level") == level]
        if cands:
            return chain_before(ctx, cands[-1].end, max_gap=0) or [cands[-1]]
    return []


# ---------------------------------------------------------------- persons


def person_after(ctx: Ctx, pos: int) -> Span | None:
    for span in ctx.of("PERSON"):
        if span.start in (pos, pos + 1) and not ctx.between(pos, span.start).strip():
            return span
    return None


def person_list_before(ctx: Ctx, pos: int) -> list[Span]:
    """PERSON、PERSON… ending just before ``pos`` (allowing 等/等N名 and a space)."""
    persons = [s for s in ctx.of("PERSON") if s.end <= pos]
    out: list[Span] = []
    cursor = pos
    for span in reversed(persons):
        gap = ctx.between(span.end, cursor)
        if out and not PERSON_LIST_SEP.match(gap):
            break
        if not out and not re.fullmatch(r"(?:等[\d一二三四五六七八九十两几多]*[名位个]?)?", gap):
            break
        out.insert(0, span)
        cursor = span.start
    return out


def subject_person_before(ctx: Ctx, role: Span) -> Span | None:
    """吕力力，是小白庙子村驻村第一书记 / 王勇当选为…书记: the person the clause is about."""
    persons = [s for s in ctx.of("PERSON") if s.end <= role.start]
    if not persons:
        return None
    person = persons[-1]
    gap = ctx.between(person.end, role.start)
    if len(gap) > 40 or re.search(r"[。；;！？]", gap):
        return None
    if any(s.label == "ROLE" and person.end <= s.start < role.start for s in ctx.spans):
        return None
    if re.search(r"(?:^|，|,)?(?:是|为|任|担任|出任|成为|当选为?|作为|兼任|任职)", gap):
        return person
    return None


# ---------------------------------------------------------------- orgs and dates


DISPATCH = alternation(patterns()["dispatch_verbs"])


def org_name(span: Span) -> str:
    return span.attrs.get("name") or span.text


def org_before_chain(ctx: Ctx, chain: list[Span]) -> Span | None:
    """襄城县交通局驻姜庄乡漕厂村…: the ORG right before 驻 + chain."""
    if not chain:
        return None
    start = chain[0].start
    for org in ctx.of("ORG"):
        gap = ctx.between(org.end, start)
        if org.end <= start and re.fullmatch(r"(?:派?驻|派到|下派到|选派到)", gap):
            return org
    return None


def dispatch_clauses(doc: Doc, mentions: dict[int, list[Span]]) -> list[dict]:
    """[PERSON]由[ORG]下派 / [ORG]选派[PERSON] anywhere in the article."""
    found = []
    for sent in doc.sentences:
        ctx = Ctx(doc, sent, mentions[sent.index])
        for org in ctx.of("ORG"):
            after = doc.text[org.end : org.end + 8]
            before = doc.text[max(sent.start, org.start - 3) : org.start]
            m_after = re.match(r"(?:党委|党组)?(?:" + DISPATCH + ")", after)
            if before.endswith(("由", "从")) and m_after:
                persons = [p for p in ctx.of("PERSON") if p.end <= org.start]
                if persons:
                    found.append({"person": persons[-1].text, "org": org_name(org), "sent": sent, "span": (persons[-1].start, org.end + m_after.end())})
            elif m_after:
                person = next((p for p in ctx.of("PERSON") if org.end + m_after.end() <= p.start <= org.end + m_after.end() + 12), None)
                if person:
                    found.append({"person": person.text, "org": org_name(org), "sent": sent, "span": (org.start, person.end)})
    return found


def clause_date(ctx: Ctx, before: int) -> str | None:
    """A resolved date in the sentence before ``before`` (the clause's time)."""
    dates = [s for s in ctx.of("DATE") if s.end <= before and s.attrs.get("value")]
    if not dates:
        return None
    value = str(dates[-1].attrs["value"]).split("/")[0]
    return value[:7]


# ---------------------------------------------------------------- postings


def posting_candidates(doc: Doc, mentions: dict[int, list[Span]]) -> list[dict]:
    cands = []
    for sent in doc.sentences:
        ctx = Ctx(doc, sent, mentions[sent.index])
        roles = [r for r in ctx.of("ROLE") if r.attrs.get("posting")]
        for role in roles:
            cands.extend(postings_for_role(ctx, role))
        cands.extend(postings_by_travel(ctx, roles))
    return cands


def postings_for_role(ctx: Ctx, role: Span) -> list[dict]:
    doc = ctx.doc
    out = []
    chain = chain_before(ctx, role.start)
    persons: list[Span] = []
    confidence = 0.9
    after = person_after(ctx, role.end)
    if after is not None:
        persons = [after]
    else:
        listed = person_list_before(ctx, role.start)
        if listed:
            persons = listed
            confidence = 0.75
        else:
            subj = subject_person_before(ctx, role)
            if subj is not None:
                persons = [subj]
                confidence = 0.8
    first_person = None
    if not persons:
        author = doc.first_person.get(ctx.sent.story) if ctx.sent.story is not None else None
        clause = doc.text[ctx.sent.start : role.start]
        if author and "我" in clause and "我们" not in clause[clause.rfind("我") :][:2]:
            first_person = author
            confidence = 0.75
    if not persons and not first_person:
        return out
    if not chain:
        anchor = persons[0].start if persons and persons[0].start < role.start else role.start
        chain = nearest_place_before(ctx, role.start if persons and persons[0].start > role.start else anchor) or nearest_place_before(ctx, role.start)
        confidence -= 0.15
    fields = place_fields(chain)
    org = org_before_chain(ctx, chain)
    names = [p.text for p in persons] or [first_person]
    for name in names:
        start_pos = min([role.start] + [p.start for p in persons] + ([chain[0].start] if chain else []))
        end_pos = max([role.end] + [p.end for p in persons])
        row = {
            "person": name,
            "role": role.text,
            **fields,
            "org": org_name(org) if org else None,
            "start": None,
            "confidence": round(max(confidence, 0.3), 2),
            "_span": (start_pos, end_pos),
            "_sent": ctx.sent.index,
        }
        row["start"] = posting_start(ctx, chain, role)
        if first_person and org is None:
            row["org"] = first_person_org(ctx, chain)
        out.append(row)
    return out


ARRIVAL_BEFORE_CHAIN = re.compile(r"(?:来到|到任|赴任|进驻|前往|到|赴|担任|出任|派驻到|下派到|选派到)$")


def posting_start(ctx: Ctx, chain: list[Span], role: Span) -> str | None:
    """今年6月，我来到…韩堂村担任第一书记 / 去年8月她担任嘎旦村驻村第一书记: the clause's date is when
    the posting began — only when an arrival or appointment verb leads into the place and role, so a
    dated scene (7月20日，…第一书记铁星就来到村东头) does not become a start."""
    if not chain:
        return None
    lead = ctx.doc.text[ctx.sent.start : chain[0].start]
    tail = ctx.doc.text[chain[-1].end : role.start]
    if not ARRIVAL_BEFORE_CHAIN.search(lead):
        return None
    if len(tail) > 8 or re.search(r"[，,。；]", tail):
        return None
    return clause_date(ctx, chain[0].start)


def first_person_org(ctx: Ctx, chain: list[Span]) -> str | None:
    """带着[ORG]…的嘱托，…我来到[place]: the unit the author came from."""
    limit = chain[0].start if chain else ctx.sent.end
    orgs = [o for o in ctx.of("ORG") if o.end <= limit and not o.text.endswith(("村委会", "村委", "党支部"))]
    return org_name(orgs[0]) if orgs else None


def postings_by_travel(ctx: Ctx, roles: list[Span]) -> list[dict]:
    """PERSON、PERSON…赴[place]、[place]任职: pair people and places in order."""
    doc = ctx.doc
    text = doc.text
    out = []
    for m in re.finditer(r"(?:先后|分别)?(?:赴|到|前往|进驻)", text[ctx.sent.start : ctx.sent.end]):
        pos = ctx.sent.start + m.start()
        persons = person_list_before(ctx, pos) or person_list_before(ctx, pos - 2)
        if not persons or not re.search(r"任职|驻村|担任|挂职", text[pos : ctx.sent.end]):
            continue
        chains = []
        cursor = ctx.sent.start + m.end()
        for place in [p for p in ctx.free_places() if p.start >= cursor and p.attrs.get("level") == "village"]:
            if re.search(r"任职|担任|挂职", text[cursor : place.start]):
                break
            chains.append(chain_before(ctx, place.end) or [place])
        if not chains:
            continue
        role = roles[0].text if roles else "第一书记"
        pairs = zip(persons, chains, strict=False) if len(persons) == len(chains) else ((p, chains[0]) for p in persons)
        for person, chain in pairs:
            out.append(
                {
                    "person": person.text,
                    "role": role,
                    **place_fields(chain),
                    "org": None,
                    "start": None,
                    "confidence": 0.6,
                    "_span": (persons[0].start, chain[-1].end),
                    "_sent": ctx.sent.index,
                }
            )
    return out


def merge_postings(cands: list[dict], dispatches: list[dict]) -> list[dict]:
    """One posting per (person, place); placeless mentions and dispatch clauses lend org/start."""
    by_person: dict[str, list[dict]] = {}
    for c in cands:
        by_person.setdefault(c["person"], []).append(c)
    out = []
    for person, rows in by_person.items():
        placed: dict[str, dict] = {}
        for row in rows:
            key = place_key(row)
            if key is None:
                continue
            if key in placed:
                keep = placed[key]
                for field in ("township", "county", "city", "province", "org", "start"):
                    if not keep.get(field) and row.get(field):
                        keep[field] = row[field]
                keep["confidence"] = max(keep["confidence"], row["confidence"])
            else:
                placed[key] = dict(row)
        # a longer chain of the same village (南平市…罗坑村) and a bare mention (罗坑村) are one posting
        if not placed:
            continue
        extra_org = next((r["org"] for r in rows if r.get("org")), None)
        extra_start = next((r["start"] for r in rows if r.get("start")), None)
        for d in dispatches:
            if d["person"] == person:
                extra_org = extra_org or d["org"]
                extra_start = extra_start or d.get("start")
        for row in placed.values():
            if len(placed) == 1:
                row["org"] = row.get("org") or extra_org
                row["start"] = row.get("start") or extra_start
            out.append(row)
    return out


# ---------------------------------------------------------------- roles


OFFICIAL_ELECT = re.compile(r"(当选为?|担任|出任|任|兼任)$")


def role_rows(doc: Doc, mentions: dict[int, list[Span]]) -> list[dict]:
    out = []
    for sent in doc.sentences:
        ctx = Ctx(doc, sent, mentions[sent.index])
        for role in ctx.of("ROLE"):
            if role.attrs.get("posting"):
                continue
            person = person_after(ctx, role.end)
            start = None
            if person is None:
                before = [p for p in ctx.of("PERSON") if p.end <= role.start]
                if before and OFFICIAL_ELECT.search(re.sub(r"[\u4e00-\u9fff]*?(?:村|镇|乡|县|市)$", "", doc.text[before[-1].end : role.start])):
                    person = before[-1]
                    start = clause_date(ctx, person.start)
                elif before and doc.text[before[-1].end : role.start] == "" and role.text in ("书记", "主任", "村长"):
                    person = before[-1]  # 裴寨村的裴春亮书记
            if person is None:
                continue
            where = where_before(ctx, min(role.start, person.start) if person.start < role.start else role.start, role)
            out.append(
                {
                    "person": person.text,
                    "title": role.text,
                    "where": where,
                    "start": start,
                    "confidence": 0.8 if where else 0.6,
                    "_span": (min(role.start, person.start), max(role.end, person.end)),
                }
            )
    return dedupe(out, ("person", "title", "where"))


def where_before(ctx: Ctx, pos: int, role: Span) -> str | None:
    """The place or organisation a title belongs to: the nearest one just before it."""
    candidates = [
        s
        for s in ctx.spans
        if s.label in ("PLACE", "ORG", "ANAPHOR") and s.start < role.start and s.end <= role.start + 1 and role.start - s.end <= 8
    ]
    if not candidates:
        return None
    best = max(candidates, key=lambda s: (s.end, s.end - s.start))
    if best.label == "ANAPHOR":
        return best.attrs["name"]
    return best.attrs.get("name") or best.text


# ---------------------------------------------------------------- changes


def amounts(ctx: Ctx) -> list[Span]:
    return [s for s in ctx.spans if s.label in ("MONEY", "QUANTITY")]


def _num(span: Span) -> float | None:
    value = span.attrs.get("value")
    return float(value) if isinstance(value, (int, float)) else None


def quoted(doc: Doc, span: Span) -> bool:
    """“红星村党组织”: a name inside quotes is an honour or a nickname, not the subject."""
    sent = doc.sentence_at(span.start)
    before = doc.text[sent.start if sent else 0 : span.start]
    return before.count("“") > before.count("”") or before.count("《") > before.count("》")


def subject_spans(ctx: Ctx, pos: int) -> list[Span]:
    places = ctx.free_places()
    cands = [s for s in ctx.spans if (s.label == "ANAPHOR" or s in places) and s.end <= pos]
    return [
        s
        for s in cands
        if s.label == "ANAPHOR" or (s.attrs.get("level") in SUBJECT_LEVELS and not quoted(ctx.doc, s))
    ]


def subject_before(ctx: Ctx, pos: int, persons_places: dict[str, str], mentions: dict[int, list[Span]] | None = None) -> str | None:
    """The place a statement is about: nearest place or 该村/全县 before ``pos``; else the person's
    posting place; else the village the story last named (within ten sentences)."""
    cands = subject_spans(ctx, pos)
    if cands:
        clause_start = max(ctx.doc.text.rfind(c, ctx.sent.start, pos) for c in "，,；;")
        in_clause = [s for s in cands if s.start > clause_start]
        villages = [s for s in cands if s.label == "PLACE" and s.attrs.get("level") == "village"]
        best = (in_clause or villages or cands)[-1]
        return best.attrs["name"] if best.label == "ANAPHOR" else best.text
    for person in reversed([s for s in ctx.of("PERSON") if s.end <= pos]):
        if person.text in persons_places:
            return persons_places[person.text]
    if mentions is not None:
        doc = ctx.doc
        for index in range(ctx.sent.index - 1, max(-1, ctx.sent.index - 11), -1):
            prev = doc.sentences[index]
            if prev.story != ctx.sent.story:
                break
            pctx = Ctx(doc, prev, mentions[index])
            villages = [s for s in subject_spans(pctx, prev.end) if s.label == "PLACE" and s.attrs.get("level") == "village"]
            if villages:
                return villages[-1].text
    return None


def metric_between(doc: Doc, start: int, end: int) -> str | None:
    raw = doc.text[start:end]
    raw = re.split(r"[，,；;：:、]", raw)[-1]
    raw = re.sub(r"^(?:的|已|共|累计|全年|年均|“|”|\s)+|(?:的|数量|已|都|(?<![人户])均|将|会|也|“|”|\s)+$", "", raw)
    raw = raw.replace("“", "").replace("”", "")
    return raw or None


# after the 'from' amounts: a few metric characters (零收入), a comma, the verb, 到/至/为
FROM_TO_VERB = re.compile(
    r"[^，,。；;]{0,4}?[，,]?\s*(?:" + alternation(patterns()["increase_verbs"] + patterns()["decrease_verbs"]) + r")(?:到|至|为)?"
)


def amount_run(ctx: Ctx, spans: list[Span], cursor: int, limit: int | None) -> tuple[list[Span], str | None, int]:
    """Adjacent amounts from ``cursor`` (40户123人), allowing a date and a few words before the first
    (从当初的40户, 从2017年度的零收入). Returns the amounts, the year of that date, and the end."""
    text = ctx.doc.text
    found: list[Span] = []
    year = None
    for span in spans:
        if span.start < cursor:
            continue
        gap = text[cursor : span.start]
        date = next((d for d in ctx.of("DATE") if cursor <= d.start and d.end <= span.start), None)
        if date is not None:
            year = str(date.attrs.get("value") or "")[:4] or None
            gap = text[cursor : date.start] + text[date.end : span.start]
        if found and not re.fullmatch(r"[,，、]?", gap):
            break
        if len(gap) > 6 or re.search(r"[。；,，]", gap):
            break
        found.append(span)
        cursor = span.end
        if limit is not None and len(found) == limit:
            break
    return found, year, cursor


def from_to_changes(ctx: Ctx, pp: dict[str, str], mentions: dict[int, list[Span]]) -> list[dict]:
    doc = ctx.doc
    out = []
    spans = amounts(ctx)
    text = doc.text
    for m in re.finditer(r"[由从]", text[ctx.sent.start : ctx.sent.end]):
        pos = ctx.sent.start + m.start()
        before_amounts, before_time, cursor = amount_run(ctx, spans, pos + 1, None)
        if not before_amounts:
            continue
        verb = FROM_TO_VERB.match(text, cursor)
        if not verb:
            continue
        after_amounts, after_time, _ = amount_run(ctx, spans, verb.end(), len(before_amounts))
        if not after_amounts:
            continue
        subject = subject_before(ctx, pos, pp, mentions)
        if subject is None:
            continue
        subj_span = next(iter(subject_spans(ctx, pos)[-1:]), None)
        metric = metric_between(doc, subj_span.end if subj_span else ctx.sent.start, pos)
        for b, a in pair_by_unit(before_amounts, after_amounts):
            out.append(
                change_row(subject, metric, _num(b), _num(a), None, a.attrs.get("unit") or b.attrs.get("unit"), before_time, after_time, (pos, a.end), 0.85, b, a)
            )
    return out


def pair_by_unit(before: list[Span], after: list[Span]) -> list[tuple[Span, Span]]:
    if len(before) == 1 and len(after) == 1:
        return [(before[0], after[0])]
    pairs = []
    used = set()
    for b in before:
        for i, a in enumerate(after):
            if i not in used and a.attrs.get("unit") == b.attrs.get("unit") and a.label == b.label:
                pairs.append((b, a))
                used.add(i)
                break
    return pairs


def change_row(subject, metric, before, after, delta, unit, before_time, after_time, span, confidence, *sources) -> dict:
    return {
        "subject": subject,
        "metric": metric,
        "before": before,
        "after": after,
        "delta": delta,
        "unit": unit,
        "before_time": before_time,
        "after_time": after_time,
        "approximate": any(bool(s.attrs.get("approximate")) for s in sources),
        "confidence": confidence,
        "_span": span,
    }


# what stands before the verb but is no metric: the comparison (同比, 比2005年, 较上年同期) and adverbs
# (预计为负增长, 分别增长): 农民人均纯收入同比增长 -> 农民人均纯收入
COMPARISON_TAIL = re.compile(
    r"(?:同比|环比|(?:比|较)(?![重例率值])[^，,；;]{0,10}?)?(?:预计为?|分别|(?<![人户])均|也|又|再|仍|了|负)*$"
)
# a verb, not the noun it starts (工业增加值, 增长率, 新的增长点)
NOT_A_VERB = r"(?![值率点极])"
INCREASE_BY = re.compile(r"(?:" + alternation(patterns()["increase_by_verbs"]) + r")" + NOT_A_VERB + r"(?!到|至|为)")


def increase_by_changes(ctx: Ctx, pp: dict[str, str], used: set[int]) -> list[dict]:
    doc = ctx.doc
    out = []
    for m in INCREASE_BY.finditer(doc.text, ctx.sent.start, ctx.sent.end):
        after_verb = m.end()
        amount = next((s for s in amounts(ctx) if after_verb <= s.start <= after_verb + 10 and s.start not in used), None)
        if amount is None or re.search(r"[，,。；]", doc.text[after_verb : amount.start]):
            continue
        if amount.label == "QUANTITY" and amount.attrs.get("unit") not in ("%", "户", "人", "元", "个百分点"):
            continue
        subject = subject_before(ctx, m.start(), pp)
        if subject is None:
            continue
        metric_words = doc.text[after_verb : amount.start].strip("了约近达")
        # the metric runs from the subject (when it is close) to the verb: 中部地区|规模以上工业增加值|同比增长
        subj_span = next(iter(subject_spans(ctx, m.start())[-1:]), None)
        window = subj_span.end if subj_span is not None and subj_span.end >= m.start() - 20 else m.start() - 10
        before_words = COMPARISON_TAIL.sub("", metric_between(doc, max(ctx.sent.start, window), m.start()) or "")
        if before_words.endswith(("人均", "户均")):
            metric_words = before_words[-2:] + m.group(0) + metric_words  # 农民人均增收 -> 人均增收
        metric = metric_words or before_words or m.group(0)
        delta = _num(amount)
        if delta is not None and doc.text[max(ctx.sent.start, m.start() - 1) : m.start()] == "负":
            delta = -delta  # 负增长0.3%
        used.add(amount.start)
        out.append(change_row(subject, metric, None, None, delta, amount.attrs.get("unit"), None, None, (m.start(), amount.end), 0.7, amount))
    return out


REACH = re.compile("突破")
CLEARED = re.compile(r"(?:已|全部|实现|基本)?(?:" + alternation(patterns()["zero_verbs"]) + ")")


def reach_changes(ctx: Ctx, pp: dict[str, str], used: set[int]) -> list[dict]:
    """[subject][metric]突破[amount] (after only); [metric]已清零 (after 0)."""
    doc = ctx.doc
    out = []
    for m in REACH.finditer(doc.text[ctx.sent.start : ctx.sent.end]):
        pos = ctx.sent.start + m.start()
        amount = next((s for s in amounts(ctx) if pos + 2 <= s.start <= pos + 4 and s.start not in used), None)
        if amount is None or amount.label != "MONEY":
            continue
        subject = subject_before(ctx, pos, pp)
        if subject is None:
            continue
        subj_span = next((s for s in reversed(ctx.spans) if s.label in ("PLACE", "ANAPHOR") and s.end <= pos), None)
        metric = metric_between(doc, subj_span.end if subj_span else ctx.sent.start, pos)
        used.add(amount.start)
        out.append(change_row(subject, metric, None, _num(amount), None, amount.attrs.get("unit"), None, clause_year(ctx, pos), (pos, amount.end), 0.6, amount))
    for m in CLEARED.finditer(doc.text[ctx.sent.start : ctx.sent.end]):
        pos = ctx.sent.start + m.start()
        metric = metric_between(doc, max(ctx.sent.start, pos - 12), pos)
        if not metric:
            continue
        subject = subject_before(ctx, pos, pp)
        if subject is None:
            continue
        subj_span = next((s for s in reversed(ctx.spans) if s.label in ("PLACE", "ANAPHOR") and s.end <= pos), None)
        if subj_span is not None and subj_span.end > pos - len(metric) - 2:
            metric = metric_between(doc, subj_span.end, pos) or metric
        out.append(change_row(subject, metric, None, 0.0, None, "个", None, clause_year(ctx, pos), (pos - len(metric), ctx.sent.start + m.end()), 0.55))
    return out


def clause_year(ctx: Ctx, pos: int) -> str | None:
    value = clause_date(ctx, pos)
    return value[:4] if value else None


INCOME_METRIC = re.compile(alternation(patterns()["income_metrics"]))
PAST_CUE = re.compile(alternation(patterns()["past_cues"]))


def then_and_now_changes(doc: Doc, mentions: dict[int, list[Span]], pp: dict[str, str], used: set[int]) -> list[dict]:
    """当时，村集体收入不足3万元 … 去年，罗坑村…村集体收入近百万元: same metric, past cue, later value."""
    found = []
    for sent in doc.sentences:
        for m in INCOME_METRIC.finditer(doc.text[sent.start : sent.end]):
            pos = sent.start + m.end()
            amount = next((s for s in mentions[sent.index] if s.label == "MONEY" and pos <= s.start <= pos + 4), None)
            if amount is not None:
                found.append((sent, m.group(0), amount))
    out = []
    for i, (sent_a, metric_a, amount_a) in enumerate(found):
        clause_a = doc.text[max(sent_a.start, amount_a.start - 30) : amount_a.start]
        if not PAST_CUE.search(clause_a):
            continue
        for sent_b, metric_b, amount_b in found[i + 1 :]:
            if sent_b.index - sent_a.index > 4 or sent_b.story != sent_a.story:
                break
            if metric_b != metric_a or amount_b.start in used:
                continue
            ctx_b = Ctx(doc, sent_b, mentions[sent_b.index])
            subject = subject_before(ctx_b, amount_b.start, pp) or subject_before(Ctx(doc, sent_a, mentions[sent_a.index]), amount_a.start, pp)
            if subject is None:
                break
            used.add(amount_b.start)
            out.append(
                change_row(subject, metric_a, _num(amount_a), _num(amount_b), None, amount_b.attrs.get("unit"), None, clause_year(ctx_b, amount_b.start), (amount_a.start, amount_b.end), 0.55, amount_a, amount_b)
            )
            break
    return out


def change_rows(doc: Doc, mentions: dict[int, list[Span]], postings: list[dict]) -> list[dict]:
    pp = {}
    for p in postings:
        pp.setdefault(p["person"], place_key(p))
    out = []
    used: set[int] = set()
    for sent in doc.sentences:
        ctx = Ctx(doc, sent, mentions[sent.index])
        rows = from_to_changes(ctx, pp, mentions)
        for row in rows:
            for s in amounts(ctx):
                if row["_span"][0] <= s.start < row["_span"][1]:
                    used.add(s.start)
        out.extend(rows)
    for sent in doc.sentences:
        ctx = Ctx(doc, sent, mentions[sent.index])
        out.extend(increase_by_changes(ctx, pp, used))
        out.extend(reach_changes(ctx, pp, used))
    out.extend(then_and_now_changes(doc, mentions, pp, used))
    return dedupe(out, ("subject", "before", "after", "delta", "unit"))


# ---------------------------------------------------------------- statistics


def statistic_rows(doc: Doc, mentions: dict[int, list[Span]], used_spans: list[tuple[int, int]], pp: dict[str, str]) -> list[dict]:
    """Remaining amounts and counts stated of a place (全县共…88名, 该村…1000多亩)."""
    out = []
    for sent in doc.sentences:
        ctx = Ctx(doc, sent, mentions[sent.index])
        for amount in amounts(ctx):
            if any(a <= amount.start < b for a, b in used_spans) or _num(amount) is None:
                continue
            subject = subject_before(ctx, amount.start, pp)
            if subject is None:
                continue
            metric = metric_between(doc, max(sent.start, amount.start - 14), amount.start)
            if not metric:
                continue
            out.append(
                {
                    "subject": subject,
                    "metric": metric,
                    "value": _num(amount),
                    "unit": amount.attrs.get("unit"),
                    "time": clause_date(ctx, amount.start),
                    "approximate": bool(amount.attrs.get("approximate")),
                    "confidence": 0.4,
                    "_span": (amount.start, amount.end),
                }
            )
    return out


def dedupe(rows: list[dict], keys: tuple[str, ...]) -> list[dict]:
    seen = set()
    out = []
    for row in rows:
        key = tuple(row.get(k) for k in keys)
        if key in seen:
            continue
        seen.add(key)
        out.append(row)
    return out


def extract_relations(doc: Doc) -> None:
    mentions = sentence_mentions(doc)
    dispatches = dispatch_clauses(doc, mentions)
    for d in dispatches:
        ctx = Ctx(doc, d["sent"], mentions[d["sent"].index])
        d["start"] = clause_date(ctx, d["span"][0] + 1)
    postings = merge_postings(posting_candidates(doc, mentions), dispatches)
    for row in postings:
        row.pop("_sent", None)
    postings.sort(key=lambda r: (r["_span"][0], r["person"]))
    doc.postings = postings
    doc.roles = role_rows(doc, mentions)
    doc.changes = change_rows(doc, mentions, postings)
    used = [c["_span"] for c in doc.changes]
    pp = {p["person"]: place_key(p) for p in postings}
    doc.statistics = statistic_rows(doc, mentions, used, pp)


@register_stage(
    "relations",
    requires=["entities", "coref", "first_person"],
    provides=["postings", "roles", "changes", "statistics"],
    description="postings, roles, changes and statistics",
)
def make_relations_stage(**_settings):
    return extract_relations
