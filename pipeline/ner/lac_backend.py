"""Baidu LAC 2.1 (paddle) as an NER backend: PER/LOC/ORG/TIME word tags -> PERSON/PLACE/ORG/DATE."""

from __future__ import annotations

import logging
import os
import re
import sys
import warnings
from pathlib import Path
from typing import Any

from .base import EntitySpan, WordSpan, batched, resolve_model_path, split_for_model

LAC_LABELS = {"PER": "PERSON", "LOC": "PLACE", "ORG": "ORG", "TIME": "DATE", "nr": "PERSON", "ns": "PLACE", "nt": "ORG"}
# LAC glues runs containing whitespace into one untagged word: feed it whitespace-free pieces only.
_NON_SPACE = re.compile(r"\S+")


def _quiet_paddle_env() -> None:
    """Paddle logs through glog and warnings at import and first run; silence what can be silenced."""
    for key, value in (("GLOG_minloglevel", "3"), ("GLOG_v", "0"), ("FLAGS_call_stack_level", "0")):
        os.environ.setdefault(key, value)
    logging.getLogger("paddle").setLevel(logging.ERROR)


def import_lac_class() -> Any:
    """``LAC.LAC`` with the paddle 2.6 rename (fluid -> base) bridged."""
    _quiet_paddle_env()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import paddle.base
        import paddle.base.core

        sys.modules.setdefault("paddle.fluid", paddle.base)
        sys.modules.setdefault("paddle.fluid.core", paddle.base.core)
        from LAC import LAC
    return LAC


def _build_without_onednn(lac_class: Any, mode: str) -> Any:
    """``lac_class(mode=mode)`` with paddle's oneDNN (MKLDNN) kernels switched off.

    paddle 2.6 enables oneDNN for CPU inference by default. For LAC it gives the same tags but is slower
    (17k vs 25k chars/s measured on xwlb sentences), its per-input-shape kernel cache grows without bound
    (678 vs 352 MB peak RSS) and a worker died of SIGSEGV in the oneDNN FusionGRU kernel after ~40k
    xwlb articles. LAC builds its ``AnalysisConfig`` inside its constructor, hence the temporary subclass.
    """
    import LAC.models as lac_models

    original = lac_models.AnalysisConfig

    class PlainCpuConfig(original):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.disable_mkldnn()

    lac_models.AnalysisConfig = PlainCpuConfig
    try:
        return lac_class(mode=mode)
    finally:
        lac_models.AnalysisConfig = original


class LacBackend:
    name = "lac"

    def __init__(
        self,
        mode: str = "lac",
        batch_size: int = 64,
        max_len: int = 256,
        custom_dict: str | None = "models/lac_custom.txt",
        **_ignored: Any,
    ) -> None:
        lac_class = import_lac_class()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._lac = _build_without_onednn(lac_class, mode)
        self.batch_size = int(batch_size)
        self.max_len = int(max_len)
        self.custom_dict = resolve_model_path(custom_dict)
        if self.custom_dict and Path(self.custom_dict).exists():
            self._lac.load_customization(self.custom_dict)

    def _pieces(self, text: str) -> list[tuple[int, str]]:
        pieces: list[tuple[int, str]] = []
        for match in _NON_SPACE.finditer(text):
            for offset, piece in split_for_model(match.group(), self.max_len):
                pieces.append((match.start() + offset, piece))
        return pieces

    def segment(self, texts: list[str]) -> list[list[WordSpan]]:
        """Words with LAC POS tags, char offsets into each text; whitespace is not a word."""
        jobs = [(index, offset, piece) for index, text in enumerate(texts) for offset, piece in self._pieces(text)]
        results: list[list[WordSpan]] = [[] for _ in texts]
        for batch in batched(jobs, self.batch_size):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                outputs = self._lac.run([piece for _, _, piece in batch])
            for (index, offset, piece), (words, tags) in zip(batch, outputs, strict=True):
                results[index].extend(_words_to_spans(piece, offset, words, tags))
        return results

    def tag(self, texts: list[str]) -> list[list[EntitySpan]]:
        return self.tag_with_words(texts)[0]

    def tag_with_words(self, texts: list[str]) -> tuple[list[list[EntitySpan]], list[list[WordSpan]]]:
        """Entities and the words they come from, from one LAC run."""
        words = self.segment(texts)
        return [words_to_entities(row) for row in words], words


def _words_to_spans(piece: str, offset: int, words: list[str], tags: list[str]) -> list[WordSpan]:
    spans: list[WordSpan] = []
    cursor = 0
    for word, tag in zip(words, tags, strict=True):
        if piece.startswith(word, cursor):
            spans.append((offset + cursor, offset + cursor + len(word), word, tag))
            cursor += len(word)
        else:  # never seen, but never report a span whose text differs from the input
            found = piece.find(word, cursor)
            if found < 0:
                break
            spans.append((offset + found, offset + found + len(word), word, tag))
            cursor = found + len(word)
    return spans


def words_to_entities(words: list[WordSpan]) -> list[EntitySpan]:
    return [(start, end, LAC_LABELS[pos]) for start, end, _, pos in words if pos in LAC_LABELS]
