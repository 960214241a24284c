"""Stage registry and the pipeline that chains stages.

Each stage declares what it requires and provides (names of ``Doc`` attributes);
``Pipeline`` checks the chain when it is built, so a mis-ordered or missing
stage is an error at construction, not a wrong result at run time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .doc import Doc

# what a freshly read Doc already holds
INITIAL_PROVIDES = frozenset({"original", "published", "title"})


class PipelineConfigError(ValueError):
    pass


class StageError(RuntimeError):
    """A stage failed on one article; the runner records it and goes on."""

    def __init__(self, stage: str, reason: str):
        super().__init__(f"{stage}: {reason}")
        self.stage = stage
        self.reason = reason


@dataclass
class Stage:
    name: str
    requires: frozenset[str]
    provides: frozenset[str]
    factory: Callable[..., Callable[[Doc], None]]
    description: str = ""


_REGISTRY: dict[str, Stage] = {}


def register_stage(name: str, *, requires: Iterable[str], provides: Iterable[str], description: str = ""):
    """Decorator: register a stage factory ``factory(**settings) -> callable(doc)``."""

    def wrap(factory):
        _REGISTRY[name] = Stage(name, frozenset(requires), frozenset(provides), factory, description)
        return factory

    return wrap


def registered_stages() -> dict[str, Stage]:
    from . import stages  # noqa: F401  (importing registers the built-in stages)

    return dict(_REGISTRY)


@dataclass
class Pipeline:
    stage_names: list[str]
    settings: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        registry = registered_stages()
        have = set(INITIAL_PROVIDES)
        self._stages: list[tuple[Stage, Callable[[Doc], None]]] = []
        for name in self.stage_names:
            if name not in registry:
                raise PipelineConfigError(f"unknown stage {name!r}; known: {', '.join(sorted(registry))}")
            stage = registry[name]
            missing = stage.requires - have
            if missing:
                raise PipelineConfigError(
                    f"stage {name!r} requires {sorted(missing)}, which no earlier stage provides"
                )
            have |= stage.provides
            self._stages.append((stage, stage.factory(**self.settings)))
        self.timings: dict[str, float] = {s.name: 0.0 for s, _ in self._stages}

    def __call__(self, doc: Doc) -> Doc:
        for stage, run in self._stages:
            t0 = time.perf_counter()
            try:
                run(doc)
            except StageError:
                raise
            except Exception as exc:  # noqa: BLE001 - any stage failure is recorded per article
                raise StageError(stage.name, f"{type(exc).__name__}: {exc}") from exc
            finally:
                self.timings[stage.name] += time.perf_counter() - t0
            doc.done |= stage.provides
        return doc


DEFAULT_STAGES = ["clean", "sentences", "tokens", "entities", "coreference", "relations"]
