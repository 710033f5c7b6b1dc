"""Pick and run the configured downstream trainer for a finished generation."""

from __future__ import annotations

from pathlib import Path

from harness import provenance
from harness.config import HarnessConfig
from harness.generate import ACCEPTED_FILE
from objectives.downstream.base import DownstreamResult
from objectives.run import RunRecords


def run_downstream(kind: str, config: HarnessConfig, run: RunRecords, out: Path) -> DownstreamResult | None:
    spec = config.downstream
    if kind == "none":
        return None
    if kind == "sim":
        from objectives.downstream.sim import SimTrainer

        return SimTrainer(seed=config.seed, world_seed=config.documents.world_seed).train(run.accepted)
    if kind == "icl":
        from objectives.downstream.icl import EvalSetError, ICLTrainer, load_eval_samples, world_eval_samples

        try:
            if spec.eval_path:
                samples = load_eval_samples(Path(spec.eval_path))[: spec.eval_count]
            elif "weak" in provenance.simulated_roles(config, run.summary.get("simulated_roles") or []):
                # the offline world's weak solver (in process or serve-sim) answers its own tasks
                samples = world_eval_samples(spec.eval_count, seed=config.seed)
            else:
                return DownstreamResult.failed("icl", "downstream.eval_path is required with real endpoints")
        except EvalSetError as error:
            return DownstreamResult.failed("icl", str(error))
        return ICLTrainer(config, samples, k=spec.k, seed=config.seed).train(run.accepted)
    if kind == "command":
        from objectives.downstream.command import CommandTrainer

        if not spec.command:
            return DownstreamResult.failed("command", "no downstream.command configured")
        trainer = CommandTrainer(spec.command, timeout_s=spec.timeout_s)
        return trainer.train(run.accepted, dataset_path=(out / ACCEPTED_FILE).resolve(),
                             output_path=(out / "downstream" / "command_result.json").resolve())
    raise ValueError(f"unknown downstream trainer '{kind}'; expected none, sim, icl or command")
