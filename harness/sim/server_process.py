"""Run the offline-world HTTP server in a child process (for tests and benchmarks).

The server gets its own process so that a client measured against it does not share its GIL::

    with ServerProcess(latency_ms=50, capacity=32) as server:
        lm = dspy.LM("openai/weak", api_base=server.url, api_key="x")
        ...
        server.stats()["ok"]
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from harness.env import REPO_ROOT
from harness.sim.server import ServerSettings

_PREFIX = "serving the offline world on "
# Loopback only: never route the test server's traffic through a proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ServerProcess:
    """``python -m harness.sim.server`` on a free port; ``start()`` then ``wait_ready()``, or ``with``.

    Starting several servers, then waiting for all, overlaps their start-up (mostly imports).
    """

    def __init__(self, settings: ServerSettings | None = None, command: list[str] | None = None, **overrides: Any) -> None:
        self.settings = replace(settings or ServerSettings(port=0), **overrides)
        self.settings.check()
        # Any command that takes the server's options and announces its URL the same way (e.g. the CLI's).
        self.command = command or [sys.executable, "-m", "harness.sim.server"]
        self.process: subprocess.Popen[str] | None = None
        self.url = ""  # http://host:port/v1, the api_base for clients

    @property
    def root(self) -> str:
        return self.url.removesuffix("/v1")

    def start(self) -> ServerProcess:
        # cwd: ``-m harness.sim.server`` resolves from the repository even when it is not installed.
        argv, env = self.settings.argv(), None
        if self.settings.api_key:  # passed in the environment, never on the command line
            argv, env = [*argv, "--api-key-env", "SERVE_SIM_API_KEY"], {**os.environ, "SERVE_SIM_API_KEY": self.settings.api_key}
        self.process = subprocess.Popen(
            [*self.command, *argv], stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT, env=env,
        )
        return self

    def wait_ready(self, timeout_s: float = 60.0) -> str:
        """Read the announced URL, then wait until /health answers; the child is stopped on failure."""
        assert self.process is not None and self.process.stdout is not None, "start() first"
        deadline = time.monotonic() + timeout_s
        try:
            readable, _, _ = select.select([self.process.stdout], [], [], timeout_s)
            line = self.process.stdout.readline() if readable else ""
            if not line.startswith(_PREFIX):
                code = self.process.poll()
                raise RuntimeError(f"offline-world server did not start (exit code {code}, first line {line!r})")
            self.url = line[len(_PREFIX):].strip()
            while True:
                try:
                    self._get("/health")
                    return self.url
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
        except BaseException:
            self.stop()
            raise

    def _get(self, path: str, method: str = "GET") -> dict[str, Any]:
        request = urllib.request.Request(self.root + path, method=method, data=b"" if method == "POST" else None)
        with _OPENER.open(request, timeout=10) as response:
            return json.loads(response.read())

    def stats(self) -> dict[str, Any]:
        """The server's counters (see ``openai_wire.Stats.snapshot``)."""
        return self._get("/stats")

    def reset(self) -> dict[str, Any]:
        return self._get("/stats/reset", method="POST")

    def terminate(self) -> None:
        """Ask the child to stop (SIGTERM) without waiting: several servers then stop side by side."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL if the child has not exited within 10 s; returns its exit code."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            self.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()
        return process.returncode

    def __enter__(self) -> ServerProcess:
        self.start()
        self.wait_ready()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def running(servers: dict[str, ServerProcess]) -> Iterator[dict[str, ServerProcess]]:
    """Start several servers side by side (their start-up overlaps), and stop them all on exit."""
    try:
        for server in servers.values():
            server.start()
        for server in servers.values():
            server.wait_ready()
        yield servers
    finally:
        for server in servers.values():
            server.terminate()
        for server in servers.values():
            server.stop()
