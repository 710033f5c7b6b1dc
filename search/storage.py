"""Where a sweep's Optuna study lives, and recovery of trials a killed worker left running.

Three kinds of storage:

- a database server (``postgresql://USER@HOST:PORT/DB``; ``pip install 'autodata[postgres]'``),
  the multi-machine setup: trials of a worker dead on any host are found by Optuna's heartbeats
  (each worker records its own from a thread: the sweep uses ask and tell) and redone by the others;
- SQLite (``sqlite:///PATH``, the default) and a journal file (``journal:PATH``): one machine only,
  and a dead worker is found by its PID.

A bad URL, a missing driver or an unreachable server is a :class:`StorageError` (one line), before
any trial. Several workers opening a fresh database at once race to create Optuna's tables
(optuna#1092: a unique violation in PostgreSQL's catalog); the loser retries with a short backoff.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import os
import socket
import time
import uuid
import warnings
from pathlib import Path
from typing import Any

import optuna
import sqlalchemy
from optuna.storages import BaseStorage, RDBStorage, RetryHeartbeatStaleTrialCallback
from optuna.storages._heartbeat import is_heartbeat_enabled
from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock, JournalStorage
from optuna.trial import TrialState
from sqlalchemy import exc as sa_errors

from harness.env import store_dir
from harness.secrets import redact_text

# Unique across hosts and restarts: the host, the PID, and a random part (two containers may share
# a host name and a PID). The PID check reads the middle part; the random part only keeps ids apart.
# AUTODATA_HOST names the machine where its host name is not telling (containers).
HOST = os.environ.get("AUTODATA_HOST") or socket.gethostname()
WORKER = f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
# A worker tags a trial right after asking for it; an untagged RUNNING trial younger than this
# belongs to a live worker (another process starting up must not fail it).
UNTAGGED_GRACE_S = 120.0
# Heartbeats (database servers): every HEARTBEAT_S a worker marks its running trials alive; a trial
# not marked for GRACE_S is failed by any worker and redone (at most RETRIES times).
HEARTBEAT_S = int(os.environ.get("AUTODATA_HEARTBEAT_S") or 10)
GRACE_S = int(os.environ.get("AUTODATA_HEARTBEAT_GRACE_S") or 6 * HEARTBEAT_S)
RETRIES = 3
START_RETRIES = 8  # attempts at opening a fresh database while other workers create its tables


class StorageError(ValueError):
    """The storage cannot be used as given (phrased for the user, credentials redacted)."""


def default_storage() -> str:
    store = store_dir()
    store.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{store / 'optuna.db'}"


def is_journal(url: str) -> bool:
    return url.startswith("journal:") or url.endswith((".log", ".journal", ".jsonl"))


def open_storage(url: str | None) -> BaseStorage:
    """An Optuna storage from a URL (one per URL and process): a database URL, or a path (or
    ``journal:PATH``) for a journal file."""
    return _open(url or default_storage())


@functools.cache
def _open(url: str) -> BaseStorage:
    if is_journal(url):
        path = Path(url.removeprefix("journal:")).resolve()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            return JournalStorage(JournalFileBackend(str(path), lock_obj=JournalFileOpenLock(str(path))))
        except OSError as error:
            raise StorageError(f"--storage {path}: cannot open the journal file ({error.strerror or error})") from None
    try:
        parsed = sqlalchemy.engine.make_url(url)
    except sa_errors.ArgumentError:
        raise StorageError(f"--storage {redact_text(url)}: not a database URL or journal file (expected "
                           "sqlite:///PATH, postgresql://USER@HOST:PORT/DB or journal:PATH)") from None
    if parsed.get_backend_name() == "sqlite":
        return _opened(url, _sqlite_storage)
    if parsed.drivername in ("postgresql", "postgres"):
        # psycopg 3 (the autodata[postgres] extra), named so that an older SQLAlchemy default
        # (psycopg2) is never tried; postgres:// is an alias many hosts print.
        parsed = parsed.set(drivername="postgresql+psycopg")
    return _opened(parsed.render_as_string(hide_password=False), _server_storage)


def _opened(url: str, make: Any) -> BaseStorage:
    shown = redact_text(url)
    for attempt in range(START_RETRIES):
        try:
            return make(url)
        except (ImportError, sa_errors.NoSuchModuleError) as error:
            extra = " (pip install 'autodata[postgres]')" if "postgres" in url else ""
            raise StorageError(f"--storage {shown}: no database driver for it{extra}: "
                               f"{str(error).splitlines()[0]}") from None
        except (sa_errors.IntegrityError, sa_errors.ProgrammingError, sa_errors.OperationalError) as error:
            racing = isinstance(error, (sa_errors.IntegrityError, sa_errors.ProgrammingError)) or \
                "database is locked" in str(error)
            if not racing or attempt == START_RETRIES - 1:
                detail = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
                raise StorageError(f"--storage {shown}: cannot open the database: {redact_text(detail)}") from None
            time.sleep(0.2 * 2**attempt)  # another worker is creating the tables (optuna#1092)
        except sa_errors.ArgumentError as error:
            raise StorageError(f"--storage {shown}: {str(error).splitlines()[0]}") from None
    raise AssertionError("unreachable")


def _server_storage(url: str) -> RDBStorage:
    with warnings.catch_warnings():  # heartbeats are "experimental" in Optuna 5.0 (STACK §6: they work)
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return RDBStorage(url, engine_kwargs={"pool_pre_ping": True}, heartbeat_interval=HEARTBEAT_S,
                          grace_period=GRACE_S,
                          heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry=RETRIES))


def has_heartbeats(storage: Any) -> bool:
    # A study wraps its RDBStorage in a cache (optuna's _CachedStorage), which passes heartbeats on.
    return is_heartbeat_enabled(storage)


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


def liveness(worker: str) -> bool | None:
    """Whether a worker (``host:pid:random``) is alive: by its PID on this host, None (cannot
    tell) for another host's."""
    host, pid = (worker.split(":") + [""])[:2]
    if host != HOST:
        return None
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, ValueError):
        return False
    except PermissionError:
        return True
    return True


