"""Score a finished generation: downstream reward (optional) and the scorecard, written to OUT/scorecard.json."""

from __future__ import annotations

import json
from pathlib import Path

from harness.config import HarnessConfig
from harness.generate import write_json_atomic
from objectives.diversity import litellm_embedder
from objectives.downstream.base import DownstreamResult
from objectives.downstream.factory import run_downstream
from objectives.run import RunRecords, load_run
from objectives.scorecard import Scorecard, build_scorecard

SCORECARD_FILE = "scorecard.json"
EXIT_INCOMPLETE = 3  # the run finished but part of its evaluation failed


def config_of(out: Path) -> HarnessConfig:
    resolved = json.loads((out / "config.resolved.json").read_text(encoding="utf-8"))
    return HarnessConfig.model_validate(resolved["config"])


def truncated(run: RunRecords, count: int) -> RunRecords:
    """The same run with only its first ``count`` accepted samples (by id), for equal-size comparisons."""
    kept = sorted(run.accepted, key=lambda a: a.id)[:count]
    return RunRecords(run.rounds, kept, run.documents, run.summary, run.resolved, run.out)


def score_run(out: Path, config: HarnessConfig, downstream: str | None = None, limit: int | None = None) -> Scorecard:
    run = load_run(out)
    if limit is not None:
        run = truncated(run, limit)
    kind = downstream or config.downstream.kind
    result: DownstreamResult | None = run_downstream(kind, config, run, out)
    embedder = None
    if config.scoring.embedding_model:
        embedder = litellm_embedder(config.scoring.embedding_model, config.scoring.embedding_api_base)
    card = build_scorecard(run, result, embedder)
    write_json_atomic(out / SCORECARD_FILE, card.model_dump(mode="json"))
    return card


def read_scorecard(out: Path) -> Scorecard | None:
    path = out / SCORECARD_FILE
    return Scorecard.model_validate_json(path.read_text(encoding="utf-8")) if path.exists() else None
