"""MLflow tracking: every generation, sweep and candidate, comparable in the MLflow UI.

One MLflow experiment per experiment-config name. A generation is one run. A sweep is a parent
run with one child run per candidate evaluation (tagged ``autodata.split`` = train, validation
or test); the parent carries the best-so-far score per candidate index as a metric history.
Params hold knobs, gene hashes, role models, preset and seed (never prompt text: MLflow cuts
params at 6,000 characters); gene texts, the resolved configuration, the records and the
scorecard are artifacts; the accepted dataset is a dataset input. All logging is batched
(``log_batch``), and nothing secret is logged (``harness.secrets``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import mlflow
from mlflow import MlflowClient
from mlflow.entities import Dataset, DatasetInput, InputTag, Metric, Param, RunTag

from experiments.views import VIEW_TAG, PromptRegistry, compare_url, save_view
from harness import provenance
from harness.config import HarnessConfig
from harness.env import store_dir
from harness.generate import git_commit, package_versions
from harness.records import read_jsonl
from harness.secrets import redact
from harness.secrets import redact_text as scrub  # URLs with credentials, secret flags, env values
from objectives.scorecard import Scorecard
from search.bank import text_id
from search.space import genes_of  # the genes this harness reads (a protocol's registered roles' too)
from search.storage import WORKER

ORPHAN_S = 600  # a child run RUNNING this long was cut off (it is made and finished in one step)
EVAL_FILES = ("rounds.jsonl", "accepted.jsonl", "scorecard.json", "summary.json", "config.resolved.json")


def ensure_experiment(client: MlflowClient, name: str) -> str:
    """The experiment's id, created when missing. Workers starting together race to create it (and,
    on a fresh database, MLflow's tables): the loser finds it made, or retries after a short wait."""
    for attempt in range(6):
        try:
            found = client.get_experiment_by_name(name)
            if found is not None:
                return found.experiment_id
            if client.tracking_uri.startswith(("http://", "https://")):
                return client.create_experiment(name)  # the server keeps artifacts (--artifacts-destination)
            artifacts = (store_dir() / "artifacts").resolve()
            artifacts.mkdir(parents=True, exist_ok=True)
            return client.create_experiment(name, artifact_location=artifacts.as_uri())
        except Exception:  # MlflowException (already exists) or a database race: look again
            if attempt == 5:
                raise
            time.sleep(0.2 * 2**attempt)
    raise AssertionError("unreachable")


GENE_PARAM_CHARS = 5900  # MLflow cuts params at 6,000 characters; the whole text is an artifact


def gene_param(name: str, text: str) -> str:
    """A gene's text as the UI shows it beside other runs' (cut, and said so, past MLflow's limit)."""
    if len(text) <= GENE_PARAM_CHARS:
        return text
    return text[:GENE_PARAM_CHARS] + f" ... [cut: whole text in artifacts genes/{name}.txt]"


def harness_params(config: HarnessConfig, knobs: list[str] | None = None) -> dict[str, str]:
    """Knobs, each gene's text (readable and diffable in the UI) and its prompt-bank id, role
    models, preset, seed and harness hash."""
    params = {f"knob.{k}": str(v) for k, v in config.knobs.model_dump().items() if knobs is None or k in knobs}
    for name, text in genes_of(config).items():
        params[f"gene.{name}"] = gene_param(name, text)
        params[f"gene_id.{name}"] = text_id(text)
    params.update({f"model.{role}": spec.model for role, spec in config.models.items()})
    params.update({"preset": config.preset, "seed": str(config.seed), "harness_hash": config.harness_hash()})
    return params


@functools.cache
def _process_tags() -> tuple[tuple[str, str], ...]:
    # Constant for the life of the process; a git subprocess per candidate was a fifth of the logging time.
    tags = {"git_commit": git_commit() or "unknown"}
    tags.update({f"version.{k}": v for k, v in package_versions().items()})
    return tuple(tags.items())


def common_tags(simulated: bool, roles: list[str] | None = None) -> dict[str, str]:
    """Tags every run carries: whether the offline world played any role (and which), the commit
    and package versions. ``simulated`` comes from ``harness.provenance`` or a run's records."""
    tags = {"simulated": str(simulated).lower(), **dict(_process_tags())}
    if simulated and roles:
        tags["simulated_roles"] = ",".join(roles)
    return tags


