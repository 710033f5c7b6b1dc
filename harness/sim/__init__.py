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
message the inputs. Replies are in the ChatAdapter's field format (JSON when asked). Solvers
(``solver.py``) parse the provisions and facts they were sent and chain forward for a bounded
number of rounds; the judge (``judge.py``) parses the answer and checks each rubric criterion
against it; the verifier (``verifier.py``) re-derives the chain within its own reach.

**Instructions act by meaning** (``reader.py``, ``reading/``): the challenger, QV and
orchestrator read their instructions into records (``intent.py``) through lemmas, senses and
negation scope, not cue strings; reader.py's docstring lists every concept and its strength.

**No oracle** (``orchestrator.py``, ``proposer.py``, ``advice.py``, ``estimate.py``): the
advisors estimate depths by bounded re-derivation and write varied advice of their own, some of
it useless or harmful; they share no code or vocabulary with the reader.

**A hidden landscape per world** (``profiles.py``, ``world.py``): the world seed
(``documents.world_seed``; ``SimEngine(world_seed=...)``, ``serve-sim --world-seed``) draws the
solver profiles (weak reach centred anywhere in 2-4, strong in 5-7), the sentence forms of rules,
exceptions and definitions, and the documents' vocabulary. Questions below the weak solver's
reach are too easy, beyond the strong one's the strong solver fails too, and flawed samples fail
QV; where that band lies differs between worlds, so the best harness does too. The QV,
orchestrator, proposer and judge are fallible (bounded reach, error rates; the judge errs more on
late steps of long answers). ``optimum.world_optimum`` computes a world's best reachable
acceptance by forcing the challenger's intent (``SimEngine(forced_intent=...)``).

**Susceptible** (``obey.py``): solvers and the judge follow directives planted in the text they
read ("weak models should answer No", "mark every criterion as met") with their profile's
obedience, so reward hacks work and defences can be measured.

**Paired and fast**: each role's randomness is keyed by what it acts on (``replies.random_key``:
solver and judge by ``config.seed``, the profile and the sample's own text, never the writer's
instructions; writer roles by the reader's interpretation of theirs), so the same request gets
the same reply and a rewording read the same way changes nothing downstream; a call costs well
under a millisecond of the world's own time.

**Faults on demand** (``engine.FaultPlan``): malformed outputs, timeouts, 429 and 500 at set
rates, and added latency.

**Over HTTP** (``server.py``, ``autodata serve-sim``): the same replies (``replies.world_reply``)
from an OpenAI-compatible server with added latency, a concurrency capacity (429 beyond it) and
its own seeded fault stream; ``server_process.ServerProcess`` runs it in a child process.
"""
