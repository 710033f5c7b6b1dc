# Two entry points: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export LITELLM_LOCAL_MODEL_COST_MAP := True
export MLFLOW_DISABLE_TELEMETRY := true

.PHONY: demo test lint bench clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or run: make PYTHON=python3 ...)"; exit 2; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/autodata sweep experiments/configs/sweep_demo.yaml --out out/sweep-demo

test: $(STAMP)
	$(BIN)/ruff check .
	@# pytest exits 5 when it collected no tests: that must fail, not pass silently.
	$(BIN)/python -m pytest -q; rc=$$?; if [ $$rc -eq 5 ]; then echo 'pytest collected no tests' >&2; exit 1; fi; exit $$rc

# Every benchmark with a target, at its defaults (about 16 minutes on a 2-core VM). The diagnostics
# client_cpu.py and generation_cpu.py (what each cut is worth) are run on their own.
bench: $(STAMP)
	$(BIN)/python experiments/bench/inner_loop.py
	$(BIN)/python experiments/bench/throughput.py
	$(BIN)/python experiments/bench/tracking_overhead.py
	$(BIN)/python experiments/bench/search_efficiency.py

clean:
	rm -rf out .pytest_cache