def card_tags(card: Scorecard) -> dict[str, str]:
    return common_tags(card.simulated, card.simulated_roles)


def summary_metrics(report: dict[str, Any]) -> dict[str, float]:
    """A sweep's result on its parent run: seed and best on validation and test, and the gain."""
    out: dict[str, float] = {}
    for who in ("seed", "best"):
        row = report[who]
        for name, value in (("validation/acceptance_rate", row.get("validation_acceptance")),
                            ("test/acceptance_rate", row.get("test_acceptance")),
                            ("test/calls_per_accepted", row.get("test_calls_per_accepted"))):
            if value is not None:
                out[f"{who}/{name}"] = float(value)
    for name, value in (report.get("gain") or {}).items():
        if value is not None:
            out[f"gain/{name}"] = float(value)
    return out


def comparison_table(report: dict[str, Any]) -> dict[str, list[Any]]:
    """The harnesses the report evaluated on test, one row each (``log_table``: the parent's table);
    ``pareto_front`` marks a multi-objective sweep's validation front (acceptance against cost)."""
    seen, table = set(), {k: [] for k in ("role", "trial", "operator", "validation_acceptance", "test_acceptance",
                                          "test_calls_per_accepted", "harness_hash", "pareto_front")}
    front = {row["trial"] for row in report.get("pareto") or []}
    top = {row["trial"] for row in report.get("top") or []}
    for row in [report["seed"], *(report.get("top") or []), *(report.get("pareto") or [])]:
        if row["trial"] in seen:
            continue
        seen.add(row["trial"])
        role = "+".join(name for name in ("seed", "best") if report[name]["trial"] == row["trial"]) or (
            "top" if row["trial"] in top else "pareto")
        for key in table:
            value = row["trial"] in front if key == "pareto_front" else row.get(key)
            table[key].append(role if key == "role" else value)
    return table


def scorecard_metrics(card: Scorecard, prefix: str = "") -> dict[str, float]:
    """The scorecard's metrics; a sweep candidate's carry their split (``validation/acceptance_rate``),
    so train screens, validation and test never share one column."""
    return {f"{prefix}{name}": m.value for name, m in card.metrics.items() if m.value is not None}


class Logger:
    """Batched writes to one MLflow store through an explicit client (no global active run)."""

    def __init__(self, experiment: str) -> None:
        self.client = MlflowClient()
        self.experiment_id = ensure_experiment(self.client, experiment)
        # Time spent logging, for the overhead benchmark: wall time, and the logging thread's own
        # CPU time (on a background thread the wall time also counts waits for the GIL).
        self.seconds = 0.0
        self.cpu_seconds = 0.0

    def _account(self, started: float, cpu: float) -> None:
        self.seconds += time.perf_counter() - started
        self.cpu_seconds += time.thread_time() - cpu

    def batch(self, run_id: str, params: dict[str, Any] | None = None, metrics: dict[str, float] | None = None,
              tags: dict[str, str] | None = None, step: int = 0) -> None:
        started, cpu = time.perf_counter(), time.thread_time()
        now = int(time.time() * 1000)
        self.client.log_batch(
            run_id,
            metrics=[Metric(k, float(v), now, step) for k, v in (metrics or {}).items()],
            params=[Param(k, scrub(str(v))[:6000]) for k, v in (params or {}).items()],
            tags=[RunTag(k, scrub(str(v))[:8000]) for k, v in (tags or {}).items()],
        )
        self._account(started, cpu)

    def create_run(self, name: str, tags: dict[str, str], parent: str | None = None) -> str:
        started, cpu = time.perf_counter(), time.thread_time()
        all_tags = {"mlflow.runName": name, **tags}
        if parent:
            all_tags["mlflow.parentRunId"] = parent
        run = self.client.create_run(self.experiment_id, tags=all_tags, run_name=name)
        self._account(started, cpu)
        return run.info.run_id

    def find_run(self, **tags: str) -> str | None:
        query = " and ".join(f"tags.`{k}` = '{v}'" for k, v in tags.items())
        runs = self.client.search_runs([self.experiment_id], filter_string=query, max_results=1)
        return runs[0].info.run_id if runs else None

    def finish(self, run_id: str, status: str = "FINISHED") -> None:
        self.client.set_terminated(run_id, status=status)

    def artifacts(self, run_id: str, *, genes: dict[str, str] | None = None, texts: dict[str, str] | None = None,
                  evaluation: Path | None = None) -> None:
        """Gene texts, other texts and an evaluation's files, staged and uploaded in one call;
        the evaluation's accepted samples also become the run's dataset input."""
        started, cpu = time.perf_counter(), time.thread_time()
        with tempfile.TemporaryDirectory(prefix="autodata-artifacts-") as tmp:
            stage = Path(tmp)
            files = {f"genes/{name}.txt": text for name, text in (genes or {}).items()}
            files.update(texts or {})
            for relative, text in files.items():
                target = stage / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(scrub(text), encoding="utf-8")
            if evaluation is not None:
                (stage / "evaluation").mkdir()
                for name in EVAL_FILES:
                    if (evaluation / name).exists():
                        shutil.copyfile(evaluation / name, stage / "evaluation" / name)
            self.client.log_artifacts(run_id, str(stage))
        if evaluation is not None:
            self._dataset(run_id, evaluation)
        self._account(started, cpu)

    def _dataset(self, run_id: str, out: Path) -> None:
        rows = read_jsonl(out / "accepted.jsonl")
        if not rows:
            return
        self.client.log_inputs(run_id, [DatasetInput(accepted_dataset(out, rows),
                                                     [InputTag("mlflow.data.context", "accepted")])])


