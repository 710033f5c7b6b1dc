"""The downstream-reward protocol: train (or condition) a model on a dataset, report the reward."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from harness.downstream import DownstreamResult
from harness.records import AcceptedSample

__all__ = ["DownstreamResult", "DownstreamTrainer"]


@runtime_checkable
class DownstreamTrainer(Protocol):
    name: str

    def train(self, dataset: list[AcceptedSample], **options: Any) -> DownstreamResult: ...
