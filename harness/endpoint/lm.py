"""``dspy.LM`` with its async call prepared on the event loop instead of in a worker thread.

DSPy hops to a thread to prepare every async call, because preparing may read local media
files; autodata's requests are text only, so the hop is pure overhead (about 0.4 ms a call,
a fifth of the client's time per call at hundreds of calls per second; measured by
experiments/bench/throughput.py). Everything else is DSPy's own code path, pinned at 3.4.1.
"""

from __future__ import annotations

from typing import Any

import dspy
from dspy.clients._deprecation import warn_legacy_lm, warn_openai_messages
from dspy.clients.execution import aexecute, finalize, prepare
from dspy.utils.callback import with_callbacks


class InlineLM(dspy.LM):
    @with_callbacks
    async def acall(self, prompt: Any = None, *, messages: Any = None, **kwargs: Any) -> Any:
        call = prepare(self, prompt, messages, kwargs, asynchronous=True)
        if not call.managed:
            warn_legacy_lm()
        warn_openai_messages(self, messages)
        return finalize(self, call, await aexecute(self, call))
