"""NER benchmark on public Chinese news test sets (../shared/nerbench JSONL).

Scoring is the literature's convention: exact span and type, micro P/R/F1 over PER/LOC/ORG.

``align=True`` adds a *benchmark-convention adapter*: People's Daily 1998 / MSRA annotate some things
differently from what an extraction tool should output (中美 is two one-char LOCs, 中国政府 is 中国/LOC,
胡老 is 胡/PER, 中国男队 is one ORG, 访华 contains 华/LOC ...). The rules live in
models/nerbench_alignment.json and below; they were read off people_daily/dev.jsonl only (never the test sets)
and are never applied by the extraction pipeline.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

ALIGNMENT_PATH = Path(__file__).resolve().parents[1] / "models" / "nerbench_alignment.json"
TYPES = ("PER", "LOC", "ORG")
TO_BENCH_LABEL = {"PERSON": "PER", "PLACE": "LOC", "ORG": "ORG"}
ENTITY_POS = {"PER", "LOC", "ORG", "TIME", "nr", "ns", "nt"}

Span = tuple[int, int, str]
Word = tuple[int, int, str, str]


def load_jsonl(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    rows = []
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            if not isinstance(row.get("text"), str) or not isinstance(row.get("entities"), list):
                raise ValueError(f"{path}: line {len(rows) + 1} is not a nerbench record (text, entities)")
            rows.append(row)
            if limit is not None and len(rows) >= limit:
                break
    return rows


# --------------------------------------------------------------------------- scoring


def prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def score_predictions(gold: list[list[Span]], predicted: list[list[Span]]) -> dict[str, Any]:
    """Exact-span micro P/R/F1 overall and per type; spans are (start, end, PER|LOC|ORG)."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold sentences but {len(predicted)} predicted")
    counts = {label: [0, 0, 0] for label in TYPES}
    for gold_spans, pred_spans in zip(gold, predicted, strict=True):
        gold_set = {tuple(span) for span in gold_spans if span[2] in TYPES}
        pred_set = {tuple(span) for span in pred_spans if span[2] in TYPES}
        for label in TYPES:
            g = {span for span in gold_set if span[2] == label}
            p = {span for span in pred_set if span[2] == label}
            counts[label][0] += len(g & p)
            counts[label][1] += len(p - g)
            counts[label][2] += len(g - p)
    total = [sum(counts[label][i] for label in TYPES) for i in range(3)]
    return {"overall": prf(*total), "per_type": {label: prf(*counts[label]) for label in TYPES}}


def predict(backend_name: str, texts: list[str]) -> tuple[list[list[Span]], list[list[Word]] | None]:
    """Backend spans mapped to PER/LOC/ORG (DATE dropped), and its words when it segments."""
    from .ner import get_backend

    backend = get_backend(backend_name)
    words: list[list[Word]] | None = None
    if hasattr(backend, "tag_with_words"):
        tagged, words = backend.tag_with_words(texts)
    else:
        tagged = backend.tag(texts)
    spans = [[(s, e, TO_BENCH_LABEL[label]) for s, e, label in row if label in TO_BENCH_LABEL] for row in tagged]
    return spans, words


def score(path: Path, backend: str = "lac", align: bool = True, limit: int | None = None) -> dict[str, Any]:
    rows = load_jsonl(Path(path), limit)
    texts = [row["text"] for row in rows]
    predicted, words = predict(backend, texts)
    if align:
        rules = load_alignment()
        predicted = [
            align_spans(text, spans, words[i] if words is not None else None, rules)
            for i, (text, spans) in enumerate(zip(texts, predicted, strict=True))
        ]
    gold = [[(int(s), int(e), str(label)) for s, e, label in row["entities"]] for row in rows]
    result = score_predictions(gold, predicted)
    result.update(
        {
            "file": str(path),
            "backend": backend,
            "aligned": align,
            "sentences": len(rows),
            "gold_entities": sum(len(g) for g in gold),
        }
    )
    return result


