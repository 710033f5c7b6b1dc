"""The MLflow UI on the project's store: started on 127.0.0.1, stopped cleanly, screenshot-able.

The server is started with the environment STACK notes require (offline, LiteLLM must use its
local price map or the server deadlocks on import) in its own process group, and stopped with
SIGINT to that group, which shuts down its workers (SIGTERM leaves orphaned huey workers).
Because the server has a session of its own, a signal meant for ``autodata ui`` never reaches it:
``stopped_by_signals`` turns the command's SIGINT and SIGTERM into the path that stops it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from experiments.process_group import interrupt_group, stop_group
from harness.env import store_dir

HEALTH_TIMEOUT_S = 90.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"LITELLM_LOCAL_MODEL_COST_MAP": "True", "MLFLOW_DISABLE_TELEMETRY": "true"})
    return env


@dataclass
class SignalStop:
    requested: bool = False


@contextlib.contextmanager
def stopped_by_signals(server: Callable[[], subprocess.Popen | None] = lambda: None) -> Iterator[SignalStop]:
    """SIGINT and SIGTERM raise KeyboardInterrupt inside the block, so ``finally`` stops the server.

    Installed even where SIGINT was inherited as ignored (a job a non-interactive shell starts in
    the background ignores it, and Python then keeps ignoring it): the command would otherwise
    serve on after Ctrl-C, and a SIGTERM would end it at once, leaving its server running.

    The handler first asks ``server()``'s group to stop (SIGINT, no waiting), then raises. The
    exception can be lost: a signal that lands inside a callback whose errors Python ignores
    (importlib's module-lock weakref callback, during an import) is printed as "Exception ignored"
    and the command goes on, to wait forever on a server nobody stopped. With the server already
    asked to stop, that wait ends; the lost KeyboardInterrupt is not printed, since it was handled.
    The yielded ``SignalStop`` says whether a signal came, so a server's exit is not reported as
    a failure.
    """
    stop = SignalStop()

    def interrupt(signum: int, frame: FrameType | None) -> None:
        stop.requested = True
        interrupt_group(server())
        raise KeyboardInterrupt(signal.Signals(signum).name)

    def unraisable(report: sys.UnraisableHookArgs) -> None:
        if not (stop.requested and isinstance(report.exc_value, KeyboardInterrupt)):
            hook(report)

    hook = sys.unraisablehook
    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    sys.unraisablehook = unraisable
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sys.unraisablehook = hook


class UIServer:
    def __init__(self, port: int | None = None, host: str = "127.0.0.1", workers: int = 1) -> None:
        self.host = host
        self.port = port or free_port()
        self.workers = workers
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> UIServer:
        store = store_dir()
        (store / "artifacts").mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable, "-m", "mlflow", "ui",
            "--backend-store-uri", os.environ.get("MLFLOW_TRACKING_URI", f"sqlite:///{store / 'mlflow.db'}"),
            "--default-artifact-root", (store / "artifacts").as_uri(),
            "--host", self.host, "--port", str(self.port), "--workers", str(self.workers),
        ]
        self.process = subprocess.Popen(command, env=server_env(), start_new_session=True,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        try:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the MLflow UI exited with code {self.process.returncode} before it was healthy")
                try:
                    with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                        if response.status == 200:
                            return self
                except OSError:
                    time.sleep(0.5)
        except BaseException:  # Ctrl-C while waiting: the server has its own session and would outlive us
            self.stop()
            raise
        self.stop()
        raise RuntimeError(f"the MLflow UI did not answer {self.url}/health within {HEALTH_TIMEOUT_S:.0f} s")

    def stop(self) -> None:
        stop_group(self.process, grace_s=30)

    def __enter__(self) -> UIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    return None


def headless(url: str, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess:
    """Run headless Chromium on ``url`` (flags that keep it off this machine's closed network)."""
    browser = chromium()
    if browser is None:
        raise FileNotFoundError("no Chromium found (Debian package 'chromium')")
    with tempfile.TemporaryDirectory(prefix="autodata-chromium-") as profile:
        command = [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}", "--virtual-time-budget=20000", *args, url,
        ]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def rendered_dom(url: str, width: int = 2400, height: int = 1200) -> str:
    """The page as the browser built it; wide, because the runs table renders only visible columns."""
    return headless(url, "--dump-dom", f"--window-size={width},{height}").stdout


def screenshot(url: str, path: Path, width: int = 1600, height: int = 1000) -> Path:
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    headless(url, f"--screenshot={path}", f"--window-size={width},{height}")
    if not path.exists():
        raise RuntimeError(f"Chromium wrote no screenshot to {path}")
    return path
