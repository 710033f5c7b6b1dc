"""The MLflow tracking store, made ready before any work: writable, reachable, whole.

- A store that cannot be written or reached fails at once, in one line, before a generation or
  a sweep spends anything (not after the work, through minutes of MLflow's retries).
- A new SQLite store is created under a file lock in a temporary file and renamed into place when
  its migrations are done: processes starting together create it once, and a SIGKILL during
  creation leaves only the temporary file (the next start makes the store again).
- A SQLite store left half-made by a process killed while creating it (before this was so:
  Alembic's ``_alembic_tmp_*`` tables remain) is moved aside and made again when it holds no
  runs, and said so; one that holds runs is refused with what to do.
- A database or server store (``postgresql://``, ``http://``) is contacted first with a short
  backoff: workers starting together on a fresh database race in MLflow's migrations.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
from pathlib import Path

from filelock import FileLock

from harness.env import store_dir
from harness.secrets import redact_text

ATTEMPTS = 6


class StoreError(RuntimeError):
    """The tracking store cannot be used (one line for the user)."""


def _sqlite_path(uri: str) -> Path | None:
    if not uri.startswith("sqlite:///"):
        return None
    return Path(uri.removeprefix("sqlite:///")).resolve()


def ready(uri: str | None = None) -> list[str]:
    """Makes the tracking store ready (see the module docstring); notes for the user, if any."""
    import mlflow

    uri = uri or mlflow.get_tracking_uri()
    notes: list[str] = []
    path = _sqlite_path(uri)
    if path is not None:
        notes += _ready_sqlite(path)
    _first_contact(uri)
    return notes


def _writable_folder(folder: Path, what: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".autodata-probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise StoreError(f"{what} {folder}: not writable ({error.strerror or error}); set AUTODATA_STORE to a "
                         "writable folder (nothing was run)") from None


def _half_made(path: Path) -> tuple[bool, int]:
    """(whether Alembic left temporary tables or no version, how many runs the store holds)."""
    with contextlib.closing(sqlite3.connect(path, timeout=60)) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        runs = db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] if "runs" in tables else 0
        version = db.execute("SELECT COUNT(*) FROM alembic_version").fetchone()[0] if "alembic_version" in tables else 0
    broken = any(t.startswith("_alembic_tmp_") for t in tables) or not version
    return broken, runs


def _create(path: Path) -> None:
    """The store made in a temporary file and renamed into place once its migrations are done."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    tmp = path.with_name(f"{path.name}.creating-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    artifacts = (store_dir() / "artifacts").resolve()
    with _quiet_migrations():
        store = SqlAlchemyStore(f"sqlite:///{tmp}", artifacts.as_uri())
    store.engine.dispose()
    os.replace(tmp, path)


def _ready_sqlite(path: Path) -> list[str]:
    _writable_folder(path.parent, "the MLflow store's folder")
    notes = []
    with FileLock(str(path) + ".lock", timeout=600):
        for stale in path.parent.glob(f"{path.name}.creating-*"):  # a killed creation's leftovers
            stale.unlink(missing_ok=True)
        if path.exists():
            try:
                broken, runs = _half_made(path)
            except sqlite3.DatabaseError as error:
                raise StoreError(f"MLflow store {path}: not a readable SQLite database ({error}); move it aside "
                                 "and run again") from None
            if not broken:
                return notes
            if runs:
                raise StoreError(f"MLflow store {path}: its schema was left half-migrated by a killed process "
                                 f"and it holds {runs} runs; back it up and run `mlflow db upgrade sqlite:///{path}`")
            aside = path.with_name(f"{path.name}.half-made-{int(time.time())}")
            os.replace(path, aside)
            notes.append(f"MLflow store {path} was half made (a process was killed while creating it) and held "
                         f"no runs: moved to {aside.name} and made again")
        _create(path)
    return notes


def _first_contact(uri: str) -> None:
    from mlflow import MlflowClient

    for attempt in range(ATTEMPTS):
        try:
            with _quick_http(), _quiet_migrations():  # a fresh database store is migrated here
                MlflowClient(tracking_uri=uri).search_experiments(max_results=1)
            return
        except Exception as error:  # MLflow wraps database and HTTP failures in several types
            if attempt == ATTEMPTS - 1:
                raise StoreError(f"MLflow store {redact_text(uri)}: cannot be used: {_reason(uri, error)} "
                                 "(nothing was run)") from None
            time.sleep(0.2 * 2**attempt)  # another worker may be creating its tables


# What urllib3 and requests say, inside MLflow's long message, when no server answers a URL.
_NO_SERVER = (("Connection refused", "connection refused"), ("NameResolutionError", "unknown host"),
              ("Name or service not known", "unknown host"), ("timed out", "timed out"),
              ("NewConnectionError", "no connection"), ("Max retries exceeded", "no answer"))


def _reason(uri: str, error: Exception) -> str:
    text = str(error)
    if uri.startswith(("http://", "https://")):
        if "Invalid Host header" in text:  # MLflow's DNS-rebinding guard: only localhost and private IPs by default
            return ("the server refuses this host name; start `mlflow server` with --allowed-hosts naming it "
                    "(docs/several-machines.md)")
        for needle, reason in _NO_SERVER:
            if needle in text:
                return (f"no MLflow server answers there ({reason}); start `mlflow server` on that host and port "
                        "or set MLFLOW_TRACKING_URI to one that runs (docs/several-machines.md)")
    detail = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    return redact_text(detail)[:300]


@contextlib.contextmanager
def _quiet_migrations():
    """MLflow says at INFO on stderr that it creates and updates tables: noise before a command's own output."""
    logger = logging.getLogger("mlflow.store.db.utils")
    saved = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(saved)


@contextlib.contextmanager
def _quick_http():
    """MLflow's own HTTP retries take minutes on a server that is down: one quick try each here."""
    saved = {k: os.environ.get(k) for k in ("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "MLFLOW_HTTP_REQUEST_TIMEOUT")}
    os.environ.update({"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": "10"})
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
