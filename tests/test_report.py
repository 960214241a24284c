"""The HTML report of a run, driven in a real headless Chromium (selenium + chromedriver from Debian)."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from shared_data import REPO, SEEDS, SEEDS_META
from shared_data import skip_or_fail as _skip_or_fail

from pipeline.report import build_report, embed_json, select_articles
from pipeline.report_cli import register

ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="session")
def seeds_run(tmp_path_factory) -> Path:
    if not SEEDS.is_dir():
        _skip_or_fail(f"real seed articles absent: {SEEDS}")
    from pipeline.runner import run

    out = tmp_path_factory.mktemp("seeds_run")
    run([str(SEEDS)], out, meta=str(SEEDS_META), ner="lac", quiet=True)
    return out


@pytest.fixture(scope="session")
def seeds_report(seeds_run) -> Path:
    return build_report(seeds_run)


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        _skip_or_fail("chromium / chromedriver not installed (apt-get install chromium chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _skip_or_fail("selenium not installed")
    profile = tempfile.mkdtemp(prefix="zhucun-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-extensions", "--window-size=1400,1000", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def open_report(driver, path: Path):
    driver.get(path.resolve().as_uri())
    driver.get_log("browser")  # drop what an earlier page logged
    driver.get_log("performance")
    driver.refresh()
    return driver


def shot(driver, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / name))


def requested_urls(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


# --------------------------------------------------------------------------- pure parts


def test_embed_json_cannot_close_the_script_tag():
    text = embed_json({"evil": "</script><script>alert(1)</script><!-- x \u2028"})
    assert "<" not in text and "\u2028" not in text
    assert json.loads(text)["evil"].startswith("</script>")


def test_select_articles_keeps_those_with_most_facts_in_input_order():
    from collections import Counter

    articles = [{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}]
    assert select_articles(articles, Counter({"c": 5, "a": 1, "d": 5}), 2) == ["c", "d"]
    assert select_articles(articles, Counter(), 0) == []


def test_cli_rejects_a_directory_that_is_not_a_run(tmp_path, capsys):
    import argparse

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["report", str(tmp_path)])
    assert args.func(args) == 2
    assert "not a run directory" in capsys.readouterr().err
    assert not (tmp_path / "report.html").exists()


# --------------------------------------------------------------------------- the seed report


def test_report_embeds_the_run_and_the_original_text(seeds_run, seeds_report):
    page = seeds_report.read_text(encoding="utf-8")
    assert seeds_report == seeds_run / "report.html"
    for forbidden in ("http://", "https://", "src=", "<link"):  # nothing to fetch (the SVG namespace is not fetched)
        assert all(forbidden not in line or "xmlns=" in line or "w3.org/2000/svg" in line for line in page.splitlines())
    raw = page.split('<script type="application/json" id="report-data">', 1)[1].split("</script>", 1)[0]
    data = json.loads(raw)
    manifest = json.loads((seeds_run / "manifest.json").read_text(encoding="utf-8"))
    assert data["summary"]["articles"] == manifest["counts"]["articles"] == 5
    assert len(data["postings"]) == manifest["counts"]["postings"]
    assert data["summary"]["backend"] == "lac"
    for article in data["articles"]:  # evidence offsets read the same sentence from the re-read original text
        for s, e, ev in article["evidence"]:
            row = next(r for r in data["postings"] if r["ev"] == ev) if ev.startswith("p") else None
            if row is not None:
                assert article["text"][s:e] == row["evidence"]
        assert article["entities"] and article["mismatched"] == 0


def test_report_is_deterministic_and_honours_max_articles(seeds_run, seeds_report):
    first = seeds_report.read_bytes()
    assert build_report(seeds_run).read_bytes() == first
    capped = build_report(seeds_run, max_articles=1).read_text(encoding="utf-8")
    data = json.loads(capped.split('id="report-data">', 1)[1].split("</script>", 1)[0])
    assert data["caps"]["articles"] == [1, 5] and len(data["articles"]) == 1
    assert any(not r["shown"] for r in data["postings"])
    build_report(seeds_run)  # leave the full report for the browser tests


def test_page_loads_offline_without_console_errors(browser, seeds_report):
    driver = open_report(browser, seeds_report)
    driver.execute_script("location.hash='postings'")
    logs = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert logs == []
    urls = requested_urls(driver)
    assert urls and all(u.startswith(("file:", "data:", "about:")) for u in urls), urls
    cards = driver.find_elements("css selector", "#tab-summary .card")
    assert cards[0].get_attribute("textContent") == "5articles"


def test_search_filters_the_postings_table(browser, seeds_report):
    from selenium.webdriver.common.by import By

    driver = open_report(browser, seeds_report)
    driver.find_element(By.CSS_SELECTOR, "#tabs button[data-tab=postings]").click()
    rows = driver.find_elements(By.CSS_SELECTOR, "#postings-data tbody tr")
    assert len(rows) == 30
    box = driver.find_element(By.ID, "postings-search")
    box.send_keys("李勇")
    rows = driver.find_elements(By.CSS_SELECTOR, "#postings-data tbody tr")
    assert 1 <= len(rows) < 30 and all("李勇" in r.text for r in rows)
    box.clear()
    box.send_keys("没有这个人")
    assert driver.find_elements(By.CSS_SELECTOR, "#postings-data tbody tr") == []
    box.clear()
    box.send_keys(" ")  # any input event after clear restores the table
    from selenium.webdriver.support.select import Select

    Select(driver.find_element(By.ID, "postings-filter-province")).select_by_visible_text("辽宁省")
    rows = driver.find_elements(By.CSS_SELECTOR, "#postings-data tbody tr")
    assert rows and all("辽宁省" in r.text for r in rows)
    header = driver.find_element(By.CSS_SELECTOR, "#postings-data th[data-key=person]")
    header.click()
    names = [r.find_element(By.CSS_SELECTOR, "td").text for r in
             driver.find_elements(By.CSS_SELECTOR, "#postings-data tbody tr")]
    assert len(names) > 1
    ordered = driver.execute_script(  # the page sorts with the browser's Chinese collation
        "const n=arguments[0];return n.slice().sort((a,b)=>a.localeCompare(b,'zh')).join('|')===n.join('|')", names)
    assert ordered
    Select(driver.find_element(By.ID, "postings-filter-province")).select_by_index(0)
    shot(driver, "report_postings.png")
    assert driver.get_log("browser") == []


def test_clicking_a_graph_node_shows_its_facts(browser, seeds_report):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    driver = open_report(browser, seeds_report)
    driver.find_element(By.CSS_SELECTOR, "#tabs button[data-tab=graph]").click()
    driver.find_element(By.ID, "graph-search").send_keys("李勇")
    hits = driver.find_elements(By.CSS_SELECTOR, "#graph-svg circle.hit")
    assert hits, "the search marks the node"
    driver.execute_script("arguments[0].parentNode.appendChild(arguments[0])", hits[0])  # on top of its neighbours
    ActionChains(driver).move_to_element(hits[0]).click().perform()
    panel = driver.find_element(By.ID, "graph-panel")
    assert "李勇" in panel.find_element(By.TAG_NAME, "h3").text
    facts = panel.find_elements(By.CSS_SELECTOR, "#panel-facts li")
    assert any("POSTED_TO" in f.text and "南石桥子村" in f.text for f in facts)
    svg = driver.find_element(By.ID, "graph-svg")
    driver.find_element(By.ID, "graph-partof").click()
    assert "no-partof" in svg.get_attribute("class")
    part_of = driver.find_elements(By.CSS_SELECTOR, "#graph-svg line.PART_OF")
    assert part_of and not part_of[0].is_displayed()
    shot(driver, "report_graph.png")
    assert driver.get_log("browser") == []


def test_evidence_link_opens_the_article_with_the_evidence_marked(browser, seeds_report):
    from selenium.webdriver.common.by import By

    driver = open_report(browser, seeds_report)
    driver.find_element(By.CSS_SELECTOR, "#tabs button[data-tab=postings]").click()
    driver.find_element(By.ID, "postings-search").send_keys("李勇")
    row = driver.find_element(By.CSS_SELECTOR, "#postings-data tbody tr")
    link = row.find_element(By.CSS_SELECTOR, "a.evlink")
    ev = link.get_attribute("href").rsplit("ev=", 1)[1]
    evidence_text = row.find_elements(By.TAG_NAME, "td")[-1].text.replace("evidence", "").strip()
    link.click()
    assert driver.find_element(By.ID, "tab-articles").is_displayed()
    target = driver.find_element(By.ID, f"ev-{ev}")
    assert target.is_displayed()
    marked = driver.find_elements(By.CSS_SELECTOR, "mark.ev.target")
    assert marked and "".join("".join(m.text for m in marked).split()) == "".join(evidence_text.split())
    assert "李勇" in "".join(m.text for m in marked)
    people = driver.find_elements(By.CSS_SELECTOR, "#article-text mark.ent-PERSON")
    assert any(p.text == "李勇" for p in people)
    shot(driver, "report_article.png")
    title = driver.find_element(By.ID, "article-title").text
    driver.find_element(By.ID, "article-next").click()
    assert driver.find_element(By.ID, "article-title").text != title
    driver.find_element(By.ID, "article-prev").click()
    assert driver.find_element(By.ID, "article-title").text == title
    assert driver.get_log("browser") == []


def test_admin_drill_down_counts_postings(browser, seeds_report):
    from selenium.webdriver.common.by import By

    driver = open_report(browser, seeds_report)
    driver.find_element(By.CSS_SELECTOR, "#tabs button[data-tab=places]").click()
    provinces = driver.find_elements(By.CSS_SELECTOR, "#tab-places details.prov > summary")
    total = 0
    for summary in provinces:
        total += int(summary.find_element(By.CLASS_NAME, "cnt").text.split(" postings")[0])
    assert total == 30
    provinces[0].click()
    assert driver.find_element(By.CSS_SELECTOR, "#tab-places details.prov details.county").is_displayed()
