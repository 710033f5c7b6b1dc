"""Stopping a server started in a session of its own (``start_new_session=True``): its whole group."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess


def interrupt_group(process: subprocess.Popen | None) -> None:
    """SIGINT to the group without waiting: safe inside a signal handler (no wait, no lock)."""
    if process is None or process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGINT)


def stop_group(process: subprocess.Popen | None, grace_s: float) -> None:
    """SIGINT to the group (servers shut down cleanly on it; SIGTERM leaves MLflow's workers
    behind), then SIGKILL if it is not gone within ``grace_s``."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass
