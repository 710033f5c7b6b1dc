"""Where a sweep's Optuna study lives, and recovery of trials a killed worker left running."""

from __future__ import annotations

import datetime
import os
import socket
from pathlib import Path
from typing import Any

import optuna
import sqlalchemy
from optuna.storages import BaseStorage, RDBStorage
from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock, JournalStorage
from optuna.trial import TrialState

from harness.env import store_dir

WORKER = f"{socket.gethostname()}:{os.getpid()}"
# A worker tags a trial right after asking for it; an untagged RUNNING trial younger than this
# belongs to a live worker (another process starting up must not fail it).
UNTAGGED_GRACE_S = 120.0


def default_storage() -> str:
    store = store_dir()
    store.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{store / 'optuna.db'}"


def open_storage(url: str | None) -> str | BaseStorage:
    """An Optuna storage from a URL: RDB URLs as they are; a path (or ``journal:PATH``) is a journal file."""
    url = url or default_storage()
    if url.startswith("journal:") or url.endswith((".log", ".journal", ".jsonl")):
        path = Path(url.removeprefix("journal:")).resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        return JournalStorage(JournalFileBackend(str(path), lock_obj=JournalFileOpenLock(str(path))))
    if url.startswith("sqlite:"):
        return _sqlite_storage(url)
    return url


def _sqlite_storage(url: str) -> RDBStorage:
    """SQLite with every transaction ``BEGIN IMMEDIATE``. Optuna pops an enqueued trial by reading
    that it is WAITING and then writing RUNNING; SQLite ignores ``SELECT ... FOR UPDATE``, so two
    worker processes could both pop (and evaluate) the same trial (optuna#4002). An immediate
    transaction takes the write lock before the read, which makes the pop atomic."""
    storage = RDBStorage(url, engine_kwargs={"connect_args": {"timeout": 60}})
    engine = storage.engine
    engine.dispose()  # connections made so far predate the listeners

    @sqlalchemy.event.listens_for(engine, "connect")
    def _driver_autocommit(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver starts no transaction of its own

    @sqlalchemy.event.listens_for(engine, "begin")
    def _begin_immediate(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return storage


def _alive(worker: str) -> bool:
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname():
        return True  # another machine's worker: not ours to judge
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, ValueError):
        return False
    except PermissionError:
        return True
    return True


def register_worker(study: optuna.Study) -> None:
    study.set_user_attr(f"worker:{WORKER}", datetime.datetime.now().isoformat())


def recover_stale(study: optuna.Study) -> list[int]:
    """Fail trials left RUNNING by dead workers on this machine and enqueue them again (redone)."""
    redone = []
    now = datetime.datetime.now()
    # Other workers of this study still alive: a RUNNING trial they have just asked for may not be
    # tagged with its worker yet, and must not be failed from under them.
    others = [key.removeprefix("worker:") for key in study.user_attrs if key.startswith("worker:")]
    live_others = any(w != WORKER and _alive(w) for w in others)
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        worker = trial.user_attrs.get("worker", "")
        if worker and _alive(worker):
            continue
        started = trial.datetime_start
        young = started is not None and (now - started).total_seconds() < UNTAGGED_GRACE_S
        if not worker and live_others and young:
            continue
        study.tell(trial.number, state=TrialState.FAIL)
        study.enqueue_trial(
            trial.params, user_attrs={k: v for k, v in trial.user_attrs.items() if k != "worker"} | {"redo_of": trial.number}
        )
        redone.append(trial.number)
    return redone
