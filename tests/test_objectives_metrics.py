"""The scorecard's metrics on records written by hand, with every expected number worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from harness.records import AcceptedSample, Attempt, Candidate, QVResult, RoundRecord, Sample
from harness.rubric import Criterion
from objectives.cost import cost
from objectives.discrimination import discrimination
from objectives.diversity import distinct_n, diversity, embedding_dispersion, litellm_embedder
from objectives.downstream.base import DownstreamResult
from objectives.quality import majority, quality
from objectives.run import RunRecords
from objectives.scorecard import METRICS, Scorecard, build_scorecard

# --- hand-made records -------------------------------------------------------------------------


def rubric(*weights: float) -> list[Criterion]:
    return [Criterion(criterion=f"criterion {i}", weight=w) for i, w in enumerate(weights)]


def sample(question: str = "Is Ada a resident?", context: str = "Provisions: ...", final: str = "Yes",
           weights: tuple[float, ...] = (4, 2, -1)) -> Sample:
    return Sample(context=context, question=question, reference_answer=f"... so the answer is {final}.",
                  final_answer=final, rubric=rubric(*weights), question_type="rule application")


def attempts(solver: str, scores: list[float], finals: list[str] | None = None) -> list[Attempt]:
    finals = finals or ["Yes"] * len(scores)
    return [Attempt(solver=solver, index=i, answer=f"... {f}", final_answer=f, verdicts=[], score=s)
            for i, (s, f) in enumerate(zip(scores, finals, strict=True))]


def accepted(id: str, doc_id: str, weak: list[float], strong: list[float], round: int = 1,
             text: str = "Is Ada a resident?") -> AcceptedSample:
    weak_mean = sum(weak) / len(weak) if weak else None
    strong_mean = sum(strong) / len(strong) if strong else None
    return AcceptedSample(
        id=id, doc_id=doc_id, round=round, harness_hash="h", preset="agentic", seed=0,
        sample=sample(question=text), weak_scores=weak, strong_scores=strong, weak_mean=weak_mean,
        strong_mean=strong_mean, gap=None if weak_mean is None or strong_mean is None else strong_mean - weak_mean,
    )


def candidate(decision: str, index: int = 0, smp: Sample | None = None, qv: QVResult | None = None,
              attempts_: list[Attempt] | None = None) -> Candidate:
    return Candidate(index=index, sample=smp, qv=qv, attempts=attempts_ or [], decision=decision)


def record(doc_id: str, round: int, candidates: list[Candidate], decision: str = "too_easy", **fields) -> RoundRecord:
    return RoundRecord(doc_id=doc_id, round=round, harness_hash="h", preset="agentic", seed=0, guidance="",
                       candidates=candidates, decision=decision, **fields)


PASS = QVResult(verdict="PASS", reason="")
LEAKED = QVResult(verdict="FAIL", reason="answer_leaked")
MALFORMED = QVResult(verdict="FAIL", reason="malformed_rubric")


def decisions_only(*decisions: str) -> list[Candidate]:
    return [candidate(d, index=i) for i, d in enumerate(decisions)]


# Four documents; d1, d2 and d3 produced samples, d4 none.
#   A (d1) weak 0, .3, .6   mean .3   pstd sqrt(.06)   strong .8, .9, 1  mean .9   gap .6    difficulty .7  -> bin 3
#   B (d2) weak .5, .5      mean .5   pstd 0           strong .7, .9     mean .8   gap .3    difficulty .5  -> bin 2
#   C (d2) weak 1, .5       mean .75  pstd .25         strong .5, .7     mean .6   gap -.15  difficulty .25 -> bin 1  confused
#   D (d3) weak .45         mean .45  pstd 0 (one)     strong .45        mean .45  gap 0     difficulty .55 -> bin 2  confused (equal)
#   E (d3) weak .2, no strong attempts: counted as accepted, left out of every per-sample mean
ACCEPTED = [
    accepted("A", "d1", [0.0, 0.3, 0.6], [0.8, 0.9, 1.0], round=2),
    accepted("B", "d2", [0.5, 0.5], [0.7, 0.9], round=1),
    accepted("C", "d2", [1.0, 0.5], [0.5, 0.7], round=3),
    accepted("D", "d3", [0.45], [0.45], round=2),
    accepted("E", "d3", [0.2], [], round=3),
]
# Nine rounds. Failed candidates: too_easy 3, failed_on_strong 1, failed_quality_check 2 (6 in all);
# "accepted" and "error" candidates are not failures.
ROUNDS = [
    record("d1", 1, decisions_only("too_easy")),
    record("d1", 2, decisions_only("accepted"), decision="accepted"),
    record("d2", 1, decisions_only("accepted"), decision="accepted"),
    record("d2", 2, decisions_only("too_easy", "failed_quality_check")),
    record("d2", 3, decisions_only("accepted"), decision="accepted"),
    record("d3", 1, decisions_only("failed_on_strong", "error")),
    record("d3", 2, decisions_only("accepted", "too_easy"), decision="accepted"),
    record("d3", 3, decisions_only("accepted"), decision="accepted"),
    record("d4", 1, decisions_only("failed_quality_check")),
]


# --- discrimination ----------------------------------------------------------------------------


def test_acceptance_rate_counts_documents_with_a_sample_not_samples():
    d = discrimination(ROUNDS, ACCEPTED, documents=4)
    assert d.acceptance_rate == pytest.approx(3 / 4)  # d1, d2, d3 of 4 (d2 and d3 have two samples each)
    assert d.accepted == 5
    assert d.documents == 4


def test_means_over_samples_with_both_solvers():
    d = discrimination(ROUNDS, ACCEPTED, documents=4)
    assert [s.id for s in d.samples] == ["A", "B", "C", "D"]  # E has no strong attempts
    assert d.weak_mean == pytest.approx((0.3 + 0.5 + 0.75 + 0.45) / 4)  # 0.5
    assert d.strong_mean == pytest.approx((0.9 + 0.8 + 0.6 + 0.45) / 4)  # 0.6875
    assert d.gap_mean == pytest.approx((0.6 + 0.3 - 0.15 + 0.0) / 4)  # 0.1875
    assert d.weak_mean == pytest.approx(0.5)
    assert d.strong_mean == pytest.approx(0.6875)
    assert d.gap_mean == pytest.approx(0.1875)


def test_confusion_counts_weak_at_least_as_good_as_strong():
    d = discrimination(ROUNDS, ACCEPTED, documents=4)
    by_id = {s.id: s for s in d.samples}
    assert by_id["C"].confused and by_id["D"].confused  # .75 > .6, and .45 == .45
    assert not by_id["A"].confused and not by_id["B"].confused
    assert d.confusion_rate == pytest.approx(2 / 4)


def test_weak_spread_is_the_population_std():
    d = discrimination(ROUNDS, ACCEPTED, documents=4)
    by_id = {s.id: s for s in d.samples}
    # A: deviations -.3, 0, .3 -> variance (.09 + 0 + .09) / 3 = .06 (population, not / 2)
    assert by_id["A"].weak_std == pytest.approx(math.sqrt(0.06))
    assert by_id["C"].weak_std == pytest.approx(0.25)  # deviations +-.25
    assert by_id["B"].weak_std == 0.0
    assert by_id["D"].weak_std == 0.0  # one attempt
    assert d.weak_std_mean == pytest.approx((math.sqrt(0.06) + 0.0 + 0.25 + 0.0) / 4)  # 0.12374


def test_rounds_per_accepted_is_rounds_over_accepted_samples():
    d = discrimination(ROUNDS, ACCEPTED, documents=4)
    assert d.rounds_per_accepted == pytest.approx(9 / 5)
    assert discrimination(ROUNDS, [], documents=4).rounds_per_accepted is None


def test_failure_mix_over_every_failed_candidate():
    d = discrimination(ROUNDS, ACCEPTED, documents=4)
    assert d.failure_counts == {"too_easy": 3, "failed_on_strong": 1, "failed_quality_check": 2}
    assert d.failure_mix == pytest.approx({"too_easy": 3 / 6, "failed_on_strong": 1 / 6, "failed_quality_check": 2 / 6})


def test_difficulty_histogram_bins_one_minus_weak_mean():
    d = discrimination(ROUNDS, ACCEPTED, documents=4)
    # difficulties .7 (A), .5 (B), .25 (C), .55 (D) in bins [0,.2) [.2,.4) [.4,.6) [.6,.8) [.8,1]
    assert d.difficulty_histogram == [0, 1, 2, 1, 0]
    # A weak mean of 0 is difficulty 1.0: the last bin is closed
    hardest = discrimination([], [accepted("Z", "d1", [0.0, 0.0], [0.8])], documents=1)
    assert hardest.difficulty_histogram == [0, 0, 0, 0, 1]


def test_empty_run_has_no_means_and_no_failures():
    d = discrimination([], [], documents=0)
    assert d.acceptance_rate == 0.0
    assert (d.weak_mean, d.strong_mean, d.gap_mean, d.confusion_rate, d.weak_std_mean) == (None,) * 5
    assert d.failure_mix == {"too_easy": 0.0, "failed_on_strong": 0.0, "failed_quality_check": 0.0}
    assert d.difficulty_histogram == [0, 0, 0, 0, 0]


# --- quality -----------------------------------------------------------------------------------

GOOD = (4, 2, -1)
QUALITY_ROUNDS = [
    # r1: kept; strong answers Yes, yes., No -> majority "yes" = reference "Yes": consistent
    record("d1", 1, [candidate("accepted", smp=sample(final="Yes", weights=GOOD), qv=PASS,
                               attempts_=attempts("weak", [0.1, 0.2, 0.3]) +
                               attempts("strong", [1.0, 0.9, 0.2], ["Yes", "yes.", "No"]))],
           decision="accepted", chosen=0, final_qv=PASS, in_dataset=True),
    # r2: two rejected candidates, both with malformed rubrics: a zero weight, and one criterion
    #     (the run asks for 2-4); QV found the first one leaked
    record("d2", 1, [candidate("failed_quality_check", 0, sample(weights=(2, 0, 1)), LEAKED),
                     candidate("failed_quality_check", 1, sample(weights=(1,)), MALFORMED)],
           decision="failed_quality_check"),
    # r3: kept; strong answers No, Yes: a tie, the first answer ("no") wins -> not the reference "Yes"
    record("d2", 2, [candidate("accepted", smp=sample(final="Yes", weights=GOOD), qv=PASS,
                               attempts_=attempts("strong", [0.9, 0.8], ["No", "Yes"]))],
           decision="accepted", chosen=0, final_qv=PASS, in_dataset=True),
    # r4: accepted in the loop, dropped by the final QV (leaked): not in the dataset, so its
    #     inconsistent strong answers do not count
    record("d3", 1, [candidate("accepted", smp=sample(final="Yes", weights=GOOD), qv=PASS,
                               attempts_=attempts("strong", [0.9, 0.8], ["No", "No"]))],
           decision="accepted", chosen=0, final_qv=LEAKED, in_dataset=False),
    # r5: a candidate that errored before writing anything: no sample, no QV
    record("d4", 1, [candidate("error")], decision="error"),
]


def test_quality_on_hand_records():
    q = quality(QUALITY_ROUNDS, rubric_min=2, rubric_max=4)
    assert q.final_qv_pass_rate == pytest.approx(2 / 3)  # final QV on r1 PASS, r3 PASS, r4 FAIL
    # Only final verdicts count (the loop's own QV is a gene, docs/guard.md): r1, r3, r4; r4 leaked.
    # r2's in-loop leak is the loop's QV's verdict: kept in the records, not in the metric.
    assert q.qv_checks == 3
    assert q.leakage_rate == pytest.approx(1 / 3)
    assert (q.injected, q.injection_rate) == (0, 0.0)
    # samples written: r1, r2 x2, r3, r4 = 5; malformed: r2's zero weight and r2's single criterion
    assert q.samples_written == 5
    assert q.rubric_format_failure_rate == pytest.approx(2 / 5)
    # in the dataset: r1 (consistent) and r3 (tie goes to "no": inconsistent)
    assert q.answer_consistency == pytest.approx(1 / 2)


def test_the_auditor_not_the_loops_qv_grades_and_injections_count():
    """A loop QV told to pass everything passes a leaked sample; the auditor's FAIL is what counts,
    and a sample the content guard rejected is no pass and zeroes the candidate's acceptance."""
    chosen = candidate("accepted", smp=sample(final="Yes", weights=GOOD), qv=PASS,
                       attempts_=attempts("strong", [0.9, 0.8], ["Yes", "Yes"]))
    rounds = [
        record("d1", 1, [chosen], decision="accepted", chosen=0, final_qv=PASS, audit=LEAKED, in_dataset=False),
        record("d2", 1, [chosen], decision="accepted", chosen=0, final_qv=PASS, audit=PASS,
               injections=["context: addressed to a model: ..."], in_dataset=False),
        record("d3", 1, [chosen], decision="accepted", chosen=0, final_qv=PASS, audit=PASS, in_dataset=True),
    ]
    q = quality(rounds)
    assert q.final_qv_pass_rate == pytest.approx(1 / 3)
    assert q.leakage_rate == pytest.approx(1 / 3)
    assert (q.injected, q.injection_rate) == (1, pytest.approx(1 / 3))
    assert q.auditor_overruled == 1  # d1: the loop's QV passed it, the auditor failed it


