"""How fast does the explorer's text box answer Enter, against a plain full forward pass of the same text?

    .venv/bin/python benchmarks/bench_your_text.py                  # SmolLM2-135M, 64 tokens, layers 3, 18, 29
    .venv/bin/python benchmarks/bench_your_text.py --tokens 256 --layers 18 --threads 1

Headless: Enter is ``box.text.value = text`` (what the front end sends on Enter), timed until the
observer has written the new picture (what the front end then receives): tokenize, tag, the forward
pass that stops right after the chosen layer, the heatmap on the lecture's colour scale. Each Enter
is a new text: 64-token pieces of WikiText (the lecture's rows, after the 2,048 tokens the explorer
holds), each one re-tokenizing to exactly ``--tokens`` tokens. In the same run, for comparison: a
plain forward pass of the same texts through the whole model (every layer and the output layer, no
hooks) -- what a box that ran the model as usual would cost at least. Also: a neuron move on the
typed text (from memory) and a layer move (one more short pass). Target: under 100 ms, Enter to
picture, 64 tokens on 2 CPU cores. The load average is printed: on a shared machine it inflates
every wall-clock number. The CPU time of an Enter (all threads) is printed too: it suffers less from
a loaded machine; with ``--threads 1`` it is about what one quiet core would take.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_widgets import lecture_stream, timed_ms  # noqa: E402

from lessonkit.hooks import count_hooks  # noqa: E402
from lessonkit.models import load_model, mlp_shape  # noqa: E402
from lessonkit.widgets import NeuronExplorer  # noqa: E402

TARGET_MS = 100.0
EXPLORER_TOKENS = 1024  # the lecture's batch: the explorer holds 2 x 1,024 tokens


def texts_of(stream: torch.Tensor, tokenizer, n_tokens: int, count: int) -> list[str]:
    """``count`` pieces of the stream after the explorer's text, each re-tokenizing to exactly ``n_tokens``."""
    ids, found, start = stream[0].tolist(), [], 2 * EXPLORER_TOKENS
    while len(found) < count and start + n_tokens <= len(ids):
        text = tokenizer.decode(ids[start:start + n_tokens])
        if len(tokenizer(text, add_special_tokens=False)["input_ids"]) == n_tokens and text.strip():
            found.append(text)
        start += n_tokens // 2 + 1
    if len(found) < count:
        raise SystemExit(f"only {len(found)} texts of exactly {n_tokens} tokens in the stream; ask for fewer")
    return found


def cpu_and_wall_ms(action) -> tuple[float, float]:
    """(wall-clock ms, CPU ms of this process, all threads) of one call."""
    started = time.process_time()
    wall = timed_ms(action)
    return wall, (time.process_time() - started) * 1000


def plain_forward_ms(model, tokenizer, text: str) -> tuple[float, float]:
    ids = torch.tensor([tokenizer(text, add_special_tokens=False)["input_ids"]])

    def forward() -> None:
        with torch.inference_mode():
            model(input_ids=ids, use_cache=False)

    return cpu_and_wall_ms(forward)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="smollm2-135m", help="a lessonkit model name (default: smollm2-135m)")
    parser.add_argument("--layers", default="3,18,29", help="the chosen layers to time, comma-separated")
    parser.add_argument("--tokens", type=int, default=64, help="tokens per typed text (default 64)")
    parser.add_argument("--repeats", type=int, default=20, help="texts entered per layer (default 20)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    layers = [int(layer) for layer in args.layers.split(",")]
    load_before = os.getloadavg()

    model, tokenizer = load_model(args.model, device="cpu")
    source, stream = lecture_stream(tokenizer)
    n_layers = mlp_shape(model)[0]
    print(f"model {args.model} on the CPU ({torch.get_num_threads()} threads), {n_layers} layers; text: {source}")
    print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f} "
          f"(1, 5, 15 min) on {os.cpu_count()} cores")
    explorer = NeuronExplorer.from_model(model, tokenizer, stream, layers=layers, n_tokens=EXPLORER_TOKENS, progress=False)
    box = explorer.text_box
    texts = texts_of(stream, tokenizer, args.tokens, args.repeats + 2)

    box.read(texts[-1])  # warm-up: first pass, first heatmap
    plain = [plain_forward_ms(model, tokenizer, text) for text in texts[:2]]  # warm-up
    plain = [plain_forward_ms(model, tokenizer, text) for text in texts[: args.repeats]]
    plain_median, plain_cpu = statistics.median(w for w, _ in plain), statistics.median(c for _, c in plain)
    print(f"plain full forward pass, {args.tokens} tokens, all {n_layers} layers + output layer, no hooks: "
          f"median {plain_median:.1f} ms over {len(plain)} texts; CPU time median {plain_cpu:.1f} ms")

    for layer in layers:
        explorer.show(layer, 33)
        box.read(texts[-2])  # this layer's first pass, not timed
        enter, cpu = [], []
        for text in texts[: args.repeats]:
            wall, used = cpu_and_wall_ms(lambda: setattr(box.text, "value", text))
            enter.append(wall), cpu.append(used)
            assert len(box.reader.current.ids) == args.tokens and box.seconds is not None
        median, cpu_median = statistics.median(enter), statistics.median(cpu)
        verdict = "met" if median < TARGET_MS else "NOT met"
        print(f"Enter to picture, {args.tokens} tokens, layer {layer} (the pass stops after it): median {median:.1f} ms "
              f"(fastest {min(enter):.1f}, slowest {max(enter):.1f}) over {len(enter)} texts; target < {TARGET_MS:.0f} ms: "
              f"{verdict}; {median / plain_median:.2f}x a plain full forward pass; CPU time median {cpu_median:.1f} ms, "
              f"{cpu_median / plain_cpu:.2f}x the plain pass's")

    neuron_ms = [timed_ms(lambda: explorer.show(layers[-1], neuron)) for neuron in range(1, 21)]
    layer_ms = [timed_ms(lambda: explorer.show(layer, 1)) for layer in layers * 3]
    print(f"neuron move with a typed text shown (explorer and text box redrawn, no forward pass): median "
          f"{statistics.median(neuron_ms):.1f} ms")
    print(f"layer move with a typed text shown (each layer read once per text, then from memory): median "
          f"{statistics.median(layer_ms):.1f} ms")
    load_after = os.getloadavg()
    print(f"load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}; "
          f"hooks left on the model: {count_hooks(model)}")


if __name__ == "__main__":
    main()
