"""HanLP 2.1 multi-task models as an optional NER backend (``pip install .[hanlp]``).

Output structure, as documented in hankcs/HanLP plugins/hanlp_demo/hanlp_demo/zh/ner_mtl.ipynb
(commit 281e8ef1821bd49d0c4bd38a2111729863e924d0): ``HanLP(sentences)`` returns a Document (a dict) with
``"tok/fine"``: one token list per sentence, and ``"ner/msra"`` (also ``"ner/pku"``, ``"ner/ontonotes"``):
one list per sentence of ``[entity_text, label, start_token, end_token_exclusive]``, token indices into the
first ``tok*`` list. Labels: msra PERSON/LOCATION/ORGANIZATION/DATE/...; pku nr/ns/nt; ontonotes PERSON/GPE/LOC/ORG/DATE.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

from .base import BackendUnavailable, EntitySpan, WordSpan, batched

HANLP_LABELS = {
    "PERSON": "PERSON",
    "nr": "PERSON",
    "LOCATION": "PLACE",
    "GPE": "PLACE",
    "LOC": "PLACE",
    "ns": "PLACE",
    "ORGANIZATION": "ORG",
    "ORG": "ORG",
    "nt": "ORG",
    "DATE": "DATE",
}
MODEL_ENV = "ZHUCUN_HANLP_MODEL"
HOW_TO_GET_A_MODEL = (
    "The HanLP backend needs the optional package and a model on disk: `pip install .[hanlp]`, then download a "
    "model (e.g. hanlp.pretrained.mtl.CLOSE_TOK_POS_NER_SRL_DEP_SDP_CON_ELECTRA_SMALL_ZH) on a machine with "
    f"internet, unzip it, and point {MODEL_ENV} (or models/ner.json backends.hanlp.model) to the unzipped "
    "directory. Use `--ner lac` (the default backend, model shipped with the package) instead."
)
_SENTENCE_END = re.compile(r"[^。！？!?；;\n]*[。！？!?；;\n]?")


def hanlp_document_to_spans(
    sentences: Sequence[str],
    document: Mapping[str, Any],
    ner_task: str = "ner/msra",
    tok_task: str = "tok/fine",
) -> list[list[EntitySpan]]:
    """Pure conversion: a HanLP Document for ``sentences`` -> our (start, end, label) spans per sentence.

    Token indices become char offsets by locating each token in the sentence, left to right.
    """
    tokens = document.get(tok_task)
    if tokens is None:
        tok_keys = sorted(key for key in document if key.startswith("tok"))
        if not tok_keys:
            raise ValueError(f"HanLP document has no token list (keys: {sorted(document)})")
        tokens = document[tok_keys[0]]
    entities = document.get(ner_task)
    if entities is None:
        raise ValueError(f"HanLP document has no {ner_task!r} (keys: {sorted(document)})")
    if len(tokens) != len(sentences) or len(entities) != len(sentences):
        raise ValueError(f"HanLP document covers {len(tokens)} sentences, {len(sentences)} were given")
    results = []
    for sentence, sentence_tokens, sentence_entities in zip(sentences, tokens, entities, strict=True):
        offsets = locate_tokens(sentence, sentence_tokens)
        spans = []
        for item in sentence_entities:
            _, label, first, last = item[:4]
            ours = HANLP_LABELS.get(label)
            if ours is None or offsets[first] is None or offsets[last - 1] is None:
                continue
            spans.append((offsets[first][0], offsets[last - 1][1], ours))
        results.append(sorted(set(spans)))
    return results


def locate_tokens(text: str, tokens: Sequence[str]) -> list[tuple[int, int] | None]:
    """Char span of every token in ``text`` (None for a token that cannot be found)."""
    spans: list[tuple[int, int] | None] = []
    cursor = 0
    for token in tokens:
        found = text.find(token, cursor)
        if found < 0:
            spans.append(None)
            continue
        spans.append((found, found + len(token)))
        cursor = found + len(token)
    return spans


def split_sentences(text: str) -> list[tuple[int, str]]:
    """HanLP's native API takes sentences: (offset, sentence) pairs covering ``text``."""
    return [(m.start(), m.group()) for m in _SENTENCE_END.finditer(text) if m.group().strip()]


def load_hanlp_model(model: str | None) -> Any:
    try:
        import hanlp
    except ImportError as error:
        raise BackendUnavailable(f"hanlp is not installed. {HOW_TO_GET_A_MODEL}") from error
    identifier = os.environ.get(MODEL_ENV) or model
    if not identifier:
        raise BackendUnavailable(f"no HanLP model configured. {HOW_TO_GET_A_MODEL}")
    if not os.path.isdir(identifier):
        identifier = getattr(hanlp.pretrained.mtl, identifier, identifier)
    try:
        return hanlp.load(identifier)
    except Exception as error:  # HanLP raises many types when the file server is unreachable
        raise BackendUnavailable(
            f"HanLP model {identifier!r} could not be loaded ({error}). {HOW_TO_GET_A_MODEL}"
        ) from error


class HanlpBackend:
    name = "hanlp"

    def __init__(
        self,
        model: str | None = None,
        ner_task: str = "ner/msra",
        tok_task: str = "tok/fine",
        batch_size: int = 32,
        **_ignored: Any,
    ) -> None:
        self._model = load_hanlp_model(model)
        self.ner_task = ner_task
        self.tok_task = tok_task
        self.batch_size = int(batch_size)

    def _run(self, sentences: list[str], tasks: list[str]) -> dict[str, list]:
        merged: dict[str, list] = {}
        for batch in batched(sentences, self.batch_size):
            document = self._model(batch, tasks=tasks)
            for key, value in document.items():
                merged.setdefault(key, []).extend(value)
        return merged

    def _sentences(self, texts: list[str]) -> list[tuple[int, int, str]]:
        return [(i, offset, sentence) for i, text in enumerate(texts) for offset, sentence in split_sentences(text)]

    def tag(self, texts: list[str]) -> list[list[EntitySpan]]:
        jobs = self._sentences(texts)
        sentences = [sentence for _, _, sentence in jobs]
        results: list[list[EntitySpan]] = [[] for _ in texts]
        if not sentences:
            return results
        document = self._run(sentences, [self.tok_task, self.ner_task])
        per_sentence = hanlp_document_to_spans(sentences, document, self.ner_task, self.tok_task)
        for (index, offset, _), spans in zip(jobs, per_sentence, strict=True):
            results[index].extend((s + offset, e + offset, label) for s, e, label in spans)
        return [sorted(row) for row in results]

    def segment(self, texts: list[str]) -> list[list[WordSpan]]:
        jobs = self._sentences(texts)
        sentences = [sentence for _, _, sentence in jobs]
        results: list[list[WordSpan]] = [[] for _ in texts]
        if not sentences:
            return results
        pos_task = "pos/ctb"
        document = self._run(sentences, [self.tok_task, pos_task])
        for (index, offset, sentence), tokens, tags in zip(
            jobs, document[self.tok_task], document.get(pos_task, [[]] * len(jobs)), strict=True
        ):
            for span, token, tag in zip(
                locate_tokens(sentence, tokens), tokens, list(tags) or [""] * len(tokens), strict=False
            ):
                if span is not None:
                    results[index].append((span[0] + offset, span[1] + offset, token, tag))
        return results
