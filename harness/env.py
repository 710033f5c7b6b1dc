"""Process environment every autodata entry point sets before touching DSPy, LiteLLM or MLflow.

Offline, LiteLLM tries to download its price map and the MLflow server deadlocks on that
import (see STACK notes), so the local map is forced; MLflow telemetry is disabled; and the
tracking URI is made absolute so runs never land in whatever directory a process started in.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def store_dir() -> Path:
    """The project's local store (MLflow runs, Optuna study, caches)."""
    return Path(os.environ.get("AUTODATA_STORE", REPO_ROOT / "mlruns")).resolve()


def _default(name: str, value: str) -> None:
    # An empty value counts as unset (MLFLOW_TRACKING_URI= would otherwise mean ./mlflow.db).
    if not os.environ.get(name):
        os.environ[name] = value


def configure_environment() -> None:
    """Set the variables every process needs; values the user already set win."""
    _default("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    _default("MLFLOW_DISABLE_TELEMETRY", "true")
    store = store_dir()
    _default("MLFLOW_TRACKING_URI", f"sqlite:///{store / 'mlflow.db'}")
    # DSPy reads DSPY_CACHEDIR when it is first imported; keep its cache in our store.
    _default("DSPY_CACHEDIR", str(store / "dspy_cache"))


configure_environment()
