"""Stage ``entities``: PERSON, PLACE, ORG, ROLE, MONEY, QUANTITY and DATE mentions.

A NER backend (LAC by default) proposes PERSON/PLACE/ORG; domain layers on top
of any backend add what the genre needs and the backend misses or mangles:
role words, gazetteer places split into admin levels, role-anchored names
(第一书记铁星), title stripping (吕书记 is not a name), organisation patterns
(襄城县交通局, 该县人民法院) and normalised amounts, counts and dates.
"""

from __future__ import annotations

import bisect
import re

from .core import register_stage
from .coreference import ANAPHOR, LEVEL_OF_CHAR  # 该县, 全村: a subject the change rules can take
from .doc import Doc, Span
from .lexicon import alternation, has_surname, patterns, posting_roles, role_regex, roles

CJK = re.compile(r"[\u4e00-\u9fff]")
NAME_CHARS = re.compile(r"^[\u4e00-\u9fff]{2,4}$|^[\u4e00-\u9fff]{1,6}·[\u4e00-\u9fff·]{1,12}$")
# a name never ends in these: they are titles, kinship words or place suffixes glued by the tagger
NOT_NAME_END = re.compile(r"(书记|主任|部长|县长|镇长|乡长|村长|局长|院长|队长|支书|记者|老师|同志|嫂子?|大姐|大哥|阿婆|阿公|大爷|大妈|大娘|奶奶|爷爷|阿姨|婆婆|[村镇乡县市省区家])$")
NOT_NAME_PART = re.compile(r"书记|主任|部长|记者|干部|群众|村民|党员|贫困|脱贫|扶贫|驻村|第一|总书记|[村委届年月日]")
# words of an article that may report a posting: facts mode runs the expensive NER on all of its
# sentences (a posting's person, org and place, and the full names that 吕书记 refers to, can be anywhere)
FACT_CUES = re.compile(r"第一书记|驻村|工作队|派驻|下派|选派|挂职|党支部书记|村集体")
# words of the change rules (pipeline/relations.py): in any other article facts mode runs the NER on the
# sentences where a change rule can fire (a cue and an amount), so that a change whose subject only the
# NER finds (昆山, 大兴安岭) is kept
CHANGE_CUES = re.compile(
    alternation(
        patterns()["increase_verbs"] + patterns()["decrease_verbs"] + patterns()["increase_by_verbs"]
        + patterns()["income_metrics"] + ["突破"]
    )
)
ZERO_CUES = re.compile(alternation(patterns()["zero_verbs"]))  # 贫困户清零: a change without an amount

_ORG_SUFFIXES = alternation(patterns()["org_suffixes"])
# an organisation named after a place: [PLACE or 该县/本县/县][委|政府]?[suffix] -> 襄城县交通局, 该县人民法院, 县委组织部
ORG_AFTER_PLACE = re.compile(r"(?:委|政府)?(?:" + _ORG_SUFFIXES + r")")
BARE_LEVEL_ORG = re.compile(
    r"(?:(?<![\u4e00-\u9fff])|(?<=[由从在向和与及被经到联]))(?:该|本)?(?:省|市|县|区|镇|乡)(?:委|政府)?(?:"
    + _ORG_SUFFIXES
    + r")|(?:该|本)(?:省|市|县|区|镇|乡)(?:委|政府)?(?:"
    + _ORG_SUFFIXES
    + r")"
)


def strip_title(name: str) -> str:
    """吕书记 -> 吕, 王勇书记 -> 王勇: drop a title glued to a name by the tagger."""
    for title in sorted(roles()["generic_titles"] + roles()["official"] + roles()["posting"], key=len, reverse=True):
        if name.endswith(title) and len(name) > len(title):
            return name[: -len(title)]
    return name


def plausible_person(name: str) -> bool:
    if not NAME_CHARS.match(name):
        return False
    if "·" in name:
        return True
    if NOT_NAME_END.search(name) or NOT_NAME_PART.search(name):
        return False
    return has_surname(name)


def role_spans(text: str) -> list[Span]:
    out = []
    post = posting_roles()
    for m in role_regex().finditer(text):
        word = m.group(0)
        # 书记 inside 总书记 / 第一书记 is handled by longest match; skip 总书记 (a title of the head of state)
        if word == "书记" and m.start() > 0 and text[m.start() - 1] in "总副":
            continue
        out.append(Span(m.start(), m.end(), "ROLE", word, {"posting": word in post}, "rule"))
    return out


def name_after(text: str, pos: int, backend_persons: dict[int, Span]) -> tuple[int, int] | None:
    """A personal name starting at ``pos`` (right after a role word), if there is one."""
    if pos < len(text) and text[pos] in " \t":
        pos += 1
    if pos in backend_persons:
        span = backend_persons[pos]
        name = strip_title(span.text)
        if plausible_person(name):
            return pos, pos + len(name)
    stop = patterns()["person_stop_after"]
    window = text[pos : pos + 4]
    if len(window) < 2 or not CJK.match(window[0]):
        return None
    surname_len = 2 if has_surname(window[:2]) and window[:2] in _two_char_surnames() else 1
    if not has_surname(window[:surname_len]):
        return None
    given = window[surname_len:]
    if not given or not CJK.match(given[0]) or given[0] in stop:
        return None
    length = surname_len + (1 if len(given) < 2 or not CJK.match(given[1]) or given[1] in stop else 2)
    if length == surname_len + 2 and word_freq(text[pos + length - 1 : pos + length + 1]) >= 200:
        length -= 1  # 姜镇立刻带着: the last character starts a word (立刻), the name is 姜镇
    name = text[pos : pos + length]
    if NOT_NAME_END.search(name) or NOT_NAME_PART.search(name) or common_word_prefix(name):
        return None
    return pos, pos + length


def word_freq(word: str) -> int:
    from .tokens import get_tokenizer

    return getattr(get_tokenizer(), "FREQ", {}).get(word, 0)


def common_word_prefix(name: str) -> bool:
    """全部轮训 / 广泛听取 / 连线交流: the 'name' starts with an ordinary word of the segmenter's dictionary."""
    return any(len(word) >= 2 and word_freq(word) >= 100 for word in (name, name[:2], name[:3]))


def _two_char_surnames() -> frozenset[str]:
    from .lexicon import surnames

    return frozenset(s for s in surnames() if len(s) == 2)


def backend_spans(doc: Doc, backend, sentence_indexes: list[int]) -> list[Span]:
    sents = [doc.sentences[i] for i in sentence_indexes]
    if not sents:
        return []
    tagged = backend.tag([s.text for s in sents])
    out = []
    for sent, spans in zip(sents, tagged, strict=True):
        for start, end, label in spans:
            if label not in ("PERSON", "PLACE", "ORG"):
                continue
            s, e = sent.start + start, sent.start + end
            out.append(Span(s, e, label, doc.text[s:e], {}, getattr(backend, "name", "ner")))
    return out


def clean_persons(text: str, spans: list[Span]) -> list[Span]:
    out = []
    for span in spans:
        name = strip_title(span.text)
        if name != span.text:
            span = Span(span.start, span.start + len(name), "PERSON", name, span.attrs, span.source)
        if plausible_person(span.text):
            out.append(span)
    return out


def role_anchored_persons(text: str, roles_found: list[Span], backend_persons: list[Span]) -> list[Span]:
    by_start = {s.start: s for s in backend_persons}
    out = []
    for role in roles_found:
        hit = name_after(text, role.end, by_start)
        if hit:
            s, e = hit
            out.append(Span(s, e, "PERSON", text[s:e], {"anchor": "role"}, "rule"))
    return out


def org_spans(text: str, backend_orgs: list[Span], places: list[Span]) -> list[Span]:
    out = [s for s in backend_orgs if len(s.text) >= 3 and not s.text.endswith(("村", "镇", "乡"))]
    for place in places:
        m = ORG_AFTER_PLACE.match(text, place.end)
        if m and place.attrs.get("level") in ("province", "city", "county", "township"):
            out.append(Span(place.start, m.end(), "ORG", text[place.start : m.end()], {}, "rule"))
    for m in BARE_LEVEL_ORG.finditer(text):
        out.append(Span(m.start(), m.end(), "ORG", m.group(0), {}, "rule"))
    return out


def place_spans(text: str, backend_places: list[Span], found: list[Span] | None = None) -> list[Span]:
    """Gazetteer places (``found``, when already computed) and the backend's higher-level places."""
    from .places import UPPER_LEVELS, find_places, place_level

    if found is None:
        found = find_places(text)
    covered = [(s.start, s.end) for s in found]
    out = list(found)
    for span in backend_places:
        if any(a < span.end and span.start < b for a, b in covered):
            continue  # the gazetteer already split this chain into levels
        level = place_level(span.text)
        # villages and townships the gazetteer neither lists nor finds by its context patterns are
        # mostly the tagger's guesses (回村, 建制村): keep only its higher-level places
        if level in UPPER_LEVELS:
            attrs = {"level": level}
            full = full_listed_name(span.text)
            if full and full != span.text:
                attrs["name"] = full  # 襄城 -> 襄城县
            out.append(Span(span.start, span.end, "PLACE", span.text, attrs, span.source))
    return out


