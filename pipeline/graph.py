"""Knowledge graph across the articles of a run.

``build_graph(out_dir)`` reads the run's tables (``TABLE.jsonl``), resolves
entities (``pipeline.resolve``) and writes ``out_dir/graph/``:

- ``nodes.jsonl`` / ``nodes.parquet``: one row per node (id, type, name, attributes, provenance)
- ``edges.jsonl`` / ``edges.parquet``: one row per edge (id, type, source, target, attributes)
- ``merges.jsonl`` / ``merges.parquet``: every resolution decision (merge or apart, rule, keys, row refs)
- ``stats.json``: node and edge counts by type, decisions by rule

Node types: Person, Place, Organization, Article, Change, Statistic. Edge types:
POSTED_TO, SENT_BY, HOLDS_ROLE, PART_OF, CHANGED, STATISTIC, MENTIONED_IN.
``load(out_dir)`` returns the networkx graph and the tables as DataFrames.
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from .resolve import (
    COUNTY,
    LEVELS,
    TOWNSHIP,
    AdminIndex,
    Decision,
    OrgKey,
    PersonUnit,
    PlaceKey,
    PlaceObservation,
    Ref,
    ancestors,
    deepest,
    jionlp_admin_index,
    level_of_name,
    make_path,
    person_identity,
    place_key_for,
    resolve_org,
    resolve_persons,
    resolve_places,
    stable_id,
    truncate,
)

GRAPH_DIR = "graph"
RUN_TABLES = ("articles", "mentions", "postings", "roles", "changes", "statistics", "errors")
NODE_TYPES = ("Person", "Place", "Organization", "Article", "Change", "Statistic")
EDGE_TYPES = ("POSTED_TO", "SENT_BY", "HOLDS_ROLE", "PART_OF", "CHANGED", "STATISTIC", "MENTIONED_IN")


# --------------------------------------------------------------------------- reading a run


def read_run_rows(out_dir: str | os.PathLike) -> dict[str, list[dict]]:
    """The run's tables as lists of dicts, from ``TABLE.jsonl`` (or ``TABLE.parquet`` when only that exists)."""
    out = Path(out_dir)
    tables: dict[str, list[dict]] = {}
    for name in RUN_TABLES:
        jsonl, parquet = out / f"{name}.jsonl", out / f"{name}.parquet"
        if jsonl.exists():
            with open(jsonl, encoding="utf-8") as fh:
                tables[name] = [json.loads(line) for line in fh if line.strip()]
        elif parquet.exists():
            import pandas as pd

            tables[name] = [_from_parquet_row(r) for r in pd.read_parquet(parquet).to_dict("records")]
        else:
            tables[name] = []
    if not any(tables.values()):
        raise FileNotFoundError(f"{out} holds no run tables (articles.jsonl, postings.jsonl, ...)")
    return tables


def _from_parquet_row(row: dict) -> dict:
    out = {}
    for k, v in row.items():
        if isinstance(v, str) and v[:1] in "{[":
            try:
                v = json.loads(v)
            except ValueError:
                pass
        elif v is not None and not isinstance(v, (str, bool, int, float, list, dict)):
            v = v.tolist() if hasattr(v, "tolist") else v
        if isinstance(v, float) and v != v:  # NaN from pandas
            v = None
        out[k] = v
    return out


# --------------------------------------------------------------------------- building


