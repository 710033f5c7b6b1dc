"""Shared fixtures. The store is redirected before anything imports ``harness``.

``harness/env.py`` reads ``AUTODATA_STORE`` when it is first imported (it points DSPy's cache
and MLflow's tracking URI into the store), so the variable must be set at conftest import
time, not in a fixture: a test run must never write into the repository's ``mlruns/``.
"""

from __future__ import annotations

import os
import tempfile

# Each pytest-xdist worker (``make test`` runs two) gets a store of its own: it inherits the
# controller's environment, and two processes sharing one MLflow SQLite store would contend.
if os.environ.get("PYTEST_XDIST_WORKER") or "AUTODATA_STORE" not in os.environ:
    os.environ["AUTODATA_STORE"] = tempfile.mkdtemp(prefix="autodata-test-store-")

import json  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402

from harness.config import HarnessConfig, parse_config  # noqa: E402
from harness.documents import DocumentSet, load_documents  # noqa: E402
from harness.models import ModelRegistry  # noqa: E402


@pytest.fixture
def default_config() -> HarnessConfig:
    return parse_config({})


@pytest.fixture
def write_yaml(tmp_path: Path):
    """Write a YAML text to a fresh file under tmp_path and return its path."""
    counter = {"n": 0}

    def write(text: str, name: str | None = None) -> Path:
        counter["n"] += 1
        path = tmp_path / (name or f"config{counter['n']}.yaml")
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def sim_docs():
    """``sim_docs(config, count)``: the first ``count`` offline-world documents of a config."""

    def load(config: HarnessConfig, count: int) -> DocumentSet:
        return load_documents(config.documents, count=count)

    return load


@pytest.fixture
def counted_generation():
    """``counted_generation(config, docs, out, **registry_kwargs) -> (summary, registry)``.

    Runs a generation in-process with a registry the test keeps, so the offline world's call
    counters (``registry.sim_engine.calls``) can be read afterwards.
    """
    from harness.generate import generate

    def run(config: HarnessConfig, docs: DocumentSet, out: Path, **registry_kwargs: Any):
        registry = ModelRegistry(config.models, config.runtime, **registry_kwargs)
        summary = generate(config, docs, out, registry=registry)
        return summary, registry

    return run


@pytest.fixture
def read_rows():
    """All rows of a JSONL file (strict: every line must parse)."""

    def read(path: Path) -> list[dict[str, Any]]:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    return read
