"""Entity resolution across articles: places, organisations, persons.

Precision comes first: a wrong merge corrupts a researcher's data, a missed one
only duplicates a node. So every identity needs an anchor:

- a place is its administrative path (province/city/county/township/village),
  completed upward from jionlp's administrative data only where that is
  unambiguous; a village or township without a known county stays scoped to its
  article unless the article itself places it;
- an organisation is its normalised name (abbreviation rules in
  ``models/org_aliases.json``); generic names (县委组织部, 县交通局) take the
  article's county, or stay scoped to the article;
- a person is a name plus the places (or units) they were posted to or hold a
  role at; the same name in two articles merges only through the same place, a
  place inside the other (county-level or deeper), or the same unit, and never
  when the merged person would sit in two unrelated places.

Every decision, merge or keep-apart, is returned as a ``Decision`` with the rule
and the row references it rests on. Identity keys are strings built from the
resolved identity, never from insertion order, so node ids stay stable when the
corpus grows.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice

from . import lexicon

LEVELS: tuple[str, ...] = ("province", "city", "county", "township", "village")
LEVEL_INDEX = {name: i for i, name in enumerate(LEVELS)}
PROVINCE, CITY, COUNTY, TOWNSHIP, VILLAGE = range(5)

Path5 = tuple  # five entries, str | None, in LEVELS order

_VILLAGE_SUFFIXES = ("村", "社区", "嘎查", "屯")
_TOWNSHIP_SUFFIXES = ("乡", "镇", "街道", "苏木")
_COUNTY_SUFFIXES = ("县", "区", "旗")
_CITY_SUFFIXES = ("市", "州", "盟", "地区")
_PROVINCE_SUFFIXES = ("省", "自治区")
# words that end like a place but are not one
_NOT_PLACES = frozenset({"农村", "乡村", "全村", "本村", "该村", "各村", "全县", "该县", "本县", "全镇", "该镇", "全乡",
                         "城乡", "全区", "全市", "全省", "社区", "小区", "园区", "景区", "山区", "城区", "片区", "镇村",
                         "贫困村", "行政村", "自然村", "空壳村", "薄弱村", "示范村", "重点村", "试点村", "省市县"})


# --------------------------------------------------------------------------- decisions


@dataclass(frozen=True)
class Ref:
    """A row that an entity was read from: table, line number in the table, article, surface form."""

    table: str
    row: int
    article_id: str
    text: str

    def as_dict(self) -> dict:
        return {"table": self.table, "row": self.row, "article_id": self.article_id, "text": self.text}


@dataclass
class Decision:
    """One resolution decision: ``merge`` or ``apart``, the rule, and the keys and rows involved."""

    entity: str  # Person | Place | Organization
    decision: str  # merge | apart
    rule: str
    keys: list[str]  # identity keys of the things compared (the first is the surviving one for a merge)
    refs: list[Ref] = field(default_factory=list)
    detail: str = ""


def stable_id(prefix: str, key: str) -> str:
    """A short id derived only from the identity key."""
    return f"{prefix}:{hashlib.sha1(key.encode('utf-8')).hexdigest()[:16]}"


# --------------------------------------------------------------------------- administrative data


class AdminIndex:
    """Province, city and county names from jionlp, for completing paths upward."""

    def __init__(self, provinces: dict[str, str], cities: dict[str, list[tuple[str, str]]],
                 counties: dict[str, list[tuple[str, str, str]]], below_county: Callable[[dict], dict] | None = None):
        self.provinces = provinces  # full name or alias -> full name
        self.cities = cities  # full name or alias -> [(province, city)]
        self.counties = counties  # full name -> [(province, city, county)]
        # fills a township from village data (dict level -> name in, same out); used only once the county is known
        self.below_county = below_county

    @classmethod
    def from_tree(cls, tree: dict) -> AdminIndex:
        """Build from jionlp's ``china_location_loader()`` tree (province -> city -> county)."""
        provinces: dict[str, str] = {}
        cities: dict[str, list[tuple[str, str]]] = defaultdict(list)
        counties: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        for prov in sorted(k for k in tree if not k.startswith("_")):
            node = tree[prov]
            for alias in [prov, *_aliases(node)]:
                provinces.setdefault(alias, prov)
            for city in sorted(k for k in node if not k.startswith("_")):
                cnode = node[city]
                for alias in sorted({city, *_aliases(cnode)}):
                    if len(alias) >= 2:
                        cities[alias].append((prov, city))
                for county in sorted(k for k in cnode if not k.startswith("_")):
                    counties[county].append((prov, city, county))
        return cls(provinces, dict(cities), dict(counties))

    def canonical_province(self, name: str | None) -> str | None:
        if not name:
            return name
        return self.provinces.get(name, name)

    def canonical_city(self, name: str | None, province: str | None) -> str | None:
        if not name:
            return name
        options = [c for c in self.cities.get(name, []) if province in (None, c[0])]
        return options[0][1] if len({c[1] for c in options}) == 1 else name

    def complete(self, path: Path5) -> Path5:
        """Fill province and city from the county (or the city) when exactly one entry fits."""
        prov, city, county, town, village = path
        prov = self.canonical_province(prov)
        if city and city not in self.cities and county is None and city in self.counties:
            city, county = None, city  # a county-level city (开原市) written in the city slot
        city = self.canonical_city(city, prov)
        if county:
            options = {c for c in self.counties.get(county, []) if prov in (None, c[0]) and city in (None, c[1])}
            if len(options) == 1:
                prov, city, _ = options.pop()
        elif city:
            options = {c for c in self.cities.get(city, []) if prov in (None, c[0])}
            if len(options) == 1:
                prov, city = options.pop()
        path = (prov, city, county, town, village)
        if self.below_county and prov and county and village and not town:
            filled = self.below_county({lv: v for lv, v in zip(LEVELS, path, strict=True) if v})
            if filled.get("township") and filled.get("county") == county and filled.get("village") == village:
                path = (prov, city, county, filled["township"], village)
        return path

    def is_county(self, name: str) -> bool:
        return name in self.counties

    def is_city(self, name: str) -> bool:
        return name in self.cities


