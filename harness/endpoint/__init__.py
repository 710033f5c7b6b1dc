"""The path of every model call: budget, per-endpoint adaptive concurrency, timeout, retries by
kind, counters (engine.py), around DSPy's own client; errors sorted by what happens next
(errors.py). The offline world and real endpoints take the same path."""
