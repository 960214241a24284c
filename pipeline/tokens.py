"""Tokens stage: jieba word segmentation with the domain user dictionary (models/userdict.txt).

A private ``jieba.Tokenizer`` is built once per process and cached; the global jieba instance is
never touched (other code may use it with other dictionaries) and paddle mode is never enabled.
Token offsets are in cleaned-text coordinates. In ``--entities facts`` mode only the articles with posting
cues are segmented in full; of the others, only the sentences ``entities.sentences_for_ner`` picks before
the amounts are known (role words, zero cues).
"""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from pathlib import Path

from .core import register_stage
from .doc import Doc, Token

USERDICT_FILE = Path(__file__).resolve().parent.parent / "models" / "userdict.txt"

_LOCK = threading.Lock()


def _quiet_jieba() -> None:
    logging.getLogger("jieba").setLevel(logging.WARNING)


@lru_cache(maxsize=2)
def get_tokenizer(userdict: str | Path = USERDICT_FILE):
    """The shared private jieba tokenizer with the domain dictionary loaded."""
    import jieba

    _quiet_jieba()
    with _LOCK:
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        tokenizer.load_userdict(str(userdict))
    return tokenizer


def _userdict_tags(userdict: Path) -> dict[str, str]:
    tags = {}
    for raw in userdict.read_text(encoding="utf-8").splitlines():
        parts = raw.split()
        if len(parts) >= 3 and not raw.startswith("#"):
            tags[parts[0]] = parts[2]
    return tags


@lru_cache(maxsize=2)
def get_pos_tokenizer(userdict: str | Path = USERDICT_FILE):
    """jieba.posseg over the private tokenizer, with the user dictionary's tags."""
    import jieba.posseg

    pos_tokenizer = jieba.posseg.POSTokenizer(get_tokenizer(userdict))
    pos_tokenizer.word_tag_tab.update(_userdict_tags(Path(userdict)))
    return pos_tokenizer


def segment(text: str, offset: int = 0, with_pos: bool = False) -> list[Token]:
    """Tokens of ``text`` (whitespace dropped), shifted by ``offset``."""
    tokens: list[Token] = []
    if with_pos:
        pos = 0
        for pair in get_pos_tokenizer().cut(text):
            start = text.find(pair.word, pos)
            if start < 0:
                continue
            pos = start + len(pair.word)
            if not pair.word.isspace():
                tokens.append(Token(offset + start, offset + pos, pair.word, pair.flag))
        return tokens
    for word, start, end in get_tokenizer().tokenize(text):
        if not word.isspace():
            tokens.append(Token(offset + start, offset + end, word))
    return tokens


def sentences_to_segment(doc: Doc, entities: str, sentences_for_ner) -> list[int]:
    """Every sentence in 'all' mode; in 'facts' mode those the NER backend reads, but for the change
    sentences (which need the amounts, not found yet).

    Facts mode is the cheap mode: an article without posting cues gets no NER but on a few sentences,
    and no segmentation (segmenting was the largest cost left for such articles). No stage reads
    the tokens: they are there for the API and for looking at an article.
    """
    if entities == "facts":
        return sentences_for_ner(doc, "facts", amounts=[])
    return list(range(len(doc.sentences)))


@register_stage(
    "tokens",
    requires=["text", "sentences"],
    provides=["tokens"],
    description="jieba segmentation with the domain user dictionary",
)
def tokens_stage(token_pos: bool = False, entities: str = "all", **_settings):
    from .entities import sentences_for_ner

    get_tokenizer()  # load once, when the pipeline is built

    def run(doc: Doc) -> None:
        doc.tokens = []
        for index in sentences_to_segment(doc, entities, sentences_for_ner):
            sentence = doc.sentences[index]
            doc.tokens.extend(segment(doc.text[sentence.start : sentence.end], sentence.start, token_pos))

    return run
