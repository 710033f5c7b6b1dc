"""``best.yaml``: the sweep's best harness as a complete harness configuration to take away.

``autodata generate best.yaml`` runs it (the same harness hash as the sweep's best candidate), and
``autodata show-config best.yaml`` prints it. Its seed is the sweep's evaluation seed, so a run
on the sweep's documents repeats the sweep's evaluation; a folder or JSONL document source is
written as an absolute path (the sweep read it relative to the working directory, the file sits
in the sweep's output directory).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from harness.config import HarnessConfig

BEST_FILE = "best.yaml"


def best_harness(config: HarnessConfig, *, name: str, seed: int) -> HarnessConfig:
    """``config`` (the best candidate) named for the sweep, with its evaluation seed and absolute document path."""
    documents = config.documents
    if documents.path and not Path(documents.path).is_absolute():
        documents = documents.model_copy(update={"path": str(Path(documents.path).resolve())})
    return config.model_copy(update={"name": name, "seed": seed, "documents": documents})


def write_best_config(out: Path, config: HarnessConfig, about: dict[str, Any]) -> Path:
    """Writes ``out/best.yaml``, headed by comments saying where it came from (``about``)."""
    header = [f"# {key}: {value}" for key, value in about.items()]
    body = yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False, allow_unicode=True, width=100)
    path = out / BEST_FILE
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text("\n".join(["# The best harness of a sweep: autodata generate runs it as it is.", *header, body]),
                   encoding="utf-8")
    os.replace(tmp, path)
    return path
