"""Automatic prefix caching, as vLLM, SGLang and hosted APIs do it: a prompt's leading blocks that an
earlier prompt already had are not computed (or billed) again, and the reply's usage says how many
tokens that was (``prompt_tokens_details.cached_tokens``).

A setting of the offline world's server and engine, not of the world: it changes what a reply's
usage reports, never the reply. Blocks are ``BLOCK_CHARS`` characters of the prompt's text (about
16 tokens at the world's estimate of 4 characters a token); a block counts as cached only when
every block before it did too, as in a radix cache. The least recently used blocks go first.
"""

from __future__ import annotations

from collections import OrderedDict

BLOCK_CHARS = 64
CHARS_PER_TOKEN = 4  # the offline world's token estimate (harness/sim/replies.py)


class PrefixCache:
    def __init__(self, max_blocks: int = 200_000) -> None:
        self.max_blocks = max_blocks
        self._blocks: OrderedDict[int, None] = OrderedDict()

    def read(self, text: str) -> int:
        """Reads a prompt: the tokens of its leading blocks that were cached; its blocks are kept."""
        cached, leading, key = 0, True, 0
        for end in range(BLOCK_CHARS, len(text) + 1, BLOCK_CHARS):
            # A block's key chains the one before it: the same block after another prefix is another.
            key = hash((key, text[end - BLOCK_CHARS:end]))
            if key in self._blocks:
                self._blocks.move_to_end(key)
                if leading:
                    cached = end
            else:
                leading = False
                self._blocks[key] = None
        while len(self._blocks) > self.max_blocks:
            self._blocks.popitem(last=False)
        return cached // CHARS_PER_TOKEN


def request_text(request: object) -> str:
    """The text a server's tokenizer would read for a chat request (system, then each message), in
    order, after its model's name (each model has a cache of its own): a DSPy request, or the
    server's ``ChatRequest``."""
    system = getattr(request, "system", "") or ""
    if isinstance(system, (list, tuple)):
        system = "\n".join(getattr(part, "text", str(part)) for part in system)
    return "\n".join([str(getattr(request, "model", "")), system, *(getattr(m, "text", "") or "" for m in getattr(request, "messages", ()))])
