"""Domain word lists kept as data in ``models/`` and loaded once."""

from __future__ import annotations

import json
import os
import re
from functools import cache, lru_cache
from pathlib import Path


def models_dir() -> Path:
    """``models/`` at the repository root, or ``$ZHUCUN_MODELS``."""
    env = os.environ.get("ZHUCUN_MODELS")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "models"


def read_lines(name: str) -> list[str]:
    path = models_dir() / name
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


@cache
def load_json(name: str) -> dict:
    return json.loads((models_dir() / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def surnames() -> frozenset[str]:
    return frozenset(read_lines("surnames.txt"))


def alternation(words) -> str:
    """Regex alternation, longest first so compounds win over their parts."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


@lru_cache(maxsize=1)
def roles() -> dict[str, list[str]]:
    data = load_json("roles.json")
    return {k: v for k, v in data.items() if not k.startswith("_")}


@lru_cache(maxsize=1)
def patterns() -> dict:
    data = load_json("patterns.json")
    return {k: v for k, v in data.items() if not k.startswith("_")}


@lru_cache(maxsize=1)
def posting_roles() -> frozenset[str]:
    return frozenset(roles()["posting"])


@lru_cache(maxsize=1)
def role_regex() -> re.Pattern:
    words = roles()["posting"] + roles()["official"]
    return re.compile(alternation(words))


def has_surname(name: str) -> bool:
    s = surnames()
    return bool(name) and (name[0] in s or name[:2] in s)