@dataclass
class _Builder:
    rows: dict[str, list[dict]]
    index: AdminIndex | None
    nodes: dict[str, dict] = field(default_factory=dict)
    edges: dict[str, dict] = field(default_factory=dict)
    node_refs: dict[str, list[Ref]] = field(default_factory=lambda: defaultdict(list))
    decisions: list[Decision] = field(default_factory=list)
    published: dict[str, str | None] = field(default_factory=dict)

    # ---- places
    def place_observations(self) -> list[PlaceObservation]:
        obs: list[PlaceObservation] = []
        names_in_article: dict[str, dict[str, str]] = defaultdict(dict)
        for i, p in enumerate(self.rows["postings"]):
            path = make_path(**{lv: p.get(lv) for lv in LEVELS})
            if deepest(path) >= 0:
                obs.append(PlaceObservation(path, p["article_id"], Ref("postings", i, p["article_id"], path[deepest(path)])))
        for i, m in enumerate(self.rows["mentions"]):
            if m.get("type") != "PLACE":
                continue
            path = self.mention_path(m)
            if path is not None:
                obs.append(PlaceObservation(path, m["article_id"], Ref("mentions", i, m["article_id"], m["text"])))
        for o in obs:
            level = deepest(o.path)
            names_in_article[o.article_id].setdefault(o.path[level], LEVELS[level])
        for table, column in (("roles", "where"), ("changes", "subject"), ("statistics", "subject")):
            for i, r in enumerate(self.rows[table]):
                name = (r.get(column) or "").strip()
                level = names_in_article[r["article_id"]].get(name) or level_of_name(name, self.index)
                if level:
                    obs.append(PlaceObservation(make_path(**{level: name}), r["article_id"],
                                                Ref(table, i, r["article_id"], name)))
        return obs

    def mention_path(self, m: dict):
        name = (m.get("name") or m.get("text") or "").strip()
        level = m.get("level") or level_of_name(name, self.index)
        if not level:
            return None
        fields = dict(m.get("admin_path") or {})
        fields[level] = fields.get(level) or name
        # an admin path deeper than the mention's own level belongs to another place
        for deeper in LEVELS[LEVELS.index(level) + 1:]:
            fields[deeper] = None
        return make_path(**fields)

    def add_places(self, keys: list[PlaceKey]) -> None:
        for key in sorted(set(keys), key=lambda k: k.key):
            self.add_place_chain(key)

    def add_place_chain(self, key: PlaceKey) -> str:
        node_id = stable_id("place", key.key)
        if node_id in self.nodes:
            return node_id
        path = key.path
        attrs = {"type": "Place", "name": key.name, "level": key.level, "path": "/".join(v for v in path if v),
                 "scope": key.scope, "key": key.key}
        attrs.update({lv: path[i] for i, lv in enumerate(LEVELS)})
        self.nodes[node_id] = attrs
        parents = ancestors(path)
        if parents:
            # an article-scoped place keeps its unanchored parents in the same article
            parent = place_key_for(parents[0], key.scope)
            parent_id = self.add_place_chain(parent)
            self.add_edge("PART_OF", node_id, parent_id, {})
        return node_id

    # ---- edges and nodes
    def add_edge(self, etype: str, source: str, target: str, attrs: dict) -> str:
        ident = [etype, source, target, str(attrs.get("article", "")), str(attrs.get("row", "")),
                 str(attrs.get("table", ""))]
        edge_id = stable_id("edge", "|".join(ident))
        self.edges[edge_id] = {"type": etype, "source": source, "target": target, **attrs}
        return edge_id

    def article_context(self, keys_by_article: dict[str, list[PlaceKey]]) -> dict[str, tuple | None]:
        """The one county an article is about (from its postings, else all its places), or None."""
        ctx: dict[str, tuple | None] = {}
        posting_counties: dict[str, set] = defaultdict(set)
        for key, ref in keys_by_article.get("__postings__", []):
            if key.path[COUNTY] and not key.scope:
                posting_counties[ref.article_id].add(truncate(key.path, COUNTY))
        for article_id, keys in keys_by_article.items():
            if article_id == "__postings__":
                continue
            counties = posting_counties.get(article_id) or {truncate(k.path, COUNTY) for k in keys
                                                             if k.path[COUNTY] and not k.scope}
            ctx[article_id] = next(iter(counties)) if len(counties) == 1 else None
        return ctx


def _evidence_attrs(row: dict, table: str, index: int) -> dict:
    ev = row.get("evidence") or {}
    return {"article": row["article_id"], "evidence": ev.get("text"), "evidence_start": ev.get("start"),
            "evidence_end": ev.get("end"), "confidence": row.get("confidence"), "table": table, "row": index}


