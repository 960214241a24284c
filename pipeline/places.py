"""Places: a gazetteer built from jionlp's administrative data, chain splitting and admin paths.

The data is jionlp's ``dictionary/china_location.txt`` (province > city > county > township >
village, 657k villages). It is read once per process, on first use, without importing jionlp
(the import is slow and prints a banner).

``find_places`` matches the gazetteer leftmost-longest, splits chains such as
锦州市义县大定堡满族乡南石桥子村 into their components, adds villages and townships that are
missing from the data when the context anchors them (after a township in a chain, before
第一书记/党支部, after 驻), and drops dictionary hits that are ordinary words here
(``models/place_stoplist.txt``).
"""

from __future__ import annotations

import importlib.util
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .doc import Span
from .schema import AdminPath

LEVELS = ("province", "city", "county", "township", "village")
RANK = {level: i for i, level in enumerate(LEVELS)}
MODELS_DIR = Path(__file__).resolve().parents[1] / "models"
STOPLIST_PATH = MODELS_DIR / "place_stoplist.txt"

# suffix -> level, longest suffixes first so that 自治区 wins over 区 and 社区 over 区
_SUFFIX_LEVELS = (
    ("特别行政区", "province"),
    ("街道办事处", "township"),
    ("自治区", "province"),
    ("自治州", "city"),
    ("自治县", "county"),
    ("自治旗", "county"),
    ("居委会", "village"),
    ("村委会", "village"),
    ("省", "province"),
    ("地区", "city"),
    ("盟", "city"),
    ("市", "city"),
    ("社区", "village"),
    ("街道", "township"),
    ("苏木", "township"),
    ("嘎查", "village"),
    ("县", "county"),
    ("旗", "county"),
    ("区", "county"),
    ("镇", "township"),
    ("乡", "township"),
    ("村", "village"),
    ("屯", "village"),
)
_MATCHABLE_TOWNSHIP = ("街道", "镇", "乡", "苏木")
_MATCHABLE_VILLAGE = ("村", "社区", "嘎查")
_SHORTENABLE = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "省", "市", "县", "区", "旗", "盟")

# characters that do not occur in the stem of an unlisted village/township name; they mark its left edge
_NON_NAME_CHARS = frozenset(
    "的了在和与及是为等各每全本该回进到从对把向入驻任党委政府书记工作队员干部民们也都就还又将被让使于其这那此"
    "我你他她它县市省镇乡户人年月日时号说要给帮带领去来有个名位次届据经按以"
)
_COMMON_WORD_FREQ = 50
_GENERIC_SUFFIXES = ("农村", "乡村")
# after a village hit these start a 村X word (村级, 村集体, 村民, 村组 ...): the hit is then suspicious
_VILLAGE_ADJ_STARTS = frozenset("级集民组务规容貌两")
_HAN = re.compile(r"[\u4e00-\u9fff]")
# what follows a village name in "X村第一书记", "X村党支部"
_VILLAGE_OFFICE = re.compile(r"(?:第一书记|党支部|党总支|党委|村委|两委|“两委”|驻村|委员会|党组织|支部)")
_TOWNSHIP_PATTERN = re.compile(r"[\u4e00-\u9fff]{1,5}?(?:镇|乡|街道|苏木)")
_VILLAGE_PATTERN = re.compile(r"[\u4e00-\u9fff]{1,4}村")
# after "X村村" these mean the second 村 starts a word: 村民, 村委会, 村两委, 村干部, 村集体 ...
_VILLAGE_WORD_STARTS = frozenset("民委两干集务级规容貌组内里庄")
# a one-character county (义县) is not a county when the next character makes a word: 和县长, 新县城
_COUNTY_WORD_STARTS = frozenset("委长城直级乡域内里政府志")


