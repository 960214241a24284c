"""Questions researchers ask of the knowledge graph.

Every function takes the graph (``pipeline.graph.load``) and returns plain rows
(lists of dicts, or a dict of such lists for profiles). A name may be a node id,
an exact name, the tail of an administrative path (南平市延平区夏道镇罗坑村), or a
part of a name; when it fits several nodes, ``Ambiguous`` lists the candidates.
"""

from __future__ import annotations

import networkx as nx

ENTITY_TYPES = ("Person", "Place", "Organization")


class NotFound(LookupError):
    pass


class Ambiguous(LookupError):
    def __init__(self, query: str, candidates: list[dict]):
        super().__init__(f"{query!r} fits {len(candidates)} nodes; give one of their ids")
        self.query = query
        self.candidates = candidates


# --------------------------------------------------------------------------- finding nodes


def describe(graph: nx.MultiDiGraph, node_id: str) -> dict:
    d = graph.nodes[node_id]
    return {"id": node_id, "type": d.get("type"), "name": d.get("name"), "path": d.get("path"),
            "scope": d.get("scope") or None, "n_articles": d.get("n_articles", 0),
            "first_published": d.get("first_published"), "last_published": d.get("last_published")}


def find_nodes(graph: nx.MultiDiGraph, query: str, types: tuple[str, ...] = ENTITY_TYPES) -> list[str]:
    """Nodes a query names, best kind of match first: id, exact name, path tail, part of a name."""
    query = query.strip()
    if query in graph and graph.nodes[query].get("type") in types:
        return [query]
    typed = sorted(n for n, t in graph.nodes(data="type") if t in types)
    exact = [n for n in typed if graph.nodes[n].get("name") == query]
    if exact:
        return exact
    tails = [n for n in typed if len(query) >= 2 and (graph.nodes[n].get("path") or "").replace("/", "").endswith(query)]
    if tails:
        return tails
    return [n for n in typed if query and query in (graph.nodes[n].get("name") or "")]


def pick(graph: nx.MultiDiGraph, query: str, types: tuple[str, ...] = ENTITY_TYPES) -> str:
    found = find_nodes(graph, query, types)
    if not found:
        raise NotFound(f"no {'/'.join(types)} node matches {query!r}")
    if len(found) > 1:
        raise Ambiguous(query, [describe(graph, n) for n in found])
    return found[0]


def places_under(graph: nx.MultiDiGraph, place_id: str) -> list[str]:
    """The place and every place PART_OF it, at any depth (sorted, the place first)."""
    seen = {place_id}
    stack = [place_id]
    while stack:
        node = stack.pop()
        for child, _, etype in graph.in_edges(node, data="type"):
            if etype == "PART_OF" and child not in seen:
                seen.add(child)
                stack.append(child)
    return [place_id] + sorted(seen - {place_id})


def _published(graph: nx.MultiDiGraph, article_id: str | None) -> str | None:
    node = f"article:{article_id}"
    return graph.nodes[node].get("published") if node in graph else None


def _name(graph: nx.MultiDiGraph, node_id: str | None) -> str | None:
    if node_id is None or node_id not in graph:
        return None
    d = graph.nodes[node_id]
    return d.get("path") if d.get("type") == "Place" else d.get("name")


def _edges(graph: nx.MultiDiGraph, nodes: list[str], etype: str, direction: str = "in"):
    for node in nodes:
        edges = graph.in_edges(node, data=True) if direction == "in" else graph.out_edges(node, data=True)
        for u, v, d in edges:
            if d.get("type") == etype:
                yield u, v, d


def _posting_row(graph: nx.MultiDiGraph, person: str, place: str, d: dict) -> dict:
    return {"person": graph.nodes[person].get("name"), "person_id": person, "role": d.get("role"),
            "place": graph.nodes[place].get("name"), "place_path": _name(graph, place), "place_id": place,
            "org": d.get("org"), "org_id": d.get("org_id"), "start": d.get("start"), "article": d.get("article"),
            "published": _published(graph, d.get("article")), "evidence": d.get("evidence")}