def test_rubric_size_bounds_come_from_the_caller():
    # With the default 1-50 bounds the one-criterion rubric is fine: only the zero weight is malformed
    assert quality(QUALITY_ROUNDS).rubric_format_failure_rate == pytest.approx(1 / 5)


def test_majority_normalizes_and_breaks_ties_by_first_answer():
    assert majority(["Yes", "yes.", "No"]) == "yes"
    assert majority(["No", "Yes"]) == "no"
    assert majority(["Yes", "No"]) == "yes"
    assert majority(["No", "Yes", "yes"]) == "yes"
    assert majority(["", "  "]) == ""


def test_quality_of_nothing_is_none():
    q = quality([])
    assert (q.final_qv_pass_rate, q.leakage_rate, q.rubric_format_failure_rate, q.answer_consistency) == (None,) * 4
    assert q.qv_checks == q.samples_written == 0


# --- diversity ---------------------------------------------------------------------------------


def test_distinct_n_pools_ngrams_across_texts():
    texts = ["The cat the cat", "the dog"]
    # unigrams: the cat the cat the dog -> 6, unique {the, cat, dog} = 3
    assert distinct_n(texts, 1) == pytest.approx(3 / 6)
    # bigrams: (the cat) (cat the) (the cat) (the dog) -> 4, unique 3
    assert distinct_n(texts, 2) == pytest.approx(3 / 4)
    # a text shorter than n contributes no n-gram; none at all -> None
    assert distinct_n(["one", "two words"], 2) == pytest.approx(1.0)
    assert distinct_n(["one"], 2) is None
    assert distinct_n([], 1) is None