@dataclass
class Gazetteer:
    """The administrative tree as parallel lists plus name indexes."""

    names: list[str] = field(default_factory=list)
    levels: list[int] = field(default_factory=list)
    parents: list[int] = field(default_factory=list)
    by_name: dict[str, list[int]] = field(default_factory=dict)  # full (and former) names
    short: dict[str, list[int]] = field(default_factory=dict)  # 铁岭 -> 铁岭市, 襄城 -> 襄城县
    # what the text scan matches: a name with matchable nodes ("full"), else a short name ("short")
    scan_words: dict[str, tuple[str, tuple[int, ...]]] = field(default_factory=dict)
    scan_lengths: dict[str, tuple[int, ...]] = field(default_factory=dict)  # first two chars -> lengths, longest first

    def path(self, node: int) -> dict[str, str]:
        """Canonical admin path of a node: level -> name, the node included."""
        out: dict[str, str] = {}
        while node >= 0:
            out.setdefault(LEVELS[self.levels[node]], self.names[node])
            node = self.parents[node]
        return out

    def ancestors(self, node: int) -> list[int]:
        out = []
        node = self.parents[node]
        while node >= 0:
            out.append(node)
            node = self.parents[node]
        return out

    def lookup(self, name: str) -> list[int]:
        """Nodes called ``name`` (full, former or short name), sorted."""
        return sorted(set(self.by_name.get(name, ())) | set(self.short.get(name, ())))

    def matchable(self, node: int) -> bool:
        level, name = self.levels[node], self.names[node]
        if level == RANK["township"]:
            return name.endswith(_MATCHABLE_TOWNSHIP)
        if level == RANK["village"]:
            return name.endswith(_MATCHABLE_VILLAGE) and not name.endswith("虚拟社区")
        return True


def _jionlp_dictionary_dir() -> Path:
    spec = importlib.util.find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("jionlp is not installed: the place gazetteer needs its china_location data")
    return Path(next(iter(spec.submodule_search_locations))) / "dictionary"


def _dictionary_lines(name: str) -> Iterator[str]:
    """Lines of a jionlp dictionary file (the .txt, or the .zip it ships before its first import)."""
    folder = _jionlp_dictionary_dir()
    txt = folder / f"{name}.txt"
    if txt.exists():
        with txt.open(encoding="utf-8") as f:
            yield from (line.rstrip("\r\n") for line in f)
        return
    with zipfile.ZipFile(folder / f"{name}.zip") as zf, zf.open(f"{name}.txt") as raw:
        yield from (line.rstrip("\r\n") for line in io.TextIOWrapper(raw, encoding="utf-8"))


def _parse_location_tree(lines: Iterable[str], gaz: Gazetteer) -> None:
    # a tight loop: this runs over 704k lines once per process
    names, levels, parents, by_name, short = gaz.names, gaz.levels, gaz.parents, gaz.by_name, gaz.short
    current = [-1] * 5
    for line in lines:
        name = line.lstrip("\t")
        depth = len(line) - len(name)
        if depth > 4:
            continue
        fields = name.split("\t") if depth < 3 else None
        if fields is not None:
            name = fields[0]
        name = name.strip()
        parent = current[depth - 1] if depth else -1
        if not name or (depth and parent < 0):
            continue
        node = len(names)
        names.append(name)
        levels.append(depth)
        parents.append(parent)
        nodes = by_name.get(name)
        if nodes is None:
            by_name[name] = [node]
        else:
            nodes.append(node)
        current[depth] = node
        for deeper in range(depth + 1, 5):
            current[deeper] = -1
        if fields is not None and len(fields) >= 3:
            for alias in fields[2].split("/"):
                alias = alias.strip()
                if len(alias) >= 2 and alias != name:
                    short.setdefault(alias, []).append(node)