def build_graph(out_dir: str | os.PathLike, *, index: AdminIndex | None = None, write: bool = True) -> nx.MultiDiGraph:
    """Build the knowledge graph of a run directory and (by default) write it to ``out_dir/graph/``."""
    rows = read_run_rows(out_dir)
    graph, merges, stats = graph_from_rows(rows, index=index if index is not None else jionlp_admin_index())
    if write:
        write_graph(Path(out_dir) / GRAPH_DIR, graph, merges, stats)
    return graph


def graph_from_rows(rows: dict[str, list[dict]], index: AdminIndex | None) -> tuple[nx.MultiDiGraph, list[dict], dict]:
    """The graph, the decision log and the statistics from in-memory tables (pure: no files)."""
    for name in RUN_TABLES:
        rows.setdefault(name, [])
    b = _Builder(rows, index)
    b.published = {a["id"]: a.get("published") for a in rows["articles"]}

    # places
    obs = b.place_observations()
    keys, place_decisions = resolve_places(obs, index)
    b.decisions.extend(place_decisions)
    b.add_places(keys)
    place_of: dict[tuple[str, int], PlaceKey] = {}
    keys_by_article: dict[str, list] = defaultdict(list)
    for o, k in zip(obs, keys, strict=True):
        place_of[(o.ref.table, o.ref.row)] = k
        b.node_refs[stable_id("place", k.key)].append(o.ref)
        keys_by_article[o.article_id].append(k)
        if o.ref.table == "postings":
            keys_by_article["__postings__"].append((k, o.ref))
    for a in rows["articles"]:
        keys_by_article.setdefault(a["id"], [])
    context = b.article_context(keys_by_article)

    # organisations
    org_of: dict[tuple[str, int], OrgKey] = {}
    org_rules_used: dict[str, set[str]] = defaultdict(set)

    def org(name: str, article_id: str, ctx, ref: Ref) -> OrgKey:
        key, rule = resolve_org(name, article_id, ctx)
        node_id = stable_id("org", key.key)
        if node_id not in b.nodes:
            b.nodes[node_id] = {"type": "Organization", "name": key.name, "scope": key.scope, "key": key.key}
        b.node_refs[node_id].append(ref)
        org_rules_used[key.key].add(f"{rule}\t{name}")
        org_of[(ref.table, ref.row)] = key
        return key

    for i, p in enumerate(rows["postings"]):
        if p.get("org"):
            pk = place_of.get(("postings", i))
            ctx = pk.path if pk is not None and not pk.scope else context.get(p["article_id"])
            org(p["org"], p["article_id"], ctx, Ref("postings", i, p["article_id"], p["org"]))
    for i, r in enumerate(rows["roles"]):
        if r.get("where") and ("roles", i) not in place_of:
            org(r["where"], r["article_id"], context.get(r["article_id"]), Ref("roles", i, r["article_id"], r["where"]))
    for i, m in enumerate(rows["mentions"]):
        if m.get("type") == "ORG":
            name = m.get("name") or m["text"]
            org(name, m["article_id"], context.get(m["article_id"]), Ref("mentions", i, m["article_id"], m["text"]))
    for key in sorted(org_rules_used):
        b.decisions.extend(_org_decisions(key, sorted(org_rules_used[key]), b.node_refs[stable_id("org", key)]))

    # persons
    units: dict[tuple[str, str], PersonUnit] = {}

    def unit(article_id: str, name: str) -> PersonUnit:
        name = "".join(name.split())
        if (article_id, name) not in units:
            units[(article_id, name)] = PersonUnit(article_id, name)
        return units[(article_id, name)]

    for i, p in enumerate(rows["postings"]):
        u = unit(p["article_id"], p["person"])
        u.refs.append(Ref("postings", i, p["article_id"], p["person"]))
        if ("postings", i) in place_of:
            u.places.add(place_of[("postings", i)])
        if ("postings", i) in org_of and not org_of[("postings", i)].scope:
            u.orgs.add(org_of[("postings", i)])
    for i, r in enumerate(rows["roles"]):
        u = unit(r["article_id"], r["person"])
        u.refs.append(Ref("roles", i, r["article_id"], r["person"]))
        pk = place_of.get(("roles", i))
        if pk is not None and deepest(pk.path) >= TOWNSHIP:
            u.places.add(pk)  # a village or township role ties a person there; a county title is too broad
        elif pk is not None and not pk.scope and r.get("title"):
            u.offices.add(f"{r['title']}|{pk.key}")
        ok = org_of.get(("roles", i))
        if ok is not None and not ok.scope:
            u.orgs.add(ok)
    for i, m in enumerate(rows["mentions"]):
        if m.get("type") == "PERSON":
            name = m.get("name") or m["text"]
            unit(m["article_id"], name).refs.append(Ref("mentions", i, m["article_id"], m["text"]))
    clusters, person_decisions = resolve_persons(list(units.values()))
    person_id_of_unit: dict[str, str] = {}
    used_ids: dict[str, str] = {}
    for c in sorted(clusters, key=lambda c: (c.name, c.articles)):
        identity = person_identity(c)
        node_id = stable_id("person", identity)
        if node_id in used_ids:  # two clusters with the same identity were kept apart: qualify by first article
            identity = f"{identity}#{c.articles[0]}"
            node_id = stable_id("person", identity)
        used_ids[node_id] = identity
        b.nodes[node_id] = {"type": "Person", "name": c.name, "key": identity}
        for u in c.units:
            person_id_of_unit[u.key] = node_id
            b.node_refs[node_id].extend(u.refs)
    b.decisions.extend(_person_decisions_with_ids(person_decisions, person_id_of_unit))

    def person_id(article_id: str, name: str) -> str:
        return person_id_of_unit[f"{''.join(name.split())}@{article_id}"]

    # fact edges
    for i, p in enumerate(rows["postings"]):
        src = person_id(p["article_id"], p["person"])
        attrs = _evidence_attrs(p, "postings", i)
        ok = org_of.get(("postings", i))
        org_id = stable_id("org", ok.key) if ok else None
        if ("postings", i) in place_of:
            pid = stable_id("place", place_of[("postings", i)].key)
            b.add_edge("POSTED_TO", src, pid, {**attrs, "role": p.get("role"), "start": p.get("start"),
                                               "org": ok.name if ok else p.get("org"), "org_id": org_id})
        if org_id:
            place_id = stable_id("place", place_of[("postings", i)].key) if ("postings", i) in place_of else None
            b.add_edge("SENT_BY", src, org_id, {**attrs, "role": p.get("role"), "start": p.get("start"),
                                                "org_as_written": p.get("org"), "place_id": place_id})
    for i, r in enumerate(rows["roles"]):
        src = person_id(r["article_id"], r["person"])
        target = None
        if ("roles", i) in place_of:
            target = stable_id("place", place_of[("roles", i)].key)
        elif ("roles", i) in org_of:
            target = stable_id("org", org_of[("roles", i)].key)
        if target:
            b.add_edge("HOLDS_ROLE", src, target, {**_evidence_attrs(r, "roles", i), "title": r.get("title"),
                                                   "start": r.get("start"), "where": r.get("where")})
    for table, etype, ntype in (("changes", "CHANGED", "Change"), ("statistics", "STATISTIC", "Statistic")):
        for i, r in enumerate(rows[table]):
            fact = {k: r.get(k) for k in ("subject", "metric", "before", "after", "delta", "value", "unit",
                                           "before_time", "after_time", "time", "approximate") if k in r}
            attrs = {**_evidence_attrs(r, table, i), **fact}
            ev = attrs.get("evidence_start")
            node_id = stable_id(ntype.lower(), json.dumps([r["article_id"], ev, fact], ensure_ascii=False, sort_keys=True))
            b.nodes[node_id] = {"type": ntype, "name": f"{r.get('subject')} {r.get('metric') or ''}".strip(), **attrs}
            b.node_refs[node_id].append(Ref(table, i, r["article_id"], r.get("subject") or ""))
            if (table, i) in place_of:
                b.add_edge(etype, stable_id("place", place_of[(table, i)].key), node_id, attrs)

    # articles and provenance
    for a in rows["articles"]:
        b.nodes[article_node_id(a["id"])] = {"type": "Article", "name": a.get("title") or a["id"], "article_id": a["id"],
                                             "title": a.get("title"), "published": a.get("published"),
                                             "source": a.get("source"), "url": a.get("url")}
    for node_id in sorted(b.nodes):
        if b.nodes[node_id]["type"] != "Article":
            _add_provenance(b, node_id, b.node_refs.get(node_id, []))

    graph = nx.MultiDiGraph()
    for node_id in sorted(b.nodes):
        graph.add_node(node_id, **_clean(b.nodes[node_id]))
    for edge_id, e in sorted(b.edges.items(), key=lambda kv: (kv[1]["type"], kv[1]["source"], kv[1]["target"], kv[0])):
        attrs = {k: v for k, v in e.items() if k not in ("source", "target")}
        graph.add_edge(e["source"], e["target"], key=edge_id, id=edge_id, **_clean(attrs))
    merges = [_decision_row(d) for d in b.decisions]
    stats = graph_stats(graph, merges)
    return graph, merges, stats


def _org_decisions(key: str, variants: list[str], refs: list[Ref]) -> list[Decision]:
    """What made the rows of one organisation node one node: the rules per surface form."""
    by_rule: dict[str, set[str]] = defaultdict(set)
    for v in variants:
        rule, surface = v.split("\t", 1)
        by_rule[rule].add(surface)
    surfaces = sorted(set().union(*by_rule.values()))
    if "org_generic_unresolved" in by_rule:
        return [Decision("Organization", "apart", "org_generic_scoped_to_article", [key, *surfaces], list(refs))]
    if set(by_rule) == {"org_name"} and len(surfaces) < 2 and len({r.article_id for r in refs}) < 2:
        return []
    rules = sorted(set(by_rule) - {"org_name"}) or ["org_same_name"]
    return [Decision("Organization", "merge", rule, [key, *sorted(by_rule.get(rule, surfaces))], list(refs))
            for rule in rules]


def article_node_id(article_id: str) -> str:
    return f"article:{article_id}"


def _add_provenance(b: _Builder, node_id: str, refs: list[Ref]) -> None:
    node = b.nodes[node_id]
    articles = sorted({r.article_id for r in refs})
    dates = sorted(d for d in (b.published.get(a) for a in articles) if d)
    node["articles"] = articles
    node["n_articles"] = len(articles)
    node["mention_count"] = sum(1 for r in refs if r.table == "mentions")
    node["fact_count"] = sum(1 for r in refs if r.table != "mentions")
    node["first_published"] = dates[0] if dates else None
    node["last_published"] = dates[-1] if dates else None
    if node["type"] in ("Change", "Statistic"):
        return
    per_article = Counter(r.article_id for r in refs)
    for article_id in articles:
        target = article_node_id(article_id)
        if target in b.nodes:
            b.add_edge("MENTIONED_IN", node_id, target, {"article": article_id, "count": per_article[article_id],
                                                         "table": "mentioned_in", "row": ""})


