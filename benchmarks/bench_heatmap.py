"""How much faster are lessonkit's token heatmaps than the lecture's own loop?

    .venv/bin/python benchmarks/bench_heatmap.py

Text: the first tokens of the lecture's WikiText selection (GPT-2 tokenizer) when
``$LESSONKIT_WIKITEXT`` or ``../shared/data/wikitext-2-raw-v1-test.jsonl`` has the rows, else the
bundled corpus. Values: seeded random numbers (drawing does not depend on what the values are).
Each figure is timed from nothing to a full ``fig.canvas.draw()`` on Agg; the median of a few runs
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

import matplotlib.pyplot as plt
import numpy as np

from lessonkit.heatmap import token_heatmap
from lessonkit.models import load_gpt2_tokenizer
from lessonkit.text import load_bundled_corpus, read_jsonl_rows, select_lecture_rows, tokenize_rows

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "wikitext-2-raw-v1-test.jsonl"


def lecture_tokens(n: int) -> tuple[str, list[str]]:
    path = Path(os.environ.get("LESSONKIT_WIKITEXT") or SHARED)
    if path.is_file():
        source, rows = "WikiText-2 test, the lecture's selection", select_lecture_rows(read_jsonl_rows(path))
    else:
        source, rows = "lessonkit's bundled corpus (WikiText not found)", select_lecture_rows(load_bundled_corpus())
    tokenizer = load_gpt2_tokenizer()
    ids = tokenize_rows(rows, tokenizer)[0, :n].tolist()
    return source, [tokenizer.decode([t]) for t in ids]


def lecture_heatmap(tokens: list[str], acts: np.ndarray) -> None:
    """A copy of the lecture's cell: one ax.text with a rounded bbox per token, 20 tokens a row."""
    acts_scaled = ((acts - acts.min()) / (acts.max() - acts.min())) ** 2
    fig, ax = plt.subplots(figsize=(12, len(tokens) / 20 * 0.5)); ax.axis("off")
    for i, (tok, a) in enumerate(zip(tokens, acts_scaled)):
        row, col = divmod(i, 20)
        ax.text(col*0.05, 1 - row*0.05, tok, fontfamily="monospace",
                bbox=dict(boxstyle="round", facecolor=(1, 1 - a, 1 - a), edgecolor="none"))
    fig.canvas.draw()
    plt.close(fig)


def lessonkit_heatmap(tokens: list[str], acts: np.ndarray) -> None:
    token_heatmap(tokens, acts, backend="matplotlib").canvas.draw()


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
    print(f"matplotlib, {n} tokens, build + full draw (Agg), median:")
    print(f"  lecture's loop    {lecture * 1000:8.1f} ms")
    print(f"  token_heatmap     {ours * 1000:8.1f} ms   target <= 500 ms: {'met' if ours <= 0.5 else 'MISSED'}")
    print(f"  ratio lecture / lessonkit: {lecture / ours:.1f}x")
    print(f"  (token_heatmap's first call in this process, loading the font and glyph outlines: {cold * 1000:.0f} ms)")

    html = median_seconds(lambda: token_heatmap(tokens, acts).html, repeats=20)
    print(f"html, {len(tokens)} tokens, median {html * 1000:.1f} ms   target <= 20 ms: {'met' if html <= 0.02 else 'MISSED'}")


if __name__ == "__main__":
    main()