def _parse_former_names(lines: Iterable[str], gaz: Gazetteer) -> None:
    """Map renamed units (襄樊市 -> 襄阳市, 平泉县 -> 平泉市) onto today's node."""
    for line in lines:
        if "=>" not in line:
            continue
        left, right = line.rstrip("\r").split("=>")
        old = left.split("\t")[2::2]  # full names; the other fields are dates and short names
        new = [part for part in right.split("\t") if part]
        if not old or not new or old[-1] in gaz.by_name:
            continue
        targets = [n for n in gaz.by_name.get(new[-1], []) if set(new) <= set(gaz.path(n).values())]
        if len(targets) == 1:
            gaz.by_name[old[-1]] = targets


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The administrative gazetteer, built once per process (about 2 s, 150 MB)."""
    gaz = Gazetteer()
    _parse_location_tree(_dictionary_lines("china_location"), gaz)
    _parse_former_names(_dictionary_lines("china_location_change"), gaz)
    _index_scan_words(gaz)
    return gaz


def _index_scan_words(gaz: Gazetteer) -> None:
    """One dictionary probe per candidate word in ``_scan``: full names first, then short names."""
    words: dict[str, tuple[str, tuple[int, ...]]] = {}
    for name, nodes in gaz.by_name.items():
        full = tuple(node for node in nodes if gaz.matchable(node))
        if full and len(name) >= 2:
            words[name] = ("full", full)
    for name, nodes in gaz.short.items():
        if name not in words:
            words[name] = ("short", tuple(nodes))
    gaz.scan_words = words
    gaz.scan_lengths = prefix_lengths(words)


def prefix_lengths(words: Iterable[str]) -> dict[str, tuple[int, ...]]:
    """First two characters -> the lengths of the words starting with them, longest first."""
    lengths: dict[str, set[int]] = {}
    for word in words:
        lengths.setdefault(word[:2], set()).add(len(word))
    return {key: tuple(sorted(values, reverse=True)) for key, values in lengths.items()}


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Frequent 2-4 character words of jieba's dictionary (a place hit must not cut one in half).

    Empty when jieba is not installed: the filter is then off.
    """
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    path = Path(next(iter(spec.submodule_search_locations))) / "dict.txt"
    words = set()
    with path.open(encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and 2 <= len(parts[0]) <= 4 and int(parts[1]) >= _COMMON_WORD_FREQ:
                words.add(parts[0])
    return frozenset(words)


@lru_cache(maxsize=1)
def stoplist() -> frozenset[str]:
    lines = STOPLIST_PATH.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


# ---------------------------------------------------------------- names and levels


def level_by_suffix(name: str) -> str | None:
    for suffix, level in _SUFFIX_LEVELS:
        if name.endswith(suffix) and len(name) > len(suffix):
            return level
    return None


def place_level(name: str) -> str | None:
    """Level of a place name: from the data when the name is listed (开原市 -> county), else by suffix."""
    if not name:
        return None
    gaz = gazetteer()
    nodes = gaz.lookup(name)
    if nodes:
        return LEVELS[_preferred_level(gaz, nodes)]
    return level_by_suffix(name)


def _preferred_level(gaz: Gazetteer, nodes: Iterable[int]) -> int:
    """The highest level a name is listed at (北京市 is a province before it is a city)."""
    return min(gaz.levels[n] for n in nodes)


UPPER_LEVELS = ("province", "city", "county")  # the levels of the backend's PLACE spans that are kept
# the last characters of their suffixes (省, 市, 县, 区 of 地区 and 自治区, 州 of 自治州 …)
_UPPER_SUFFIX_END = re.compile(
    "[" + "".join(sorted({suffix[-1] for suffix, level in _SUFFIX_LEVELS if level in UPPER_LEVELS})) + "]"
)


@lru_cache(maxsize=1)
def upper_names_without_suffix() -> tuple[dict[str, tuple[int, ...]], frozenset[str]]:
    """Listed names (full, former or short) that ``place_level`` calls a province, city or county and that
    do not end in one of their suffixes (广东, 昆山, 铁岭): first two characters -> lengths, and the names."""
    gaz = gazetteer()
    wanted, levels = {RANK[level] for level in UPPER_LEVELS}, gaz.levels
    candidates = {  # names with a node at one of those levels (the rest cannot be called one)
        name
        for index in (gaz.by_name, gaz.short)
        for name, nodes in index.items()
        if len(name) >= 2 and any(levels[node] in wanted for node in nodes) and not _UPPER_SUFFIX_END.match(name[-1])
    }
    names = {name for name in candidates if place_level(name) in UPPER_LEVELS}
    return prefix_lengths(names), frozenset(names)


def may_name_upper_place(text: str, start: int, end: int) -> bool:
    """Whether some substring of ``text[start:end]`` is a name ``place_level`` calls a province, city or
    county: a listed one, or one with such a suffix. False means that no PLACE span of the NER backend
    there can be kept (``entities.place_spans`` keeps those levels only)."""
    if _UPPER_SUFFIX_END.search(text, start, end):
        return True
    lengths, names = upper_names_without_suffix()
    for i in range(start, end - 1):
        for length in lengths.get(text[i : i + 2], ()):
            if i + length <= end and text[i : i + length] in names:
                return True
    return False


@lru_cache(maxsize=65536)
def short_name(name: str) -> str:
    """Name without its administrative suffix (铁岭市 -> 铁岭); one-character stems keep it (义县)."""
    for suffix in _SHORTENABLE:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def same_name(a: str, b: str) -> bool:
    """Equal names, allowing a short form of a province, city or county (铁岭 == 铁岭市)."""
    return a == b or short_name(a) == short_name(b)


def _stem_length(name: str) -> int:
    for suffix, _level in _SUFFIX_LEVELS:
        if name.endswith(suffix):
            return len(name) - len(suffix)
    return len(name)


# ---------------------------------------------------------------- admin paths


def _components_as_dict(components: dict | list[str] | tuple[str, ...]) -> dict[str, str]:
    if isinstance(components, dict):
        return {level: str(name) for level, name in components.items() if level in RANK and name}
    out: dict[str, str] = {}
    last = -1
    for name in components:
        if not name:
            continue
        level = place_level(name)
        if level is None:
            continue
        rank = RANK[level]
        if rank <= last:  # 开原市 after 铁岭: a city name in county position
            rank = _level_below(name, last)
            if rank is None:
                continue
        out[LEVELS[rank]] = name
        last = rank
    return out


def _level_below(name: str, last: int) -> int | None:
    gaz = gazetteer()
    ranks = sorted(gaz.levels[n] for n in gaz.lookup(name) if gaz.levels[n] > last)
    if ranks:
        return ranks[0]
    by_suffix = level_by_suffix(name)
    if by_suffix and RANK[by_suffix] > last:
        return RANK[by_suffix]
    return None


def _node_fits(gaz: Gazetteer, node: int, given: dict[str, str]) -> bool:
    """No given component above the node contradicts the node's ancestors."""
    path = gaz.path(node)
    for level, name in given.items():
        if RANK[level] < gaz.levels[node] and not _names_match(gaz, name, path.get(level)):
            return False
    return True


def _names_match(gaz: Gazetteer, given: str, canonical: str | None) -> bool:
    if canonical is None:
        return False
    if same_name(given, canonical):
        return True
    return any(gaz.names[n] == canonical for n in gaz.short.get(given, ())) or any(
        gaz.names[n] == canonical for n in gaz.by_name.get(given, ())
    )


def _prefer_context(gaz: Gazetteer, nodes: list[int], context: list[str] | None) -> list[int]:
    if not context or len(nodes) < 2:
        return nodes
    scored = []
    for node in nodes:
        names = [gaz.names[a] for a in gaz.ancestors(node)]
        score = sum(1 for c in context if any(_names_match(gaz, c, name) for name in names))
        scored.append((score, node))
    best = max(score for score, _ in scored)
    return [node for score, node in scored if score == best] if best else nodes


def resolve_admin_path(
    components: dict | list[str] | tuple[str, ...], context: list[str] | None = None
) -> AdminPath | None:
    """Complete an admin path upwards from the data where that is unambiguous.

    ``components`` is a dict level -> name or a chain of names, high to low. Given names are kept
    as written; missing higher levels are filled with canonical names only when every listing of
    the lowest resolvable component that fits the given names (and, among those, the ones under a
    ``context`` place when there are several) agrees on them.
    """
    given = _components_as_dict(components)
    if not given:
        return None
    return AdminPath(**dict(_completed_path(tuple(sorted(given.items())), tuple(context or ()))))


@lru_cache(maxsize=8192)  # news repeat their places (北京, 中国): the same question comes back often
def _completed_path(given_items: tuple[tuple[str, str], ...], context: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    given = dict(given_items)
    gaz = gazetteer()
    known = dict(given)
    for level in sorted(given, key=RANK.__getitem__, reverse=True):
        nodes = [n for n in gaz.lookup(given[level]) if gaz.levels[n] == RANK[level] and _node_fits(gaz, n, given)]
        if not nodes:
            continue
        nodes = _prefer_context(gaz, nodes, list(context) or None)
        paths = [gaz.path(n) for n in nodes]
        for upper in LEVELS[: RANK[level]]:
            values = {p.get(upper) for p in paths}
            if upper not in known and len(values) == 1 and None not in values:
                known[upper] = values.pop()
        break
    return tuple(known.items())


def same_place(a: AdminPath, b: AdminPath) -> bool:
    """Two admin paths can name the same place: same lowest level, same name there, no level in conflict."""
    da, db = a.model_dump(), b.model_dump()
    lowest_a = [level for level in LEVELS if da[level]]
    lowest_b = [level for level in LEVELS if db[level]]
    if not lowest_a or not lowest_b or lowest_a[-1] != lowest_b[-1]:
        return False
    return all(not (da[level] and db[level]) or same_name(da[level], db[level]) for level in LEVELS)


# ---------------------------------------------------------------- finding places in text


@dataclass
class _Hit:
    start: int
    end: int
    text: str
    nodes: tuple[int, ...] = ()
    kind: str = "full"  # full | short | pattern
    level: int | None = None
    anchored: bool = False


def _scan(text: str, gaz: Gazetteer) -> list[_Hit]:
    """Leftmost-longest dictionary hits (full names that can be matched, and short names)."""
    hits: list[_Hit] = []
    lengths, words = gaz.scan_lengths, gaz.scan_words
    n = len(text)
    # positions where some listed name starts (a dict probe per position, without a Python loop body)
    starts = [i for i in range(n - 1) if text[i : i + 2] in lengths]
    end = 0
    for i in starts:
        if i < end:
            continue
        for length in lengths[text[i : i + 2]]:
            found = words.get(text[i : i + length])
            if found is not None and i + length <= n:
                end = i + length
                hits.append(_Hit(i, end, text[i:end], found[1], found[0]))
                break
    return hits


def _clean_stem(stem: str) -> bool:
    return bool(stem) and not stem.startswith("村") and not any(c in _NON_NAME_CHARS for c in stem)


def _village_at(text: str, pos: int) -> tuple[int, int] | None:
    """An unlisted village name starting at ``pos`` (1-4 name characters + 村)."""
    m = _VILLAGE_PATTERN.match(text, pos)
    if not m:
        return None
    end = m.end()
    if text[end - 2 : end] == "村村" and end - pos >= 3 and text[end : end + 1] in _VILLAGE_WORD_STARTS:
        end -= 1  # X村村民: the village is X村
    stem = text[pos : end - 1]
    if "村" in stem[:-1] or text[end : end + 1] == "级":
        return None
    if not _clean_stem(stem) or text[pos:end] in stoplist():
        return None
    return pos, end


def _township_at(text: str, pos: int) -> tuple[int, int] | None:
    m = _TOWNSHIP_PATTERN.match(text, pos)
    if not m:
        return None
    name = m.group()
    stem = name[: -2] if name.endswith(("街道", "苏木")) else name[:-1]
    if len(stem) < 2 or not _clean_stem(stem) or name in stoplist():
        return None
    return m.start(), m.end()


def _anchored_villages(text: str, hits: list[_Hit]) -> list[_Hit]:
    """Unlisted villages anchored by context: 驻X村, X村第一书记 / X村党支部."""
    covered = bytearray(len(text))
    for h in hits:
        covered[h.start : h.end] = b"\x01" * (h.end - h.start)
    out: list[_Hit] = []
    words = common_words()
    for m in re.finditer("驻", text):
        span = _village_at(text, m.end())
        if span and not covered[span[0]] and span[1] - span[0] >= 3 and text[m.start() : m.end() + 1] not in words:
            out.append(_Hit(span[0], span[1], text[span[0] : span[1]], kind="pattern", anchored=True))
    village_ending_at = {h.end: h for h in hits if h.text.endswith("村")}
    for m in re.finditer("村", text):
        span = _office_village(text, m.start(), covered, village_ending_at.get(m.end()), words)
        if span is not None:
            out.append(_Hit(span[0], span[1], text[span[0] : span[1]], kind="pattern", anchored=True))
    return out


def _office_village(
    text: str, pos: int, covered: bytearray, listed: _Hit | None, words: frozenset[str]
) -> tuple[int, int] | None:
    """An unlisted village X村 right before 第一书记/党支部..., X being 2-4 name characters after a boundary.

    ``listed`` is a dictionary village ending at the same 村 (岔沟村 in 鹤鸣岔沟村): the name may extend it.
    """
    end = pos + 1
    if not _VILLAGE_OFFICE.match(text, end):
        return None
    if covered[pos] and listed is None:
        return None
    inner = listed.start if listed is not None else pos
    start = inner
    while start > 0 and pos - start < 4 and _HAN.match(text[start - 1]):
        if text[start - 1] in _NON_NAME_CHARS or covered[start - 1]:
            break
        start -= 1
    if listed is not None and (start == inner or text[inner - 1 : inner + 1] in words):
        return None
    boundary = start == 0 or not _HAN.match(text[start - 1]) or text[start - 1] in _NON_NAME_CHARS
    stem = text[start:pos]
    if not (boundary or covered[start - 1]) or len(stem) < 2 or stem in words or not _clean_stem(stem):
        return None
    if text[start:end] in stoplist():
        return None
    return start, end


def _merge_hits(hits: list[_Hit], extra: list[_Hit]) -> list[_Hit]:
    """Add anchored pattern hits; a pattern hit replaces dictionary hits inside it."""
    merged = list(hits)
    for p in extra:
        inside = [h for h in merged if h.start >= p.start and h.end <= p.end]
        overlapping = [h for h in merged if h.start < p.end and h.end > p.start and h not in inside]
        if overlapping or any(h.start == p.start and h.end == p.end for h in inside):
            continue
        merged = [h for h in merged if h not in inside] + [p]
    return sorted(merged, key=lambda h: (h.start, h.end))


def _choose_level(gaz: Gazetteer, hit: _Hit, prev: _Hit | None) -> int | None:
    if hit.kind == "pattern":
        suffix_level = level_by_suffix(hit.text)
        return RANK[suffix_level] if suffix_level else None
    if prev is not None and prev.level is not None:
        below = [n for n in hit.nodes if gaz.levels[n] > prev.level]
        under = [n for n in below if set(prev.nodes) & set(gaz.ancestors(n))]
        if under or below:
            return _preferred_level(gaz, under or below)
    return _preferred_level(gaz, hit.nodes)


def _is_descendant_hit(gaz: Gazetteer, parent: _Hit, child: _Hit) -> bool:
    parents = set(parent.nodes)
    return child.kind == "full" and any(parents & set(gaz.ancestors(n)) for n in child.nodes)


def _accept(text: str, gaz: Gazetteer, hit: _Hit, prev: _Hit | None, following: _Hit | None) -> bool:
    """Context filter for a dictionary or pattern hit; ``prev`` is the adjacent accepted hit above it."""
    if hit.kind == "short":
        return following is not None and following.start == hit.end and _is_descendant_hit(gaz, hit, following)
    level = LEVELS[hit.level] if hit.level is not None else None
    in_chain = prev is not None
    office_after = bool(_VILLAGE_OFFICE.match(text, hit.end)) and level in ("village", "township")
    if hit.kind == "pattern":
        return not hit.text.endswith(_GENERIC_SUFFIXES)
    if hit.text in stoplist() and not ((in_chain and level == "village") or office_after):
        return False
    if not in_chain and hit.text.endswith(_GENERIC_SUFFIXES):  # 新农村, 发展乡村, 城市和农村
        return False
    if level in ("village", "township") and not in_chain and _cuts_a_word(text, hit):
        return False
    if level in ("village", "township"):
        quoted = hit.start > 0 and text[hit.start - 1] in "“「‘\"" and not in_chain
        if quoted:
            return False
        if _stem_length(hit.text) <= 1 and not (in_chain or office_after):
            return False
    if level == "county" and _stem_length(hit.text) <= 1 and not in_chain:
        before = text[hit.start - 1] if hit.start else ""
        after = text[hit.end] if hit.end < len(text) else ""
        if after in _COUNTY_WORD_STARTS:
            return False
        if before and _HAN.match(before) and before not in _NON_NAME_CHARS and before not in "省市州盟":
            return False
    return True


def _cuts_a_word(text: str, hit: _Hit) -> bool:
    """The hit starts inside a word (每天|进村, 担任|村) or is a word followed by 村X (增加|村集体)."""
    words = common_words()
    if hit.start > 0 and text[hit.start - 1 : hit.start + 1] in words:
        return True
    stem = hit.text[:-1]
    after = text[hit.end : hit.end + 1]
    if hit.text.endswith("村") and after == "级":
        return True
    if len(stem) == 1 and stem in _NON_NAME_CHARS:
        return True
    return hit.text.endswith("村") and after in _VILLAGE_ADJ_STARTS and stem in words


def _extend_chain(text: str, hit: _Hit) -> _Hit | None:
    """An unlisted township or village directly after a county or township of a chain."""
    if hit.level is None:
        return None
    span = None
    if hit.level == RANK["county"]:
        span = _township_at(text, hit.end) or _village_at(text, hit.end)
    elif hit.level == RANK["township"]:
        span = _village_at(text, hit.end)
    if span is None:
        return None
    return _Hit(span[0], span[1], text[span[0] : span[1]], kind="pattern")


def _listed_elsewhere(gaz: Gazetteer, hit: _Hit, prev: _Hit) -> bool:
    """A listed village that the data puts outside the township or county just before it."""
    return (
        hit.kind == "full"
        and hit.level == RANK["village"]
        and prev.kind != "pattern"
        and not _is_descendant_hit(gaz, prev, hit)
    )


def _select(text: str, gaz: Gazetteer, hits: list[_Hit]) -> list[tuple[_Hit, _Hit | None]]:
    """Accepted hits with the adjacent chain component before each (or None), left to right."""
    accepted: list[tuple[_Hit, _Hit | None]] = []
    queue = list(hits)
    i = 0
    while i < len(queue):
        hit = queue[i]
        last = accepted[-1][0] if accepted else None
        prev = last if last is not None and last.end == hit.start else None
        hit.level = _choose_level(gaz, hit, prev)
        if prev is not None and (prev.level is None or hit.level is None or hit.level <= prev.level):
            prev = None
            hit.level = _choose_level(gaz, hit, None)
        if prev is not None and _listed_elsewhere(gaz, hit, prev):
            longer = _village_at(text, hit.start)
            if longer is not None and longer[1] > hit.end:  # 汀溪镇顶村村: 顶村 is listed, but not there
                hit = _Hit(longer[0], longer[1], text[longer[0] : longer[1]], kind="pattern", level=hit.level)
                queue = queue[:i] + [hit] + [h for h in queue[i + 1 :] if h.start >= hit.end]
        following = queue[i + 1] if i + 1 < len(queue) else None
        if hit.level is not None and _accept(text, gaz, hit, prev, following):
            accepted.append((hit, prev))
            nxt = queue[i + 1] if i + 1 < len(queue) else None
            if nxt is None or nxt.start != hit.end:
                extension = _extend_chain(text, hit)
                if extension is not None:
                    queue = queue[: i + 1] + [extension] + [h for h in queue[i + 1 :] if h.start >= extension.end]
        i += 1
    return accepted


def _context_names(accepted: list[tuple[_Hit, _Hit | None]]) -> list[str]:
    """Province/city/county names of the text: they disambiguate lone townships and villages."""
    names = [h.text for h, _ in accepted if h.level is not None and h.level <= RANK["county"]]
    return sorted(set(names), key=names.index)


def find_places(text: str) -> list[Span]:
    """PLACE spans of ``text`` with level, admin path and chain flag (offsets into ``text``)."""
    if not text:
        return []
    gaz = gazetteer()
    hits = _scan(text, gaz)
    hits = _merge_hits(hits, _anchored_villages(text, hits))
    accepted = _select(text, gaz, hits)
    context = _context_names(accepted)
    chain_of: dict[int, dict[str, str]] = {}
    in_chain: set[int] = set()
    spans: list[Span] = []
    for index, (hit, prev) in enumerate(accepted):
        components = dict(chain_of[index - 1]) if prev is not None else {}
        if prev is not None:
            in_chain.update({index - 1, index})
        components[LEVELS[hit.level]] = hit.text
        chain_of[index] = components
        path = resolve_admin_path(components, context) or AdminPath()
        canonical = _canonical(gaz, hit, path)
        spans.append(
            Span(
                start=hit.start,
                end=hit.end,
                label="PLACE",
                text=hit.text,
                attrs={"level": LEVELS[hit.level], "admin_path": path.model_dump(), "name": canonical},
                source="pattern" if hit.kind == "pattern" else "gazetteer",
            )
        )
    for index, span in enumerate(spans):
        span.attrs["chain"] = index in in_chain
    return spans


def _canonical(gaz: Gazetteer, hit: _Hit, path: AdminPath) -> str:
    """Full listed name of a short form (铁岭 -> 铁岭市) when it is unambiguous."""
    if hit.kind != "short":
        return hit.text
    names = sorted({gaz.names[n] for n in hit.nodes if gaz.levels[n] == hit.level})
    return names[0] if len(names) == 1 else hit.text
