"""Run the configured downstream trainer (by name, objectives/downstream/registry.py) for a finished generation."""

from __future__ import annotations

from pathlib import Path

from harness.config import HarnessConfig
from objectives.downstream import registry
from objectives.downstream.base import DownstreamResult
from objectives.run import RunRecords


def run_downstream(kind: str, config: HarnessConfig, run: RunRecords, out: Path) -> DownstreamResult | None:
    return registry.get(kind)(config, run, out)
