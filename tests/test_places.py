"""Places: gazetteer matching, chain splitting, pattern villages, context filter, admin paths."""

from __future__ import annotations

import pytest
from shared_data import seed_text, xwlb_sample

pytest.importorskip("jionlp", reason="the gazetteer is built from jionlp's administrative data")

from pipeline.places import (  # noqa: E402
    find_places,
    gazetteer,
    place_level,
    resolve_admin_path,
    same_place,
    stoplist,
)
from pipeline.schema import AdminPath  # noqa: E402


def by_text(spans, text):
    return [s for s in spans if s.text == text]


def first(spans, text):
    found = by_text(spans, text)
    assert found, f"{text} not found in {[s.text for s in spans]}"
    return found[0]


# ------------------------------------------------------------------ chains from the seeds


def test_seed_chain_is_split_with_levels_and_paths():
    text = seed_text("000")
    spans = find_places(text)
    village = first(spans, "南石桥子村")
    assert village.attrs["level"] == "village"
    assert village.attrs["chain"] is True
    assert village.attrs["admin_path"] == {
        "province": "辽宁省",
        "city": "锦州市",
        "county": "义县",
        "township": "大定堡满族乡",
        "village": "南石桥子村",
    }
    township = next(s for s in spans if s.text == "大定堡满族乡" and s.attrs["chain"])
    assert township.attrs["level"] == "township"
    county = next(s for s in spans if s.text == "义县" and s.end == township.start)
    assert county.attrs["level"] == "county"
    assert county.attrs["admin_path"]["city"] == "锦州市"
    assert county.attrs["admin_path"]["province"] == "辽宁省"
    assert all(text[s.start : s.end] == s.text for s in spans)


def test_unlisted_village_found_by_pattern_in_chain():
    spans = find_places(seed_text("000"))
    village = first(spans, "孙桥屯村")
    assert village.source == "pattern"
    assert village.attrs["level"] == "village"
    assert village.attrs["admin_path"]["township"] == "九道岭镇"
    assert village.attrs["admin_path"]["county"] == "义县"


def test_short_city_name_heads_a_chain():
    spans = find_places(seed_text("000"))
    city = first(spans, "铁岭")
    assert city.attrs["level"] == "city"
    assert city.attrs["name"] == "铁岭市"
    county = first(spans, "开原市")
    assert county.attrs["level"] == "county"  # a county-level city, not 铁岭县
    assert county.attrs["admin_path"]["city"] == "铁岭"
    assert first(spans, "小白庙子村").attrs["admin_path"]["county"] == "开原市"


def test_posting_village_gets_its_county_from_the_chain():
    spans = find_places(seed_text("003"))
    village = first(spans, "漕厂村")
    assert village.attrs["admin_path"]["county"] == "襄城县"
    assert village.attrs["admin_path"]["township"] == "姜庄乡"


def test_village_directly_after_county_and_province():
    spans = find_places(seed_text("004"))
    village = first(spans, "韩堂村")
    assert village.attrs["level"] == "village"
    assert village.attrs["admin_path"]["county"] == "封丘县"
    assert village.attrs["admin_path"]["province"] == "河南省"


def test_ethnic_township_and_district_chain():
    spans = find_places(seed_text("002"))
    assert first(spans, "盐田畲族乡").attrs["level"] == "township"
    village = first(spans, "罗坑村")
    assert village.attrs["admin_path"]["county"] == "延平区"
    assert village.attrs["admin_path"]["city"] == "南平市"


# ------------------------------------------------------------------ constructed sentences


def test_pattern_village_before_office_and_after_zhu():
    spans = find_places("他是鹤鸣岔沟村第一书记，后来又驻孙家洼子村开展工作。")
    assert [s.text for s in spans if s.attrs["level"] == "village"] == ["鹤鸣岔沟村", "孙家洼子村"]
    assert all(s.source == "pattern" for s in spans)


def test_stoplist_words_are_not_places():
    text = "他回村后，驻村工作队帮助全村发展产业，推动乡村振兴，村两委和村民都很满意，本村的贫困村摘帽了。"
    assert find_places(text) == []
    assert {"回村", "全村", "乡村", "驻村", "贫困村"} <= stoplist()


def test_hits_that_cut_words_are_dropped():
    text = "他担任村党支部书记，每天进村入户，一举增加村集体收入，壮大村级集体经济。"
    assert find_places(text) == []


def test_quoted_village_title_is_not_a_place():
    assert find_places("从远近闻名的“旱厕村”变成美丽的“红星村”。") == []


def test_single_character_counties():
    spans = find_places("记者在义县采访，又到沙县看小吃。")
    assert [(s.text, s.attrs["level"]) for s in spans] == [("义县", "county"), ("沙县", "county")]
    assert spans[1].attrs["admin_path"]["city"] == "三明市"


def test_single_character_county_inside_words_is_dropped():
    assert find_places("县委书记和县长一起开会，新县城建设加快。") == []


def test_empty_and_placeless_text():
    assert find_places("") == []
    assert find_places("今天天气很好，大家都很高兴。") == []


