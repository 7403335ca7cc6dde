"""Embedded chat models on this machine's CPU: SmolLM2-135M (the baseline) against candidate GGUF files.

    python -m bench.local_models --candidate gemma-3-270m=/path/to/gemma-3-270m-q4_k_m.gguf

Each model answers the same prompts through llama.cpp's chat completion, as the embedded
provider does (2 threads, greedy decoding). Measured: load time; time to the first token
and to the first whole sentence (what the realtime pipeline waits for before speaking);
decode speed; and how many of a handful of factual questions it answers right. Candidates
are files a package installed: nothing is downloaded.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from dataclasses import dataclass
from typing import Any

from avatarium.providers.local.llm import gguf_path
from avatarium.text import SentenceChunker

SYSTEM = "You are Kai, a friendly math tutor. Answer in one or two short sentences."
CONVERSATION = [
    "Hi! Who are you?",
    "Can you help me with fractions?",
    "What is a denominator?",
    "Why do we need a common denominator to add fractions?",
]
FACTS = [
    ("What is two plus two?", r"\b(4|four)\b"),
    ("What is the capital of France?", r"\bparis\b"),
    ("How many days are there in a week?", r"\b(7|seven)\b"),
    ("What colour is the sky on a clear day?", r"\bblue\b"),
    ("What is the largest planet in the solar system?", r"\bjupiter\b"),
    ("Who wrote Romeo and Juliet?", r"\bshakespeare\b"),
    ("What is the chemical formula of water?", r"\bh2o\b|\bh₂o\b"),
    ("How many legs does a spider have?", r"\b(8|eight)\b"),
    ("At how many degrees Celsius does water freeze?", r"\b(0|zero)\b"),
    ("What is ten times three?", r"\b(30|thirty)\b"),
]
THREADS = 2
MAX_TOKENS = 64


@dataclass(frozen=True)
class Turn:
    first_token: float
    first_sentence: float
    tokens_per_second: float
    text: str


@dataclass(frozen=True)
class Result:
    name: str
    load: float
    first_token: float
    first_sentence: float
    tokens_per_second: float
    right: int
    samples: list[tuple[str, str]]


def _turn(llama: Any, question: str) -> Turn:
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}]
    started = time.perf_counter()
    first_token = first_sentence = None
    chunker = SentenceChunker()
    pieces: list[str] = []
    for chunk in llama.create_chat_completion(messages=messages, stream=True, max_tokens=MAX_TOKENS, temperature=0):
        text = chunk["choices"][0].get("delta", {}).get("content")
        if not text:
            continue
        now = time.perf_counter() - started
        first_token = first_token if first_token is not None else now
        pieces.append(text)
        if first_sentence is None and chunker.feed(text):
            first_sentence = now
    total = time.perf_counter() - started
    assert first_token is not None, "the model said nothing"
    decode = (len(pieces) - 1) / (total - first_token) if len(pieces) > 1 and total > first_token else 0.0
    return Turn(first_token, first_sentence if first_sentence is not None else total, decode, "".join(pieces))


def measure(models: dict[str, str]) -> list[Result]:
    """Every model answers each prompt in turn, so that other load on the machine falls on all of them alike."""
    from llama_cpp import Llama

    llamas: dict[str, Any] = {}
    loads: dict[str, float] = {}
    for name, path in models.items():
        started = time.perf_counter()
        llamas[name] = Llama(model_path=path, n_ctx=2048, n_threads=THREADS, verbose=False)
        loads[name] = time.perf_counter() - started
    turns: dict[str, list[Turn]] = {name: [] for name in models}
    answers: dict[str, list[str]] = {name: [] for name in models}
    try:
        for llama in llamas.values():
            _turn(llama, "Hello.")  # warm caches, as the server's start-up does
        for question in CONVERSATION:
            for name, llama in llamas.items():
                turns[name].append(_turn(llama, question))
        for question, _ in FACTS:
            for name, llama in llamas.items():
                answers[name].append(_turn(llama, question).text)
    finally:
        for llama in llamas.values():
            llama.close()
    return [_result(name, loads[name], turns[name], answers[name]) for name in models]


def _result(name: str, load: float, turns: list[Turn], answers: list[str]) -> Result:
    right = sum(bool(re.search(pattern, a.lower())) for (_, pattern), a in zip(FACTS, answers, strict=True))
    return Result(
        name,
        load,
        statistics.median(t.first_token for t in turns),
        statistics.median(t.first_sentence for t in turns),
        statistics.median(t.tokens_per_second for t in turns),
        right,
        [(q, t.text) for q, t in zip(CONVERSATION, turns, strict=True)]
        + [(q, a) for (q, _), a in zip(FACTS, answers, strict=True)],
    )


def report(baseline: Result, others: list[Result]) -> None:
    print(f"{'model':<24}{'load s':>8}{'first token s':>15}{'first sentence s':>18}{'tok/s':>8}{'facts':>8}")
    for r in [baseline, *others]:
        print(
            f"{r.name:<24}{r.load:>8.2f}{r.first_token:>15.3f}{r.first_sentence:>18.3f}"
            f"{r.tokens_per_second:>8.1f}{r.right:>5}/{len(FACTS)}"
        )
    for r in others:
        print(
            f"\n{r.name} ÷ {baseline.name}: first token ×{r.first_token / baseline.first_token:.2f}, "
            f"first sentence ×{r.first_sentence / baseline.first_sentence:.2f}, "
            f"decode speed ×{r.tokens_per_second / baseline.tokens_per_second:.2f}, "
            f"facts {r.right} against {baseline.right}"
        )
    for r in [baseline, *others]:
        print(f"\n--- {r.name}")
        for question, answer in r.samples:
            print(f"Q: {question}\nA: {' '.join(answer.split())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidate", action="append", default=[], metavar="NAME=PATH", help="a GGUF chat model")
    candidates = dict(c.split("=", 1) for c in parser.parse_args().candidate)
    baseline, *others = measure({"smollm2-135m-instruct": gguf_path(), **candidates})
    report(baseline, others)


if __name__ == "__main__":
    main()
