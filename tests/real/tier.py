"""Helpers of the real tier's tests (the fixtures are in conftest.py)."""

from __future__ import annotations

import os
import re
import socket
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REQUEST = re.compile(r'"POST /v1/chat/completions HTTP/1\.1" \d{3}')


@dataclass
class Served:
    url: str
    port: int
    log: Path

    def requests(self) -> int:
        """Chat requests the server has logged (uvicorn's access log, one line per request)."""
        return len(REQUEST.findall(self.log.read_text(errors="replace")))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cli_env(served: Served, store: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MLFLOW_TRACKING_URI", "DSPY_CACHEDIR")}
    env.update({"AUTODATA_STORE": str(store), "AUTODATA_LOCAL_PORT": str(served.port), "PYTHONPATH": str(REPO),
                "COLUMNS": "160", "LITELLM_LOCAL_MODEL_COST_MAP": "True", "MLFLOW_DISABLE_TELEMETRY": "true"})
    return env