def _alive(worker: str) -> bool:
    return liveness(worker) is not False  # another machine's worker: not ours to judge


def register_worker(study: optuna.Study) -> None:
    study.set_user_attr(f"worker:{WORKER}", datetime.datetime.now().isoformat())


def given_up(trial: optuna.trial.FrozenTrial) -> bool:
    """A trial failed by heartbeat that ``RetryHeartbeatStaleTrialCallback`` did not enqueue again:
    it had been redone RETRIES times already (a trial that kills its worker every time)."""
    return trial.state == TrialState.FAIL and len(trial.system_attrs.get("retry_history", [])) >= RETRIES


def _start_clocks(study: optuna.Study) -> None:
    """Optuna never finds a trial stale that has no heartbeat at all, and a worker killed between
    creating a trial and its first heartbeat leaves just that. Any worker seeing a RUNNING trial
    without one records one for it: a live owner beats on, a dead one's goes stale after the grace."""
    storage = getattr(study._storage, "_backend", study._storage)  # under Optuna's cache
    # Only trials older than a beat: a live owner has recorded its first by then (no two inserts race).
    since = datetime.datetime.now() - datetime.timedelta(seconds=HEARTBEAT_S)
    running = [t._trial_id for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
               if t.datetime_start is not None and t.datetime_start < since]
    if not running:
        return
    beats = sqlalchemy.table("trial_heartbeats", sqlalchemy.column("trial_id"))  # Optuna's table
    with storage.engine.connect() as connection:
        beaten = set(connection.execute(sqlalchemy.select(beats.c.trial_id)
                                        .where(beats.c.trial_id.in_(running))).scalars())
    for trial_id in set(running) - beaten:
        with contextlib.suppress(optuna.exceptions.StorageInternalError, sa_errors.IntegrityError):
            storage.record_heartbeat(trial_id)  # its owner beat meanwhile: nothing to start


def recover_stale(study: optuna.Study) -> list[int]:
    """Fail trials left RUNNING by dead workers and enqueue them again (redone): by heartbeat on a
    database server (any host), by PID on SQLite and journal files (this machine)."""
    storage = study._storage
    if has_heartbeats(storage):
        _start_clocks(study)
        stale = storage._get_stale_trial_ids(study._study_id)  # what fail_stale_trials is about to fail
        numbers = [storage.get_trial(trial_id).number for trial_id in stale]
        with warnings.catch_warnings():  # "experimental" in Optuna 5.0; checked in STACK §6
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            optuna.storages.fail_stale_trials(study)  # and RetryHeartbeatStaleTrialCallback enqueues each again
        return numbers
    redone = []
    now = datetime.datetime.now()
    # Other workers of this study still alive, by when they joined: a RUNNING trial one of them has
    # just asked for may not be tagged with its worker yet, and must not be failed from under it.
    # A worker asks only after joining, so a trial begun before every live worker joined is a dead one's.
    joined = [datetime.datetime.fromisoformat(when) for key, when in study.user_attrs.items()
              if key.startswith("worker:") and key != f"worker:{WORKER}" and _alive(key.removeprefix("worker:"))]
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        worker = trial.user_attrs.get("worker", "")
        if worker and _alive(worker):
            continue
        started = trial.datetime_start
        young = started is not None and (now - started).total_seconds() < UNTAGGED_GRACE_S
        if not worker and young and any(started is None or when <= started for when in joined):
            continue
        study.tell(trial.number, state=TrialState.FAIL)
        study.enqueue_trial(
            trial.params, user_attrs={k: v for k, v in trial.user_attrs.items() if k != "worker"} | {"redo_of": trial.number}
        )
        redone.append(trial.number)
    return redone
