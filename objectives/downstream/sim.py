"""Downstream reward on the offline world (SIMULATED): its weak profile fine-tuned on the dataset.
The trainer is the world's (``harness/sim/trainer.py``), reached through the model registry."""

from __future__ import annotations

from pathlib import Path

from harness.config import HarnessConfig
from harness.downstream import DownstreamResult
from harness.models import offline_trainer
from objectives.run import RunRecords


def run(config: HarnessConfig, records: RunRecords, out: Path) -> DownstreamResult:
    return offline_trainer(config.seed, config.documents.world_seed).train(records.accepted)
