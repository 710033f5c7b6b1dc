"""What endpoint limiters learned, kept in the store (``limits.json``) so a new run starts there.

A run ends by writing every limiter of its process (``keep``: its limit, cap and the latency of
its lowest level, per endpoint); a limiter created later, in this process or another, starts from
that (``AdaptiveLimiter.restore``) instead of ramping up from one request in flight. The offline
world in process has no capacity to learn and is never kept. Entries older than ``KEEP_S`` are
not used: a server may have been restarted with other settings.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

KEEP_S = 7 * 24 * 3600.0
_IN_PROCESS = "offline-world"


def _path() -> Path:
    from harness.env import store_dir

    return store_dir() / "limits.json"


def _read() -> dict[str, Any]:
    try:
        data = json.loads(_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def recalled(endpoint: str) -> dict[str, Any] | None:
    """The state kept for ``endpoint``, when there is a recent one."""
    if endpoint == _IN_PROCESS:
        return None
    entry = _read().get(endpoint)
    if not isinstance(entry, dict) or time.time() - float(entry.get("at", 0)) > KEEP_S:
        return None
    return entry


def keep() -> None:
    """Writes what every limiter of this process learned (atomically: runs may end together)."""
    from harness.endpoint.limiter import _LIMITERS

    states = {endpoint: {**limiter.state(), "at": time.time()}
              for endpoint, limiter in list(_LIMITERS.items()) if endpoint != _IN_PROCESS}
    if not states:
        return
    path = _path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {**_read(), **states}
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        return  # a store that cannot be written loses a head start, nothing else
