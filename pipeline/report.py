"""A self-contained HTML report of a run: ``build_report(out_dir) -> OUTDIR/report.html``.

One file that works offline (inline CSS and vanilla JavaScript, no network request): run summary,
searchable/sortable/filterable postings, changes with small bar charts, an interactive graph of people,
places and organisations, each article's original text with entities and fact evidence highlighted,
and an administrative drill-down. The run tables do not hold the article text, so the inputs named in
``manifest.json`` are read again (only for the articles shown). Large runs are capped (see the ``MAX_*``
constants and ``max_articles``) and the page says what was left out.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

import networkx as nx

from .graph import GRAPH_DIR, build_graph, read_graph
from .readers import FILE_SUFFIXES, iter_articles, read_file

REPORT_NAME = "report.html"
DEFAULT_MAX_ARTICLES = 300
MAX_GRAPH_NODES = 2000
MAX_TABLE_ROWS = 20000  # rows of postings / changes embedded (the page paginates them by 100)
MAX_NODE_FACTS = 40
MAX_NODE_ARTICLES = 30
MAX_ERROR_ROWS = 200
GRAPH_NODE_TYPES = ("Person", "Place", "Organization")
GRAPH_EDGE_TYPES = ("POSTED_TO", "SENT_BY", "HOLDS_ROLE", "PART_OF")
FACT_TABLES = ("postings", "roles", "changes", "statistics")
EVIDENCE_PREFIX = {"postings": "p", "roles": "r", "changes": "c", "statistics": "s"}
UNKNOWN = "(unknown)"


# --------------------------------------------------------------------------- reading the run


def iter_jsonl(path: Path) -> Iterator[dict]:
    if not path.exists():
        return
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def read_table(out: Path, name: str) -> list[dict]:
    return list(iter_jsonl(out / f"{name}.jsonl"))


def evidence_id(table: str, row: int) -> str:
    return f"{EVIDENCE_PREFIX[table]}{row}"


def select_articles(articles: list[dict], facts_per_article: Counter, cap: int) -> list[str]:
    """Ids of at most ``cap`` articles, those with the most facts first, returned in input order."""
    ranked = sorted(range(len(articles)), key=lambda i: (-facts_per_article[articles[i]["id"]], i))
    keep = set(ranked[:max(cap, 0)])
    return [a["id"] for i, a in enumerate(articles) if i in keep]


def load_texts(inputs: list[str], articles: dict[str, dict], wanted: Iterable[str]) -> dict[str, str]:
    """Original text of the wanted articles: a plain file is read directly, other inputs are streamed."""
    wanted = set(wanted)
    texts: dict[str, str] = {}
    for article_id in sorted(wanted):
        source = articles[article_id].get("source") or ""
        path = Path(source)
        if source.lower().endswith(FILE_SUFFIXES) and path.is_file() and path.stem == article_id:
            raw = read_file(path)
            if raw.text is not None and raw.error is None:
                texts[article_id] = raw.text
    missing = wanted - set(texts)
    if missing:
        for raw in iter_articles([i for i in inputs if Path(i).exists()]):
            if raw.id in missing and raw.text is not None and raw.id not in texts:
                texts[raw.id] = raw.text
                missing.discard(raw.id)
                if not missing:
                    break
    return texts


# --------------------------------------------------------------------------- payload pieces


def posting_rows(postings: list[dict], published: dict[str, str | None], shown: set[str]) -> list[dict]:
    rows = []
    for i, p in enumerate(postings[:MAX_TABLE_ROWS]):
        year = (p.get("start") or published.get(p["article_id"]) or "")[:4]
        ev = p.get("evidence") or {}
        rows.append({"i": i, "person": p.get("person"), "role": p.get("role"), "village": p.get("village"),
                     "township": p.get("township"), "county": p.get("county"), "city": p.get("city"),
                     "province": p.get("province"), "org": p.get("org"), "start": p.get("start"), "year": year,
                     "article": p["article_id"], "evidence": ev.get("text"), "ev": evidence_id("postings", i),
                     "shown": p["article_id"] in shown, "confidence": p.get("confidence")})
    return rows


def change_places(graph: nx.MultiDiGraph) -> dict[int, dict]:
    """changes row -> the place node it was attached to in the graph (through its CHANGED edge)."""
    out = {}
    for u, _, d in graph.edges(data=True):
        if d.get("type") == "CHANGED" and d.get("table") == "changes":
            out[int(d["row"])] = graph.nodes[u]
    return out


def change_rows(changes: list[dict], places: dict[int, dict], shown: set[str]) -> list[dict]:
    rows = []
    for i, c in enumerate(changes[:MAX_TABLE_ROWS]):
        place = places.get(i, {})
        ev = c.get("evidence") or {}
        rows.append({"i": i, "subject": c.get("subject"), "metric": c.get("metric"), "before": c.get("before"),
                     "after": c.get("after"), "delta": c.get("delta"), "unit": c.get("unit"),
                     "before_time": c.get("before_time"), "after_time": c.get("after_time"),
                     "path": place.get("path") or "", "article": c["article_id"], "evidence": ev.get("text"),
                     "ev": evidence_id("changes", i), "shown": c["article_id"] in shown,
                     "approximate": bool(c.get("approximate"))})
    return rows


def _fact_label(etype: str, d: dict, graph: nx.MultiDiGraph, u: str, v: str) -> str:
    name_u, name_v = graph.nodes[u].get("name", u), graph.nodes[v].get("name", v)
    if etype == "POSTED_TO":
        org = f"（{d['org']}派）" if d.get("org") else ""
        return f"{name_u} {d.get('role') or ''} → {graph.nodes[v].get('path') or name_v}{org}"
    if etype == "SENT_BY":
        return f"{name_u} {d.get('role') or ''} sent by {name_v}"
    if etype == "HOLDS_ROLE":
        return f"{name_u}: {d.get('title') or ''} @ {name_v}"
    if etype == "CHANGED":
        return _change_text(d, with_delta=True)
    if etype == "STATISTIC":
        return _statistic_text(d)
    return f"{etype} {name_v}"


def _change_text(d: dict, with_delta: bool) -> str:
    delta = f" Δ{_num(d.get('delta'))}" if with_delta and d.get("delta") is not None else ""
    return f"{d.get('subject')} {d.get('metric') or ''}: {_num(d.get('before'))} → {_num(d.get('after'))}{delta} " \
           f"{d.get('unit') or ''}"


def _statistic_text(d: dict) -> str:
    return f"{d.get('subject')} {d.get('metric') or ''}: {_num(d.get('value'))} {d.get('unit') or ''}"


def _num(value) -> str:
    if value is None:
        return "?"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def node_degree(graph: nx.MultiDiGraph, node: str) -> int:
    """Edges that carry facts or hierarchy (MENTIONED_IN is provenance, not structure)."""
    return sum(1 for _, _, t in graph.in_edges(node, data="type") if t != "MENTIONED_IN") + \
        sum(1 for _, _, t in graph.out_edges(node, data="type") if t != "MENTIONED_IN")


def graph_payload(graph: nx.MultiDiGraph, titles: dict[str, str], shown: set[str]) -> dict:
    candidates = [n for n, t in graph.nodes(data="type") if t in GRAPH_NODE_TYPES]
    degree = {n: node_degree(graph, n) for n in candidates}
    kept = sorted(candidates, key=lambda n: (-degree[n], n))[:MAX_GRAPH_NODES]
    kept_set = set(kept)
    edge_count: Counter = Counter()
    for u, v, t in graph.edges(data="type"):
        if t in GRAPH_EDGE_TYPES and u in kept_set and v in kept_set and u != v:
            edge_count[(u, v, t)] += 1
    simple = nx.Graph()
    simple.add_nodes_from(sorted(kept))
    simple.add_edges_from(sorted((u, v) for u, v, _ in edge_count))
    positions = layout(simple)
    nodes = []
    for n in sorted(kept):
        d = graph.nodes[n]
        nodes.append({"id": n, "type": d["type"], "name": d.get("name") or n, "path": d.get("path"),
                      "level": d.get("level"), "deg": degree[n], "x": positions[n][0], "y": positions[n][1],
                      "facts": node_facts(graph, n, shown),
                      "articles": [{"id": a, "title": titles.get(a, a), "shown": a in shown}
                                   for a in (d.get("articles") or [])[:MAX_NODE_ARTICLES]],
                      "n_articles": d.get("n_articles", 0)})
    edges = [{"s": u, "t": v, "type": t, "n": c} for (u, v, t), c in sorted(edge_count.items())]
    return {"nodes": nodes, "edges": edges, "total_nodes": len(candidates)}


def node_facts(graph: nx.MultiDiGraph, node: str, shown: set[str]) -> list[dict]:
    facts = []
    incident = [(u, v, d) for u, v, d in graph.out_edges(node, data=True)] + \
               [(u, v, d) for u, v, d in graph.in_edges(node, data=True)]
    for u, v, d in incident:
        table = d.get("table")
        if table not in EVIDENCE_PREFIX:
            continue
        row = int(d["row"])
        facts.append({"kind": d["type"], "label": " ".join(_fact_label(d["type"], d, graph, u, v).split()),
                      "article": d.get("article"), "ev": evidence_id(table, row), "shown": d.get("article") in shown,
                      "evidence": d.get("evidence")})
    facts.sort(key=lambda f: (f["kind"], f["article"] or "", f["ev"]))
    return facts[:MAX_NODE_FACTS]


def layout(simple: nx.Graph) -> dict[str, tuple[float, float]]:
    """Deterministic spring layout scaled to a 1000 x 1000 box (components side by side via networkx)."""
    if simple.number_of_nodes() == 0:
        return {}
    if simple.number_of_nodes() == 1:
        return {next(iter(simple.nodes)): (500.0, 500.0)}
    pos = nx.spring_layout(simple, seed=7, iterations=60, k=1.6 / max(simple.number_of_nodes(), 1) ** 0.5)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    return {n: (round(20 + 960 * (p[0] - min(xs)) / span_x, 1), round(20 + 960 * (p[1] - min(ys)) / span_y, 1))
            for n, p in pos.items()}


def article_payload(article: dict, text: str | None, mentions: list[dict], facts: list[dict]) -> dict:
    spans, mismatched = [], 0
    if text is not None:
        for m in mentions:
            s, e = m["start"], m["end"]
            if 0 <= s < e <= len(text) and text[s:e] == m["text"]:
                spans.append([s, e, m["type"]])
            else:
                mismatched += 1
        evidence = [[f["start"], f["end"], f["ev"]] for f in facts if 0 <= f["start"] < f["end"] <= len(text)]
    else:
        evidence = []
    return {"id": article["id"], "title": article.get("title") or article["id"], "published": article.get("published"),
            "source": article.get("source"), "url": article.get("url"), "text": text, "entities": spans,
            "evidence": evidence, "mismatched": mismatched, "facts": facts,
            "changed": text is not None and article.get("n_chars") not in (None, 0, len(text))}


def article_facts(tables: dict[str, list[dict]], shown: set[str]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for table in FACT_TABLES:
        for i, r in enumerate(tables[table]):
            if r["article_id"] not in shown:
                continue
            ev = r.get("evidence") or {}
            out[r["article_id"]].append({"ev": evidence_id(table, i), "table": table, "start": ev.get("start", 0),
                                         "end": ev.get("end", 0), "label": fact_summary(table, r)})
    return out


def fact_summary(table: str, r: dict) -> str:
    if table == "postings":
        where = "".join(r.get(k) or "" for k in ("province", "city", "county", "township", "village"))
        org = f"，派出单位 {r['org']}" if r.get("org") else ""
        return f"{r.get('person')} {r.get('role') or ''} @ {where or '?'}{org}{'，' + r['start'] if r.get('start') else ''}"
    if table == "roles":
        return f"{r.get('person')}: {r.get('title')} @ {r.get('where') or '?'}"
    if table == "changes":
        return _change_text(r, with_delta=False)
    return _statistic_text(r)


def admin_tree(postings: list[dict], changes: list[dict], places: dict[int, dict]) -> dict:
    """province -> county -> village -> {"postings": n, "changes": n} (missing levels as ``(unknown)``)."""
    tree: dict = {}

    def add(province, county, village, key):
        node = tree.setdefault(province or UNKNOWN, {}).setdefault(county or UNKNOWN, {})
        counts = node.setdefault(village or UNKNOWN, {"postings": 0, "changes": 0})
        counts[key] += 1

    for p in postings:
        add(p.get("province"), p.get("county"), p.get("village"), "postings")
    for i, _ in enumerate(changes):
        place = places.get(i, {})
        add(place.get("province"), place.get("county"), place.get("village"), "changes")
    return tree


def admin_tree_html(tree: dict) -> str:
    def total(node: dict) -> tuple[int, int]:
        if "postings" in node and isinstance(node["postings"], int):
            return node["postings"], node["changes"]
        sums = [total(child) for child in node.values()]
        return sum(s[0] for s in sums), sum(s[1] for s in sums)

    def counts(node: dict) -> str:
        p, c = total(node)
        return f'<span class="cnt">{p} postings · {c} changes</span>'

    parts = []
    for province in sorted(tree):
        parts.append(f'<details class="prov"><summary>{html.escape(province)} {counts(tree[province])}</summary>')
        for county in sorted(tree[province]):
            villages = tree[province][county]
            parts.append(f'<details class="county"><summary>{html.escape(county)} {counts(villages)}</summary><ul>')
            for village in sorted(villages):
                parts.append(f"<li>{html.escape(village)} {counts(villages[village])}</li>")
            parts.append("</ul></details>")
        parts.append("</details>")
    return "".join(parts) or "<p>No postings or changes.</p>"


def summary_payload(manifest: dict, tables: dict[str, list[dict]], graph: nx.MultiDiGraph) -> dict:
    errors = tables["errors"]
    reasons = Counter((e.get("stage") or "", e.get("reason") or "") for e in errors)
    stories = sum(max(len(a.get("stories") or []), 1) for a in tables["articles"])
    graph_types = Counter(t for _, t in graph.nodes(data="type"))
    return {"articles": len(tables["articles"]), "stories": stories,
            "facts": {name: len(tables[name]) for name in (*FACT_TABLES, "errors")},
            "mentions": manifest.get("counts", {}).get("mentions"),
            "error_reasons": [{"stage": s, "reason": r, "n": n} for (s, r), n in sorted(reasons.items(),
                                                                                        key=lambda kv: (-kv[1], kv[0]))],
            "errors": errors[:MAX_ERROR_ROWS],
            "backend": (manifest.get("settings") or {}).get("ner"), "settings": manifest.get("settings") or {},
            "packages": manifest.get("packages") or {}, "version": manifest.get("zhucun_version"),
            "inputs": manifest.get("inputs") or [], "total_seconds": (manifest.get("timings") or {}).get("total"),
            "graph": dict(sorted(graph_types.items())), "graph_edges": graph.number_of_edges()}


# --------------------------------------------------------------------------- assembling


def build_report(out_dir: str | os.PathLike, max_articles: int = DEFAULT_MAX_ARTICLES) -> Path:
    """Write ``out_dir/report.html`` for the run in ``out_dir`` and return its path."""
    out = Path(out_dir)
    manifest_path = out / "manifest.json"
    if not manifest_path.exists():
        raise FileNotFoundError(f"{out} is not a run directory: no manifest.json")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    tables = {name: read_table(out, name) for name in ("articles", *FACT_TABLES, "errors")}
    if not (out / GRAPH_DIR / "nodes.jsonl").exists():
        build_graph(out)
    graph = read_graph(out / GRAPH_DIR)

    articles = tables["articles"]
    by_id = {a["id"]: a for a in articles}
    facts_per_article = Counter(r["article_id"] for t in FACT_TABLES for r in tables[t])
    shown_ids = select_articles(articles, facts_per_article, max_articles)
    shown = set(shown_ids)
    texts = load_texts(manifest.get("inputs") or [], by_id, shown_ids)
    mentions: dict[str, list[dict]] = defaultdict(list)
    for m in iter_jsonl(out / "mentions.jsonl"):  # streamed: only the shown articles' mentions are kept
        if m["article_id"] in shown:
            mentions[m["article_id"]].append({k: m[k] for k in ("start", "end", "type", "text")})
    facts = article_facts(tables, shown)
    places = change_places(graph)
    published = {a["id"]: a.get("published") for a in articles}
    titles = {a["id"]: a.get("title") or a["id"] for a in articles}

    data = {
        "summary": summary_payload(manifest, tables, graph),
        "postings": posting_rows(tables["postings"], published, shown),
        "changes": change_rows(tables["changes"], places, shown),
        "graph": graph_payload(graph, titles, shown),
        "articles": [article_payload(by_id[i], texts.get(i), mentions.get(i, []), facts.get(i, []))
                     for i in shown_ids],
        "caps": {"articles": [len(shown_ids), len(articles)], "max_articles": max_articles,
                 "postings": [min(len(tables["postings"]), MAX_TABLE_ROWS), len(tables["postings"])],
                 "changes": [min(len(tables["changes"]), MAX_TABLE_ROWS), len(tables["changes"])],
                 "page_size": 100},
    }
    page = render_html(data, admin_tree_html(admin_tree(tables["postings"], tables["changes"], places)),
                       title=f"zhucun report — {out.name}")
    target = out / REPORT_NAME
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    tmp.write_text(page, encoding="utf-8", newline="\n")
    os.replace(tmp, target)
    return target


def embed_json(data) -> str:
    """JSON safe inside <script>: no ``<`` at all (so no ``</script>`` or ``<!--``), nor U+2028/9."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def render_html(data: dict, admin_html: str, title: str) -> str:
    from .report_page import TEMPLATE

    values = {"TITLE": html.escape(title), "ADMIN": admin_html, "DATA": embed_json(data)}
    return re.sub(r"\{\{(TITLE|ADMIN|DATA)\}\}", lambda m: values[m.group(1)], TEMPLATE)
