"""Entity resolution: places by admin path, organisations by normalised name, persons by name + anchor."""

from __future__ import annotations

import pytest

from pipeline.resolve import (
    MAX_KEYS_IN_DECISION,
    AdminIndex,
    OrgKey,
    PersonUnit,
    PlaceKey,
    PlaceObservation,
    Ref,
    abbreviate_org,
    anchored,
    compatible,
    jionlp_admin_index,
    level_of_name,
    make_path,
    person_identity,
    places_form_chain,
    resolve_org,
    resolve_persons,
    resolve_places,
    stable_id,
)

TREE = {
    "福建省": {"_alias": "福建", "南平市": {"_alias": ["南平"], "延平区": {}, "建阳区": {}},
              "泉州市": {"_alias": ["泉州"], "安溪县": {}}},
    "河南省": {"_alias": "河南", "许昌市": {"_alias": ["许昌"], "襄城县": {}},
              "新乡市": {"_alias": ["新乡"], "封丘县": {}}},
    "辽宁省": {"_alias": "辽宁", "锦州市": {"_alias": ["锦州"], "义县": {}},
              "铁岭市": {"_alias": ["铁岭"], "开原市": {}, "铁岭县": {}}},
    "江苏省": {"_alias": "江苏", "南京市": {"鼓楼区": {}}, "徐州市": {"鼓楼区": {}}},
}


@pytest.fixture(scope="module")
def index() -> AdminIndex:
    return AdminIndex.from_tree(TREE)


def obs(article: str, row: int, **levels) -> PlaceObservation:
    path = make_path(**levels)
    return PlaceObservation(path, article, Ref("postings", row, article, next(v for v in reversed(path) if v)))


# --------------------------------------------------------------------------- places


def test_complete_fills_province_and_city_from_a_unique_county(index):
    assert index.complete(make_path(county="襄城县", village="漕厂村")) == ("河南省", "许昌市", "襄城县", None, "漕厂村")
    # a county-level city written in the city slot moves to the county slot
    assert index.complete(make_path(city="开原市")) == ("辽宁省", "铁岭市", "开原市", None, None)
    # city aliases resolve (铁岭 -> 铁岭市)
    assert index.complete(make_path(city="铁岭", county="开原市"))[:3] == ("辽宁省", "铁岭市", "开原市")


def test_complete_leaves_an_ambiguous_county_alone(index):
    assert index.complete(make_path(county="鼓楼区")) == (None, None, "鼓楼区", None, None)
    assert index.complete(make_path(city="徐州市", county="鼓楼区"))[:3] == ("江苏省", "徐州市", "鼓楼区")
    assert not anchored(index.complete(make_path(county="鼓楼区", village="X村")))


def test_real_jionlp_index_completes_seed_counties():
    real = jionlp_admin_index()
    assert real.complete(make_path(county="襄城县"))[:3] == ("河南省", "许昌市", "襄城县")
    assert real.complete(make_path(county="乐业县"))[:3] == ("广西壮族自治区", "百色市", "乐业县")
    assert real.complete(make_path(county="延平区"))[:3] == ("福建省", "南平市", "延平区")


def test_namesake_villages_in_different_counties_stay_apart(index):
    keys, _ = resolve_places([obs("a1", 0, county="延平区", village="红星村"),
                              obs("a2", 0, county="安溪县", village="红星村")], index)
    assert keys[0] != keys[1]
    assert keys[0].path[2] == "延平区" and keys[1].path[2] == "安溪县"


def test_bare_village_merges_with_full_path_in_an_article_about_the_same_county(index):
    observations = [
        obs("a1", 0, city="南平市", county="延平区", township="夏道镇", village="罗坑村"),
        obs("a2", 0, county="延平区", township="某某镇", village="另一村"),  # a2 is about 延平区
        obs("a2", 1, village="罗坑村"),
    ]
    keys, decisions = resolve_places(observations, index)
    assert keys[2] == keys[0]
    assert keys[0].path == ("福建省", "南平市", "延平区", "夏道镇", "罗坑村") and keys[0].scope == ""
    rules = {(d.decision, d.rule) for d in decisions}
    assert ("merge", "article_county_context") in rules


def test_bare_village_without_context_stays_scoped_to_its_article(index):
    keys, decisions = resolve_places([obs("a1", 0, county="延平区", township="夏道镇", village="罗坑村"),
                                      obs("a3", 0, village="罗坑村"), obs("a4", 0, village="罗坑村")], index)
    assert keys[1].scope == "a3" and keys[2].scope == "a4"
    assert len({keys[0], keys[1], keys[2]}) == 3
    assert any(d.rule == "unanchored_same_name" and d.decision == "apart" for d in decisions)


