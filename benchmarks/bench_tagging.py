"""How much faster is lessonkit's lecture rule than the lecture's own loop? (Same tags, checked.)

    .venv/bin/python benchmarks/bench_tagging.py

Text: the lecture's WikiText selection (11,524 GPT-2 tokens) when ``$LESSONKIT_WIKITEXT`` or
``../shared/data/wikitext-2-raw-v1-test.jsonl`` has the rows, else the bundled corpus. Prints the
median of a few runs of each way (wall clock, and CPU time: steadier when others share the machine)
and the ratio to the loop. "first call" includes decoding every distinct token id once (the
per-tokenizer tables are emptied before each run); "cached" is every later call with the same
tokenizer (the second 1,024-token batch, a slider in the widget, ...). The word rule is timed for
scale, on fresh tables ("first call") and on filled ones.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

import numpy as np

from lessonkit import tagging
from lessonkit._machinery import token_text
from lessonkit.models import load_gpt2_tokenizer
from lessonkit.text import load_bundled_corpus, read_jsonl_rows, select_lecture_rows, tokenize_rows

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "wikitext-2-raw-v1-test.jsonl"


def lecture_rows() -> tuple[str, list[str]]:
    path = Path(os.environ.get("LESSONKIT_WIKITEXT") or SHARED)
    if path.is_file():
        return "WikiText-2 test, the lecture's selection", select_lecture_rows(read_jsonl_rows(path))
    return "lessonkit's bundled corpus (WikiText not found)", select_lecture_rows(load_bundled_corpus())


def median_seconds(run, repeats: int, before=lambda: None) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of ``run`` (CPU time is steadier on a shared machine)."""
    wall, cpu = [], []
    for _ in range(repeats):
        before()
        start, start_cpu = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    tokenizer = load_gpt2_tokenizer()
    source, rows = lecture_rows()
    ids = tokenize_rows(rows, tokenizer)
    n = ids.shape[1]
    expected = tagging.lecture_rule_loop(ids, tokenizer)
    assert np.array_equal(tagging.tag_proper_nouns(ids, tokenizer), expected), (
        "the fast rule differs from the loop!"
    )
    print(f"{source}: {n:,} tokens, the lecture's rule tags {int(expected.sum()):,} (identical both ways)\n")

    def forget_tables() -> None:
        token_text.forget_tables(tokenizer)

    def word_rule() -> None:
        tagging.tag_proper_nouns(ids, tokenizer, rule="word")

    loop = median_seconds(lambda: tagging.lecture_rule_loop(ids, tokenizer), 5)
    first = median_seconds(lambda: tagging.tag_proper_nouns(ids, tokenizer), 5, before=forget_tables)
    tagging.tag_proper_nouns(ids, tokenizer)
    cached = median_seconds(lambda: tagging.tag_proper_nouns(ids, tokenizer), 20)
    word_first = median_seconds(word_rule, 3, before=forget_tables)
    word_rule()
    word = median_seconds(word_rule, 5)

    print(f"{'way':44s} {'wall ms':>9s} {'CPU ms':>9s} {'speed-up vs loop (wall, CPU)':>30s}")
    for name, (wall, cpu) in [
        ("the lecture's loop (2 decodes per token)", loop),
        ("tag_proper_nouns, first call", first),
        ("tag_proper_nouns, cached tokenizer", cached),
        ("rule='word', first call (for scale)", word_first),
        ("rule='word', cached tokenizer (for scale)", word),
    ]:
        print(f"{name:44s} {wall * 1e3:9.3f} {cpu * 1e3:9.3f} {loop[0] / wall:17.1f}x {loop[1] / cpu:10.1f}x")

if __name__ == "__main__":
    main()
