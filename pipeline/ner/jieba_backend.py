"""jieba posseg as a light NER fallback: nr* -> PERSON, ns* -> PLACE, nt* -> ORG, t -> DATE."""

from __future__ import annotations

import logging
from typing import Any

from .base import EntitySpan, WordSpan, resolve_model_path


def jieba_label(pos: str) -> str | None:
    if pos.startswith("nr"):
        return "PERSON"
    if pos.startswith("ns"):
        return "PLACE"
    if pos.startswith("nt"):
        return "ORG"
    if pos == "t":
        return "DATE"
    return None


class JiebaBackend:
    name = "jieba"

    def __init__(self, hmm: bool = True, user_dict: str | None = None, **_ignored: Any) -> None:
        import jieba
        import jieba.posseg

        jieba.setLogLevel(logging.WARNING)
        # An own tokenizer: never the global one, never enable_paddle() (it pip-installs at runtime).
        tokenizer = jieba.Tokenizer()
        path = resolve_model_path(user_dict)
        if path:
            tokenizer.load_userdict(path)
        self._posseg = jieba.posseg.POSTokenizer(tokenizer)
        self.hmm = bool(hmm)

    def segment(self, texts: list[str]) -> list[list[WordSpan]]:
        results = []
        for text in texts:
            spans: list[WordSpan] = []
            cursor = 0
            for pair in self._posseg.cut(text, HMM=self.hmm):
                word, pos = pair.word, pair.flag
                start = text.find(word, cursor) if not text.startswith(word, cursor) else cursor
                if start < 0:
                    continue
                cursor = start + len(word)
                if word.strip():
                    spans.append((start, cursor, word, pos))
            results.append(spans)
        return results

    def tag(self, texts: list[str]) -> list[list[EntitySpan]]:
        return self.tag_with_words(texts)[0]

    def tag_with_words(self, texts: list[str]) -> tuple[list[list[EntitySpan]], list[list[WordSpan]]]:
        words = self.segment(texts)
        entities = [[(s, e, label) for s, e, _, pos in row if (label := jieba_label(pos))] for row in words]
        return entities, words