def test_identical_texts_are_near_duplicates():
    text = "Is Ada a resident under the provisions above?"
    v = diversity([text, text])
    assert v.samples == 2
    assert v.pairwise_similarity == pytest.approx(1.0)
    assert v.near_duplicate_rate == pytest.approx(1.0)
    assert v.distinct_1 == pytest.approx(8 / 16)  # 8 tokens, each twice
    assert v.embedding_dispersion is None  # no embedder configured


def test_disjoint_vocabularies_have_zero_similarity():
    v = diversity(["alpha beta gamma", "delta epsilon zeta", "theta iota kappa"])
    assert v.pairwise_similarity == pytest.approx(0.0)
    assert v.near_duplicate_rate == pytest.approx(0.0)
    assert v.distinct_1 == pytest.approx(1.0)
    assert v.distinct_2 == pytest.approx(1.0)


def test_near_duplicate_rate_is_per_sample():
    # two identical texts and one unrelated: the pair are near duplicates (2 of 3 samples);
    # similarities over ordered pairs: 1, 0 | 1, 0 | 0, 0 -> mean 2/6
    v = diversity(["alpha beta gamma", "alpha beta gamma", "delta epsilon zeta"])
    assert v.near_duplicate_rate == pytest.approx(2 / 3)
    assert v.pairwise_similarity == pytest.approx(2 / 6)


