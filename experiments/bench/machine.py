"""What the machine was doing around a benchmark: benchmarks print it beside their ratios."""

from __future__ import annotations

import socket
import time
from pathlib import Path


def background_load(seconds: float = 1.0) -> str:
    """What else the machine was doing just before the run, from /proc/stat: the share of all cores
    busy (this process sleeps meanwhile) and the share the hypervisor took (steal). A leftover
    server on the machine took 0.77 where a quiet one gave 0.88, so the ratios need this beside them."""
    def sample() -> list[int]:
        return [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]

    try:
        before = sample()
        time.sleep(seconds)
        after = sample()
    except OSError:  # not Linux
        return "background load: unknown"
    user, nice, system, idle, iowait, irq, softirq, steal = (b - a for a, b in zip(before, after, strict=True))
    total = max(1, user + nice + system + idle + iowait + irq + softirq + steal)
    busy = (user + nice + system + irq + softirq) / total
    return f"background load before the run: {busy:.0%} of the cores busy, {steal / total:.0%} stolen"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