def _sort(rows: list[dict], *keys: str) -> list[dict]:
    return sorted(rows, key=lambda r: tuple(str(r.get(k) or "") for k in keys))


# --------------------------------------------------------------------------- questions


def sent_to(graph: nx.MultiDiGraph, place: str) -> list[dict]:
    """Who was posted to a place (or any place under it), in which role, by which unit, when."""
    place_id = pick(graph, place, ("Place",))
    rows = [_posting_row(graph, u, v, d) for u, v, d in _edges(graph, places_under(graph, place_id), "POSTED_TO")]
    return _sort(rows, "place_path", "start", "person", "article")


def sent_by(graph: nx.MultiDiGraph, org: str) -> list[dict]:
    """Who a unit sent, where to, when."""
    org_id = pick(graph, org, ("Organization",))
    rows = []
    for u, _, d in _edges(graph, [org_id], "SENT_BY"):
        place = d.get("place_id")
        rows.append({"person": graph.nodes[u].get("name"), "person_id": u, "role": d.get("role"),
                     "org": graph.nodes[org_id].get("name"), "org_as_written": d.get("org_as_written"),
                     "place": graph.nodes[place].get("name") if place in graph else None,
                     "place_path": _name(graph, place), "place_id": place, "start": d.get("start"),
                     "article": d.get("article"), "published": _published(graph, d.get("article")),
                     "evidence": d.get("evidence")})
    return _sort(rows, "start", "person", "article")


def changes(graph: nx.MultiDiGraph, place: str) -> list[dict]:
    """Quantitative changes reported for a place or any place under it."""
    place_id = pick(graph, place, ("Place",))
    return _change_rows(graph, places_under(graph, place_id), "CHANGED")


def _change_rows(graph: nx.MultiDiGraph, places: list[str], etype: str) -> list[dict]:
    rows = []
    for u, _, d in _edges(graph, places, etype, direction="out"):
        rows.append({"place": graph.nodes[u].get("name"), "place_path": _name(graph, u), "place_id": u,
                     "subject": d.get("subject"), "metric": d.get("metric"), "before": d.get("before"),
                     "after": d.get("after"), "delta": d.get("delta"), "value": d.get("value"), "unit": d.get("unit"),
                     "before_time": d.get("before_time"), "after_time": d.get("after_time") or d.get("time"),
                     "article": d.get("article"), "published": _published(graph, d.get("article")),
                     "evidence": d.get("evidence")})
    return [{k: v for k, v in r.items() if not (k == "value" and v is None and etype == "CHANGED")}
            for r in _sort(rows, "place_path", "metric", "article", "evidence")]


def _role_rows(graph: nx.MultiDiGraph, edges) -> list[dict]:
    rows = []
    for u, v, d in edges:
        rows.append({"person": graph.nodes[u].get("name"), "person_id": u, "title": d.get("title"),
                     "where": _name(graph, v), "where_id": v, "start": d.get("start"), "article": d.get("article"),
                     "published": _published(graph, d.get("article")), "evidence": d.get("evidence")})
    return _sort(rows, "where", "person", "article")


def place_profile(graph: nx.MultiDiGraph, place: str) -> dict:
    """Everything under a place through the hierarchy: places, postings, roles, changes, statistics."""
    place_id = pick(graph, place, ("Place",))
    under = places_under(graph, place_id)
    return {
        "place": describe(graph, place_id),
        "places": [describe(graph, n) for n in under[1:]],
        "postings": _sort([_posting_row(graph, u, v, d) for u, v, d in _edges(graph, under, "POSTED_TO")],
                          "place_path", "start", "person"),
        "roles": _role_rows(graph, _edges(graph, under, "HOLDS_ROLE")),
        "changes": _change_rows(graph, under, "CHANGED"),
        "statistics": _change_rows(graph, under, "STATISTIC"),
    }


