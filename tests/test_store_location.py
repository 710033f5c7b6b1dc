"""The store follows the working directory (or AUTODATA_STORE), never the source tree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROBE = "import json, os; from harness import env; print(json.dumps([str(env.store_dir()), os.environ['MLFLOW_TRACKING_URI']]))"


def _probe(cwd: Path, **extra: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("AUTODATA_STORE", "MLFLOW_TRACKING_URI", "DSPY_CACHEDIR")}
    env.update(extra, PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_store_is_mlruns_of_the_working_directory(tmp_path: Path) -> None:
    store, uri = _probe(tmp_path)
    assert Path(store) == (tmp_path / "mlruns").resolve()
    assert uri == f"sqlite:///{tmp_path.resolve() / 'mlruns' / 'mlflow.db'}"
    assert not Path(store).is_relative_to(REPO)


def test_autodata_store_wins_over_the_working_directory(tmp_path: Path) -> None:
    store, uri = _probe(tmp_path, AUTODATA_STORE=str(tmp_path / "elsewhere"))
    assert Path(store) == (tmp_path / "elsewhere").resolve()
    assert uri.endswith("/elsewhere/mlflow.db")