def trim_role_after_place(role: Span, places: list[Span], text: str) -> Span:
    """石桥村党支部书记: the role word 村党支部书记 overlaps the village; it is 党支部书记."""
    from .lexicon import roles as role_words

    known = set(role_words()["posting"]) | set(role_words()["official"])
    for place in places:
        if place.start < role.start < place.end < role.end and text[place.end : role.end] in known:
            return Span(place.end, role.end, "ROLE", text[place.end : role.end], dict(role.attrs), role.source)
    return role  # 滁州市委书记: the title is 市委书记 of 滁州市


def full_listed_name(name: str) -> str | None:
    """The one full name the gazetteer lists for a short form, when unambiguous."""
    from .places import gazetteer

    gaz = gazetteer()
    names = {gaz.names[node] for node in gaz.lookup(name)}
    return names.pop() if len(names) == 1 else None


def amount_and_date_spans(text: str, published: str | None) -> list[Span]:
    from .normalize import find_dates, find_money, find_quantities

    money = find_money(text)
    spans = money + find_quantities(text, money)
    # 清零/归零 is a verb, not an amount
    spans = [s for s in spans if not (s.text.startswith("零") and s.start > 0 and text[s.start - 1] in "清归")]
    return spans + find_dates(text, published)


def drop_quoted_pattern_places(text: str, spans: list[Span]) -> list[Span]:
    """“旱厕村” / “红星村”: a village-like word in quotes that the gazetteer does not know is a nickname."""
    out = []
    for s in spans:
        if (
            s.label == "PLACE"
            and s.source != "gazetteer"
            and s.start > 0
            and text[s.start - 1] in "“\"‘「"
            and text[s.end : s.end + 1] in "”\"’」"
        ):
            continue
        out.append(s)
    return out


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def resolve_overlaps(spans: list[Span]) -> list[Span]:
    """Keep a consistent set: PERSON never overlaps ROLE/PLACE/ORG; amounts never overlap dates.

    PLACE may nest inside ORG (襄城县 in 襄城县交通局): both are real mentions.
    """
    blockers = {"PERSON": ("ROLE", "PLACE", "ORG"), "QUANTITY": ("MONEY", "DATE"), "MONEY": ("DATE",)}
    rank = {"rule": 0, "gazetteer": 1}
    spans = sorted(spans, key=lambda s: (s.start, -(s.end - s.start), s.label, rank.get(s.source, 2), s.text))
    kept: list[Span] = []
    by_label: dict[str, list[Span]] = {}
    for span in spans:
        same = by_label.get(span.label, [])
        if any(_overlaps(span, k) for k in same):
            continue
        if any(_overlaps(span, k) for lab in blockers.get(span.label, ()) for k in by_label.get(lab, [])):
            continue
        kept.append(span)
        by_label.setdefault(span.label, []).append(span)
    # PERSON spans found before a blocker that came later in sort order: drop them now
    final = []
    for span in kept:
        blocked = blockers.get(span.label, ())
        if blocked and any(_overlaps(span, k) for lab in blocked for k in by_label.get(lab, [])):
            continue
        final.append(span)
    return sorted(final, key=lambda s: (s.start, s.end, s.label))


CHANGE_WINDOW = 12  # characters between a change cue and its amount in every change rule (增收…, 由A…增加到B)
CLAUSE_END = re.compile(r"[，,；;：:]")


