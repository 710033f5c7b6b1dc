"""The offline world: a simulated set of models and documents that plugs in where real ones do.

Nothing here reaches a model. It exists to run the whole system offline, to test it, and to
benchmark the search, and every number it produces is labelled SIMULATED. How it works:

**Documents** (``world.py``) are generated rule systems in legal-flavoured English: a code of
~20 provisions, some written as defined terms (``§3. "licensed vendor" means a person who is
...``), most as rules with conditions and exceptions (``Rule 7. A person who is a registered
operator and a bonded carrier is a chartered agent, unless that person is a suspended
trader.``). Statuses sit in layers, so chains of 1 to 7 rule applications exist.

**Text is the only channel.** A role is played by a DSPy engine (``engine.py``) that reads only
the request: the model string (``sim/<profile>``) names the profile, the system message carries
the instructions and the requested output fields (which say which role to play), the user
message the inputs. Replies are in the ChatAdapter's field format. Solvers (``solver.py``)
parse the provisions and facts they were sent and chain forward for a bounded number of rounds;
the judge (``judge.py``) parses the answer and checks each rubric criterion against it; the
verifier (``verifier.py``) re-derives the answer from the context; the orchestrator
(``orchestrator.py``) re-derives each failed question to measure how deep it was.

**Instructions act causally** through a documented lexicon (``lexicon.py``): "at least 5
reasoning steps", "exception", "distractor", "self-contained", "do not reveal", "verify" each
shift what the challenger (``challenger.py``, building tasks with ``tasks.py``) writes; the
challenger temperature widens the spread. Better instructions measurably yield more
discriminative data.

**A known landscape** (``profiles.py``): the weak profile mostly reaches 3 chaining rounds, the
strong one 6-7. Questions of depth 1-3 are too easy (both solve them); depth 4-6 is the
discriminative band; beyond it, and with flawed samples (leaked answers, missing provisions,
wrong references), the strong solver fails too or QV rejects. So the optimum is known: ask for
about 5 steps, cross exceptions, be careful.

**Deterministic and fast**: randomness is seeded from the request text, ``config.seed`` and the
temperature; a call costs well under a millisecond of the world's own time.

**Faults on demand** (``engine.FaultPlan``): malformed outputs, timeouts, 429 and 500 at set
rates, and added latency.

**Over HTTP** (``server.py``, ``autodata serve-sim``): the same replies (``replies.world_reply``)
from an OpenAI-compatible server with added latency, a concurrency capacity (429 beyond it) and
its own seeded fault stream; ``server_process.ServerProcess`` runs it in a child process.
"""
