"""One interface for the NER backends (LAC, jieba, HanLP).

Every backend returns, per input text, a sorted list of ``(start, end_exclusive, label)``
with character offsets into that very text and labels from :data:`LABELS`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

LABELS = ("PERSON", "PLACE", "ORG", "DATE")
DEFAULT_BACKEND = "lac"
CONFIG_PATH = Path(__file__).resolve().parents[2] / "models" / "ner.json"

EntitySpan = tuple[int, int, str]
WordSpan = tuple[int, int, str, str]


class BackendUnavailable(RuntimeError):
    """The backend's package or model is not available on this machine."""


@runtime_checkable
class NerBackend(Protocol):
    name: str

    def tag(self, texts: list[str]) -> list[list[EntitySpan]]: ...

    def segment(self, texts: list[str]) -> list[list[WordSpan]]: ...


def load_config(path: Path = CONFIG_PATH) -> dict[str, dict[str, Any]]:
    """Per-backend settings from models/ner.json (missing file -> no settings)."""
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {name: dict(settings) for name, settings in data.get("backends", {}).items()}


def resolve_model_path(value: str | None) -> str | None:
    """Relative paths in models/ner.json are relative to the repository root."""
    if not value:
        return None
    path = Path(value)
    if not path.is_absolute():
        path = CONFIG_PATH.parents[1] / path
    return str(path)


def _lac_factory(options: dict[str, Any]) -> NerBackend:
    from .lac_backend import LacBackend

    return LacBackend(**options)


def _jieba_factory(options: dict[str, Any]) -> NerBackend:
    from .jieba_backend import JiebaBackend

    return JiebaBackend(**options)


def _hanlp_factory(options: dict[str, Any]) -> NerBackend:
    from .hanlp_backend import HanlpBackend

    return HanlpBackend(**options)


FACTORIES: dict[str, Callable[[dict[str, Any]], NerBackend]] = {
    "lac": _lac_factory,
    "jieba": _jieba_factory,
    "hanlp": _hanlp_factory,
}
_CACHE: dict[tuple[str, str], NerBackend] = {}


def known_backends() -> list[str]:
    return sorted(FACTORIES)


def get_backend(name: str = DEFAULT_BACKEND, **options: Any) -> NerBackend:
    """The backend ``name`` with models/ner.json settings overridden by ``options``; loaded once per process."""
    if name not in FACTORIES:
        raise ValueError(f"unknown NER backend {name!r}; known backends: {', '.join(known_backends())}")
    settings = {**load_config().get(name, {}), **options}
    key = (name, json.dumps(settings, sort_keys=True, default=str))
    if key not in _CACHE:
        _CACHE[key] = FACTORIES[name](settings)
    return _CACHE[key]


def split_for_model(text: str, max_len: int, breaks: str = "。！？；!?;\n，,、 ") -> list[tuple[int, str]]:
    """Cut ``text`` into pieces of at most ``max_len`` chars, preferably after punctuation.

    Returns ``(offset, piece)`` pairs; the pieces concatenate back to ``text``.
    """
    pieces: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > max_len:
        window_end = start + max_len
        cut = -1
        for strength in (breaks[:6], breaks):
            cut = max(text.rfind(ch, start + 1, window_end) for ch in strength)
            if cut >= 0:
                break
        end = cut + 1 if cut >= 0 else window_end
        pieces.append((start, text[start:end]))
        start = end
    if start < len(text) or not pieces:
        pieces.append((start, text[start:]))
    return pieces


def batched(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), max(1, size))]