def test_partial_path_merges_only_with_a_unique_fuller_path(index):
    keys, decisions = resolve_places([
        obs("a1", 0, county="襄城县", township="姜庄乡", village="漕厂村"),
        obs("a2", 0, county="襄城县", village="漕厂村"),
    ], index)
    assert keys[0] == keys[1]
    keys, decisions = resolve_places([
        obs("a1", 0, county="襄城县", township="姜庄乡", village="新村"),
        obs("a2", 0, county="襄城县", township="库庄镇", village="新村"),
        obs("a3", 0, county="襄城县", village="新村"),
    ], index)
    assert len(set(keys)) == 3
    assert any(d.rule == "ambiguous_admin_path" for d in decisions)


def test_inside_one_article_a_bare_name_takes_the_articles_full_path(index):
    keys, decisions = resolve_places([obs("a1", 0, county="安溪县", township="西坪镇", village="龙地村"),
                                      obs("a1", 1, village="龙地村")], index)
    assert keys[0] == keys[1]
    assert any(d.rule == "same_article_admin_path" for d in decisions)


def test_level_of_name_and_compatibility(index):
    assert level_of_name("漕厂村") == "village"
    assert level_of_name("姜庄乡") == "township"
    assert level_of_name("义县", index) == "county"
    assert level_of_name("开原市", index) == "county"
    assert level_of_name("铁岭市", index) == "city"
    for junk in ("农村", "全县", "村", "", "贫困村"):
        assert level_of_name(junk, index) is None
    assert compatible(make_path(county="义县"), make_path(county="义县", village="A村"))
    assert not compatible(make_path(county="义县", village="A村"), make_path(county="义县", village="B村"))


def test_empty_paths_resolve_without_error(index):
    keys, _ = resolve_places([obs("a1", 0, village="X村"), PlaceObservation(make_path(), "a1", Ref("t", 1, "a1", ""))],
                             index)
    assert keys[1].scope == "a1"


# --------------------------------------------------------------------------- organisations


def test_org_abbreviations_merge():
    full = resolve_org("中国农业科学院农田灌溉研究所", "a1", None)[0]
    assert resolve_org("中国农科院灌溉所", "a2", None)[0] == full
    assert resolve_org("农科院灌溉所", "a3", None)[0] == full
    assert full.scope == ""
    assert abbreviate_org("中国共产党襄城县委员会组织部") == "中共襄城县委组织部"


def test_generic_org_takes_the_county_of_its_context():
    xiangcheng = ("河南省", "许昌市", "襄城县", None, None)
    key, rule = resolve_org("县交通局", "a1", xiangcheng)
    assert key == OrgKey("襄城县交通局") and rule == "org_place_context"
    assert resolve_org("襄城县交通局", "a2", None)[0] == key
    assert resolve_org("该县人民法院", "a1", xiangcheng)[0] == resolve_org("襄城人民法院", "a2", xiangcheng)[0]
    assert resolve_org("县委组织部", "a1", ("辽宁省", "锦州市", "义县", None, None))[0] == OrgKey("义县委组织部")
    # a county-level city: 市委组织部 in an article about 开原市 is 开原市委组织部
    assert resolve_org("市委组织部", "a1", ("辽宁省", "铁岭市", "开原市", None, None))[0].name == "开原市委组织部"


def test_generic_org_without_context_stays_in_its_article():
    key, rule = resolve_org("县委组织部", "a9", None)
    assert key.scope == "a9" and rule == "org_generic_unresolved"
    assert resolve_org("交通局", "a9", None)[0].scope == "a9"
    assert resolve_org("市场监管局", "a9", None)[0].scope == "a9"  # 市场 is not the 市 prefix, but still generic


# --------------------------------------------------------------------------- persons


def place(*levels: str | None, scope: str = "") -> PlaceKey:
    return PlaceKey(tuple(levels) + (None,) * (5 - len(levels)), scope)


BAINICUN = place("广西壮族自治区", "百色市", "乐业县", "新化镇", "百坭村")
LEYE = place("广西壮族自治区", "百色市", "乐业县")


def unit(article: str, name: str, *places: PlaceKey, orgs: tuple[OrgKey, ...] = ()) -> PersonUnit:
    return PersonUnit(article, name, set(places), set(orgs), [Ref("postings", 0, article, name)])


def test_same_name_same_place_merges_across_articles():
    clusters, decisions = resolve_persons([unit("a1", "黄文秀", BAINICUN), unit("a2", "黄文秀", BAINICUN)])
    assert len(clusters) == 1 and clusters[0].articles == ["a1", "a2"]
    assert [d.rule for d in decisions if d.decision == "merge"] == ["same_name_same_place"]


def test_same_name_county_and_village_in_it_merge():
    clusters, decisions = resolve_persons([unit("a1", "黄文秀", BAINICUN), unit("a2", "黄文秀", LEYE)])
    assert len(clusters) == 1
    assert any(d.rule == "same_name_compatible_admin_path" for d in decisions)


def test_namesakes_in_different_places_stay_apart():
    a = place("辽宁省", "铁岭市", "开原市", "中固镇", "小白庙子村")
    b = place("河南省", "许昌市", "襄城县", "姜庄乡", "漕厂村")
    clusters, decisions = resolve_persons([unit("a1", "王勇", a), unit("a2", "王勇", b), unit("a3", "王勇")])
    assert len(clusters) == 3
    assert any(d.rule == "same_name_different_place" for d in decisions)


