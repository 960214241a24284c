"""NER backends behind one interface: ``get_backend("lac" | "jieba" | "hanlp").tag(texts)``."""

from .base import LABELS, BackendUnavailable, NerBackend, get_backend, known_backends

__all__ = ["LABELS", "BackendUnavailable", "NerBackend", "get_backend", "known_backends"]