def _clean(attrs: dict) -> dict:
    return {k: v for k, v in attrs.items() if v is not None}


def _person_decisions_with_ids(decisions: list[Decision], ids: dict[str, str]) -> list[Decision]:
    """Person decisions name unit keys (name@article); add the node ids they ended in."""
    out = []
    for d in decisions:
        node_ids = sorted({ids[u] for k in d.keys for u in k.split("+") if u in ids})
        out.append(Decision(d.entity, d.decision, d.rule, d.keys, d.refs, d.detail or ",".join(node_ids)))
    return out


def _decision_row(d: Decision) -> dict:
    return {"entity": d.entity, "decision": d.decision, "rule": d.rule, "keys": list(d.keys),
            "refs": [r.as_dict() for r in d.refs], "detail": d.detail}


def graph_stats(graph: nx.MultiDiGraph, merges: list[dict]) -> dict:
    nodes = Counter(t for _, t in graph.nodes(data="type"))
    edges = Counter(t for _, _, t in graph.edges(data="type"))
    decisions = Counter(f"{m['entity']}:{m['decision']}:{m['rule']}" for m in merges)
    persons_multi = sum(1 for _, d in graph.nodes(data=True) if d.get("type") == "Person" and d.get("n_articles", 0) > 1)
    return {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges(),
            "nodes_by_type": dict(sorted(nodes.items())), "edges_by_type": dict(sorted(edges.items())),
            "decisions_by_rule": dict(sorted(decisions.items())), "persons_in_several_articles": persons_multi}


