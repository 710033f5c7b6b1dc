"""Study identity: a sweep's study is named by what it searches, so a changed configuration never
continues an old study, and an unchanged one continues its own (search/study.py)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import optuna
import pytest
from test_cli import assert_usage_error
from test_sweep import run_cli, sweep_yaml

from search.config import load_sweep_config
from search.storage import open_storage
from search.study import IDENTITY_ATTR, StudyError, choose_study, identity_hash, mark, study_name

optuna.logging.set_verbosity(optuna.logging.WARNING)


def config(tmp_path: Path, name: str = "ident", **kwargs):
    return load_sweep_config(sweep_yaml(tmp_path, name, **kwargs))


def create(storage: optuna.storages.BaseStorage, name: str, cfg) -> None:
    mark(optuna.create_study(study_name=name, storage=storage), cfg)


def test_what_the_sweep_searches_names_the_study_and_the_budget_does_not(tmp_path: Path) -> None:
    base = config(tmp_path)
    assert study_name(base).startswith("ident-seed0-")
    assert identity_hash(config(tmp_path, candidates=30)) == identity_hash(base)  # a larger budget continues it
    assert identity_hash(config(tmp_path, concurrency=1)) == identity_hash(base)
    narrower = "    challenger_temperature: {low: 0.2, high: 1.2}\n    round_budget: {low: 4, high: 6}\n"
    for changed in (config(tmp_path, knobs=narrower), config(tmp_path, validation=7),
                    config(tmp_path, operators="{optuna: 1.0, mutation: 0, merge: 0}"), config(tmp_path, seed=1),
                    config(tmp_path, genes="[qv_instructions]")):
        assert identity_hash(changed) != identity_hash(base)


def test_choosing_a_study_continues_resumes_refuses_and_starts_anew(tmp_path: Path) -> None:
    storage = optuna.storages.InMemoryStorage()
    base = config(tmp_path)
    first = choose_study(storage, base)
    assert (first.status, first.name) == ("new", study_name(base))
    create(storage, first.name, base)
    again = choose_study(storage, base)
    assert (again.status, again.name) == ("continued", first.name)

    narrower = config(tmp_path, knobs="    round_budget: {low: 4, high: 6}\n")
    changed = choose_study(storage, narrower)
    assert changed.status == "new" and changed.name != first.name
    assert first.name in changed.note and "differs" in changed.note
    with pytest.raises(StudyError, match="another configuration"):
        choose_study(storage, narrower, resume=first.name)
    with pytest.raises(StudyError, match="no study named"):
        choose_study(storage, base, resume="nothing-here")

    fresh = choose_study(storage, base, new=True)
    assert (fresh.status, fresh.name) == ("new", f"{first.name}-2")
    create(storage, fresh.name, base)
    assert choose_study(storage, base).name == fresh.name  # the newest study of this configuration
    assert choose_study(storage, base, resume=first.name).name == first.name
    assert optuna.load_study(study_name=fresh.name, storage=storage).user_attrs[IDENTITY_ATTR] == identity_hash(base)


@pytest.mark.slow
def test_a_changed_knob_range_starts_a_new_study_and_an_unchanged_resume_adds_nothing(tmp_path: Path) -> None:
    store, storage = tmp_path / "store", f"sqlite:///{tmp_path / 'optuna.db'}"
    common = {"train": 2, "validation": 3, "test": 3, "candidates": 3, "concurrency": 1}
    first_cfg = sweep_yaml(tmp_path, "again", **common)
    done = run_cli("sweep", first_cfg, "--storage", storage, "--out", tmp_path / "out1", store=store)
    assert done.returncode == 0, done.stdout + done.stderr
    first = json.loads((tmp_path / "out1" / "report.json").read_text())
    assert "new study" in done.stderr

    narrower = "    challenger_temperature: {low: 0.2, high: 1.2}\n    round_budget: {low: 4, high: 6}\n"
    (tmp_path / "changed").mkdir()
    second_cfg = sweep_yaml(tmp_path / "changed", "again", knobs=narrower, **common)
    done = run_cli("sweep", second_cfg, "--storage", storage, "--out", tmp_path / "out2", store=store)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "new study" in done.stderr and "differs" in done.stderr and first["study"] in done.stderr
    second = json.loads((tmp_path / "out2" / "report.json").read_text())
    assert second["study"] != first["study"]
    study = optuna.load_study(study_name=second["study"], storage=open_storage(storage))
    for trial in study.get_trials():
        if "round_budget" in trial.params:  # the seed harness's 5 is inside 4-6 too
            assert 4 <= trial.params["round_budget"] <= 6, trial.params
    assert second["budget"]["candidates"] == 3  # its own candidates, none of the first study's

    before = len(optuna.load_study(study_name=first["study"], storage=open_storage(storage)).get_trials())
    resumed = run_cli("sweep", first_cfg, "--storage", storage, "--out", tmp_path / "out1", "--no-track",
                      "--resume", first["study"], store=store)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "nothing to add" in resumed.stderr
    assert "this invocation: 0 candidates, 0 LM calls" in resumed.stdout
    assert len(optuna.load_study(study_name=first["study"], storage=open_storage(storage)).get_trials()) == before

    refused = run_cli("sweep", second_cfg, "--storage", storage, "--resume", first["study"], "--no-track", store=store)
    assert_usage_error(refused, "--resume", first["study"], "another configuration")

    # Two sweeps in one experiment: compare shows them apart, each best first, and plots one line each.
    compared = run_cli("compare", "again", "--plot", tmp_path / "again.png", store=store)
    assert compared.returncode == 0, compared.stdout + compared.stderr
    text = " ".join(compared.stdout.split())
    assert f"study {first['study']}:" in text and f"study {second['study']}:" in text
    assert text.count("best first by validation/acceptance_rate (higher is better)") == 2
    assert (tmp_path / "again.png").read_bytes()[:4] == b"\x89PNG"


def test_the_comparison_plot_draws_one_line_per_sweep() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from experiments import compare

    def candidate(study: str, trial: int, value: float) -> dict:
        return {"tags.autodata.kind": "candidate", "tags.autodata.study": study, "tags.autodata.sweep": "s",
                "tags.autodata.split": "validation", "tags.autodata.trial": str(trial),
                "tags.mlflow.runName": f"candidate-{trial}", "metrics.validation/acceptance_rate": value}

    frame = pd.DataFrame([candidate("a", 0, 0.5), candidate("a", 1, 0.7), candidate("a", 2, 0.6),
                          candidate("b", 0, 0.4), candidate("b", 1, 0.3)])
    found = compare.sections(frame, "acceptance_rate")
    assert [s.title.split(":")[0] for s in found] == ["sweep s, study a", "sweep s, study b"]
    assert list(found[0].rows["value"]) == [0.7, 0.6, 0.5]  # best first
    lowest_first = compare.sections(frame.assign(**{"metrics.validation/calls_per_accepted": [9, 3, 5, 1, 2]}),
                                    "calls_per_accepted")
    assert list(lowest_first[0].rows["value"]) == [3, 5, 9]
    figures: list = []
    original = plt.close
    plt.close = lambda figure=None: (figures.append(figure), original(figure))  # type: ignore[assignment]
    try:
        compare.plot("exp", frame, Path(tempfile.mkdtemp()) / "p.png",
                     objectives_of=lambda study: [{"metric": "acceptance_rate", "direction": "maximize"}])
    finally:
        plt.close = original  # type: ignore[assignment]
    steps = [line for line in figures[0].axes[0].get_lines() if "best so far" in str(line.get_label())]
    assert sorted(line.get_label() for line in steps) == ["a (best so far)", "b (best so far)"]
    best_a = next(line for line in steps if line.get_label().startswith("a"))
    assert list(best_a.get_ydata()) == [0.5, 0.7, 0.7]
