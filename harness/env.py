"""Process environment every autodata entry point sets before touching DSPy, LiteLLM or MLflow.

Offline, LiteLLM tries to download its price map and the MLflow server deadlocks on that
import (see STACK notes), so the local map is forced; MLflow telemetry is disabled; and the
tracking URI is made absolute (the store as resolved when the process starts), so a process that
changes directory later keeps writing to the same store.

The store (MLflow runs, the Optuna study, caches) is ``./mlruns`` of the working directory, or
``AUTODATA_STORE``: never the installed package's or the source tree's folder, so an installed
autodata and a copied checkout each write where they are run, as ``out/`` does.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent  # where the packages are: a checkout or site-packages


def store_dir() -> Path:
    """The local store (MLflow runs, Optuna study, caches): ``AUTODATA_STORE``, else ``./mlruns``."""
    return Path(os.environ.get("AUTODATA_STORE") or Path.cwd() / "mlruns").resolve()


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
