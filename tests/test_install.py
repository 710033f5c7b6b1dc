"""``pip install .`` into a fresh virtualenv: ``import autodata`` works, the configs ship with it,
and a generation run from another directory writes its store there (not into site-packages or
the source tree). Offline: the new venv sees the project venv's dependencies through a ``.pth``
line (``--system-site-packages`` would give the base interpreter's, not the project's), and pip
installs only autodata itself into it (``--no-deps --no-build-isolation --no-index``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _run(argv: list[str | Path], cwd: Path, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    out = subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    return out


@pytest.mark.slow
def test_pip_install_then_a_run_elsewhere_writes_its_store_there(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    env = {k: v for k, v in os.environ.items()
           if k not in ("AUTODATA_STORE", "MLFLOW_TRACKING_URI", "DSPY_CACHEDIR", "PYTHONPATH", "VIRTUAL_ENV")}
    _run([sys.executable, "-m", "venv", "--without-pip", venv], tmp_path, env)
    python = venv / "bin" / "python"
    site_dir = Path(_run([python, "-c", "import site; print(site.getsitepackages()[0])"], tmp_path, env).stdout.strip())
    # After the new venv's own site-packages: its installed autodata comes first.
    (site_dir / "project_deps.pth").write_text(f"{sysconfig.get_paths()['purelib']}\n", encoding="utf-8")
    # A copy of the tree (what git tracks): building writes build/ and *.egg-info beside the sources.
    source = tmp_path / "source"
    files = _run(["git", "-C", REPO, "ls-files", "--cached", "--others", "--exclude-standard"], tmp_path, env).stdout
    for name in files.splitlines():
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes((REPO / name).read_bytes())
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-build-isolation",
          "--no-index", source], tmp_path, env, timeout=600)

    work = tmp_path / "elsewhere"
    work.mkdir()
    probe = ("import json, autodata, harness; print(json.dumps({'version': autodata.__version__, "
             "'package': autodata.__file__, 'harness': harness.__file__, 'demo': str(autodata.config_path('demo')), "
             "'corpus': len(list(autodata.config_path('real_endpoints').parent.glob('corpus/*.txt')))}))")
    seen = json.loads(_run([python, "-c", probe], work, env).stdout.strip().splitlines()[-1])
    site = site_dir.resolve()
    assert seen["version"] == _run([python, "-c", "import importlib.metadata as m; print(m.version('autodata'))"],
                                   work, env).stdout.strip()
    for key in ("package", "harness", "demo"):
        assert Path(seen[key]).resolve().is_relative_to(site), (key, seen[key])  # the installed copy, not the tree
    assert seen["corpus"] == 3

    repo_db = REPO / "mlruns" / "mlflow.db"  # a developer's `make demo` store, if any: left as it was
    repo_before = repo_db.stat().st_mtime_ns if repo_db.exists() else None
    autodata_cli = venv / "bin" / "autodata"
    assert _run([autodata_cli, "--version"], work, env).stdout.strip() == f"autodata {seen['version']}"
    _run([autodata_cli, "generate", seen["demo"], "--docs", "2", "--out", "out/demo"], work, env)
    assert (work / "out" / "demo" / "accepted.jsonl").is_file()
    assert (work / "mlruns" / "mlflow.db").is_file()  # the run was tracked into ./mlruns of its directory
    assert not list(site.rglob("mlflow.db")) and not list(source.rglob("mlflow.db"))
    assert (repo_db.stat().st_mtime_ns if repo_db.exists() else None) == repo_before
