"""Several generations at once in one llama.cpp context: one sequence per slot, decoded together, openings first.

One worker thread owns the context. Each step it builds one batch and makes one `llama_decode` call:

- every generation still in its *opening* (prompt not yet evaluated, or its first clause not yet
  written) gets its next prompt chunk or its next token, in arrival order, within `budget` prompt
  tokens per step, so a step stays short;
- the generations past their opening get one token each, on every step when no opening is running
  and on every `patience`-th step while one is: the first words of every reply come before the rest
  of any reply, and no reply is ever starved.

A slot keeps the tokens its sequence holds in the KV cache after its generation ends; the next
prompt goes to the free slot where it saves the most (the same conversation's previous turn; else
an empty slot, or the one with the least to lose) and only the rest is evaluated. When another
slot shares a clearly longer prefix (a system prompt that a conversation arriving at the same
moment is evaluating, say), its cache is copied over instead, once it holds that prefix.
"""

from __future__ import annotations

import codecs
import random
import re
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from avatarium.text import FIRST_CLAUSE_WORDS

OPENING_TOKENS = 24  # an opening ends after this many tokens even without a clause break
WORTH_COPYING = 16  # tokens another slot must share beyond a slot's own prefix to copy its cache (a whole stream)
_CLAUSE_END = re.compile(r"[.!?…]\s|[,;:]\s")
_SENTENCE_END = re.compile(r"[.!?…]\s")


@dataclass(frozen=True)
class Done:
    """The last item a job emits: why it stopped and how many tokens it produced."""

    reason: str  # stop, length, cancelled
    produced: int


Emit = Callable[[str | Done | BaseException], object]  # called on the worker thread


@dataclass(eq=False)
class Job:
    prompt: list[int]
    max_tokens: int
    temperature: float
    emit: Emit
    cancelled: bool = False
    # set by the worker
    pending: list[int] = field(default_factory=list)  # prompt tokens not yet evaluated
    next_token: int = -1  # sampled, to be decoded in the next step
    produced: int = 0
    text: str = ""
    opening: bool = True
    slot: Slot | None = None
    donor: tuple[Slot, int] | None = None  # waits for that slot to hold that many of our prompt's tokens
    sampler: Any = None
    decoder: Any = field(default_factory=lambda: codecs.getincrementaldecoder("utf-8")(errors="replace"))


@dataclass(eq=False)
class Slot:
    seq: int
    tokens: list[int] = field(default_factory=list)  # what the KV cache holds for this sequence
    used: int = 0  # when it was last taken, for least-recently-used ties


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _worth(slot: Slot, prompt: list[int]) -> int:
    """What taking this slot for `prompt` saves (its shared prefix) less what it throws away (another
    conversation's cache): a conversation's own slot first, then an empty one, then the least to lose."""
    common = _common_prefix(slot.tokens, prompt)
    return common - (len(slot.tokens) - common)


def opening_over(text: str, produced: int) -> bool:
    """Whether a reply has written what its first spoken piece needs (a sentence, or a clause after a few words)."""
    if produced >= OPENING_TOKENS or _SENTENCE_END.search(text):
        return True
    clause = _CLAUSE_END.search(text)
    return clause is not None and len(text[: clause.start()].split()) >= FIRST_CLAUSE_WORDS