# --------------------------------------------------------------------------- writing and loading


def node_rows(graph: nx.MultiDiGraph) -> list[dict]:
    return [{"id": n, **d} for n, d in sorted(graph.nodes(data=True))]


def edge_rows(graph: nx.MultiDiGraph) -> list[dict]:
    rows = [{"source": u, "target": v, **d} for u, v, d in graph.edges(data=True)]
    return sorted(rows, key=lambda r: (r["type"], r["source"], r["target"], r["id"]))


def _jsonl(path: Path, rows: list[dict]) -> None:
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n")
    os.replace(tmp, path)


def _parquet(path: Path, rows: list[dict]) -> None:
    import pandas as pd

    df = pd.DataFrame(rows)
    for col in df.columns:  # keep mixed or nested columns as JSON text so the Parquet schema is stable
        values = [v for v in df[col] if v is not None and v == v]
        if any(isinstance(v, (dict, list)) for v in values) and col not in ("articles",):
            df[col] = [json.dumps(v, ensure_ascii=False, sort_keys=True) if v is not None else None for v in df[col]]
        elif len({type(v) for v in values if not isinstance(v, bool)} - {int, float}) > 1 or \
                ({str} & {type(v) for v in values} and {int, float} & {type(v) for v in values}):
            df[col] = [None if v is None or v != v else str(v) for v in df[col]]
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    df.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def write_graph(graph_dir: Path, graph: nx.MultiDiGraph, merges: list[dict], stats: dict) -> None:
    graph_dir.mkdir(parents=True, exist_ok=True)
    nodes, edges = node_rows(graph), edge_rows(graph)
    _jsonl(graph_dir / "nodes.jsonl", nodes)
    _jsonl(graph_dir / "edges.jsonl", edges)
    _jsonl(graph_dir / "merges.jsonl", merges)
    _parquet(graph_dir / "nodes.parquet", nodes)
    _parquet(graph_dir / "edges.parquet", edges)
    _parquet(graph_dir / "merges.parquet", merges or [{"entity": None, "decision": None, "rule": None}])
    (graph_dir / "stats.json").write_text(json.dumps(stats, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                          encoding="utf-8")


def read_graph(graph_dir: Path) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    with open(graph_dir / "nodes.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            graph.add_node(row.pop("id"), **row)
    with open(graph_dir / "edges.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            graph.add_edge(row.pop("source"), row.pop("target"), key=row["id"], **row)
    return graph


def load(out_dir: str | os.PathLike, *, rebuild: bool = False):
    """``(graph, tables)``: the run's knowledge graph and its tables as pandas DataFrames.

    Tables: the run tables (articles, mentions, postings, ...) plus ``nodes``, ``edges`` and
    ``merges`` of the graph. The graph is built (and written) first when missing."""
    import pandas as pd

    out = Path(out_dir)
    graph_dir = out / GRAPH_DIR
    if rebuild or not (graph_dir / "nodes.jsonl").exists():
        build_graph(out)
    graph = read_graph(graph_dir)
    rows = read_run_rows(out)
    tables = {name: pd.json_normalize(rows[name], max_level=0) if rows[name] else pd.DataFrame() for name in RUN_TABLES}
    tables["nodes"] = pd.DataFrame(node_rows(graph))
    tables["edges"] = pd.DataFrame(edge_rows(graph))
    with open(graph_dir / "merges.jsonl", encoding="utf-8") as fh:
        tables["merges"] = pd.DataFrame([json.loads(line) for line in fh])
    return graph, tables
