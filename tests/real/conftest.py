"""The real tier: Gemma 3 270M on llama-cpp-python's server (``autodata serve-local``).

Run by ``make test-real``, which builds the server's environment (``.venv-real``) and points
``AUTODATA_REAL_VENV`` at it. Without that environment every test here is skipped with the
reason printed (``-ra``); ``make test`` leaves this folder out. Under ``CI=true`` a tier that
cannot run is an error, not a skip: CI must not pass having tested nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from tier import Served, free_port

from experiments.serve_local import LocalServer, missing, venv_python


def unavailable(reason: str) -> None:
    """Skip with the reason printed; under CI=true fail instead."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    venv = os.environ.get("AUTODATA_REAL_VENV")
    if not venv:
        unavailable("the real tier runs with `make test-real` (AUTODATA_REAL_VENV is not set)")
    python = venv_python(Path(venv))
    if reason := missing(python):
        unavailable(f"the real model's server cannot run: {reason}")
    log = tmp_path_factory.mktemp("server") / "server.log"
    port = free_port()
    with log.open("wb") as sink, LocalServer(port, python, n_ctx=4096, stderr=sink) as server:
        yield Served(server.url, port, log)


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("store")