def sentences_for_ner(
    doc: Doc,
    mode: str,
    amounts: list[Span] | None = None,
    places: list[Span] | None = None,
    roles_found: list[Span] | None = None,
) -> list[int]:
    """Indexes of the sentences the NER backend reads.

    All of them in 'all' mode and in articles with posting cues. Otherwise ('facts' mode) only those
    with a role word (``roles_found``, the ROLE spans, or found here: a role row needs the name beside
    it) and those where a change rule can fire and may need the NER for its subject: a zero cue, or a
    change cue with an amount at most ``CHANGE_WINDOW`` characters before or after it and no place the
    rules can take as the subject (a gazetteer ``places`` span, 该县/全村) earlier in the cue's clause;
    and then only when the text before the cue holds a name that the backend's PLACE spans are kept for
    (a province, city or county: the subject, or the place 全省/该县 stand for). ``amounts`` (the
    MONEY/QUANTITY spans) and ``places`` may be None when not known yet: then any change cue will do.
    """
    if mode == "all" or FACT_CUES.search(doc.text):
        return list(range(len(doc.sentences)))
    from .places import UPPER_LEVELS, may_name_upper_place
    from .relations import SUBJECT_LEVELS

    text = doc.text
    role_starts = sorted(r.start for r in (role_spans(text) if roles_found is None else roles_found))
    starts = sorted(s.start for s in amounts or () if s.label in ("MONEY", "QUANTITY"))
    ends = sorted(s.end for s in amounts or () if s.label in ("MONEY", "QUANTITY"))
    subjects = sorted((s.start, s.end) for s in places or () if s.attrs.get("level") in SUBJECT_LEVELS)

    def any_in(positions: list[int], low: int, high: int) -> bool:
        i = bisect.bisect_left(positions, low)
        return i < len(positions) and positions[i] <= high

    def subject_in_clause(sent, cue_start: int) -> bool:
        if places is None:
            return False
        clause_start = max([sent.start] + [m.end() for m in CLAUSE_END.finditer(text, sent.start, cue_start)])
        i = bisect.bisect_left(subjects, (clause_start, clause_start))
        if i < len(subjects) and subjects[i][1] <= cue_start:
            return True
        return ANAPHOR.search(text, clause_start, cue_start) is not None

    def upper_anaphor_before(sent, cue_start: int) -> bool:
        """全省, 该县: it stands for a place of the story that maybe only the NER finds."""
        return any(LEVEL_OF_CHAR[m.group(2)] in UPPER_LEVELS for m in ANAPHOR.finditer(text, sent.start, cue_start))

    context_stories: set[int | None] = set()

    def needs_ner(sent) -> bool:
        if any_in(role_starts, sent.start, sent.end - 1):
            return True
        cues = [m.start() for m in ZERO_CUES.finditer(text, sent.start, sent.end)]
        cues += [
            m.start()
            for m in CHANGE_CUES.finditer(text, sent.start, sent.end)
            if amounts is None
            or any_in(starts, m.end(), m.end() + CHANGE_WINDOW)
            or any_in(ends, m.start() - CHANGE_WINDOW, m.start())
        ]
        needed = False
        for cue in cues:
            if upper_anaphor_before(sent, cue):
                context_stories.add(sent.story)
            if not subject_in_clause(sent, cue) and may_name_upper_place(text, sent.start, cue):
                needed = True
        return needed

    chosen = {s.index for s in doc.sentences if needs_ner(s)}
    chosen |= {
        s.index for s in doc.sentences if s.story in context_stories and may_name_upper_place(text, s.start, s.end)
    }
    return sorted(chosen)


def find_entities(doc: Doc, backend, mode: str = "all") -> list[Span]:
    from .places import find_places

    text = doc.text
    amounts_and_dates = amount_and_date_spans(text, doc.published)
    listed_places = find_places(text)
    roles_found = role_spans(text)
    ner_sentences = sentences_for_ner(doc, mode, amounts_and_dates, listed_places, roles_found)
    proposed = backend_spans(doc, backend, ner_sentences) if backend else []
    by_label: dict[str, list[Span]] = {"PERSON": [], "PLACE": [], "ORG": []}
    for span in proposed:
        by_label[span.label].append(span)
    persons = clean_persons(text, by_label["PERSON"])
    persons += role_anchored_persons(text, roles_found, by_label["PERSON"])
    spans = roles_found + persons
    places = place_spans(text, by_label["PLACE"], listed_places)
    spans = [trim_role_after_place(s, places, text) if s.label == "ROLE" else s for s in spans]
    spans += org_spans(text, by_label["ORG"], places) + places
    spans += amounts_and_dates
    spans = drop_quoted_pattern_places(text, [s for s in spans if s.end > s.start])
    # ORG spans must not swallow a posting verb (襄城县交通局驻姜庄乡 -> 襄城县交通局)
    return resolve_overlaps(spans)


@register_stage(
    "entities",
    requires=["text", "sentences", "tokens"],
    provides=["entities"],
    description="PERSON/PLACE/ORG/ROLE/MONEY/QUANTITY/DATE mentions (NER backend + domain layers)",
)
def make_entities_stage(ner: str = "lac", entities: str = "all", **_settings):
    from .ner import get_backend

    if entities not in ("all", "facts"):
        raise ValueError(f"entities mode must be 'all' or 'facts', not {entities!r}")
    backend = get_backend(ner)
    if entities == "facts":
        from .places import upper_names_without_suffix

        upper_names_without_suffix()  # built once, when the pipeline is built

    def run(doc: Doc) -> None:
        doc.entities = find_entities(doc, backend, entities)

    return run