def test_fewer_than_two_texts_have_no_pairwise_metrics():
    v = diversity(["only one text", "   "])
    assert v.samples == 1
    assert v.distinct_1 == pytest.approx(1.0)
    assert (v.pairwise_similarity, v.near_duplicate_rate, v.embedding_dispersion) == (None, None, None)


def test_embedding_dispersion_on_hand_vectors():
    # unit vectors at 90 degrees: centroid at 45 degrees, each at cos 45 = .7071 from it
    assert embedding_dispersion(np.array([[1.0, 0.0], [0.0, 1.0]])) == pytest.approx(1 - math.cos(math.pi / 4))
    assert embedding_dispersion(np.array([[1.0, 0.0], [0.0, 1.0]])) == pytest.approx(1 - 0.70710678)
    # only directions count, not lengths
    assert embedding_dispersion(np.array([[2.0, 0.0], [0.0, 5.0]])) == pytest.approx(1 - math.sqrt(0.5))
    assert embedding_dispersion(np.array([[3.0, 4.0], [6.0, 8.0]])) == pytest.approx(0.0)
    # three orthonormal vectors: cos to the centroid is 1/sqrt(3)
    assert embedding_dispersion(np.eye(3)) == pytest.approx(1 - 1 / math.sqrt(3))


def test_diversity_uses_the_embedder_when_given():
    v = diversity(["alpha beta", "gamma delta", "epsilon zeta"], embedder=lambda texts: np.eye(len(texts)))
    assert v.embedding_dispersion == pytest.approx(1 - 1 / math.sqrt(3))


