"""autodata: agentic synthetic-data generation and meta-optimization of the data-scientist harness.

The public Python API (the CLI, ``autodata``, runs the same steps)::

    import autodata

    config = autodata.load_config("experiments/configs/demo.yaml", {"documents.count": 5})
    run = autodata.generate(config, "out/demo")           # GenerationResult: summary, scorecard
    best = autodata.sweep("experiments/configs/sweep_demo.yaml")  # SweepResult: report, best.yaml
    dataset = autodata.export(run.out, format="parquet")  # ExportResult: files, card
    study = autodata.ablate("experiments/configs/ablation_loop.yaml")  # AblationResult

The implementation lives in the packages ``harness`` (the agent), ``objectives`` (scoring),
``search`` (the outer loop) and ``experiments`` (CLI, tracking, export), installed beside this one;
only the names exported here are the public API. ``config_path(name)`` finds a shipped config.
"""

from __future__ import annotations

__version__ = "0.1.0"

from autodata.configs import config_path, shipped_configs  # noqa: E402
from experiments.api import (  # noqa: E402  (the version is read by the build without importing these)
    AblationResult,
    ExportResult,
    GenerationResult,
    SweepResult,
    ablate,
    export,
    generate,
    load_config,
    load_sweep_config,
    sweep,
)

__all__ = ["AblationResult", "ExportResult", "GenerationResult", "SweepResult", "__version__", "ablate",
           "config_path", "export", "generate", "load_config", "load_sweep_config", "shipped_configs", "sweep"]
