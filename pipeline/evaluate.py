"""Score a run directory against the hand-made gold (rules: ``/work/shared/gold/README.md``).

A run directory holds ``postings.jsonl``, ``changes.jsonl`` and ``mentions.jsonl`` (one JSON object a line,
each with ``article_id``). A missing file means "no predictions" for that table.

Decisions where the README leaves room (kept here so that a score can be explained):

- Scores are micro-averaged over the gold articles. Articles in the gold but absent from the predictions
  count as all-missed; predictions for articles not in the gold are ignored (and counted).
- An empty or whitespace-only string is the same as null, on both sides.
- Precision with nothing predicted is 1.0 when nothing was to be found, else 0.0 (recall symmetric);
  F1 is 0.0 when precision + recall is 0.
- Postings: the place of a row (gold and predicted alike) is ``village``, else ``township``, else ``county``.
  A prediction without any place never matches (nor does a gold posting without a place). Predicted rows with
  the same literal (person, place) are one prediction (the first in file order). Matching is one-to-one and
  maximal (augmenting paths, candidates tried exact-place first, then in file order), so it is deterministic.
- ``org`` and ``start`` accuracy are computed over matched pairs. null meets null is correct; null against a
  value is wrong, in either direction. ``org``: equal, or one contains the other. ``start``: the predicted
  value starts with the gold value (gold ``2018-05`` accepts ``2018-05`` and ``2018-05-01``, not ``2018``).
  With no matched pair the accuracy is None.
- Changes: the predicted ``subject`` equals or ends with one acceptable gold subject (a string or a list);
  ``before``/``after``/``delta`` each satisfy ``|pred - gold| <= 1% of |gold|`` (so gold 0 needs exactly 0) and
  null must meet null. Predicted changes identical in (subject, before, after, delta) — all the scorer looks at —
  count once. Matching is one-to-one and maximal.
- Persons / villages: sets of distinct mention ``text`` per article (``type`` PERSON; ``type`` PLACE with
  ``level`` village) against the gold lists.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

TASKS = ("postings", "changes", "persons", "villages")
PRED_FILES = ("postings.jsonl", "changes.jsonl", "mentions.jsonl")
CHANGE_TOLERANCE = 0.01
_FLOAT_SLACK = 1e-9  # keeps 1% exactly at the border inside despite binary floats


# ---------------------------------------------------------------- reading


def read_jsonl(path: Path) -> list[dict]:
    """Rows of a JSONL file; blank lines are skipped, anything else that is not a JSON object is an error."""
    rows = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from exc
            if not isinstance(row, dict):
                raise ValueError(f"{path}:{lineno}: expected a JSON object, got {type(row).__name__}")
            rows.append(row)
    return rows


def load_gold(gold_path: Path) -> dict[str, dict]:
    """Gold articles keyed by article id."""
    gold: dict[str, dict] = {}
    for i, row in enumerate(read_jsonl(Path(gold_path)), 1):
        article = row.get("article")
        if not isinstance(article, str) or not article:
            raise ValueError(f"{gold_path}: gold row {i} has no 'article' id")
        if article in gold:
            raise ValueError(f"{gold_path}: article {article!r} appears twice in the gold")
        gold[article] = row
    return gold


def load_predictions(pred_dir: Path) -> tuple[dict[str, dict[str, list[dict]]], list[str]]:
    """``{table: {article_id: [rows]}}`` for the three scored tables, and the names of missing files."""
    pred_dir = Path(pred_dir)
    if not pred_dir.is_dir():
        raise FileNotFoundError(f"prediction directory not found: {pred_dir}")
    tables: dict[str, dict[str, list[dict]]] = {}
    missing = []
    for filename in PRED_FILES:
        table = filename.removesuffix(".jsonl")
        path = pred_dir / filename
        by_article: dict[str, list[dict]] = {}
        if path.is_file():
            for lineno, row in enumerate(read_jsonl(path), 1):
                article_id = row.get("article_id")
                if not isinstance(article_id, str) or not article_id:
                    raise ValueError(f"{path}: row {lineno} has no 'article_id'")
                by_article.setdefault(article_id, []).append(row)
        else:
            missing.append(filename)
        tables[table] = by_article
    return tables, missing


# ---------------------------------------------------------------- field helpers


def _clean(value: Any) -> Any:
    """None for missing / empty strings, stripped strings otherwise; other values unchanged."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def posting_place(row: dict) -> str | None:
    """village, else township, else county."""
    for level in ("village", "township", "county"):
        place = _clean(row.get(level))
        if isinstance(place, str):
            return place
    return None