def test_hashing_embedder_runs_offline():
    embed = litellm_embedder("sim/hashing")
    vectors = embed(["alpha beta gamma", "delta epsilon zeta"])
    assert vectors.shape == (2, 512)
    same = diversity(["alpha beta gamma", "alpha beta gamma"], embedder=embed)
    assert same.embedding_dispersion == pytest.approx(0.0, abs=1e-9)
    # disjoint words hash to (almost surely) disjoint buckets: orthogonal, like the [1,0] [0,1] case
    apart = diversity(["alpha beta gamma", "delta epsilon zeta"], embedder=embed)
    assert apart.embedding_dispersion == pytest.approx(1 - math.sqrt(0.5), abs=0.05)


# --- cost --------------------------------------------------------------------------------------

COST_ROUNDS = [
    record("d1", 1, [], usage={"challenger": {"calls": 1, "input_tokens": 100, "output_tokens": 50},
                               "weak": {"calls": 3, "input_tokens": 300, "output_tokens": 90}}),
    record("d1", 2, [], usage={"challenger": {"calls": 2, "input_tokens": 220, "output_tokens": 80},
                               "judge": {"calls": 6, "input_tokens": 1200, "output_tokens": 60}}),
]
# per role: challenger 3 calls, 320 in, 130 out; weak 3, 300, 90; judge 6, 1200, 60
# total: 12 calls, 1820 in, 280 out; 4 accepted -> 3 calls and 525 tokens per accepted sample
SIM_MODELS = {"challenger": "sim/challenger", "weak": "sim/weak", "judge": "sim/judge"}


def test_calls_and_tokens_are_summed_per_role():
    c = cost(COST_ROUNDS, SIM_MODELS, accepted=4)
    assert {role: (r.calls, r.input_tokens, r.output_tokens) for role, r in c.roles.items()} == {
        "challenger": (3, 320, 130), "weak": (3, 300, 90), "judge": (6, 1200, 60)}
    assert (c.calls, c.input_tokens, c.output_tokens) == (12, 1820, 280)
    assert c.calls_per_accepted == pytest.approx(3.0)
    assert c.tokens_per_accepted == pytest.approx(525.0)


def test_sim_models_are_free_and_marked_unpriced():
    c = cost(COST_ROUNDS, SIM_MODELS, accepted=4)
    assert c.dollars == 0.0
    assert c.dollars_per_accepted == 0.0
    assert c.simulated_unpriced is True
    for role in c.roles.values():
        assert role.priced is False and role.dollars == 0.0
        assert "simulated" in role.note


def test_real_model_priced_from_litellm_local_map_unknown_model_unpriced():
    import litellm

    models = {"challenger": "openai/gpt-4o-mini", "weak": "sim/weak", "judge": "openai/autodata-no-such-model-xyz"}
    c = cost(COST_ROUNDS, models, accepted=4)
    prompt, completion = litellm.cost_per_token(model="openai/gpt-4o-mini", prompt_tokens=320, completion_tokens=130)
    expected = prompt + completion
    assert expected > 0
    challenger = c.roles["challenger"]
    assert challenger.priced is True
    assert challenger.dollars == pytest.approx(expected)
    assert c.roles["weak"].priced is False and c.roles["weak"].dollars == 0.0
    judge = c.roles["judge"]
    assert judge.priced is False and judge.dollars == 0.0
    assert "not in LiteLLM's price map" in judge.note
    assert c.dollars == pytest.approx(expected)
    assert c.dollars_per_accepted == pytest.approx(expected / 4)
    assert c.simulated_unpriced is True  # the weak solver is still simulated


def test_no_accepted_sample_leaves_per_sample_costs_undefined():
    c = cost(COST_ROUNDS, SIM_MODELS, accepted=0)
    assert c.calls == 12
    assert (c.calls_per_accepted, c.tokens_per_accepted, c.dollars_per_accepted) == (None, None, None)