def test_output_is_deterministic():
    text = seed_text("002")
    first_run = [(s.start, s.end, s.text, repr(s.attrs)) for s in find_places(text)]
    second_run = [(s.start, s.end, s.text, repr(s.attrs)) for s in find_places(text)]
    assert first_run == second_run


# ------------------------------------------------------------------ levels, paths, comparison


@pytest.mark.parametrize(
    "name, level",
    [
        ("河南省", "province"),
        ("广西壮族自治区", "province"),
        ("锦州市", "city"),
        ("开原市", "county"),  # county-level city: the data decides, not the suffix
        ("福鼎市", "county"),
        ("义县", "county"),
        ("大定堡满族乡", "township"),
        ("九道岭镇", "township"),
        ("孙桥屯村", "village"),
        ("某某社区", "village"),
        ("铁岭", "city"),
        ("", None),
        ("工作队", None),
    ],
)
def test_place_level(name, level):
    assert place_level(name) == level


def test_resolve_completes_upwards_when_unambiguous():
    assert resolve_admin_path(["襄城县"]) == AdminPath(province="河南省", city="许昌市", county="襄城县")
    assert resolve_admin_path({"county": "义县"}) == AdminPath(province="辽宁省", city="锦州市", county="义县")
    path = resolve_admin_path(["九道岭镇"], context=["义县"])
    assert path.county == "义县" and path.city == "锦州市"


def test_resolve_keeps_given_names_and_guards_against_wrong_county():
    path = resolve_admin_path(["铁岭", "开原市", "中固镇"])
    assert path == AdminPath(province="辽宁省", city="铁岭", county="开原市", township="中固镇")


def test_ambiguous_township_gets_no_county_without_context():
    gaz = gazetteer()
    listings = [n for n in gaz.by_name["沙河镇"] if gaz.levels[n] == 3]
    assert len({gaz.path(n)["county"] for n in listings}) > 1
    path = resolve_admin_path(["沙河镇"])
    assert path.township == "沙河镇"
    assert path.county is None and path.city is None
    wanted = gaz.path(listings[0])
    with_context = resolve_admin_path(["沙河镇"], context=[wanted["county"]])
    assert with_context.county == wanted["county"]


def test_resolve_unknown_village_keeps_the_chain_it_was_given():
    path = resolve_admin_path({"county": "封丘县", "village": "不存在的某某村"})
    assert path.city == "新乡市" and path.village == "不存在的某某村"
    assert resolve_admin_path([]) is None
    assert resolve_admin_path(["随便什么"]) is None


def test_same_place():
    full = AdminPath(province="辽宁省", city="铁岭市", county="开原市", township="中固镇", village="小白庙子村")
    assert same_place(full, AdminPath(village="小白庙子村"))
    assert same_place(full, AdminPath(city="铁岭", village="小白庙子村"))
    assert not same_place(full, AdminPath(county="义县", village="小白庙子村"))
    assert not same_place(full, AdminPath(county="开原市", township="中固镇"))  # the township is not the village
    assert not same_place(AdminPath(), AdminPath())


def reference_scan(text: str, gaz) -> list[tuple]:
    """Leftmost-longest dictionary hits, straight from the name indexes (what ``_scan`` must find)."""
    longest = max(map(len, list(gaz.by_name) + list(gaz.short)))
    hits, i = [], 0
    while i < len(text) - 1:
        hit = None
        for length in range(min(longest, len(text) - i), 1, -1):
            word = text[i : i + length]
            full = tuple(node for node in gaz.by_name.get(word, ()) if gaz.matchable(node))
            if full or word in gaz.short:
                hit = (i, i + length, word, full or tuple(gaz.short[word]), "full" if full else "short")
                break
        if hit:
            hits.append(hit)
            i = hit[1]
        else:
            i += 1
    return hits


def test_scan_index_finds_the_leftmost_longest_names_of_the_indexes():
    from pipeline.places import _scan

    gaz = gazetteer()
    texts = [r["text"] for r in xwlb_sample(150, every=401)] + [seed_text(p) for p in ("001", "003")]
    texts.append("辽宁省铁岭市开原市中固镇小白庙子村，襄城县姜庄乡漕厂村，襄樊市，铁岭")
    found = [[(h.start, h.end, h.text, h.nodes, h.kind) for h in _scan(t, gaz)] for t in texts]
    assert found == [reference_scan(t, gaz) for t in texts]
    assert [h[2] for h in found[-1]][:4] == ["辽宁省", "铁岭市", "开原市", "中固镇"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("昆山GDP增长", True),  # a county-level city's short name
        ("广东全省", True),  # a province's short name: 全省 stands for it
        ("鄂尔多斯市场", True),  # any 市 might end a city's name (the check may say yes too often, never no wrongly)
        ("全国规模以上工业增加值同比", False),
        ("消费品零售总额", False),
    ],
)
def test_may_name_upper_place(text, expected):
    from pipeline.places import may_name_upper_place

    assert may_name_upper_place(text, 0, len(text)) is expected