def gold_places(gold: dict) -> list[str]:
    """The gold place and its acceptable alternatives, in order."""
    places = []
    place = posting_place(gold)
    if place:
        places.append(place)
    for alt in gold.get("alt_village") or []:
        alt = _clean(alt)
        if isinstance(alt, str) and alt not in places:
            places.append(alt)
    return places


def name_matches(predicted: str | None, accepted: Iterable[str]) -> int:
    """2 = equal to an accepted name, 1 = ends with one, 0 = no match."""
    if not predicted:
        return 0
    best = 0
    for name in accepted:
        if predicted == name:
            return 2
        if predicted.endswith(name):
            best = 1
    return best


def org_correct(gold: Any, predicted: Any) -> bool:
    gold, predicted = _clean(gold), _clean(predicted)
    if gold is None or predicted is None:
        return gold is None and predicted is None
    gold, predicted = str(gold), str(predicted)
    return gold in predicted or predicted in gold


def start_correct(gold: Any, predicted: Any) -> bool:
    gold, predicted = _clean(gold), _clean(predicted)
    if gold is None or predicted is None:
        return gold is None and predicted is None
    return str(predicted).startswith(str(gold))


def _number(value: Any) -> float | None:
    """None for null; NaN (which meets nothing, not even null) for a value that is not a number."""
    value = _clean(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def value_within(gold: Any, predicted: Any, tolerance: float = CHANGE_TOLERANCE) -> bool:
    """Within ``tolerance`` of the gold value; null must meet null."""
    g, p = _number(gold), _number(predicted)
    if g is None or p is None:
        return g is None and p is None
    return abs(p - g) <= tolerance * abs(g) + _FLOAT_SLACK


def change_subjects(gold: dict) -> list[str]:
    subject = gold.get("subject")
    names = subject if isinstance(subject, list) else [subject]
    return [s for s in (_clean(n) for n in names) if isinstance(s, str)]


def change_key(row: dict) -> tuple:
    return (_clean(row.get("subject")),) + tuple(_number(row.get(f)) for f in ("before", "after", "delta"))


def change_matches(gold: dict, predicted: dict) -> int:
    """2 = subject equal, 1 = subject ends with a gold subject, 0 = no match (any value off)."""
    quality = name_matches(_clean(predicted.get("subject")), change_subjects(gold))
    if not quality:
        return 0
    if all(value_within(gold.get(f), predicted.get(f)) for f in ("before", "after", "delta")):
        return quality
    return 0


# ---------------------------------------------------------------- matching


def dedupe(rows: list[dict], key: Callable[[dict], Any]) -> list[dict]:
    """First row of every distinct key, in input order."""
    seen = set()
    out = []
    for row in rows:
        k = key(row)
        if k in seen:
            continue
        seen.add(k)
        out.append(row)
    return out


def max_matching(n_gold: int, n_pred: int, quality: Callable[[int, int], int]) -> list[tuple[int, int]]:
    """A maximum one-to-one matching gold->prediction as sorted (gold_index, pred_index) pairs.

    ``quality(g, p)`` > 0 means the pair may match; higher-quality candidates are tried first so the
    pairing (which decides org/start accuracy) prefers exact matches. Deterministic for a given order.
    """
    candidates: list[list[int]] = []
    for g in range(n_gold):
        scored = [(quality(g, p), p) for p in range(n_pred)]
        candidates.append([p for q, p in sorted(scored, key=lambda qp: (-qp[0], qp[1])) if q > 0])
    owner: dict[int, int] = {}  # pred index -> gold index

    def augment(g: int, visited: set[int]) -> bool:
        for p in candidates[g]:
            if p in visited:
                continue
            visited.add(p)
            if p not in owner or augment(owner[p], visited):
                owner[p] = g
                return True
        return False

    for g in range(n_gold):
        augment(g, set())
    return sorted((g, p) for p, g in owner.items())


# ---------------------------------------------------------------- per-article scoring


def _strip_article(row: dict) -> dict:
    return {k: v for k, v in row.items() if k != "article_id"}


def score_postings(gold_rows: list[dict], pred_rows: list[dict]) -> dict:
    preds = dedupe(pred_rows, key=lambda r: (_clean(r.get("person")), posting_place(r)))
    gold_place_lists = [gold_places(g) for g in gold_rows]

    def quality(g: int, p: int) -> int:
        gold, pred = gold_rows[g], preds[p]
        person = _clean(gold.get("person"))
        if not person or person != _clean(pred.get("person")):
            return 0
        return name_matches(posting_place(pred), gold_place_lists[g])

    pairs = max_matching(len(gold_rows), len(preds), quality)
    matched_gold = {g for g, _ in pairs}
    matched_pred = {p for _, p in pairs}
    org_mismatches, start_mismatches = [], []
    for g, p in pairs:
        gold, pred = gold_rows[g], preds[p]
        pair = {"gold": gold, "pred": _strip_article(pred)}
        if not org_correct(gold.get("org"), pred.get("org")):
            org_mismatches.append(pair)
        if not start_correct(gold.get("start"), pred.get("start")):
            start_mismatches.append(pair)
    return {
        "tp": len(pairs),
        "fp": len(preds) - len(pairs),
        "fn": len(gold_rows) - len(pairs),
        "misses": [gold_rows[g] for g in range(len(gold_rows)) if g not in matched_gold],
        "extras": [_strip_article(preds[p]) for p in range(len(preds)) if p not in matched_pred],
        "matched": len(pairs),
        "org_correct": len(pairs) - len(org_mismatches),
        "start_correct": len(pairs) - len(start_mismatches),
        "org_mismatches": org_mismatches,
        "start_mismatches": start_mismatches,
    }


def score_changes(gold_rows: list[dict], pred_rows: list[dict]) -> dict:
    preds = dedupe(pred_rows, key=change_key)
    pairs = max_matching(len(gold_rows), len(preds), lambda g, p: change_matches(gold_rows[g], preds[p]))
    matched_gold = {g for g, _ in pairs}
    matched_pred = {p for _, p in pairs}
    return {
        "tp": len(pairs),
        "fp": len(preds) - len(pairs),
        "fn": len(gold_rows) - len(pairs),
        "misses": [gold_rows[g] for g in range(len(gold_rows)) if g not in matched_gold],
        "extras": [_strip_article(preds[p]) for p in range(len(preds)) if p not in matched_pred],
    }


def mention_texts(rows: list[dict], task: str) -> set[str]:
    texts = set()
    for row in rows:
        if task == "persons":
            wanted = row.get("type") == "PERSON"
        else:
            wanted = row.get("type") == "PLACE" and row.get("level") == "village"
        text = _clean(row.get("text"))
        if wanted and isinstance(text, str):
            texts.add(text)
    return texts


def score_set(gold_names: Iterable[Any], predicted: set[str]) -> dict:
    gold = {n for n in (_clean(x) for x in gold_names) if isinstance(n, str)}
    return {
        "tp": len(gold & predicted),
        "fp": len(predicted - gold),
        "fn": len(gold - predicted),
        "misses": sorted(gold - predicted),
        "extras": sorted(predicted - gold),
    }


# ---------------------------------------------------------------- totals


def prf(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else (1.0 if fn == 0 else 0.0)
    recall = tp / (tp + fn) if tp + fn else (1.0 if fp == 0 else 0.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}


def accuracy(correct: int, total: int) -> dict:
    return {"correct": correct, "total": total, "accuracy": correct / total if total else None}


def evaluate(gold_path: Path, pred_dir: Path) -> dict:
    """Score the run in ``pred_dir`` against ``gold_path``; see the module docstring for the rules."""
    gold = load_gold(Path(gold_path))
    tables, missing = load_predictions(Path(pred_dir))
    predicted_ids = set().union(*(set(t) for t in tables.values()))
    ignored = sorted(predicted_ids - set(gold))

    articles: dict[str, dict] = {}
    for article_id in sorted(gold):
        g = gold[article_id]
        mentions = tables["mentions"].get(article_id, [])
        articles[article_id] = {
            "postings": score_postings(g.get("postings") or [], tables["postings"].get(article_id, [])),
            "changes": score_changes(g.get("changes") or [], tables["changes"].get(article_id, [])),
            "persons": score_set(g.get("persons") or [], mention_texts(mentions, "persons")),
            "villages": score_set(g.get("villages") or [], mention_texts(mentions, "villages")),
        }

    result: dict[str, Any] = {
        "gold": str(gold_path),
        "pred": str(pred_dir),
        "n_articles": len(gold),
        "missing_files": missing,
        "ignored_articles": len(ignored),
        "ignored_article_ids": ignored,
    }
    for task in TASKS:
        per_article = [a[task] for a in articles.values()]
        result[task] = prf(*(sum(a[k] for a in per_article) for k in ("tp", "fp", "fn")))
    postings = [a["postings"] for a in articles.values()]
    matched = sum(p["matched"] for p in postings)
    result["postings"]["org"] = accuracy(sum(p["org_correct"] for p in postings), matched)
    result["postings"]["start"] = accuracy(sum(p["start_correct"] for p in postings), matched)
    result["articles"] = articles
    return result


# ---------------------------------------------------------------- report


def _fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _posting_brief(row: dict) -> str:
    parts = [str(row.get("person")), "@", str(posting_place(row))]
    if row.get("alt_village"):
        parts.append(f"(alt {'/'.join(row['alt_village'])})")
    parts.append(f"org={row.get('org')} start={row.get('start')}")
    return " ".join(parts)


def _change_brief(row: dict) -> str:
    subject = row.get("subject")
    subject = "|".join(subject) if isinstance(subject, list) else subject
    values = " ".join(f"{f}={row.get(f)}" for f in ("before", "after", "delta"))
    return f"{subject} [{row.get('metric')}] {values} {row.get('unit') or ''}".rstrip()


def format_report(result: dict, show_misses: bool = True) -> str:
    """Plain-text score table, then (optionally) misses / extras / accuracy mismatches per article."""
    lines = [f"gold: {result['gold']}  pred: {result['pred']}  articles: {result['n_articles']}"]
    if result["missing_files"]:
        lines.append(f"missing prediction files (scored as empty): {', '.join(result['missing_files'])}")
    if result["ignored_articles"]:
        lines.append(f"ignored {result['ignored_articles']} predicted article(s) not in the gold: "
                     + ", ".join(result["ignored_article_ids"]))
    lines.append("")
    lines.append(f"{'task':<10}{'tp':>6}{'fp':>6}{'fn':>6}{'P':>8}{'R':>8}{'F1':>8}")
    for task in TASKS:
        s = result[task]
        lines.append(f"{task:<10}{s['tp']:>6}{s['fp']:>6}{s['fn']:>6}"
                     f"{s['precision']:>8.3f}{s['recall']:>8.3f}{s['f1']:>8.3f}")
    for name in ("org", "start"):
        acc = result["postings"][name]
        lines.append(f"postings {name} accuracy: {_fmt_ratio(acc['accuracy'])} ({acc['correct']}/{acc['total']})")
    if not show_misses:
        return "\n".join(lines) + "\n"

    for article_id, scores in result["articles"].items():
        block = []
        for task in ("postings", "changes"):
            brief = _posting_brief if task == "postings" else _change_brief
            block += [f"  {task} miss:  {brief(row)}" for row in scores[task]["misses"]]
            block += [f"  {task} extra: {brief(row)}" for row in scores[task]["extras"]]
        for task in ("persons", "villages"):
            for kind, names in (("miss: ", scores[task]["misses"]), ("extra:", scores[task]["extras"])):
                if names:
                    block.append(f"  {task} {kind} {' '.join(names)}")
        for name in ("org", "start"):
            for pair in scores["postings"][f"{name}_mismatches"]:
                block.append(f"  {name} wrong: {pair['gold'].get('person')}: gold={pair['gold'].get(name)!r} "
                             f"pred={pair['pred'].get(name)!r}")
        if block:
            lines += ["", f"[{article_id}]"] + block
    return "\n".join(lines) + "\n"
