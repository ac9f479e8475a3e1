"""How much faster are lessonkit's token heatmaps than the lecture's own loop?

    .venv/bin/python benchmarks/bench_heatmap.py

Text: the first tokens of the lecture's WikiText selection (GPT-2 tokenizer) when
``$LESSONKIT_WIKITEXT`` or ``../shared/data/wikitext-2-raw-v1-test.jsonl`` has the rows, else the
bundled corpus. Values: seeded random numbers (drawing does not depend on what the values are).
Each figure is timed from nothing to the PNG a notebook shows (the lecture's: the inline backend's
``savefig(bbox_inches='tight')``; lessonkit's: its ``_repr_png_``); the median of a few runs
is printed with the ratio lecture / lessonkit. The HTML heatmap has no lecture counterpart: its time
is printed against the target (1,024 tokens in 20 ms).
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np

from lecture_cells import lecture_heatmap  # a copy of the lecture's cells
from lessonkit.heatmap import token_heatmap
from lessonkit.models import load_gpt2_tokenizer
from lessonkit.text import load_bundled_corpus, read_jsonl_rows, select_lecture_rows, token_texts, tokenize_rows

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "wikitext-2-raw-v1-test.jsonl"


def lecture_tokens(n: int) -> tuple[str, list[str]]:
    path = Path(os.environ.get("LESSONKIT_WIKITEXT") or SHARED)
    if path.is_file():
        source, rows = "WikiText-2 test, the lecture's selection", select_lecture_rows(read_jsonl_rows(path))
    else:
        source, rows = "lessonkit's bundled corpus (WikiText not found)", select_lecture_rows(load_bundled_corpus())
    tokenizer = load_gpt2_tokenizer()
    ids = tokenize_rows(rows, tokenizer)[0, :n].tolist()
    return source, token_texts(ids, tokenizer)


def lessonkit_heatmap(tokens: list[str], acts: np.ndarray) -> None:
    token_heatmap(tokens, acts, backend="matplotlib")._repr_png_()  # what the notebook shows


def median_seconds(run, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    source, tokens = lecture_tokens(1024)
    acts = np.random.default_rng(0).gamma(1.0, 1.0, size=len(tokens)) - 0.5
    print(f"text: {source}; values: seeded random")
    n = 512
    cold = median_seconds(lambda: lessonkit_heatmap(tokens[:n], acts[:n]), repeats=1)
    lecture_heatmap(tokens[:64], acts[:64])  # warm-up: the lecture's fonts too

    lecture = median_seconds(lambda: lecture_heatmap(tokens[:n], acts[:n]), repeats=3)
    ours = median_seconds(lambda: lessonkit_heatmap(tokens[:n], acts[:n]), repeats=5)
    print(f"matplotlib, {n} tokens, build + PNG as the notebook shows it, median:")
    print(f"  lecture's loop    {lecture * 1000:8.1f} ms")
    print(f"  token_heatmap     {ours * 1000:8.1f} ms   target <= 500 ms: {'met' if ours <= 0.5 else 'MISSED'}")
    print(f"  ratio lecture / lessonkit: {lecture / ours:.1f}x")
    print(f"  (token_heatmap's first call in this process, loading the font and glyph outlines: {cold * 1000:.0f} ms)")

    html = median_seconds(lambda: token_heatmap(tokens, acts).html, repeats=20)
    print(f"html, {len(tokens)} tokens, median {html * 1000:.1f} ms   target <= 20 ms: {'met' if html <= 0.02 else 'MISSED'}")


if __name__ == "__main__":
    main()
