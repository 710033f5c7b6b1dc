"""``dspy.LM`` with its async call run on the event loop, without DSPy's worker-thread hops.

For every async call DSPy hops to a worker thread up to four times: to prepare the call (it may
read local media files), to look the request up in its cache, to price the reply, and to store
it. autodata's requests are text only, and the cache lookup, pricing and store are short CPU
work (a dictionary, a hash, a SQLite row of a page-cached file); done in threads they cost more
than the work itself, because each hop contends for the GIL with the busy event loop. Measured
with experiments/bench/throughput.py against serve-sim: with the cache on, the client's CPU per
call fell from 5.6 to 3.7 ms (median of 4 interleaved runs), and calls per second rose by about
a third.

``_execute`` is DSPy's ``aexecute`` (3.4.1, pinned) for the one shape autodata sends: a managed
call with one completion and DSPy's own retries off (the endpoint engine retries). Any other
shape goes through DSPy's function unchanged. Cancellation cannot interrupt the synchronous
cache store, so a stored result is always complete, as in DSPy.

On an OpenAI-compatible ``api_base``, a call whose shape the endpoint's ``ChatWire`` has verified
against DSPy's own request skips DSPy's canonical round trip (``_execute_wire``); the first call
of each shape goes DSPy's way and is what the verification compares with. A call carrying a
``response_format`` is verified on its shape without the format (DSPy's request for it is built,
not sent) and goes direct from its first call: DSPy cannot carry llama.cpp's ``json_object`` with
a ``schema``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import dspy
from dspy.clients import execution
from dspy.clients._deprecation import warn_legacy_lm, warn_openai_messages
from dspy.clients.call_result import CallResult
from dspy.clients.errors import error_boundary
from dspy.dsp.utils.settings import settings
from dspy.utils.callback import with_callbacks

from harness.endpoint.wire import bare, shape


class InlineLM(dspy.LM):
    @with_callbacks
    async def acall(self, prompt: Any = None, *, messages: Any = None, **kwargs: Any) -> Any:
        call = execution.prepare(self, prompt, messages, kwargs, asynchronous=True)
        if not call.managed:
            warn_legacy_lm()
        warn_openai_messages(self, messages)
        return execution.finalize(self, call, await _execute(self, call))


async def _execute(lm: dspy.LM, call: Any) -> Any:
    if not call.managed or call.n != 1 or lm.num_retries:
        return await execution.aexecute(lm, call)
    if call.cache and (cached := execution._cached(lm, call, True)):
        return cached
    engine = lm._async_engine_spec
    wire = getattr(engine, "wire", None)
    direct = wire is not None and settings.send_stream is None and lm.model_type == "chat"
    keys = shape(call.legacy) if direct else None
    if direct and keys is not None and call.legacy.get("response_format") is not None \
            and wire.ready(call.legacy, keys) is None:
        # A structured call: verified without its format (which DSPy's request may not carry),
        # building DSPy's request is pure; then sent directly, format included.
        plain = replace(call, legacy=bare(call.legacy))
        with error_boundary(lm.model):
            _, request, _ = execution._engine(lm, plain, True)
        if request is not None:
            wire.learn(plain.legacy, keys, engine.inner, request)
    if direct and (payload := wire.ready(call.legacy, keys)) is not None:
        return await _execute_wire(lm, call, engine, payload)
    backend, request, provider = execution._engine(lm, call, True)
    if direct and request is not None:
        wire.learn(call.legacy, keys, engine.inner, request)  # this call still goes DSPy's way
    results: list[Any] = []
    state = execution._Attempt()
    try:
        with error_boundary(lm.model, provider=provider, unexpected=True):
            await execution._aattempt(lm, call, backend, request, provider, state, results)
        if request is not None:
            execution._price_result(lm, state.result, state.response, provider, request)
        result = results[0]
        if call.cache:
            execution._store(lm, call, result, True)
        return result
    except BaseException as error:
        execution._hint_responses_api(lm, error)
        execution._account_failed_call(lm, results, error)
        raise


async def _execute_wire(lm: dspy.LM, call: Any, engine: Any, payload: bytes) -> CallResult:
    """The call on the endpoint's direct route; the reply read as DSPy reads an OpenAI reply
    (the same reading its LiteLLM path and its cache use), cached as DSPy caches that reply."""
    try:
        with error_boundary(lm.model, unexpected=True):
            reply = await engine.complete_wire(payload)
            result = CallResult.legacy(lm, reply, kwargs=call.legacy)
    except BaseException as error:
        execution._hint_responses_api(lm, error)
        raise
    if call.cache:
        execution._store(lm, call, result, True)
    return result
