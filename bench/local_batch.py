"""What llama.cpp's batched decoding of several sequences gains for the embedded model, on this machine.

    python -m bench.local_batch

In the embedded model's own context (one KV stream per slot): the next token of k sequences decoded
in one `llama_decode` call against k calls of one token each, and a prompt evaluated in one call
against token by token. Medians of alternating rounds; the load average is printed because other
work may share the cores.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

from avatarium.providers.local.llm import _Loaded

SLOTS = 8
HISTORY = 100  # tokens each sequence already holds
ROUNDS = 15


def _decode(loaded: _Loaded, batch: Any, entries: list[tuple[int, int, int]]) -> float:
    """Seconds for one llama_decode of (token, position, sequence) entries, logits for each."""
    b = batch.batch
    b.n_tokens = 0
    for token, pos, seq in entries:
        i = b.n_tokens
        b.token[i], b.pos[i], b.seq_id[i][0], b.n_seq_id[i], b.logits[i] = token, pos, seq, 1, True
        b.n_tokens += 1
    started = time.perf_counter()
    loaded.ctx.decode(batch)
    return time.perf_counter() - started


def main() -> None:
    from llama_cpp import _internals, llama_cpp

    threads = int(os.environ.get("AVATARIUM_LOCAL_LLM_THREADS", "2"))
    loaded = _Loaded.open(threads, 2048, SLOTS)
    loaded.engine.close()  # this benchmark drives the context itself
    memory = loaded.ctx.memory
    batch: Any = _internals.LlamaBatch(n_tokens=512, embd=0, n_seq_max=1, verbose=False)
    print(f"{os.cpu_count()} cores, {threads} threads, load average {os.getloadavg()[0]:.1f}")
    for seq in range(SLOTS):
        _decode(loaded, batch, [(1000 + i, i, seq) for i in range(HISTORY)])
    for k in (1, 2, 4, 8):
        together, apart = [], []
        for step in range(ROUNDS):
            pos = HISTORY + 2 * step
            together.append(_decode(loaded, batch, [(100, pos, seq) for seq in range(k)]))
            apart.append(sum(_decode(loaded, batch, [(100, pos + 1, seq)]) for seq in range(k)))
        t, a = statistics.median(together), statistics.median(apart)
        print(f"next token of {k} sequences: one call {t * 1000:.0f} ms, {k} calls {a * 1000:.0f} ms: {a / t:.2f}x")
        for seq in range(SLOTS):
            llama_cpp.llama_memory_seq_rm(memory, seq, HISTORY, -1)
    prompt = [1000 + i for i in range(48)]
    whole, single = [], []
    for _ in range(5):
        llama_cpp.llama_memory_seq_rm(memory, 0, 0, -1)
        whole.append(_decode(loaded, batch, [(t, i, 0) for i, t in enumerate(prompt)]))
        llama_cpp.llama_memory_seq_rm(memory, 0, 0, -1)
        single.append(sum(_decode(loaded, batch, [(t, i, 0)]) for i, t in enumerate(prompt)))
    w, s = statistics.median(whole), statistics.median(single)
    print(
        f"a {len(prompt)}-token prompt: one call {w * 1000:.0f} ms ({w * 1000 / len(prompt):.1f} ms a token),"
        f" token by token {s * 1000:.0f} ms: {s / w:.2f}x"
    )
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    batch.close()
    loaded.ctx.close()
    loaded.model.close()


if __name__ == "__main__":
    main()
