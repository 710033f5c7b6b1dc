"""Downstream reward from an external command (e.g. a GRPO run on a GPU box).

The command template gets ``{dataset}`` (the accepted samples, JSONL) and ``{output}`` (where
to write a JSON object with at least ``"reward": <number>``). Anything else (the command
missing, a non-zero exit, a timeout, bad JSON) is a failed downstream evaluation with its
reason; it never raises.
"""

from __future__ import annotations

import json
import math
import shlex
import subprocess
from pathlib import Path
from typing import Any

from harness.config import HarnessConfig
from harness.generate import ACCEPTED_FILE
from harness.records import AcceptedSample
from objectives.downstream.base import DownstreamResult
from objectives.run import RunRecords


def _tail(text: str, limit: int = 300) -> str:
    text = (text or "").strip()
    return text[-limit:]


class CommandTrainer:
    name = "command"

    def __init__(self, template: str, timeout_s: float = 3600.0, cwd: Path | None = None) -> None:
        self.template = template
        self.timeout_s = timeout_s
        self.cwd = cwd

    def argv(self, dataset_path: Path, output_path: Path) -> list[str]:
        values = {"dataset": str(dataset_path), "output": str(output_path)}
        return [part.format(**values) for part in shlex.split(self.template)]

    def train(self, dataset: list[AcceptedSample], *, dataset_path: Path | None = None,
              output_path: Path | None = None, **options: Any) -> DownstreamResult:
        if dataset_path is None or output_path is None:
            return DownstreamResult.failed(self.name, "needs dataset_path and output_path")
        output_path.parent.mkdir(parents=True, exist_ok=True)
        output_path.unlink(missing_ok=True)
        try:
            argv = self.argv(dataset_path, output_path)
        except (KeyError, ValueError, IndexError) as error:
            return DownstreamResult.failed(self.name, f"bad command template: {error}")
        if not argv:
            return DownstreamResult.failed(self.name, "empty command")
        try:
            done = subprocess.run(argv, cwd=self.cwd, capture_output=True, text=True, timeout=self.timeout_s)
        except FileNotFoundError:
            return DownstreamResult.failed(self.name, f"command not found: {argv[0]}")
        except subprocess.TimeoutExpired:
            return DownstreamResult.failed(self.name, f"timed out after {self.timeout_s:g} s")
        except OSError as error:
            return DownstreamResult.failed(self.name, f"could not start {argv[0]}: {error}")
        if done.returncode != 0:
            return DownstreamResult.failed(self.name, f"exited with code {done.returncode}", stderr=_tail(done.stderr))
        if not output_path.exists():
            return DownstreamResult.failed(self.name, f"wrote no result to {output_path}")
        try:
            result = json.loads(output_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            return DownstreamResult.failed(self.name, f"{output_path}: not valid JSON ({error})")
        reward = result.get("reward") if isinstance(result, dict) else None
        if isinstance(reward, bool) or not isinstance(reward, (int, float)) or not math.isfinite(reward):
            return DownstreamResult.failed(self.name, f"{output_path}: field 'reward' must be a finite number")
        return DownstreamResult(
            trainer=self.name,
            ok=True,
            reward=float(reward),
            before=result.get("before"),
            after=result.get("after"),
            samples_used=len(dataset),
            details={k: v for k, v in result.items() if k not in ("reward", "before", "after")},
        )


def run(config: HarnessConfig, records: RunRecords, out: Path) -> DownstreamResult:
    """The ``command`` trainer: the configured command template on the dataset file."""
    spec = config.downstream
    if not spec.command:
        return DownstreamResult.failed("command", "no downstream.command configured")
    trainer = CommandTrainer(spec.command, timeout_s=spec.timeout_s)
    return trainer.train(records.accepted, dataset_path=(out / ACCEPTED_FILE).resolve(),
                         output_path=(out / "downstream" / "command_result.json").resolve())
