"""A trial redone after its worker died, and killed again every time, is given up after
RETRIES redos (Optuna's retry callback enqueues it no more); its budget slot then goes back (no
live trial carries it: search/slots.py ``Orphans``), so the other workers spend the budget on a
new candidate instead of waiting for a slot nobody holds alive (the soak benchmark found them
waiting for good, before slots were reclaimed)."""

from __future__ import annotations

import types
from pathlib import Path

import optuna
from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback
from optuna.trial import TrialState, create_trial
from waiting import poll

from search.slots import MemorySlots, Orphans
from search.storage import RETRIES, given_up, liveness
from search.sweep import BUDGET, Sweep


def dead_workers_trial(storage: RDBStorage, study: optuna.Study, slot: int, history: list[int]) -> int:
    """A RUNNING trial of a worker that died after one heartbeat, holding budget slot ``slot``;
    ``history``: the trials it redoes (Optuna's retry history), oldest first."""
    system = {"failed_trial": history[0], "retry_history": history} if history else {}
    template = create_trial(state=TrialState.RUNNING, user_attrs={"slot": slot, "worker": "gone:1:x"},
                            system_attrs=system)
    trial_id = storage.create_new_trial(study._study_id, template_trial=template)
    storage.record_heartbeat(trial_id)
    return storage.get_trial(trial_id).number


def test_a_trial_killed_past_its_redos_gives_its_slot_back_and_one_still_redone_keeps_it(tmp_path: Path) -> None:
    storage = RDBStorage(f"sqlite:///{tmp_path / 'study.db'}", heartbeat_interval=1, grace_period=1,
                         heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry=RETRIES))
    study = optuna.create_study(storage=storage, study_name="s")
    slots = MemorySlots()
    for slot in (1, 2):
        assert slots.claim(BUDGET, slot, "gone:1:x")
    redone = dead_workers_trial(storage, study, 1, list(range(100, 100 + RETRIES - 1)))  # one redo left
    last = dead_workers_trial(storage, study, 2, list(range(200, 200 + RETRIES)))  # redone RETRIES times
    poll(lambda: storage._get_stale_trial_ids(study._study_id), "the dead worker's heartbeats going stale",
         attempts=100, interval=0.1)

    # The dead worker is on another host here: its slots are judged after the grace (0 in this test).
    worker = types.SimpleNamespace(study=study, slots=slots,
                                   orphans=Orphans(slots, BUDGET, liveness, settle_s=0.0, grace_s=0.0))
    Sweep._recover(worker)

    trials = {t.number: t for t in study.get_trials(deepcopy=False)}
    assert trials[redone].state == TrialState.FAIL and not given_up(trials[redone])
    again = [t for t in trials.values() if t.state == TrialState.WAITING]
    assert [t.system_attrs["retry_history"][-1] for t in again] == [redone]
    assert again[0].user_attrs["slot"] == 1  # the redo keeps its slot
    assert trials[last].state == TrialState.FAIL and given_up(trials[last])
    assert slots.held(BUDGET) == {1: "gone:1:x"}  # slot 2 is free for a new candidate

    Sweep._recover(worker)  # nothing more to recover: nothing else is freed
    assert slots.held(BUDGET) == {1: "gone:1:x"}
