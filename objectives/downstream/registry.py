"""Downstream trainers by name (``downstream.kind``): one module per trainer, one ``register`` line
each in ``objectives/downstream/trainers.py``, as operators and roles are registered.

A trainer's runner takes the harness config, the run's records and its output folder, and returns
the reward the dataset bought (or a failed result saying why), or None for no downstream reward.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from harness.config import HarnessConfig
from harness.downstream import DownstreamResult
from objectives.run import RunRecords

Runner = Callable[[HarnessConfig, RunRecords, Path], DownstreamResult | None]

_REGISTRY: dict[str, Runner] = {}


def register(name: str, runner: Runner) -> None:
    if name in _REGISTRY:
        raise ValueError(f"downstream trainer '{name}' is already registered")
    _REGISTRY[name] = runner


def names() -> list[str]:
    _load()
    return sorted(_REGISTRY)


def get(name: str) -> Runner:
    _load()
    if name not in _REGISTRY:
        raise ValueError(f"unknown downstream trainer '{name}'; registered: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]


def _load() -> None:
    import objectives.downstream.trainers  # noqa: F401  (registers the trainers)
