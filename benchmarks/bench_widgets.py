"""How fast does NeuronExplorer answer a slider move, against a widget that runs the model each time?

    .venv/bin/python benchmarks/bench_widgets.py                       # gpt2-medium's shape (random weights)
    .venv/bin/python benchmarks/bench_widgets.py --model smollm2-135m  # the real offline model

Text: the lecture's WikiText selection when ``$LESSONKIT_WIKITEXT`` or
``../shared/data/wikitext-2-raw-v1-test.jsonl`` has the rows, else the bundled corpus; the first
1,024 tokens for training and the next 1,024 held out, as in the lecture. Headless: a move is
``slider.value = x`` and is timed until the observer has written the new HTML (what the front end
then receives). Printed: the median of many neuron moves (statistics cached; target 50 ms), the
first move onto a layer not shown before (its statistics computed then), and the lecture's way for
one neuron -- a forward pass of 1,024 tokens with a hook, then the heatmap -- measured once: what a
widget that ran the model inside its callback would cost per move.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import torch

from lessonkit.heatmap import token_heatmap
from lessonkit.hooks import count_hooks, record_mlp
from lessonkit.models import load_model
from lessonkit.text import load_bundled_corpus, read_jsonl_rows, select_lecture_rows, tokenize_rows
from lessonkit.widgets import NeuronExplorer

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "wikitext-2-raw-v1-test.jsonl"
TARGET_MS = 50.0
N_TOKENS = 1024


def lecture_stream(tokenizer) -> tuple[str, torch.Tensor]:
    path = Path(os.environ.get("LESSONKIT_WIKITEXT") or SHARED)
    if path.is_file():
        return "WikiText-2 test, the lecture's selection", tokenize_rows(select_lecture_rows(read_jsonl_rows(path)), tokenizer)
    return "lessonkit's bundled corpus (WikiText not found)", tokenize_rows(select_lecture_rows(load_bundled_corpus()), tokenizer)


def timed_ms(action) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def naive_move_ms(model, tokens: torch.Tensor, texts: list[str], layer: int, neuron: int) -> float:
    """What a widget without a cache does on every move: run the model, then draw."""

    def move() -> None:
        with record_mlp(model, layers=layer) as acts, torch.inference_mode():
            model(input_ids=tokens[:, :N_TOKENS])
        token_heatmap(texts, acts[layer][:, neuron])

    return timed_ms(move)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="gpt2-medium-random", help="a lessonkit model name (default: gpt2-medium-random)")
    parser.add_argument("--layers", default="6,12,18,23", help="layers to capture, comma-separated")
    parser.add_argument("--moves", type=int, default=100, help="neuron moves to time")
    args = parser.parse_args()
    torch.manual_seed(0)
    layers = [int(layer) for layer in args.layers.split(",")]

    model, tokenizer = load_model(args.model, device="cpu")
    source, stream = lecture_stream(tokenizer)
    print(f"model {args.model} on the CPU ({torch.get_num_threads()} threads); text: {source}; layers {layers}")

    start = time.perf_counter()
    explorer = NeuronExplorer.from_model(model, tokenizer, stream, layers=layers, n_tokens=N_TOKENS, progress=False)
    build_s = time.perf_counter() - start
    n_neurons = explorer.neurons[layers[0]]
    print(f"built once: 2 x {N_TOKENS:,} tokens captured, tagged, first layer's statistics: {build_s:.1f} s; "
          f"hooks left on the model: {count_hooks(model)}")

    rng = np.random.default_rng(0)
    first_layer_ms = timed_ms(lambda: setattr(explorer.layer_slider, "value", layers[1]))
    neuron_ms = []
    for neuron in rng.integers(0, n_neurons, size=args.moves):
        neuron_ms.append(timed_ms(lambda: setattr(explorer.neuron_slider, "value", int(neuron))))
    assert explorer.current == ("pre", layers[1], int(neuron))
    cached_layer_ms = [timed_ms(lambda: setattr(explorer.layer_slider, "value", layer))
                       for layer in [layers[0], layers[1]] * 10]
    explorer.backend_buttons.value = "matplotlib"
    figure_ms = [timed_ms(lambda: setattr(explorer.neuron_slider, "value", int(n))) for n in rng.integers(0, n_neurons, 5)]
    explorer.backend_buttons.value = "html"

    naive_ms = naive_move_ms(model, stream, explorer.batches["train"].tokens, layers[1], 33)
    median = statistics.median(neuron_ms)
    print(f"neuron move, HTML, {N_TOKENS:,} tokens, cached statistics: median {median:.1f} ms over {len(neuron_ms)} moves "
          f"(target <= {TARGET_MS:.0f} ms: {'met' if median <= TARGET_MS else 'NOT met'}; slowest {max(neuron_ms):.1f} ms)")
    print(f"layer move between layers already shown: median {statistics.median(cached_layer_ms):.1f} ms")
    print(f"first move onto a new layer (fit_logit + AUROC of its {n_neurons:,} neurons, then draw): {first_layer_ms:.0f} ms")
    print(f"neuron move, matplotlib backend: median {statistics.median(figure_ms):.0f} ms over {len(figure_ms)} moves")
    print(f"a widget that runs the model on each move (forward pass of {N_TOKENS:,} tokens + heatmap, once): "
          f"{naive_ms:.0f} ms -> cached move is {naive_ms / median:.0f}x faster")


if __name__ == "__main__":
    main()
