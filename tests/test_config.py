"""Loading harness configs from YAML: errors that name file and field, hashes, overrides, presets."""

from __future__ import annotations

import pytest

from harness.config import ConfigError, apply_overrides, load_config, parse_config
from harness.presets import PRESETS, Pipeline, pipeline_for


def config_error(path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return str(caught.value)


# --- errors name the file and the field ---------------------------------------------------

def test_malformed_yaml_names_file_and_position(write_yaml):
    path = write_yaml("knobs:\n  round_budget: 3\n   solver_attempts: [1, 2\n")
    message = config_error(path)
    assert message.startswith(f"{path}: malformed YAML at line ")
    assert "column" in message


def test_missing_file_names_it(tmp_path):
    path = tmp_path / "nope.yaml"
    assert config_error(path) == f"{path}: no such configuration file"


def test_not_utf8_names_file(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"name: caf\xe9\n")
    assert config_error(path) == f"{path}: not UTF-8 text"


def test_unknown_nested_field(write_yaml):
    path = write_yaml("knobs:\n  round_budget: 3\n  bogus: 1\n")
    assert config_error(path) == f"{path}: knobs.bogus: unknown field"


def test_unknown_deeply_nested_field(write_yaml):
    path = write_yaml("models:\n  weak:\n    model: sim/weak\n    temprature: 0.5\n")
    assert config_error(path) == f"{path}: models.weak.temprature: unknown field"


def test_unknown_top_level_field(write_yaml):
    path = write_yaml("seeds: 3\n")
    assert config_error(path) == f"{path}: seeds: unknown field"


def test_wrong_type(write_yaml):
    path = write_yaml("knobs:\n  round_budget: many\n")
    message = config_error(path)
    assert message.startswith(f"{path}: knobs.round_budget: ")
    assert "integer" in message


def test_out_of_range_value(write_yaml):
    path = write_yaml("knobs:\n  challenger_temperature: 3.5\n")
    message = config_error(path)
    assert message.startswith(f"{path}: knobs.challenger_temperature: ")
    assert "2" in message  # what was expected: <= 2


def test_every_problem_is_reported(write_yaml):
    path = write_yaml("seed: x\nknobs:\n  bogus: 1\n")
    message = config_error(path)
    assert f"{path}: seed: " in message
    assert f"{path}: knobs.bogus: unknown field" in message


def test_unknown_preset(write_yaml):
    path = write_yaml("preset: evolutionary\n")
    message = config_error(path)
    assert message.startswith(f"{path}: preset: unknown preset 'evolutionary'")
    for name in PRESETS:
        assert name in message


def test_rubric_min_above_max(write_yaml):
    path = write_yaml("knobs:\n  rubric_min: 12\n  rubric_max: 10\n")
    message = config_error(path)
    assert message.startswith(f"{path}: knobs: ")
    assert "rubric_min (12) must not exceed rubric_max (10)" in message


def test_folder_source_without_path(write_yaml):
    path = write_yaml("documents:\n  source: folder\n")
    message = config_error(path)
    assert message.startswith(f"{path}: documents: ")
    assert "documents.path" in message


def test_top_level_not_a_mapping(write_yaml):
    path = write_yaml("- a\n- b\n")
    assert config_error(path) == f"{path}: (top level): expected a mapping of fields, got list"


def test_empty_file_is_the_default_config(write_yaml):
    assert load_config(write_yaml("")) == parse_config({})


# --- harness identity ---------------------------------------------------------------------

def test_harness_hash_stable_across_loads(write_yaml):
    text = "name: h\nknobs:\n  round_budget: 4\ngenes:\n  qv_instructions: Be strict.\n"
    first = load_config(write_yaml(text)).harness_hash()
    second = load_config(write_yaml(text)).harness_hash()
    assert first == second
    assert len(first) == 12 and all(c in "0123456789abcdef" for c in first)
    # Key order in the YAML does not matter.
    reordered = "genes:\n  qv_instructions: Be strict.\nknobs:\n  round_budget: 4\nname: h\n"
    assert load_config(write_yaml(reordered)).harness_hash() == first


@pytest.mark.parametrize(
    "override",
    [
        {"genes.challenger_instructions": "Write harder questions."},
        {"genes.orchestrator_instructions": "Be concrete."},
        {"genes.qv_instructions": "Be strict."},
        {"knobs.round_budget": 7},
        {"knobs.challenger_temperature": 0.2},
        {"knobs.solver_attempts": 4},
        {"models.strong.model": "sim/medium"},
        {"preset": "grounded-self-instruct"},
        {"pipeline.feedback": False},
    ],
)
def test_harness_hash_changes_with_genes_knobs_models_and_pipeline(write_yaml, override):
    path = write_yaml("seed: 0\n")
    assert load_config(path, override).harness_hash() != load_config(path).harness_hash()


@pytest.mark.parametrize(
    "override",
    [
        {"runtime.concurrency": 32},
        {"runtime.timeout_s": 5.0},
        {"seed": 11},
        {"documents.count": 3},
        {"documents.world_seed": 4},
    ],
)
def test_harness_hash_ignores_runtime_seed_and_documents(write_yaml, override):
    path = write_yaml("seed: 0\n")
    changed = load_config(path, override)
    assert changed != load_config(path)  # the override did take effect...
    assert changed.harness_hash() == load_config(path).harness_hash()  # ...but is not identity


# --- overrides ----------------------------------------------------------------------------

def test_apply_overrides_dotted_paths_copy_and_create():
    data = {"knobs": {"round_budget": 5}, "seed": 0}
    result = apply_overrides(data, {"knobs.round_budget": 2, "seed": 9, "runtime.concurrency": 3})
    assert result == {"knobs": {"round_budget": 2}, "seed": 9, "runtime": {"concurrency": 3}}
    assert data == {"knobs": {"round_budget": 5}, "seed": 0}  # input untouched


def test_apply_overrides_replaces_a_scalar_on_the_way():
    assert apply_overrides({"knobs": 3}, {"knobs.round_budget": 2}) == {"knobs": {"round_budget": 2}}


def test_load_config_overrides_applied_and_validated(write_yaml):
    path = write_yaml("knobs:\n  round_budget: 5\n")
    config = load_config(path, {"knobs.round_budget": 2, "seed": 4, "guarded.acceptance.gap_min": 0.3})
    assert (config.knobs.round_budget, config.seed, config.guarded.acceptance.gap_min) == (2, 4, 0.3)
    assert config.knobs.solver_attempts == 3  # untouched default
    with pytest.raises(ConfigError, match=r"knobs\.bogus: unknown field"):
        load_config(path, {"knobs.bogus": 1})


# --- presets ------------------------------------------------------------------------------

def test_pipeline_for_documented_flags():
    agentic = pipeline_for("agentic")
    assert agentic == Pipeline()
    assert (agentic.grounded, agentic.one_shot, agentic.qv_gate, agentic.solver_gate) == (True, False, True, True)
    assert (agentic.weak_first, agentic.feedback, agentic.final_qv) == (True, True, True)
    assert (agentic.plan, agentic.consistency_filter) == (False, False)

    baseline_off = dict(one_shot=True, qv_gate=False, solver_gate=False, weak_first=False, feedback=False,
                        final_qv=False)
    self_instruct = pipeline_for("self-instruct")
    assert self_instruct.grounded is False
    assert self_instruct.model_dump() == {**Pipeline().model_dump(), "grounded": False, **baseline_off}
    grounded = pipeline_for("grounded-self-instruct")
    assert grounded.model_dump() == {**Pipeline().model_dump(), **baseline_off}
    cot = pipeline_for("cot-self-instruct")
    assert cot.model_dump() == {**Pipeline().model_dump(), **baseline_off, "plan": True, "consistency_filter": True}


def test_pipeline_overrides_apply_on_top_of_the_preset():
    assert pipeline_for("agentic", {"weak_first": False}).weak_first is False
    assert pipeline_for("agentic", {"weak_first": False}).feedback is True
    assert pipeline_for("self-instruct", {"grounded": True}).one_shot is True
    assert pipeline_for("agentic", {}) == PRESETS["agentic"]


def test_pipeline_override_unknown_flag_rejected():
    with pytest.raises(ValueError, match=r"invalid pipeline override \(weak_frist\)"):
        pipeline_for("agentic", {"weak_frist": False})
    with pytest.raises(ValueError, match="unknown preset 'nope'"):
        pipeline_for("nope")


def test_pipeline_override_in_yaml_names_file_and_field(write_yaml):
    path = write_yaml("pipeline:\n  weak_frist: false\n")
    message = config_error(path)
    assert message.startswith(f"{path}: pipeline: invalid pipeline override (weak_frist)")
    path = write_yaml("pipeline:\n  weak_first: sometimes\n")
    assert config_error(path).startswith(f"{path}: pipeline: invalid pipeline override (weak_first)")


def test_resolved_pipeline_from_yaml(write_yaml):
    config = load_config(write_yaml("preset: cot-self-instruct\npipeline:\n  final_qv: true\n"))
    assert config.resolved_pipeline.plan is True
    assert config.resolved_pipeline.final_qv is True
    assert config.resolved_pipeline.one_shot is True