class Engine:
    def __init__(self, model: Any, ctx: Any, slots: int, context: int, budget: int = 64, patience: int = 4) -> None:
        from llama_cpp import _internals

        self._model = model
        self._ctx = ctx
        self._context = context  # cells per sequence: a prompt and its reply stay within them
        self._budget = budget
        self._patience = patience
        self._slots = [Slot(seq) for seq in range(slots)]
        self._batch: Any = _internals.LlamaBatch(n_tokens=budget + slots, embd=0, n_seq_max=1, verbose=False)
        self._waiting: deque[Job] = deque()
        self._running: list[Job] = []  # in arrival order
        self._wake = threading.Condition()
        self._closing = False
        self._clock = 0
        self._step = 0
        self._thread = threading.Thread(target=self._run, name="avatarium-llm", daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> None:
        """Start `job` as soon as a slot is free (the caller's line guarantees one normally is)."""
        with self._wake:
            self._waiting.append(job)
            self._wake.notify()

    def cancel(self, job: Job) -> None:
        with self._wake:
            job.cancelled = True
            self._wake.notify()

    def close(self) -> None:
        with self._wake:
            self._closing = True
            self._wake.notify()
        self._thread.join()
        self._batch.close()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._closing and not self._waiting and not self._running:
                    self._wake.wait()
                if self._closing:
                    for job in (*self._running, *self._waiting):
                        self._end(job, "cancelled")
                    return
                self._admit()
            try:
                self._decode_step()
            except BaseException as exc:  # the context is in an unknown state: every running job fails
                for job in self._running[:]:
                    job.emit(exc)
                    job.emit(Done("error", job.produced))
                    self._release(job, forget=True)

    def _admit(self) -> None:
        for job in self._running[:]:
            if job.cancelled:
                self._end(job, "cancelled")
        while self._waiting:
            free = [s for s in self._slots if not any(j.slot is s for j in self._running)]
            if not free:
                return
            job = self._waiting.popleft()
            job.max_tokens = min(job.max_tokens, self._context - len(job.prompt))
            if job.cancelled or job.max_tokens <= 0:
                job.emit(Done("cancelled" if job.cancelled else "length", 0))
                continue
            slot = max(free, key=lambda s: (_worth(s, job.prompt), -s.used))
            self._clock += 1
            slot.used = self._clock
            job.slot, job.sampler = slot, self._sampler(job.temperature)
            self._keep(job, slot, _common_prefix(slot.tokens, job.prompt))
            donor, shared = max(((s, self._sharable(s, job.prompt)) for s in self._slots), key=lambda d: d[1])
            if donor is not slot and shared > len(slot.tokens) + WORTH_COPYING:
                job.donor = (donor, shared)
            self._running.append(job)
        for job in self._running:
            if job.donor is not None:
                self._take_from_donor(job, *job.donor)

    def _keep(self, job: Job, slot: Slot, common: int) -> None:
        """Keep the first `common` tokens of the slot's cache (all but the prompt's last at most), evaluate the rest."""
        from llama_cpp import llama_cpp

        kept = min(common, len(job.prompt) - 1)
        llama_cpp.llama_memory_seq_rm(self._ctx.memory, slot.seq, kept, -1)
        del slot.tokens[kept:]
        job.pending = job.prompt[kept:]

    def _sharable(self, slot: Slot, prompt: list[int]) -> int:
        """How much of `prompt` the slot holds, or will once the prompt it is evaluating is in."""
        filling = next((j for j in self._running if j.slot is slot and j.pending and j.donor is None), None)
        return _common_prefix(slot.tokens + filling.pending if filling else slot.tokens, prompt)

    def _take_from_donor(self, job: Job, donor: Slot, shared: int) -> None:
        from llama_cpp import llama_cpp

        assert job.slot is not None
        if len(donor.tokens) >= shared and donor.tokens[:shared] == job.prompt[:shared]:
            llama_cpp.llama_memory_seq_cp(self._ctx.memory, donor.seq, job.slot.seq, -1, -1)  # the whole stream
            job.slot.tokens[:] = donor.tokens
            self._keep(job, job.slot, shared)
            job.donor = None
        elif self._sharable(donor, job.prompt) < shared:  # the donor stopped short (cancelled): evaluate it all
            job.donor = None

    def _sampler(self, temperature: float) -> Any:
        from llama_cpp import _internals

        sampler: Any = _internals.LlamaSampler()  # type: ignore[no-untyped-call]
        if temperature <= 0:
            sampler.add_greedy()
        else:
            sampler.add_top_k(40)
            sampler.add_top_p(0.95, 1)
            sampler.add_min_p(0.05, 1)
            sampler.add_temp(temperature)
            sampler.add_dist(random.getrandbits(32))
        return sampler

    def _plan(self) -> list[tuple[Job, list[int]]]:
        """Which tokens of which jobs go into this step's batch."""
        self._step += 1
        openings = [j for j in self._running if j.opening]
        plan: list[tuple[Job, list[int]]] = []
        budget = self._budget
        for job in openings:
            if job.donor is not None:
                continue
            if job.pending:
                if budget <= 0:
                    continue
                chunk = job.pending[:budget]
                budget -= len(chunk)
                plan.append((job, chunk))
            else:
                plan.append((job, [job.next_token]))
        if not openings or self._step % self._patience == 0:
            plan += [(j, [j.next_token]) for j in self._running if not j.opening]
        return plan

    def _decode_step(self) -> None:
        plan = self._plan()
        batch = self._batch.batch
        batch.n_tokens = 0
        outputs: list[tuple[Job, int]] = []
        for job, tokens in plan:
            slot = job.slot
            assert slot is not None
            last = len(tokens) == len(job.pending) if job.pending else True  # the prompt's end, or a new token
            for offset, token in enumerate(tokens):
                i = batch.n_tokens
                batch.token[i] = token
                batch.pos[i] = len(slot.tokens) + offset
                batch.seq_id[i][0] = slot.seq
                batch.n_seq_id[i] = 1
                batch.logits[i] = last and offset == len(tokens) - 1
                batch.n_tokens += 1
            if last:
                outputs.append((job, batch.n_tokens - 1))
        if batch.n_tokens == 0:
            return
        self._ctx.decode(self._batch)
        for job, tokens in plan:
            assert job.slot is not None
            job.slot.tokens += tokens
            if job.pending:
                del job.pending[: len(tokens)]
        for job, index in outputs:
            self._sample(job, index)

    def _sample(self, job: Job, index: int) -> None:
        from llama_cpp import llama_cpp

        token = llama_cpp.llama_sampler_sample(job.sampler.sampler, self._ctx.ctx, index)
        if llama_cpp.llama_vocab_is_eog(self._model.vocab, token):
            self._end(job, "stop")
            return
        job.produced += 1
        piece = job.decoder.decode(self._model.detokenize([token]))
        if piece:
            job.text += piece
            job.emit(piece)
        if job.opening and opening_over(job.text, job.produced):
            job.opening = False
        if job.produced >= job.max_tokens:
            self._end(job, "length")
            return
        job.next_token = token

    def _end(self, job: Job, reason: str) -> None:
        job.emit(Done(reason, job.produced))
        self._release(job, forget=False)

    def _release(self, job: Job, forget: bool) -> None:
        if job in self._running:
            self._running.remove(job)
        if job.sampler is not None:
            job.sampler.close()
        if forget and job.slot is not None:
            from llama_cpp import llama_cpp

            llama_cpp.llama_memory_seq_rm(self._ctx.memory, job.slot.seq, 0, -1)
            job.slot.tokens.clear()
        job.slot = None