def test_county_level_mention_with_two_villages_in_that_county_stays_apart():
    v1 = place("辽宁省", "锦州市", "义县", "九道岭镇", "红台子村")
    v2 = place("辽宁省", "锦州市", "义县", "前杨镇", "沙河子村")
    county = place("辽宁省", "锦州市", "义县")
    clusters, decisions = resolve_persons([unit("a1", "张涛", v1), unit("a2", "张涛", v2), unit("a3", "张涛", county)])
    assert len(clusters) == 3
    assert any(d.rule == "ambiguous_compatible_places" for d in decisions)


def test_same_org_does_not_merge_people_in_unrelated_places():
    org = OrgKey("义县委组织部")
    v1 = place("辽宁省", "锦州市", "义县", "九道岭镇", "红台子村")
    v2 = place("辽宁省", "锦州市", "义县", "前杨镇", "沙河子村")
    clusters, decisions = resolve_persons([unit("a1", "张涛", v1, orgs=(org,)), unit("a2", "张涛", v2, orgs=(org,))])
    assert len(clusters) == 2
    assert any(d.rule == "conflicting_places" and d.decision == "apart" for d in decisions)
    clusters, _ = resolve_persons([unit("a1", "张涛", v1, orgs=(org,)), unit("a2", "张涛", orgs=(org,))])
    assert len(clusters) == 1


def test_province_is_too_broad_to_merge_people():
    clusters, _ = resolve_persons([unit("a1", "王勇", BAINICUN), unit("a2", "王勇", place("广西壮族自治区"))])
    assert len(clusters) == 2


def test_person_identity_is_name_plus_deepest_place_and_stable():
    clusters, _ = resolve_persons([unit("a2", "黄文秀", LEYE), unit("a1", "黄文秀", BAINICUN)])
    identity = person_identity(clusters[0])
    assert identity == f"person|黄文秀|{BAINICUN.key}"
    again, _ = resolve_persons([unit("a1", "黄文秀", BAINICUN), unit("a2", "黄文秀", LEYE), unit("a3", "黄文秀", LEYE)])
    assert stable_id("person", person_identity(again[0])) == stable_id("person", identity)


def test_places_form_chain():
    assert places_form_chain([LEYE, BAINICUN])
    assert not places_form_chain([BAINICUN, place("广西壮族自治区", "百色市", "乐业县", "新化镇", "别的村")])
    assert not places_form_chain([place("X村", scope="a1"), place("X村", scope="a2")])


def test_real_index_fills_the_township_of_a_village_only_inside_a_known_county():
    real = jionlp_admin_index()
    assert real.complete(make_path(county="乐业县", village="百坭村")) == (
        "广西壮族自治区", "百色市", "乐业县", "新化镇", "百坭村")
    assert real.complete(make_path(village="百坭村")) == (None, None, None, None, "百坭村")
    # a village the data does not list under that county gets no township
    assert real.complete(make_path(county="乐业县", village="不存在村"))[3] is None


def test_same_title_at_the_same_county_merges_but_another_title_does_not():
    office = f"组织部部长|{place('辽宁省', '锦州市', '义县').key}"
    a = PersonUnit("a1", "熊超", offices={office}, refs=[Ref("roles", 0, "a1", "熊超")])
    b = PersonUnit("a2", "熊超", offices={office}, refs=[Ref("roles", 0, "a2", "熊超")])
    c = PersonUnit("a3", "熊超", offices={f"县长|{place('辽宁省', '锦州市', '义县').key}"})
    clusters, decisions = resolve_persons([a, b, c])
    assert sorted(len(cl.units) for cl in clusters) == [1, 2]
    assert any(d.rule == "same_name_same_office" for d in decisions)


def test_a_name_in_thousands_of_articles_resolves_with_decisions_linear_in_its_mentions():
    # a leader reported with the same office in 3,000 stories (as in the CCTV transcripts): one person, and
    # each merge decision names the merged unit, not the whole growing cluster (that was quadratic)
    office = f"总书记|{place('北京市').key}"
    units = [PersonUnit(f"a{i:05d}", "某某某", offices={office}, refs=[Ref("roles", i, f"a{i:05d}", "某某某")])
             for i in range(3000)]
    loose = [PersonUnit(f"b{i:05d}", "某某某", refs=[Ref("mentions", i, f"b{i:05d}", "某某某")]) for i in range(3000)]
    clusters, decisions = resolve_persons(units + loose)
    assert sorted(len(c.units) for c in clusters)[-1] == 3000 and len(clusters) == 3001
    merges = [d for d in decisions if d.decision == "merge"]
    assert len(merges) == 2999 and all(d.rule == "same_name_same_office" for d in merges)
    assert sum(len(d.refs) for d in merges) <= (MAX_KEYS_IN_DECISION + 1) * 2999  # at most 6 units each, not 3,000
    assert max(len(k) for d in decisions for k in d.keys) < 200