def _aliases(node: dict) -> list[str]:
    alias = node.get("_alias")
    if isinstance(alias, str):
        return [alias]
    return list(alias or [])


@lru_cache(maxsize=1)
def jionlp_admin_index() -> AdminIndex:
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):  # jionlp prints a banner on import
        import jionlp

        tree = jionlp.china_location_loader(detail=False)
    index = AdminIndex.from_tree(tree)
    index.below_county = _township_from_village_data
    return index


@lru_cache(maxsize=65536)
def _township_from_levels(items: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    from .places import resolve_admin_path

    path = resolve_admin_path(dict(items))
    return tuple(sorted((k, v) for k, v in (path.model_dump() if path else {}).items() if v))


def _township_from_village_data(levels: dict) -> dict:
    """The township of a village in a known county, from pipeline.places (jionlp's village data)."""
    return dict(_township_from_levels(tuple(sorted(levels.items()))))


# --------------------------------------------------------------------------- places


def level_of_name(name: str, index: AdminIndex | None = None) -> str | None:
    """The administrative level a place name's suffix implies, or None when it is not a place name."""
    if not name or len(name) < 2 or name in _NOT_PLACES:
        return None
    if index is not None:
        if name in index.provinces:
            return "province"
        if index.is_county(name) and not index.is_city(name):
            return "county"
        if index.is_city(name):
            return "city"
    for suffixes, level in ((_VILLAGE_SUFFIXES, "village"), (_TOWNSHIP_SUFFIXES, "township"),
                            (_COUNTY_SUFFIXES, "county"), (_PROVINCE_SUFFIXES, "province"),
                            (_CITY_SUFFIXES, "city")):
        if name.endswith(suffixes) and len(name) > len(next(s for s in suffixes if name.endswith(s))):
            return level
    return None


def make_path(**levels: str | None) -> Path5:
    return tuple((levels.get(name) or None) and str(levels[name]).strip() or None for name in LEVELS)


def deepest(path: Path5) -> int:
    """Index of the deepest filled level, -1 for an empty path."""
    for i in range(4, -1, -1):
        if path[i]:
            return i
    return -1


def compatible(a: Path5, b: Path5) -> bool:
    """No level is filled differently in the two paths."""
    return all(x is None or y is None or x == y for x, y in zip(a, b, strict=True))


def contains(outer: Path5, inner: Path5) -> bool:
    """``outer`` is ``inner`` or one of its ancestors: every filled level of outer is equal in inner,
    and inner is at least as deep."""
    if deepest(outer) > deepest(inner):
        return False
    return all(x is None or x == y for x, y in zip(outer, inner, strict=True))


def more_specific(a: Path5, b: Path5) -> bool:
    """``a`` fills every level ``b`` fills (with the same names) and more."""
    return a != b and all(y is None or x == y for x, y in zip(a, b, strict=True))


def anchored(path: Path5) -> bool:
    """Precise enough to be identified across articles: villages and townships need their county,
    counties and cities need their province (i.e. were resolved in the administrative data)."""
    level = deepest(path)
    if level < 0:
        return False
    if level >= TOWNSHIP:
        return path[COUNTY] is not None and path[PROVINCE] is not None
    return path[PROVINCE] is not None


def truncate(path: Path5, level: int) -> Path5:
    return tuple(v if i <= level else None for i, v in enumerate(path))


def ancestors(path: Path5) -> list[Path5]:
    """Filled prefixes above the deepest level, nearest first."""
    out = []
    for i in range(deepest(path) - 1, -1, -1):
        if path[i]:
            out.append(truncate(path, i))
    return out


def path_text(path: Path5) -> str:
    return "/".join(v or "" for v in path)


@dataclass(frozen=True)
class PlaceKey:
    """A resolved place: its path and, when not anchored, the article it is scoped to."""

    path: Path5
    scope: str = ""

    @property
    def key(self) -> str:
        return f"place|{path_text(self.path)}" + (f"@{self.scope}" if self.scope else "")

    @property
    def name(self) -> str:
        return self.path[deepest(self.path)] or ""

    @property
    def level(self) -> str:
        return LEVELS[deepest(self.path)]


@dataclass
class PlaceObservation:
    path: Path5
    article_id: str
    ref: Ref


def place_key_for(path: Path5, article_id: str) -> PlaceKey:
    return PlaceKey(path, "" if anchored(path) else article_id)


def place_contains(outer: PlaceKey, inner: PlaceKey) -> bool:
    if outer.scope and outer.scope != inner.scope:
        return False
    return contains(outer.path, inner.path)


def _unique_maximal(path: Path5, candidates: Iterable[Path5]) -> tuple[Path5 | None, list[Path5]]:
    """The single most specific candidate compatible with ``path`` and more specific than it.

    Returns (winner or None, all maximal candidates)."""
    level = deepest(path)
    fits = sorted({c for c in candidates if deepest(c) == level and c[level] == path[level]
                   and more_specific(c, path)}, key=path_text)
    maximal = [c for c in fits if not any(more_specific(d, c) for d in fits)]
    return (maximal[0] if len(maximal) == 1 else None), maximal


def resolve_places(observations: list[PlaceObservation], index: AdminIndex | None) -> tuple[list[PlaceKey], list[Decision]]:
    """Resolve every observation to a ``PlaceKey``; same order as the input."""
    decisions: list[Decision] = []
    completed = [index.complete(o.path) if index else o.path for o in observations]

    # 1. inside one article, a partial path takes the unique fuller path the article gives for the same name
    by_article: dict[str, set[Path5]] = defaultdict(set)
    for o, p in zip(observations, completed, strict=True):
        by_article[o.article_id].add(p)
    in_article: dict[tuple[str, Path5], Path5] = {}
    for article_id in sorted(by_article):
        paths = by_article[article_id]
        for p in sorted(paths, key=path_text):
            winner, maximal = _unique_maximal(p, paths)
            if winner is not None:
                in_article[(article_id, p)] = winner
            elif len(maximal) > 1:
                decisions.append(Decision("Place", "apart", "ambiguous_in_article", [path_text(p)] +
                                          [path_text(m) for m in maximal], detail=article_id))
    step1 = [in_article.get((o.article_id, p), p) for o, p in zip(observations, completed, strict=True)]
    for o, before, after in zip(observations, completed, step1, strict=True):
        if before != after:
            decisions.append(Decision("Place", "merge", "same_article_admin_path",
                                      [place_key_for(after, o.article_id).key, path_text(before)], [o.ref]))

    # 2. across articles, a partial path takes the unique fuller path in the corpus; an unanchored
    #    one only when that fuller path lies in a county the same article names
    corpus_paths: dict[tuple[int, str], set[Path5]] = defaultdict(set)  # by deepest level and name there
    for p in step1:
        if anchored(p):
            corpus_paths[(deepest(p), p[deepest(p)])].add(p)
    article_counties: dict[str, set[Path5]] = defaultdict(set)
    for o, p in zip(observations, step1, strict=True):
        if p[COUNTY] and p[PROVINCE]:
            article_counties[o.article_id].add(truncate(p, COUNTY))
    cache: dict[tuple[str, Path5], tuple[Path5, str | None]] = {}
    keys: list[PlaceKey] = []
    for o, p in zip(observations, step1, strict=True):
        scope = "" if anchored(p) else o.article_id
        ck = (scope, p)
        if ck not in cache:
            cache[ck] = _cross_article(p, o.article_id, corpus_paths, article_counties, decisions)
        final, rule = cache[ck]
        key = place_key_for(final, o.article_id)
        if rule:
            decisions.append(Decision("Place", "merge", rule, [key.key, path_text(p)], [o.ref]))
        keys.append(key)
    return keys, _merge_refs(decisions)


def _cross_article(path: Path5, article_id: str, corpus_paths: dict[tuple[int, str], set[Path5]],
                   article_counties: dict[str, set[Path5]], decisions: list[Decision]) -> tuple[Path5, str | None]:
    level = deepest(path)
    if level < 0:
        return path, None
    winner, maximal = _unique_maximal(path, corpus_paths.get((level, path[level]), ()))
    if anchored(path):
        if winner is not None:
            return winner, "compatible_admin_path"
        if len(maximal) > 1:
            decisions.append(Decision("Place", "apart", "ambiguous_admin_path",
                                      [path_text(path)] + [path_text(m) for m in maximal]))
        return path, None
    counties = article_counties.get(article_id, set())
    in_context = [m for m in maximal if truncate(m, COUNTY) in counties] if path[COUNTY] is None else []
    if path[COUNTY] is None and len(in_context) == 1:
        return in_context[0], "article_county_context"
    if maximal:
        decisions.append(Decision("Place", "apart", "unanchored_same_name",
                                  [path_text(path) + f"@{article_id}"] + [path_text(m) for m in maximal]))
    return path, None


def _merge_refs(decisions: list[Decision]) -> list[Decision]:
    """Fold identical decisions (same rule and keys) into one with all their row references."""
    out: dict[tuple, Decision] = {}
    for d in decisions:
        k = (d.entity, d.decision, d.rule, tuple(d.keys), d.detail)
        if k in out:
            out[k].refs.extend(d.refs)
        else:
            out[k] = Decision(d.entity, d.decision, d.rule, list(d.keys), list(d.refs), d.detail)
    return list(out.values())


# --------------------------------------------------------------------------- organisations


@dataclass(frozen=True)
class OrgKey:
    name: str  # normalised, place-qualified name
    scope: str = ""  # article id when the name identifies nothing on its own

    @property
    def key(self) -> str:
        return f"org|{self.name}" + (f"@{self.scope}" if self.scope else "")


@lru_cache(maxsize=1)
def org_rules() -> dict:
    return lexicon.load_json("org_aliases.json")


_ORG_JUNK = re.compile(r"\s+")


def abbreviate_org(name: str, rules: dict | None = None) -> str:
    """Apply the alias table, then the abbreviation rules until nothing changes."""
    rules = rules or org_rules()
    name = rules["aliases"].get(name, name)
    for _ in range(10):
        before = name
        for long, short in rules["abbreviations"]:
            name = name.replace(long, short)
        if name == before:
            break
    return name


def generic_prefix(name: str, rules: dict | None = None) -> str | None:
    """The level word (县, 市, ...) a name starts with when it stands for "this county", or None."""
    rules = rules or org_rules()
    if any(name.startswith(p) for p in rules["generic_not_prefix"]):
        return None
    for prefix in rules["generic_prefixes"]:
        if name.startswith(prefix) and len(name) > len(prefix) + 1:
            return prefix
    return None


def _place_for_prefix(prefix: str, context: Path5 | None) -> str | None:
    """The place a generic 县/市/... prefix refers to, given the posting's or article's path."""
    if context is None:
        return None
    county, city, province, town = context[COUNTY], context[CITY], context[PROVINCE], context[TOWNSHIP]
    if prefix in ("县", "旗"):
        return county if county and county.endswith(prefix) else None
    if prefix == "区":
        return county if county and county.endswith("区") else None
    if prefix == "市":
        if county and county.endswith("市"):
            return county  # a county-level city: 开原市 + 市委组织部
        return city
    if prefix == "省":
        return province
    if prefix in ("乡", "镇"):
        return town if town and town.endswith(prefix) else None
    return None


def resolve_org(name: str, article_id: str, context: Path5 | None) -> tuple[OrgKey, str]:
    """The identity of an organisation name; ``context`` is the place the article or posting is about.

    Returns the key and the rule that made it."""
    rules = org_rules()
    raw = _ORG_JUNK.sub("", name)
    for lead in ("该", "本", "全"):
        if raw.startswith(lead) and generic_prefix(raw[1:], rules):
            raw = raw[1:]
    prefix = generic_prefix(raw, rules)
    rule = "org_name"
    short = _short_place_prefix(raw, context)
    if short:
        raw = short + raw[len(short) - 1:]
        rule = "org_place_context"
    if prefix:
        place = _place_for_prefix(prefix, context)
        if place is None:
            return OrgKey(abbreviate_org(raw, rules), article_id), "org_generic_unresolved"
        raw = place + raw[len(prefix):]
        rule = "org_place_context"
    norm = abbreviate_org(raw, rules)
    if norm != raw and rule == "org_name":
        rule = "org_alias"
    if _is_generic(norm, rules):
        return OrgKey(norm, article_id), "org_generic_unresolved"
    return OrgKey(norm), rule


def _short_place_prefix(name: str, context: Path5 | None) -> str | None:
    """The context's county or city when ``name`` starts with it minus its suffix (襄城人民法院 -> 襄城县)."""
    if context is None:
        return None
    for place in (context[COUNTY], context[CITY]):
        if place and len(place) >= 3 and place[-1] in "县市区旗" and name.startswith(place[:-1]) \
                and not name.startswith(place) and len(name) > len(place):
            return place
    return None


def _is_generic(name: str, rules: dict) -> bool:
    if len(name) <= 2:
        return True
    generic = set(rules["generic_units"])
    return name in generic or abbreviate_org(name, rules) in generic


# --------------------------------------------------------------------------- persons


@dataclass
class PersonUnit:
    """Everything one article says about one name."""

    article_id: str
    name: str
    places: set[PlaceKey] = field(default_factory=set)
    orgs: set[OrgKey] = field(default_factory=set)
    refs: list[Ref] = field(default_factory=list)
    # "title|place key" of roles at county level or above (组织部部长 of 义县): too broad as a place anchor,
    # but the same title at the same place is the same office
    offices: set[str] = field(default_factory=set)

    @property
    def key(self) -> str:
        return f"{self.name}@{self.article_id}"


@dataclass
class PersonCluster:
    name: str
    units: list[PersonUnit]

    @property
    def places(self) -> set[PlaceKey]:
        return set().union(*(u.places for u in self.units))

    @property
    def orgs(self) -> set[OrgKey]:
        return set().union(*(u.orgs for u in self.units))

    @property
    def offices(self) -> set[str]:
        return set().union(*(u.offices for u in self.units))

    @property
    def articles(self) -> list[str]:
        return sorted({u.article_id for u in self.units})


def places_form_chain(places: Iterable[PlaceKey]) -> bool:
    """Every two places are one inside the other (one career line, no two unrelated places)."""
    ps = sorted(set(places), key=lambda p: p.key)
    return all(place_contains(a, b) or place_contains(b, a) for i, a in enumerate(ps) for b in ps[i + 1:])


def _hierarchy_link(a: set[PlaceKey], b: set[PlaceKey]) -> bool:
    """Some place of one contains a place of the other and the outer one is county level or deeper."""
    for x in a:
        for y in b:
            for outer, inner in ((x, y), (y, x)):
                if deepest(outer.path) >= COUNTY and place_contains(outer, inner):
                    return True
    return False


def resolve_persons(units: list[PersonUnit]) -> tuple[list[PersonCluster], list[Decision]]:
    """Group per-article person units into people."""
    decisions: list[Decision] = []
    by_name: dict[str, list[PersonUnit]] = defaultdict(list)
    for u in sorted(units, key=lambda u: (u.name, u.article_id)):
        by_name[u.name].append(u)
    clusters: list[PersonCluster] = []
    for name in sorted(by_name):
        clusters.extend(_resolve_name(name, by_name[name], decisions))
    return clusters, dedupe_decisions(decisions)


def dedupe_decisions(decisions: list[Decision]) -> list[Decision]:
    """Drop repeats of a decision (same entity, outcome, rule and keys), keeping the first."""
    seen: set[tuple] = set()
    out = []
    for d in decisions:
        k = (d.entity, d.decision, d.rule, tuple(d.keys), d.detail)
        if k not in seen:
            seen.add(k)
            out.append(d)
    return out


def _units_key(units: list[PersonUnit]) -> str:
    """A group's name in decisions: its unit keys, or the first ones and a count for a large group."""
    if len(units) <= MAX_KEYS_IN_DECISION:
        return "+".join(u.key for u in units)
    return "+".join(u.key for u in units[:MAX_KEYS_IN_DECISION]) + f"+{len(units) - MAX_KEYS_IN_DECISION} more"


MAX_KEYS_IN_DECISION = 5


@dataclass
class _Group:
    """A growing cluster of one name, with its anchors kept as sets (not recomputed per comparison)."""

    units: list[PersonUnit]
    places: set[PlaceKey] = field(default_factory=set)
    orgs: set[OrgKey] = field(default_factory=set)
    offices: set[str] = field(default_factory=set)

    def absorb(self, units: list[PersonUnit]) -> None:
        for u in units:
            self.units.append(u)
            self.places |= u.places
            self.orgs |= u.orgs
            self.offices |= u.offices

    def anchors(self) -> list[tuple[str, object]]:
        return ([("place", p) for p in self.places] + [("org", o) for o in self.orgs]
                + [("office", o) for o in self.offices])

    @property
    def key(self) -> str:
        return _units_key(self.units)

    def refs(self) -> list[Ref]:
        return [r for u in self.units for r in u.refs]


def _shared_anchor_rule(a: _Group, b: _Group) -> str | None:
    if a.places & b.places:
        return "same_name_same_place"
    if a.orgs & b.orgs:
        return "same_name_same_org"
    if a.offices & b.offices:
        return "same_name_same_office"
    return None


def _sharing_refs(group: _Group, incoming: _Group) -> list[Ref]:
    """References of the (first few) units of ``group`` that share an anchor with ``incoming``."""
    sharing = (u for u in group.units if u.places & incoming.places or u.orgs & incoming.orgs
               or u.offices & incoming.offices)
    return [r for u in islice(sharing, MAX_KEYS_IN_DECISION) for r in u.refs]


def _resolve_name(name: str, units: list[PersonUnit], decisions: list[Decision]) -> list[PersonCluster]:
    if len(units) == 1:
        return [PersonCluster(name, list(units))]

    # 1. the same place node, or the same dispatching/role unit: each unit (in order) joins the first group
    #    it shares an anchor with when their places still form one career line; the groups that unit links
    #    then join too. An index from anchor to groups keeps this linear in the number of units, and each
    #    decision names the merged unit (or group) and its references, not the whole group.
    groups: list[_Group | None] = []
    by_anchor: dict[tuple[str, object], list[int]] = defaultdict(list)

    def index(gi: int, anchors: list[tuple[str, object]]) -> None:
        for anchor in anchors:
            if gi not in by_anchor[anchor][-1:]:
                by_anchor[anchor].append(gi)

    for u in units:
        incoming = _Group([])
        incoming.absorb([u])
        candidates = sorted({gi for a in incoming.anchors() for gi in by_anchor.get(a, ()) if groups[gi] is not None})
        target: int | None = None
        for gi in candidates:
            group = groups[gi]
            rule = _shared_anchor_rule(group, incoming)
            if rule is None:
                continue
            if not places_form_chain(group.places | incoming.places):
                decisions.append(Decision("Person", "apart", "conflicting_places", [group.key, incoming.key],
                                          incoming.refs(), detail=rule))
                continue
            if target is None:
                decisions.append(Decision("Person", "merge", rule, [group.key, incoming.key],
                                          _sharing_refs(group, incoming) + incoming.refs()))
                group.absorb(incoming.units)
                target = gi
                incoming = group
            else:  # the unit links two groups: the later one joins the first
                decisions.append(Decision("Person", "merge", rule, [incoming.key, group.key], group.refs()))
                incoming.absorb(group.units)
                groups[gi] = None
        if target is None:
            groups.append(incoming)
            target = len(groups) - 1
        index(target, groups[target].anchors())
    clusters = [g for g in groups if g is not None]

    # 2. one place inside the other (乐业县 ~ 乐业县百坭村), only when each is the other's only candidate
    placed = [g for g in clusters if g.places]
    changed = True
    while changed and len(placed) > 1:
        changed = False
        candidates: dict[int, list[int]] = defaultdict(list)
        for i in range(len(placed)):
            for j in range(len(placed)):
                if i != j and _hierarchy_link(placed[i].places, placed[j].places) and \
                        places_form_chain(placed[i].places | placed[j].places):
                    candidates[i].append(j)
        for i in sorted(candidates):
            j = candidates[i][0] if len(candidates[i]) == 1 else None
            if j is not None and candidates.get(j) == [i]:
                first, second = placed[min(i, j)], placed[max(i, j)]
                decisions.append(Decision("Person", "merge", "same_name_compatible_admin_path",
                                          [first.key, second.key], first.refs() + second.refs()))
                first.absorb(second.units)
                clusters.remove(second)
                placed.remove(second)
                changed = True
                break
        if not changed:
            for i in sorted(k for k, v in candidates.items() if len(v) > 1):
                decisions.append(Decision("Person", "apart", "ambiguous_compatible_places",
                                          [placed[i].key] + [placed[k].key for k in candidates[i]], placed[i].refs()))

    # whatever is left with the same name stays apart; say why (anchorless units only once per name)
    anchored_groups = [g for g in clusters if g.places or g.orgs or g.offices]
    for i, a in enumerate(anchored_groups):
        for b in anchored_groups[i + 1:]:
            rule = "same_name_different_place" if (a.places and b.places) else "same_name_different_org"
            decisions.append(Decision("Person", "apart", rule, [a.key, b.key]))
    loose = [g for g in clusters if not (g.places or g.orgs or g.offices)]
    if loose and len(clusters) > 1:
        decisions.append(Decision("Person", "apart", "same_name_no_anchor", [g.key for g in loose]))
    return [PersonCluster(name, g.units) for g in clusters]


def person_identity(cluster: PersonCluster) -> str:
    """Identity key of a person: the name and the deepest place they are tied to, else a unit, else the article."""
    places = sorted(cluster.places, key=lambda p: (-deepest(p.path), p.key))
    if places:
        return f"person|{cluster.name}|{places[0].key}"
    orgs = sorted(cluster.orgs, key=lambda o: o.key)
    if orgs:
        return f"person|{cluster.name}|{orgs[0].key}"
    if cluster.offices:
        return f"person|{cluster.name}|office|{sorted(cluster.offices)[0]}"
    return f"person|{cluster.name}@{cluster.articles[0]}"
