"""Where the tests find the real data (../shared beside the repository) and what they do without it.

Outside CI a missing ../shared skips the test with the reason; under CI (``CI`` set) it fails, so that a
test on real text cannot pass silently.
"""

from __future__ import annotations

import gzip
import json
import os
from itertools import islice
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEEDS = SHARED / "corpus" / "seeds"
SEEDS_META = SHARED / "corpus" / "seeds.meta.csv"
GOLD = SHARED / "gold" / "seeds.gold.jsonl"
XWLB = SHARED / "corpus" / "xwlb-2012-2026.jsonl.gz"


def skip_or_fail(reason: str):
    """Skip with ``reason``; fail instead under CI."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required under CI)")
    pytest.skip(reason)


def need_shared(path: Path) -> Path:
    """``path`` when it exists; else skip (fail under CI) saying which real data is absent."""
    if not path.exists():
        skip_or_fail(f"real data {path} is absent (tests read ../shared next to the repo)")
    return path


def seed_text(prefix: str) -> str:
    """The text of the seed article whose file name starts with ``prefix`` + "_" (000 … 004)."""
    (path,) = sorted(need_shared(SEEDS).glob(f"{prefix}_*.txt"))
    return path.read_text(encoding="utf-8")


def xwlb_sample(n: int, every: int = 1) -> list[dict]:
    """``n`` CCTV transcripts (raw records), every ``every``-th from the start of the corpus."""
    with gzip.open(need_shared(XWLB), "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in islice(handle, 0, n * every, every)]