def format_report(result: dict[str, Any]) -> str:
    head = (
        f"{result.get('file', '?')}  backend={result.get('backend', '?')}  "
        f"aligned={'yes' if result.get('aligned') else 'no'}  sentences={result.get('sentences', '?')}"
    )
    lines = [head, f"{'type':<8}{'P':>8}{'R':>8}{'F1':>8}{'TP':>8}{'FP':>8}{'FN':>8}"]
    rows = [*((label, result["per_type"][label]) for label in TYPES), ("overall", result["overall"])]
    for name, m in rows:
        lines.append(
            f"{name:<8}{100 * m['precision']:>8.2f}{100 * m['recall']:>8.2f}{100 * m['f1']:>8.2f}"
            f"{m['tp']:>8}{m['fp']:>8}{m['fn']:>8}"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- alignment to PD / MSRA conventions


@dataclass(frozen=True)
class AlignmentRules:
    abbreviation_chars: frozenset[str]
    pair_person_chars: frozenset[str]
    word_suffixes: tuple[str, ...]
    verb_prefixes: frozenset[str]
    verb_objects: frozenset[str]
    noun_suffixes: tuple[str, ...]
    noun_suffix_chars: frozenset[str]
    person_suffix_chars: frozenset[str]
    word_exclusions: frozenset[str]
    government_suffixes: tuple[str, ...]
    region_suffixes: tuple[str, ...]
    team_words: tuple[str, ...]
    athlete_words: tuple[str, ...]
    person_title_suffixes: tuple[str, ...]
    person_title_prefixes: tuple[str, ...]
    surnames: frozenset[str]
    title_words: frozenset[str]
    ministry_head_word: str
    always_org_words: frozenset[str]
    always_loc_words: frozenset[str]
    eponym_doctrine_suffixes: tuple[str, ...]
    eponyms: tuple[str, ...]
    cup_eponyms: dict[str, tuple[str, ...]]
    weather_pattern: re.Pattern[str]


@lru_cache(maxsize=4)
def load_alignment(path: Path = ALIGNMENT_PATH) -> AlignmentRules:
    d = json.loads(Path(path).read_text(encoding="utf-8"))

    def longest_first(items: list[str]) -> tuple[str, ...]:
        return tuple(sorted(items, key=lambda item: (-len(item), item)))

    weather = "|".join(re.escape(w) for w in longest_first(d["weather_words"]))
    return AlignmentRules(
        abbreviation_chars=frozenset(d["abbreviation_chars"]),
        pair_person_chars=frozenset(d["abbreviation_pair_person_chars"]),
        word_suffixes=longest_first(d["abbreviation_word_suffixes"]),
        verb_prefixes=frozenset(d["abbreviation_verb_prefixes"]),
        verb_objects=frozenset(d["abbreviation_verb_objects"]),
        noun_suffixes=longest_first(d["abbreviation_noun_suffixes"]),
        noun_suffix_chars=frozenset(d["abbreviation_noun_suffix_chars"]),
        person_suffix_chars=frozenset(d["abbreviation_person_suffix_chars"]),
        word_exclusions=frozenset(d["abbreviation_word_exclusions"]),
        government_suffixes=longest_first(d["government_suffixes"]),
        region_suffixes=longest_first(d["region_suffixes"]),
        team_words=longest_first(d["team_words"]),
        athlete_words=longest_first(d["athlete_words"]),
        person_title_suffixes=longest_first(d["person_title_suffixes"]),
        person_title_prefixes=longest_first(d["person_title_prefixes"]),
        surnames=frozenset(d["surnames"]),
        title_words=frozenset(d["title_words"]),
        ministry_head_word=d["ministry_head_word"],
        always_org_words=frozenset(d["always_org_words"]),
        always_loc_words=frozenset(d["always_loc_words"]),
        eponym_doctrine_suffixes=longest_first(d["eponym_doctrine_suffixes"]),
        eponyms=longest_first(d["eponyms"]),
        cup_eponyms={cup: tuple(names) for cup, names in sorted(d["cup_eponyms"].items())},
        # a place name right before a weather word and a temperature: 北京晴转雷阵雨19℃／32℃
        weather_pattern=re.compile(
            rf"(?:^|(?<=[℃\s，。；、]))([\u4e00-\u9fff]{{2,6}}?)(?:{weather})(?:转(?:{weather}))*[-－]?\d+℃"
        ),
    )


def _split_abbreviation_run(start: int, word: str, rules: AlignmentRules, person: bool) -> list[Span] | None:
    """中美 / 港澳台 / 中美关系 -> one LOC per character (PD/MSRA convention); None if not such a run."""
    core = word
    for suffix in rules.word_suffixes:
        if word.endswith(suffix) and len(word) > len(suffix):
            core = word[: -len(suffix)]
            break
    allowed = rules.pair_person_chars if person else rules.abbreviation_chars
    if not 2 <= len(core) <= 4 or word in rules.word_exclusions or any(ch not in allowed for ch in core):
        return None
    return [(start + i, start + i + 1, "LOC") for i in range(len(core))]


def _abbreviation_in_word(start: int, word: str, rules: AlignmentRules) -> list[Span]:
    """访华 / 驻港 (verb + abbreviation) and 华侨 / 中方 / 京剧 (abbreviation + noun) hold a one-char LOC."""
    if word in rules.word_exclusions:
        return []
    if len(word) == 2 and word[0] in rules.verb_prefixes and word[1] in rules.verb_objects:
        return [(start + 1, start + 2, "LOC")]
    head, rest = word[:1], word[1:]
    if rest in rules.noun_suffixes and head in rules.noun_suffix_chars:
        if rest != "人" or head in rules.person_suffix_chars:
            return [(start, start + 1, "LOC")]
    return []


def _word_rules(text: str, words: list[Word], rules: AlignmentRules) -> list[Span]:
    """Spans found from the backend's words (entities it did not tag, in the corpus' conventions)."""
    found: list[Span] = []
    for index, (start, end, word, pos) in enumerate(words):
        is_entity = pos in ENTITY_POS
        nxt = words[index + 1] if index + 1 < len(words) else None
        if not is_entity:
            if word in rules.always_org_words:
                found.append((start, end, "ORG"))
                continue
            if word in rules.always_loc_words:
                found.append((start, end, "LOC"))
                continue
            if pos != "v":
                split = _split_abbreviation_run(start, word, rules, person=False)
                if split:
                    found.extend(split)
                    continue
            found.extend(_abbreviation_in_word(start, word, rules))
            for eponym in rules.eponyms:
                if word.startswith(eponym) and word[len(eponym) :] in rules.eponym_doctrine_suffixes:
                    found.append((start, start + len(eponym), "PER"))
                    break
            # 汤/n 局长/n -> 汤 is a person in PD
            if len(word) == 1 and word in rules.surnames and nxt and nxt[0] == end and nxt[2] in rules.title_words:
                found.append((start, end, "PER"))
            if word == rules.ministry_head_word:
                found.extend(_ministry(text, words, index))
        for cup, names in rules.cup_eponyms.items():
            at = word.find(cup)
            while at >= 0:
                offset = start + at
                for name in names:
                    found.append((offset, offset + len(name), "PER"))
                    offset += len(name)
                at = word.find(cup, at + len(cup))
    return found


def _ministry(text: str, words: list[Word], index: int) -> list[Span]:
    """[美国]财政 部长 -> ORG 美国财政部 (PD tags the ministry inside 'X部长')."""
    if index == 0:
        return []
    p_start, p_end, p_word, p_pos = words[index - 1]
    if p_end != words[index][0] or p_pos not in {"n", "vn", "nz"} or len(p_word) != 2:
        return []
    start = p_start
    if index >= 2 and words[index - 2][3] in {"LOC", "ns"} and words[index - 2][1] == p_start:
        start = words[index - 2][0]
    return [(start, p_end + 1, "ORG")]


def _span_rules(text: str, span: Span, rules: AlignmentRules) -> list[Span] | None:
    """Rewrite one predicted span to the corpus conventions; None keeps it unchanged."""
    start, end, label = span
    word = text[start:end]
    if label in {"LOC", "ORG"} or (label == "PER" and len(word) == 2):
        split = _split_abbreviation_run(start, word, rules, person=label == "PER")
        if split:
            return split
    if label in {"LOC", "ORG"}:
        for suffix in rules.government_suffixes:
            if word.endswith(suffix) and len(word) > len(suffix):
                return [(start, end - len(suffix), "LOC")]
    if label == "LOC":
        for suffix in rules.region_suffixes:
            if word.endswith(suffix) and len(word) >= len(suffix) + 2:
                return [(start, end - len(suffix), "LOC")]
        after = text[end:]
        for team in rules.athlete_words:
            if after.startswith(team):
                return [(start, end, "ORG")]
        for team in rules.team_words:
            if after.startswith(team):
                return [(start, end + len(team), "ORG")]
    if label == "PER":
        return _person_without_title(start, word, rules)
    return None


def _person_without_title(start: int, word: str, rules: AlignmentRules) -> list[Span] | None:
    """胡老 -> 胡, 王小姐 -> 王, 王学文家 -> 王学文, 老于 -> 于 (titles are not part of a PER in PD)."""
    for suffix in rules.person_title_suffixes:
        if word.endswith(suffix) and len(word) > len(suffix):
            rest = word[: -len(suffix)]
            min_rest = 2 if suffix in {"家", "氏"} else 1
            if len(rest) >= min_rest and (len(rest) > 1 or rest in rules.surnames):
                return [(start, start + len(rest), "PER")]
    if len(word) == 2:
        for prefix in rules.person_title_prefixes:
            if word.startswith(prefix) and word[1] in rules.surnames:
                return [(start + 1, start + 2, "PER")]
    return None


def _weather_places(text: str, rules: AlignmentRules) -> list[Span]:
    if text.count("℃") < 2:
        return []
    return [(m.start(1), m.end(1), "LOC") for m in rules.weather_pattern.finditer(text)]


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def align_spans(text: str, spans: list[Span], words: list[Word] | None, rules: AlignmentRules) -> list[Span]:
    """Predicted PER/LOC/ORG spans rewritten to People's Daily / MSRA annotation conventions."""
    kept: list[Span] = []
    added: list[Span] = []
    for span in sorted(set(spans)):
        rewritten = _span_rules(text, span, rules)
        if rewritten is None:
            kept.append(span)
        else:
            added.extend(rewritten)
    added.extend(_weather_places(text, rules))
    if words is not None:
        added.extend(_word_rules(text, words, rules))
    result: list[Span] = []
    for span in sorted(set(added), key=lambda s: (s[0], -(s[1] - s[0]), s[2])):
        if not any(_overlaps(span, other) for other in result):
            result.append(span)
    result.extend(span for span in kept if not any(_overlaps(span, other) for other in result))
    return sorted(result)