# The accepted dataset's columns as MLflow records them (what ``mlflow.data.from_pandas`` infers
# for these rows); the entity is built directly, skipping pandas and schema inference per candidate.
DATASET_COLUMNS = (("id", "string"), ("doc_id", "string"), ("question", "string"), ("context", "string"),
                   ("final_answer", "string"), ("weak_mean", "double"), ("strong_mean", "double"), ("gap", "double"))


def accepted_dataset(out: Path, rows: list[dict[str, Any]]) -> Dataset:
    """The accepted samples as an MLflow dataset entity: digest of the file, source naming it."""
    digest = hashlib.sha256((out / "accepted.jsonl").read_bytes()).hexdigest()[:8]
    schema = {"mlflow_colspec": [{"type": kind, "name": name, "required": True} for name, kind in DATASET_COLUMNS]}
    # A code source naming the file: a plain path is ambiguous to MLflow's source registry.
    source = {"tags": {"autodata.dataset": str(out / "accepted.jsonl")}}
    profile = {"num_rows": len(rows), "num_elements": len(rows) * len(DATASET_COLUMNS)}
    return Dataset(name=f"accepted-{out.name}", digest=digest, source_type="code", source=json.dumps(source),
                   schema=json.dumps(schema), profile=json.dumps(profile))


def start_traces(experiment: str) -> str:
    """Turn on DSPy tracing into ``experiment`` and open a run the traces attach to."""
    mlflow.set_experiment(experiment_id=ensure_experiment(MlflowClient(), experiment))
    mlflow.dspy.autolog()
    return mlflow.start_run().info.run_id


def log_generation(experiment: str, config: HarnessConfig, out: Path, card: Scorecard, run_id: str | None = None) -> str:
    """A single generation as one run: params, scorecard metrics, genes, records, dataset."""
    logger = Logger(experiment)
    tags = {**card_tags(card), "autodata.kind": "generation", "autodata.out": str(out.resolve()),
            "harness_hash": config.harness_hash()}
    # One run per output folder, however many times the generation was resumed (the folder's lock
    # makes this process its only writer): an earlier session's run, finished or cut off while
    # logging (RUNNING), is brought up to date instead of a new one being added.
    earlier = logger.find_run(**{"autodata.kind": "generation", "autodata.out": str(out.resolve()),
                                 "harness_hash": config.harness_hash()})
    if earlier is not None and run_id is not None and run_id != earlier:
        logger.client.delete_run(run_id)  # this session's trace run: the traces stay with the experiment
        if mlflow.active_run() is not None and mlflow.active_run().info.run_id == run_id:
            mlflow.end_run()
        run_id = None
    if earlier is not None and run_id is None:
        run_id = earlier
        logger.client.update_run(run_id, status="RUNNING")
    elif run_id is None:
        run_id = logger.create_run(f"{config.preset}-seed{config.seed}", tags)
    else:
        logger.batch(run_id, tags={"mlflow.runName": f"{config.preset}-seed{config.seed}", **tags})
    logger.batch(run_id, params=harness_params(config), metrics=scorecard_metrics(card))
    if VIEW_TAG not in logger.client.get_experiment(logger.experiment_id).tags:  # a sweep's view stays
        save_view(logger.client, logger.experiment_id, sweep=False)
    logger.artifacts(run_id, genes=genes_of(config), evaluation=out,
                     texts={"config/resolved.json": json.dumps(redact(config.model_dump(mode="json")), indent=2)})
    if mlflow.active_run() is not None and mlflow.active_run().info.run_id == run_id:
        mlflow.end_run()
    else:
        logger.finish(run_id)
    return run_id