def test_role_without_a_model_is_unpriced():
    c = cost(COST_ROUNDS, {"challenger": "sim/challenger"}, accepted=1)
    assert c.roles["judge"].priced is False and c.roles["judge"].dollars == 0.0


# --- scorecard ---------------------------------------------------------------------------------


def hand_run(**overrides) -> RunRecords:
    rounds = [
        record("d1", 1, [candidate("too_easy", smp=sample(), qv=PASS, attempts_=attempts("weak", [1.0, 1.0]))],
               usage={"challenger": {"calls": 1, "input_tokens": 100, "output_tokens": 40}}),
        record("d1", 2, [candidate("accepted", smp=sample(), qv=PASS,
                                   attempts_=attempts("weak", [0.2, 0.4]) + attempts("strong", [0.8, 1.0]))],
               decision="accepted", chosen=0, final_qv=PASS, in_dataset=True,
               usage={"challenger": {"calls": 1, "input_tokens": 100, "output_tokens": 40},
                      "weak": {"calls": 2, "input_tokens": 50, "output_tokens": 10}}),
        record("d2", 1, [candidate("failed_quality_check", smp=sample(weights=(1, 0)), qv=LEAKED)],
               decision="failed_quality_check"),
    ]
    fields = dict(
        rounds=rounds,
        accepted=[accepted("d1:r2:c0", "d1", [0.2, 0.4], [0.8, 1.0], round=2, text="Is Ada a resident?")],
        documents=2,
        summary={"simulated": True, "preset": "agentic", "seed": 7, "harness_hash": "abc123",
                 "models": {"challenger": "sim/challenger", "weak": "sim/weak"}},
        resolved={"config": {"knobs": {"rubric_min": 1, "rubric_max": 50}}},
    )
    fields.update(overrides)
    return RunRecords(**fields)


def test_scorecard_values_and_directions():
    card = build_scorecard(hand_run())
    assert set(card.metrics) == set(METRICS)
    assert card.simulated is True
    assert (card.preset, card.seed, card.harness_hash, card.documents) == ("agentic", 7, "abc123", 2)
    # one of two documents; weak .3, strong .9, gap .6; 3 rounds for 1 sample
    assert card.value("acceptance_rate") == pytest.approx(0.5)
    assert card.value("weak_mean") == pytest.approx(0.3)
    assert card.value("strong_mean") == pytest.approx(0.9)
    assert card.value("gap_mean") == pytest.approx(0.6)
    assert card.value("rounds_per_accepted") == pytest.approx(3.0)
    # one final verdict (PASS); the in-loop leak is the loop's QV's, not counted; one written
    # rubric of three has a zero weight
    assert card.value("final_qv_pass_rate") == pytest.approx(1.0)
    assert card.value("leakage_rate") == pytest.approx(0.0)
    assert card.value("rubric_format_failure_rate") == pytest.approx(1 / 3)
    assert card.value("answer_consistency") == pytest.approx(1.0)  # strong Yes, Yes; reference Yes
    # cost: challenger 2 calls 200 in 80 out, weak 2 calls 50 in 10 out
    assert card.value("calls") == 4.0
    assert card.value("tokens_per_accepted") == pytest.approx(340.0)
    assert card.value("dollars") == 0.0
    assert "simulated" in card.cost_note
    assert card.failure_counts == {"too_easy": 1, "failed_on_strong": 0, "failed_quality_check": 1}
    assert card.difficulty_histogram == [0, 0, 0, 1, 0]  # difficulty .7
    assert card.difficulty_bins == ["0.0-0.2", "0.2-0.4", "0.4-0.6", "0.6-0.8", "0.8-1.0"]
    # one sample: no pairwise diversity, no downstream
    assert card.value("pairwise_similarity") is None
    assert card.value("downstream_reward") is None
    directions = {name: m.direction for name, m in card.metrics.items()}
    assert directions["acceptance_rate"] == "maximize"
    assert directions["weak_mean"] == "minimize"
    assert directions["gap_mean"] == "maximize"
    assert directions["strong_mean"] == "none"
    assert directions["leakage_rate"] == "minimize"
    assert directions["dollars"] == "minimize"
    assert directions["downstream_reward"] == "maximize"
    assert card.complete is True and card.problems == []


