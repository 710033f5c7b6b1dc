"""Numbered slots claimed atomically in the study's storage: the candidate budget and worker numbers.

Workers on several machines must never together evaluate more candidates than the budget. A
worker therefore claims a budget slot (a number below the budget) *before* it proposes: the claim
is an INSERT under a primary key (study, kind, number), so two workers can never hold one number
and the budget can never be overshot, however many start at once. A proposal the guard rejects,
or an evaluation that fails, gives its slot back; a trial redone after its worker died keeps it
(the redo carries the ``slot`` attribute). Worker numbers are claimed the same way: each worker
draws its proposals from a stream seeded by its number, so separately started workers (on any
host) never share one stream, and the first worker of a study is number 0 (a one-worker sweep
repeats exactly).

On a database (SQLite, PostgreSQL) the slots are a table beside Optuna's; with a journal file
(one machine) they are a JSON file beside it, changed under a file lock.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy
from filelock import FileLock
from optuna.storages import BaseStorage, JournalStorage, RDBStorage
from sqlalchemy import exc as sa_errors

TABLE = "autodata_slots"


class Slots(Protocol):
    def claim(self, kind: str, number: int, holder: str) -> bool: ...
    def held(self, kind: str) -> dict[int, str]: ...
    def release(self, kind: str, number: int, holder: str | None = None) -> None:
        """Frees the number (only if ``holder`` still holds it, when given)."""


def first_free(slots: Slots, kind: str, holder: str, start: int, stop: int | None) -> int | None:
    """Claims the lowest free number in [start, stop) (stop None: unbounded); None when all are held."""
    number = start
    held = slots.held(kind)
    while stop is None or number < stop:
        if number not in held and slots.claim(kind, number, holder):
            return number
        if number not in held:
            held = slots.held(kind)  # someone took it meanwhile: look again
        number += 1
    return None


class TableSlots:
    """Slots as rows of one table in the study's database."""

    def __init__(self, engine: sqlalchemy.engine.Engine, study: str) -> None:
        self.engine, self.study = engine, study
        meta = sqlalchemy.MetaData()
        self.table = sqlalchemy.Table(
            TABLE, meta,
            sqlalchemy.Column("study", sqlalchemy.String(512), primary_key=True),
            sqlalchemy.Column("kind", sqlalchemy.String(64), primary_key=True),
            sqlalchemy.Column("number", sqlalchemy.Integer, primary_key=True, autoincrement=False),
            sqlalchemy.Column("holder", sqlalchemy.String(512), nullable=False),
        )
        for attempt in range(8):  # several workers creating the table at once race (as optuna#1092)
            try:
                meta.create_all(engine, checkfirst=True)
                break
            except (sa_errors.IntegrityError, sa_errors.ProgrammingError, sa_errors.OperationalError):
                if attempt == 7:
                    raise
                time.sleep(0.2 * 2**attempt)

    def claim(self, kind: str, number: int, holder: str) -> bool:
        try:
            with self.engine.begin() as connection:
                connection.execute(self.table.insert().values(study=self.study, kind=kind, number=number, holder=holder))
            return True
        except sa_errors.IntegrityError:
            return False

    def held(self, kind: str) -> dict[int, str]:
        t = self.table
        with self.engine.connect() as connection:
            rows = connection.execute(sqlalchemy.select(t.c.number, t.c.holder)
                                      .where(t.c.study == self.study, t.c.kind == kind)).all()
        return {number: holder for number, holder in rows}

    def release(self, kind: str, number: int, holder: str | None = None) -> None:
        t = self.table
        where = [t.c.study == self.study, t.c.kind == kind, t.c.number == number]
        if holder is not None:
            where.append(t.c.holder == holder)
        with self.engine.begin() as connection:
            connection.execute(t.delete().where(*where))


class FileSlots:
    """Slots in a JSON file, changed under a file lock (a journal file's storage: one machine)."""

    def __init__(self, path: Path, study: str) -> None:
        self.path, self.study = path, study
        self.lock = FileLock(str(path) + ".lock")

    def _read(self) -> dict[str, Any]:
        return json.loads(self.path.read_text(encoding="utf-8")) if self.path.exists() else {}

    def _write(self, data: dict[str, Any]) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(self.path)

    def claim(self, kind: str, number: int, holder: str) -> bool:
        with self.lock:
            data = self._read()
            held = data.setdefault(self.study, {}).setdefault(kind, {})
            if str(number) in held:
                return False
            held[str(number)] = holder
            self._write(data)
            return True

    def held(self, kind: str) -> dict[int, str]:
        with self.lock:
            return {int(n): h for n, h in self._read().get(self.study, {}).get(kind, {}).items()}

    def release(self, kind: str, number: int, holder: str | None = None) -> None:
        with self.lock:
            data = self._read()
            held = data.get(self.study, {}).get(kind, {})
            if holder is None or held.get(str(number)) == holder:
                held.pop(str(number), None)
            self._write(data)


class MemorySlots:
    """Slots in this process (an in-memory storage: one process)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.data: dict[str, dict[int, str]] = {}

    def claim(self, kind: str, number: int, holder: str) -> bool:
        with self.lock:
            held = self.data.setdefault(kind, {})
            if number in held:
                return False
            held[number] = holder
            return True

    def held(self, kind: str) -> dict[int, str]:
        with self.lock:
            return dict(self.data.get(kind, {}))

    def release(self, kind: str, number: int, holder: str | None = None) -> None:
        with self.lock:
            held = self.data.get(kind, {})
            if holder is None or held.get(number) == holder:
                held.pop(number, None)


class Orphans:
    """Slots whose holder died before any trial carried them, given back.

    Claiming a slot and creating the trial that carries it are two writes; a worker killed between
    them leaves a slot nobody carries, and a budget with such slots can never be filled. A slot
    held but carried by no live trial is freed once its holder is known dead (a PID on this host)
    and it has stayed uncarried for ``settle_s`` (a killed trial's redo is enqueued just after it
    is failed), or, for a holder on another host, once it has stayed uncarried for ``grace_s``:
    a live worker carries its slot within a few writes.
    """

    def __init__(self, slots: Slots, kind: str, alive: Callable[[str], bool | None],
                 settle_s: float, grace_s: float) -> None:
        self.slots, self.kind, self.alive = slots, kind, alive
        self.settle_s, self.grace_s = settle_s, grace_s
        self.since: dict[tuple[int, str], float] = {}  # (number, holder) -> first seen uncarried

    def reclaim(self, carried: set[int], now: float) -> list[int]:
        loose = {(n, h) for n, h in self.slots.held(self.kind).items() if n not in carried}
        self.since = {key: self.since.get(key, now) for key in loose}
        freed = []
        for (number, holder), since in sorted(self.since.items()):
            verdict = self.alive(holder)
            if verdict is True:
                continue
            if now - since >= (self.settle_s if verdict is False else self.grace_s):
                self.slots.release(self.kind, number, holder)  # unless someone has claimed it anew
                freed.append(number)
        return freed


def slots_for(storage: BaseStorage, study: str, journal_path: str | None = None) -> Slots:
    if isinstance(storage, RDBStorage):
        return TableSlots(storage.engine, study)
    if isinstance(storage, JournalStorage) and journal_path:
        return FileSlots(Path(journal_path + ".slots.json"), study)
    return MemorySlots()
