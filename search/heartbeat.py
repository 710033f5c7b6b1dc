"""A worker's heartbeats for the trials it runs (database servers: ``search/storage.py``).

Optuna records heartbeats by itself only inside ``study.optimize``; the sweep uses ask and tell,
so each worker marks its own running trials alive from a thread (STACK §6). A worker killed on
any host stops marking them; after the grace period any other worker's ``fail_stale_trials``
fails them and ``RetryHeartbeatStaleTrialCallback`` enqueues each again, to be redone.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from search.storage import HEARTBEAT_S, has_heartbeats


class Heartbeat:
    def __init__(self, storage: Any) -> None:
        self.storage = storage if has_heartbeats(storage) else None
        self.trials: set[int] = set()  # trial ids this worker runs
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None

    def add(self, trial_id: int) -> None:
        with self.lock:
            self.trials.add(trial_id)
        if self.storage is None:
            return  # no heartbeats here (SQLite, journal): the set still says which trials are ours
        self.storage.record_heartbeat(trial_id)  # at once: a trial with no heartbeat is never found stale
        if self.thread is None:
            self.thread = threading.Thread(target=self._beat, name="autodata-heartbeat", daemon=True)
            self.thread.start()

    def remove(self, trial_id: int) -> None:
        with self.lock:
            self.trials.discard(trial_id)

    def _beat(self) -> None:
        while not self.stopped.wait(HEARTBEAT_S):
            with self.lock:
                trials = list(self.trials)
            for trial_id in trials:
                # A database hiccup skips one beat; the grace period is several beats long.
                with contextlib.suppress(Exception):
                    self.storage.record_heartbeat(trial_id)

    def stop(self) -> None:
        self.stopped.set()
        if self.thread is not None:
            self.thread.join(timeout=5)