def test_rubric_bounds_come_from_the_resolved_config():
    card = build_scorecard(hand_run(resolved={"config": {"knobs": {"rubric_min": 3, "rubric_max": 15}}}))
    # written rubrics have 3, 3 and 2 criteria (the last with a zero weight): with 3-15 only the
    # last is malformed (twice over, counted once); with 4-15 all three are
    assert card.value("rubric_format_failure_rate") == pytest.approx(1 / 3)
    card = build_scorecard(hand_run(resolved={"config": {"knobs": {"rubric_min": 4, "rubric_max": 15}}}))
    assert card.value("rubric_format_failure_rate") == pytest.approx(3 / 3)


def test_scalar_default_is_acceptance_rate():
    card = build_scorecard(hand_run())
    assert card.scalar() == pytest.approx(0.5)


def test_scalar_counts_minimized_metrics_negatively():
    card = build_scorecard(hand_run())
    # 1 x .5 (acceptance) - 2 x .3 (weak mean, minimized) + .5 x .6 (gap) = .2
    assert card.scalar({"acceptance_rate": 1.0, "weak_mean": 2.0, "gap_mean": 0.5}) == pytest.approx(0.2)
    # a metric without direction counts positively; a None value counts 0
    assert card.scalar({"strong_mean": 1.0, "pairwise_similarity": 3.0}) == pytest.approx(0.9)


def test_vector_gives_values_and_directions():
    card = build_scorecard(hand_run())
    values, directions = card.vector(["acceptance_rate", "weak_mean", "embedding_dispersion"])
    assert values == pytest.approx([0.5, 0.3, 0.0])  # no embedder: None -> 0
    assert directions == ["maximize", "minimize", "maximize"]


def test_unknown_metric_raises_keyerror_naming_it():
    card = build_scorecard(hand_run())
    with pytest.raises(KeyError, match="no_such_metric"):
        card.scalar({"no_such_metric": 1.0})
    with pytest.raises(KeyError, match="no_such_metric"):
        card.vector(["acceptance_rate", "no_such_metric"])
    with pytest.raises(KeyError, match="no_such_metric"):
        card.value("no_such_metric")


def test_successful_downstream_fills_its_metrics():
    result = DownstreamResult(trainer="sim", ok=True, reward=0.25, before=0.5, after=0.75, simulated=True)
    card = build_scorecard(hand_run(), downstream=result)
    assert card.value("downstream_reward") == pytest.approx(0.25)
    assert card.value("downstream_before") == pytest.approx(0.5)
    assert card.value("downstream_after") == pytest.approx(0.75)
    assert card.complete is True
    assert card.scalar({"downstream_reward": 2.0}) == pytest.approx(0.5)


def test_failed_downstream_makes_the_scorecard_incomplete_and_keeps_the_rest():
    result = DownstreamResult.failed("command", "exited with code 3", stderr="CUDA out of memory")
    card = build_scorecard(hand_run(), downstream=result)
    assert card.complete is False
    assert len(card.problems) == 1
    assert "command" in card.problems[0] and "exited with code 3" in card.problems[0]
    assert card.value("downstream_reward") is None
    assert card.value("acceptance_rate") == pytest.approx(0.5)  # other results kept
    assert card.downstream is not None and card.downstream.details["stderr"] == "CUDA out of memory"
    # written as JSON and read back (scorecard.json), the verdict survives
    again = Scorecard.model_validate_json(card.model_dump_json())
    assert again.complete is False and again.problems == card.problems
    assert again.downstream.reason == "exited with code 3"


def test_scorecard_of_a_run_with_an_embedder():
    run = hand_run(accepted=[accepted("a", "d1", [0.2], [0.8], text="alpha beta"),
                             accepted("b", "d2", [0.2], [0.8], text="gamma delta")])
    card = build_scorecard(run, embedder=lambda texts: np.eye(len(texts)))
    assert card.value("embedding_dispersion") == pytest.approx(1 - math.sqrt(0.5))
    assert card.value("acceptance_rate") == pytest.approx(1.0)


def test_difficulty_on_a_bin_edge_goes_to_the_upper_bin():
    # weak mean .8 -> difficulty .2 exactly (1 - .8 is 0.19999999999999996 in floats): bin [.2, .4)
    edge = discrimination([], [accepted("e", "d1", [0.8, 0.8], [1.0, 1.0])], documents=1)
    assert edge.difficulty_histogram == [0, 1, 0, 0, 0]