def person_profile(graph: nx.MultiDiGraph, person: str) -> dict:
    """A person's postings, units, roles, the changes at the places they were posted to, and articles."""
    person_id = pick(graph, person, ("Person",))
    postings = _sort([_posting_row(graph, u, v, d) for u, v, d in _edges(graph, [person_id], "POSTED_TO", "out")],
                     "start", "place_path")
    places = sorted({r["place_id"] for r in postings})
    under = sorted({n for p in places for n in places_under(graph, p)})
    articles = sorted({v for _, v, t in graph.out_edges(person_id, data="type") if t == "MENTIONED_IN"})
    return {
        "person": describe(graph, person_id),
        "postings": postings,
        "sent_by": sent_by_person(graph, person_id),
        "roles": _role_rows(graph, _edges(graph, [person_id], "HOLDS_ROLE", "out")),
        "changes": _change_rows(graph, under, "CHANGED"),
        "articles": [{"article": graph.nodes[a].get("article_id"), "title": graph.nodes[a].get("title"),
                      "published": graph.nodes[a].get("published")} for a in articles],
    }


def sent_by_person(graph: nx.MultiDiGraph, person_id: str) -> list[dict]:
    rows = [{"org": graph.nodes[v].get("name"), "org_id": v, "org_as_written": d.get("org_as_written"),
             "start": d.get("start"), "article": d.get("article")}
            for _, v, d in _edges(graph, [person_id], "SENT_BY", "out")]
    return _sort(rows, "start", "org")


def path(graph: nx.MultiDiGraph, source: str, target: str) -> list[dict]:
    """The shortest chain of facts linking two entities (edges followed in either direction)."""
    a, b = pick(graph, source), pick(graph, target)
    undirected = nx.Graph()
    for u, v, d in sorted(graph.edges(data=True), key=lambda e: (e[0], e[1], e[2].get("id", ""))):
        if not undirected.has_edge(u, v):
            undirected.add_edge(u, v, edge=(u, v, d))
    try:
        nodes = nx.shortest_path(undirected, a, b)
    except (nx.NetworkXNoPath, nx.NodeNotFound) as exc:
        raise NotFound(f"no path between {source!r} and {target!r}") from exc
    steps = []
    for x, y in zip(nodes, nodes[1:], strict=False):
        u, v, d = undirected.edges[x, y]["edge"]
        steps.append({"from": _name(graph, x), "from_id": x, "edge": d.get("type"),
                      "direction": "->" if (u, v) == (x, y) else "<-", "to": _name(graph, y), "to_id": y,
                      "article": d.get("article"), "evidence": d.get("evidence")})
    return steps


def top(graph: nx.MultiDiGraph, kind: str, n: int = 10) -> list[dict]:
    """The busiest organisations (people sent), places (postings under them) or persons (articles)."""
    rows = []
    if kind in ("orgs", "organizations"):
        for node, t in graph.nodes(data="type"):
            if t == "Organization":
                sent = {u for u, _, e in graph.in_edges(node, data="type") if e == "SENT_BY"}
                rows.append({**describe(graph, node), "persons_sent": len(sent)})
        key = ("persons_sent", "n_articles")
    elif kind == "places":
        for node, t in graph.nodes(data="type"):
            if t == "Place":
                under = places_under(graph, node)
                posted = sum(1 for _ in _edges(graph, under, "POSTED_TO"))
                changed = sum(1 for _ in _edges(graph, under, "CHANGED", "out"))
                rows.append({**describe(graph, node), "postings": posted, "changes": changed})
        key = ("postings", "changes", "n_articles")
    elif kind == "persons":
        for node, t in graph.nodes(data="type"):
            if t == "Person":
                posted = sum(1 for _ in _edges(graph, [node], "POSTED_TO", "out"))
                rows.append({**describe(graph, node), "postings": posted,
                             "mentions": graph.nodes[node].get("mention_count", 0)})
        key = ("n_articles", "postings", "mentions")
    else:
        raise ValueError(f"top: kind must be orgs, places or persons, not {kind!r}")
    rows.sort(key=lambda r: tuple(-(r.get(k) or 0) for k in key) + (r["name"] or "", r["id"]))
    return rows[:n]
