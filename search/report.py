"""The sweep's final report: seed against best on validation and on the held-out test split.

Candidates whose rounds were mostly ``error`` (no usable sample: a model that cannot write the
format) are flagged (``mostly_errors``): their acceptance of 0 says nothing about their genes.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from harness import provenance
from harness.generate import load_rounds, write_json_atomic
from search.bank import resolve
from search.best_config import best_harness, write_best_config
from search.callbacks import TestEvaluated
from search.noise import mean_draws
from search.operators.base import Member
from search.paired import paired_difference
from search.selection import ParetoArchive
from search.space import build_harness
from search.sweep import Sweep

TOP_K = 3  # best harnesses also evaluated on test
MOSTLY_ERRORS = 0.5  # share of a candidate's rounds recorded as error above which it is flagged


def error_rounds(directories: list[Path]) -> tuple[int, int]:
    """(error rounds, rounds) over the generations in ``directories`` that exist."""
    errors = total = 0
    for where in directories:
        if where.exists():
            for records in load_rounds(where).values():
                total += len(records)
                errors += sum(1 for r in records if r.decision == "error")
    return errors, total


def _errors_entry(errors: int, total: int) -> dict[str, Any]:
    share = errors / total if total else None
    return {"error_rounds": errors, "rounds": total, "error_share": share,
            "mostly_errors": share is not None and share > MOSTLY_ERRORS}


def gene_diff(seed: dict[str, str], best: dict[str, str]) -> dict[str, str]:
    out = {}
    for name in seed:
        if seed[name] != best.get(name):
            out[name] = "\n".join(difflib.unified_diff(
                seed[name].split(". "), best[name].split(". "), "seed", "best", lineterm="", n=1))
    return out


def lineage(sweep: Sweep, number: int) -> list[dict[str, Any]]:
    trials = {t.number: t for t in sweep.trials()}
    chain, seen = [], set()
    while number in trials and number not in seen:
        seen.add(number)
        attrs = trials[number].user_attrs
        chain.append({"trial": number, "operator": attrs.get("operator"), "mutated_gene": attrs.get("mutated_gene"),
                      "validation_score": attrs.get("validation_score"), "parents": attrs.get("parents", [])})
        parents = attrs.get("parents") or []
        if not parents:
            break
        number = parents[0]
    return chain


def validation_front(sweep: Sweep) -> list[Member]:
    """The Pareto front over every candidate evaluated on validation (accepted into the population
    or not): the trade-off the sweep found, e.g. acceptance against accepted samples per call."""
    archive: ParetoArchive[Member] = ParetoArchive(sweep.directions)
    for trial in sweep.trials():
        attrs = trial.user_attrs
        if trial.state.name != "COMPLETE" or not attrs.get("validation_values"):
            continue
        values = tuple(attrs["validation_values"])
        archive.add(Member(trial.number, dict(trial.params), resolve(sweep.bank, attrs),
                           float(attrs.get("validation_score", values[0])), values), values)
    return archive.items


async def build_report(sweep: Sweep) -> dict[str, Any]:
    sweep.refresh()
    members = sweep.state.members
    if not members:
        raise RuntimeError("no candidate completed: nothing to report")
    trials = {t.number: t for t in sweep.trials()}
    means = mean_draws(t for t in trials.values() if t.state.name == "COMPLETE")
    seed_number = next(n for n, t in trials.items() if t.user_attrs.get("operator") == "seed" and n in members)
    ranked = sorted(members.values(), key=lambda m: m.score, reverse=True)
    best = ranked[0]
    chosen: list[Member] = [members[seed_number], *[m for m in ranked[:TOP_K] if m.number != seed_number]]
    front = validation_front(sweep) if sweep.spec.multi_objective else []
    for member in front:
        if all(member.number != c.number for c in chosen):
            chosen.append(member)

    seen: set[str] = set()  # roles the offline world played in the evaluations reported

    async def on_test(member: Member) -> dict[str, Any]:
        config = build_harness(sweep.seed_config, member.knobs, member.genes)
        test = await sweep.evaluator.evaluate(config, "test")
        seen.update(test.scorecard.simulated_roles)
        attrs = trials[member.number].user_attrs
        return {
            "trial": member.number,
            "harness_hash": config.harness_hash(),
            "operator": attrs.get("operator"),
            # means over the member's validation draws (search/noise.py), as its score is
            "validation_acceptance": means[member.number].acceptance if member.number in means
            else attrs.get("validation_acceptance"),
            "validation_score": member.score,  # the mean over its draws (search/noise.py)
            "validation_values": list(member.values),
            "validation_draws": member.draws,
            "test_acceptance": test.acceptance,
            "test_calls_per_accepted": test.scorecard.value("calls_per_accepted"),
            "test_score": test.score,
            "test_values": list(test.values),
            "knobs": member.knobs,
        }

    evaluated = {m.number: await on_test(m) for m in chosen}
    for member in chosen:
        role = "seed" if member.number == seed_number else "best" if member.number == best.number else "top"
        config = build_harness(sweep.seed_config, member.knobs, member.genes)
        sweep.emit(TestEvaluated(member.number, role, str(sweep.evaluator.directory(config, "test")),
                                 evaluated[member.number]["test_acceptance"]))
    reliability: dict[int, dict[str, Any]] = {}
    for number, member in members.items():
        config = build_harness(sweep.seed_config, member.knobs, member.genes)
        dirs = [sweep.evaluator.directory(config, split) for split in ("train", "validation", "test")]
        reliability[number] = _errors_entry(*error_rounds(dirs))
    for number, row in evaluated.items():
        row.update(reliability.get(number, {}))
    seed_genes = members[seed_number].genes
    spent = sweep.spent()
    simulated_roles = provenance.simulated_roles(sweep.seed_config, seen)
    report = {
        "simulated": bool(simulated_roles),
        "simulated_roles": simulated_roles,
        "study": sweep.study.study_name,
        "objectives": [{"metric": o.metric, "direction": o.resolved_direction} for o in sweep.spec.objectives],
        "splits": sweep.spec.splits.model_dump(),
        "seed": evaluated[seed_number],
        "best": evaluated[best.number],
        "top": [evaluated[m.number] for m in ranked[:TOP_K]],
        "pareto": [evaluated[m.number] for m in front],
        "gain": {
            "validation_acceptance": (evaluated[best.number]["validation_acceptance"] or 0)
            - (evaluated[seed_number]["validation_acceptance"] or 0),
            "test_acceptance": evaluated[best.number]["test_acceptance"] - evaluated[seed_number]["test_acceptance"],
        },
        # The best against the seed on the test documents, paired, with a 95% interval (search/paired.py).
        "best_vs_seed": paired_difference(
            sweep.evaluator.directory(build_harness(sweep.seed_config, members[seed_number].knobs, seed_genes), "test"),
            sweep.evaluator.directory(build_harness(sweep.seed_config, best.knobs, best.genes), "test"),
            sweep.spec.objectives[0].metric),
        "best_genes_diff": gene_diff(seed_genes, best.genes),
        "best_genes": best.genes,
        "seed_genes": seed_genes,
        "best_knobs_diff": {k: {"seed": members[seed_number].knobs.get(k), "best": v}
                            for k, v in best.knobs.items() if members[seed_number].knobs.get(k) != v},
        "lineage": lineage(sweep, best.number),
        "budget": spent.as_dict(),
        "candidates": [
            {"trial": t.number, "state": t.state.name.lower(), "operator": t.user_attrs.get("operator"),
             "parents": t.user_attrs.get("parents"), "mutated_gene": t.user_attrs.get("mutated_gene"),
             "train_score": t.user_attrs.get("train_score"), "validation_score": t.user_attrs.get("validation_score"),
             "accepted": bool(t.user_attrs.get("accepted")), "rejected": t.user_attrs.get("rejected"),
             "repeat_of": t.user_attrs.get("repeat_of"),
             # why a failed trial holds no candidate: "no proposal" (the strategy had none left), an error
             # raced_out: stopped by racing on the first validation documents (search/racing.py)
             **{key: t.user_attrs[key] for key in ("cancelled", "error", "raced_out") if key in t.user_attrs},
             **reliability.get(t.number, {})}
            for t in sorted(trials.values(), key=lambda t: t.number)
        ],
        "mostly_errors": sorted(n for n, r in reliability.items() if r["mostly_errors"]),
    }
    best_config = best_harness(build_harness(sweep.seed_config, best.knobs, best.genes),
                               name=f"{sweep.config.name}-best", seed=sweep.evaluator.seed)
    report["best_config"] = write_best_config(sweep.out, best_config, {
        "study": report["study"], "trial": best.number, "harness_hash": best_config.harness_hash(),
        "validation_score": best.score, "test_acceptance": evaluated[best.number]["test_acceptance"],
        "SIMULATED roles (offline world)": ", ".join(simulated_roles) or "none"}).name  # beside report.json
    write_json_atomic(sweep.out / "report.json", report)
    return report
