"""Importing this module registers the built-in stages (one module per stage)."""

from . import clean, coreference, entities, relations, sentences, tokens  # noqa: F401