def _failure(error: Exception) -> str:
    """A tracking failure in one line, with any secret scrubbed."""
    return f"{type(error).__name__}: {scrub(str(error)).splitlines()[0] if str(error) else ''}"


class SweepTracker:
    """A sweep callback: parent run per sweep, child run per candidate evaluation."""

    def __init__(self, experiment: str, study: str, seed_config: HarnessConfig, knobs: list[str],
                 search: dict[str, Any], runner: Any = None) -> None:
        """``runner``: the sweep, whose ``shared`` and ``claim`` make the parent run and each test
        run once per study however many workers (on however many machines) log to the store."""
        self.logger = Logger(experiment)
        self.seed_config = seed_config
        self.knobs = knobs
        self.study = study
        self.runner = runner
        # What the preflight saw answering (serve-sim included); a simulated evaluation turns it on later.
        self.simulated = set(provenance.simulated_roles(seed_config))

        def make_parent() -> str:
            found = self.logger.find_run(**{"autodata.study": study, "autodata.kind": "sweep"})
            if found is not None:  # a study tracked before parents were shared through the study
                return found
            parent = self.logger.create_run(
                study, {**common_tags(bool(self.simulated), sorted(self.simulated)), "autodata.kind": "sweep",
                        "autodata.study": study})
            self.logger.batch(parent, params={"search." + k: json.dumps(v)[:6000] for k, v in search.items()})
            return parent

        self.parent = runner.shared("mlflow_parent_run", make_parent) if runner is not None else make_parent()
        self.logger.client.update_run(self.parent, status="RUNNING")
        self._finish_orphans()
        self.sweep_name = experiment
        # Run names carry the study (its hash, as in ``search/study.py``'s names): two sweeps' candidates stay apart.
        self.tag = "@" + study.rsplit("-", 1)[-1][:6] if "-" in study else f"@{study}"
        self.view = save_view(self.logger.client, self.logger.experiment_id, sweep=True)
        self.prompts = PromptRegistry(self.logger.client, experiment)
        self.runs: dict[int, str] = {}
        self.best: float | None = None
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mlflow-tracker")
        self.pending: list[Future] = []
        self.finished = len(self.logger.client.search_runs(
            [self.logger.experiment_id], filter_string=f"tags.`mlflow.parentRunId` = '{self.parent}'"))

    def _finish_orphans(self) -> None:
        """Child runs a killed worker left RUNNING: a child is made and finished within one logging
        step, so one still RUNNING whose worker is gone (this host) or that is older than
        ORPHAN_S (any host) was cut off; it is marked KILLED, and its trial is logged again."""
        from search.storage import HOST, _alive

        children = self.logger.client.search_runs(
            [self.logger.experiment_id], filter_string=f"tags.`mlflow.parentRunId` = '{self.parent}' and "
                                                       "attributes.status = 'RUNNING'")
        now = time.time() * 1000
        for run in children:
            worker = run.data.tags.get("autodata.worker", "")
            dead_here = worker.startswith(f"{HOST}:") and not _alive(worker)
            if dead_here or now - run.info.start_time > ORPHAN_S * 1000:
                self.logger.finish(run.info.run_id, "KILLED")

    def run_of(self, number: int) -> str | None:
        if number not in self.runs:
            found = self.logger.find_run(**{"autodata.study": self.study, "autodata.trial": str(number),
                                            "autodata.split": "validation"})
            if found:
                self.runs[number] = found
        return self.runs.get(number)

    def __call__(self, event: Any) -> None:
        # Logged on one background thread, in order: the sweep goes on evaluating meanwhile
        # (MLflow's SQLite writes mostly wait on the disk).
        self.pending.append(self.executor.submit(self._handle, event))

    def _handle(self, event: Any) -> None:
        kind = type(event).__name__
        if kind == "CandidateFinished":
            self._candidate(event)
        elif kind == "TestEvaluated":
            self._test(event)
        elif kind == "ProposalRejected":
            # Numbered, not timed: two rejections in one millisecond would share a key and one be lost.
            self.rejected_count = getattr(self, "rejected_count", 0) + 1
            self.logger.batch(self.parent, tags={f"rejected.{self.rejected_count:04d}":
                                                 f"{event.operator} ({event.stage}): " + "; ".join(event.reasons)})

    def _config(self, attrs: dict[str, Any], knobs: dict[str, Any]) -> HarnessConfig:
        genes = {k.removeprefix("gene_text:"): v for k, v in attrs.items() if k.startswith("gene_text:")}
        data = self.seed_config.model_dump()
        data["knobs"] = {**data["knobs"], **knobs}
        data["genes"] = {**data["genes"], **genes}
        return HarnessConfig.model_validate(data)

    def _candidate(self, event: Any) -> None:
        attrs = event.attrs
        split = "validation" if event.validation_score is not None else "train"
        parents = attrs.get("parents") or []
        where = event.evaluations.get(split)
        card = Scorecard.model_validate_json((Path(where) / "scorecard.json").read_text()) if where else None
        tags = {
            **(card_tags(card) if card is not None else common_tags(bool(self.simulated), sorted(self.simulated))),
            "autodata.kind": "candidate", "autodata.study": self.study, "autodata.sweep": self.sweep_name,
            "autodata.trial": str(event.number),
            "autodata.split": split, "autodata.state": event.state, "autodata.operator": event.operator,
            "autodata.accepted": str(event.accepted).lower(),
            "autodata.parents": ",".join(map(str, parents)),
        }
        if attrs.get("mutated_gene"):
            tags["autodata.mutated_gene"] = attrs["mutated_gene"]
        if card is not None:  # what the content guard and the auditor caught in its data (docs/guard.md)
            caught = {"injected_instructions": card.value("injected_instructions"),
                      "auditor_overruled": card.value("auditor_overruled")}
            if any(caught.values()):
                tags["autodata.caught"] = ", ".join(f"{k}: {v:.0f}" for k, v in caught.items() if v)
        if parents and (parent_run := self.run_of(parents[0])):
            tags["autodata.parent_run_id"] = parent_run
        tags["autodata.worker"] = WORKER
        run_id = self.logger.create_run(f"candidate-{event.number} {self.tag}", tags, parent=self.parent)
        self.runs[event.number] = run_id
        config = self._config(attrs, event.knobs)
        metrics = {"train_score": event.train_score} if event.train_score is not None else {}
        if event.validation_score is not None:
            metrics["validation_score"] = event.validation_score
        metrics.update({f"cost_{k}": v for k, v in event.cost.items()})
        if card is not None:
            metrics.update(scorecard_metrics(card, prefix=f"{split}/"))
            self._note_simulated(card)
        self.logger.batch(run_id, params=harness_params(config, self.knobs), metrics=metrics)
        self._link_prompts(run_id, config)
        texts = {"mutation/analysis.txt": attrs["analysis"]} if attrs.get("analysis") else {}
        self.logger.artifacts(run_id, genes=genes_of(config), texts=texts,
                              evaluation=Path(where) if where else None)
        self.logger.finish(run_id)
        self.finished += 1
        if event.best is not None:  # the population's best, its mean over draws: it can fall
            self.best = event.best[1]
        parent_metrics = {"candidate_score": event.validation_score if event.validation_score is not None
                          else (event.train_score or 0.0)}
        if self.best is not None:
            parent_metrics["best_so_far"] = self.best
        self.logger.batch(self.parent, metrics=parent_metrics, step=self.finished)

    def _test(self, event: Any) -> None:
        if self.runner is not None and not self.runner.claim(f"mlflow_test:{event.role}", event.number):
            return  # another worker of the study logs this test evaluation (once per study)
        if self.logger.find_run(**{"autodata.study": self.study, "autodata.trial": str(event.number),
                                   "autodata.split": "test"}):
            return  # already logged by an earlier run of this sweep's report
        card = Scorecard.model_validate_json((Path(event.out) / "scorecard.json").read_text())
        tags = {**card_tags(card), "autodata.kind": "candidate", "autodata.study": self.study,
                "autodata.sweep": self.sweep_name,
                "autodata.trial": str(event.number), "autodata.split": "test", "autodata.role": event.role}
        if validation_run := self.run_of(event.number):
            tags["autodata.validation_run_id"] = validation_run
        tags["autodata.worker"] = WORKER
        run_id = self.logger.create_run(f"test-{event.role}-{event.number} {self.tag}", tags, parent=self.parent)
        self._note_simulated(card)
        # Like every child: the harness's params and gene texts (from the evaluation's resolved config).
        config = HarnessConfig.model_validate(json.loads((Path(event.out) / "config.resolved.json").read_text())["config"])
        test_metrics = scorecard_metrics(card, prefix="test/")
        self.logger.batch(run_id, params=harness_params(config, self.knobs), metrics=test_metrics)
        if validation_run:  # the candidate's own row shows its test numbers beside its validation ones
            self.logger.batch(validation_run, metrics=test_metrics)
        self._link_prompts(run_id, config)
        self.logger.artifacts(run_id, genes=genes_of(config), evaluation=Path(event.out))
        self.logger.finish(run_id)

    def _link_prompts(self, run_id: str, config: HarnessConfig) -> None:
        genes = genes_of(config)
        self.prompts.link(run_id, genes, {name: text_id(text) for name, text in genes.items()})

    def _note_simulated(self, card: Scorecard) -> None:
        """The parent is simulated as soon as one evaluation was (a worker may have made no preflight)."""
        if card.simulated and not set(card.simulated_roles) <= self.simulated:
            self.simulated.update(card.simulated_roles)
            self.logger.batch(self.parent, tags=common_tags(True, sorted(self.simulated)))

    def flush(self) -> list[str]:
        """Wait for everything queued; the errors of logging that failed (logging never stops a sweep)."""
        failures = []
        for future in self.pending:
            try:
                future.result()
            except Exception as error:  # a tracking failure is reported, never fatal to the sweep
                failures.append(_failure(error))
        self.pending.clear()
        return failures

    def close(self, report: dict[str, Any] | None = None) -> list[str]:
        failures = self.flush()
        self.executor.shutdown(wait=True)
        if report is not None:
            # Every worker of a study logs the report to the one parent run at its end; two doing it
            # at once race on the same tags (PostgreSQL: a unique violation on "mlflow.loggedArtifacts").
            # The second attempt finds the tag and updates it; a failure after that is reported, as any
            # tracking failure is, and never fails the sweep.
            for attempt in range(2):
                try:
                    self._log_report(report)
                    break
                except Exception as error:
                    if attempt:
                        failures.append(_failure(error))
        self.logger.finish(self.parent)
        return failures

    def _log_report(self, report: dict[str, Any]) -> None:
        metrics = {"seed_validation_acceptance": report["seed"]["validation_acceptance"] or 0.0,
                   "seed_test_acceptance": report["seed"]["test_acceptance"],
                   "best_validation_acceptance": report["best"]["validation_acceptance"] or 0.0,
                   "best_test_acceptance": report["best"]["test_acceptance"]}
        metrics.update(summary_metrics(report))
        tags = {"autodata.best_trial": str(report["best"]["trial"]), "autodata.view": self.view,
                **common_tags(bool(report.get("simulated")), report.get("simulated_roles"))}
        pair = [self.logger.find_run(**{"autodata.study": self.study, "autodata.trial": str(report[who]["trial"]),
                                        "autodata.split": "test"}) for who in ("seed", "best")]
        if all(pair):  # the best harness's gene texts beside the seed's (the seed alone when it is the best)
            tags["autodata.seed_vs_best"] = compare_url(self.logger.experiment_id,
                                                        [p for p in dict.fromkeys(pair) if p])
        self.logger.batch(self.parent, metrics=metrics, tags=tags)
        self.logger.artifacts(self.parent, texts={"report.json": json.dumps(report, indent=2, default=str)})
        self.logger.client.log_table(self.parent, comparison_table(report), "comparison.json")
        for alias in ("seed", "best"):
            genes = report["best_genes"] if alias == "best" else report.get("seed_genes")
            if genes:
                self.prompts.alias(alias, genes, {name: text_id(text) for name, text in genes.items()})
