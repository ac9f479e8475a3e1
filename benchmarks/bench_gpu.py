"""lessonkit on a GPU, in one run: recording, the statistics, and `lessonkit scan`, each as a ratio.

    python benchmarks/bench_gpu.py                  # gpt2-medium-random on the GPU, the lecture's text
    python benchmarks/bench_gpu.py --device cpu --model gpt2-random --tokens 128 --scan-tokens 512 --repeats 1
                                                    # the same steps on CPU tensors (what the tests run)

1. Recording. One forward pass of the first ``--tokens`` tokens of the lecture's text (1,024: its
   batch), four ways, taking turns: a plain pass; every layer recorded by ``lk.record_mlp``, kept on
   the GPU (lessonkit's way); the same, each layer copied to the CPU during the pass
   (``device="cpu"``, the earlier design); the lecture's hook (recomputes ``c_fc``, ``.cpu()``).
   Median of ``--repeats``, each as a ratio to the plain pass. Goal on a GPU: lessonkit's <= 1.05x.
2. The statistics. ``lk.scan_layers`` (the lecture's regression and the AUROC of every neuron of
   every layer) on those activations where they lie (the ``cuda`` path), median of ``--repeats``
   after a warm-up, against the CPU path (numba, else torch) on a CPU copy. Goal: < 0.1 s for
   gpt2-medium's 24 x 4,096 neurons.
3. ``lessonkit scan`` (``lk.scan_atlas``: every layer, the lecture's text, the report included) in
   tokens per second for ``--batch`` 1 and 8, beside a plain forward pass's tokens per second.
4. The GPU's peak memory (torch's allocations).

Without CUDA the steps run on CPU tensors, and the GPU-only figures are skipped with one line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

import lessonkit as lk
from lecture_cells import lecture_way  # a copy of the lecture's hook cell

GOAL_RECORDING, GOAL_STATISTICS = 1.05, 0.1


def timer(device: torch.device):
    """A function that runs ``work`` and returns its wall-clock seconds, waiting for the GPU if any."""

    def run(work) -> float:
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        work()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        return time.perf_counter() - start

    return run


def recording(model, batch, repeats: int, on_gpu: bool) -> tuple[dict[str, float], lk.hooks.MlpActivations]:
    """Median seconds of each way of running one forward pass (taking turns), and lessonkit's recording."""

    def record(device=None):
        with lk.record_mlp(model, device=device) as acts:
            model(batch)
        return acts

    ways = {"plain forward": lambda: model(batch), "lk.record_mlp (kept where computed)": record,
            "lk.record_mlp(device='cpu')": lambda: record("cpu"),
            "the lecture's hook (recomputes c_fc, .cpu())": lambda: lecture_way(model, batch)}  # fmt: skip
    if not on_gpu:  # on the CPU the two records are the same
        del ways["lk.record_mlp(device='cpu')"]
    run, seconds = timer(batch.device), {name: [] for name in ways}
    with torch.inference_mode():
        kept = record()
        expected = lecture_way(model, batch)["mlp_10"][0]
        torch.testing.assert_close(kept[10].cpu(), expected, rtol=1e-4, atol=1e-4)
        for way in ways.values():  # warm-up: kernels, allocator
            way()
        for round_ in range(repeats):
            names = list(ways)[round_ % len(ways) :] + list(ways)[: round_ % len(ways)]
            for name in names:
                seconds[name].append(run(ways[name]))
    assert lk.count_hooks(model) == 0
    return {name: statistics.median(times) for name, times in seconds.items()}, kept


def statistics_seconds(acts, labels, repeats: int) -> tuple[float, str]:
    """Median seconds of scan_layers on ``acts`` where they lie (after one warm-up run), and its path."""
    run = timer(next(iter(acts.values())).device)
    lk.scan_layers(acts, labels)  # warm-up: CUDA kernels, numba's compiled kernels
    return statistics.median(run(lambda: lk.scan_layers(acts, labels)) for _ in range(repeats)), lk.stats_backend(acts[0])


def scan_tokens_per_second(model, tokenizer, name: str, batch: int, **settings) -> tuple[int, float]:
    """``lessonkit scan`` of every layer over the lecture's text, report included: (tokens, tokens per second)."""
    with tempfile.TemporaryDirectory() as folder:
        run = timer(next(model.parameters()).device)
        seconds = run(lambda: lk.scan_atlas(model, tokenizer, Path(folder) / "atlas", model_name=name, text="lecture",
                                            layers="all", batch=batch, progress=False, **settings))
        tokens = json.loads((Path(folder) / "atlas" / "atlas.json").read_text())["tokens"]
    return tokens, tokens / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="gpt2-medium-random")
    parser.add_argument("--device", default=None, help="default: cuda when there is one, else cpu")
    parser.add_argument("--tokens", type=int, default=1024, help="tokens in the recorded forward pass")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--scan-tokens", type=int, default=None, help="tokens for lessonkit scan (default: the whole text)")
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 8], help="passes per forward call in lessonkit scan")
    parser.add_argument("--sample", type=int, default=1000, help="lessonkit scan's tokens kept per class (its default)")
    args = parser.parse_args()

    device = lk.pick_device(args.device)
    on_gpu = device.type == "cuda"
    model, tokenizer = lk.load_model(args.model, device=device)
    tokens = lk.load_wikitext_tokens(tokenizer)
    batch, labels = tokens[:, : args.tokens].to(device), lk.tag_proper_nouns(tokens, tokenizer)[: args.tokens]
    n_layers, n_neurons = lk.mlp_shape(model)
    where = torch.cuda.get_device_name(device) if on_gpu else f"CPU, {torch.get_num_threads()} threads"
    print(f"{args.model} on {device} ({where}); torch {torch.__version__}; {batch.shape[1]:,} tokens; "
          f"{n_layers} x {n_neurons:,} neurons; median of {args.repeats}", flush=True)

    seconds, acts = recording(model, batch, args.repeats, on_gpu)
    plain = seconds["plain forward"]
    print("1. one forward pass, every layer recorded (goal on a GPU: lessonkit's <= "
          f"{GOAL_RECORDING:.2f}x plain)")
    for name, value in seconds.items():
        print(f"   {name:46s} {value * 1000:9.2f} ms {value / plain:6.2f}x plain", flush=True)

    stats_s, path = statistics_seconds(acts, labels, args.repeats)
    cpu_s, cpu_path = statistics_seconds(acts.cpu(), labels, max(1, min(args.repeats, 3)))
    print(f"2. lk.scan_layers, {n_layers} x {n_neurons:,} neurons, regression + AUROC (goal on a GPU: "
          f"< {GOAL_STATISTICS} s for 24 x 4,096)")
    if on_gpu:
        print(f"   on the GPU ({path} path)                       {stats_s:9.3f} s {cpu_s / stats_s:6.1f}x faster than the CPU")
    print(f"   on the CPU ({cpu_path} path)                      {cpu_s:9.3f} s", flush=True)

    print(f"3. lessonkit scan, all {n_layers} layers, the lecture's text (a plain forward pass: "
          f"{batch.shape[1] / plain:,.0f} tokens/s)")
    for passes in args.batches:
        n, rate = scan_tokens_per_second(model, tokenizer, args.model, passes, max_tokens=args.scan_tokens,
                                         sample=args.sample)
        print(f"   --batch {passes}: {n:,} tokens at {rate:,.0f} tokens/s, {rate / (batch.shape[1] / plain):.2f}x "
              "a plain forward pass's rate", flush=True)

    if on_gpu:
        print(f"4. GPU peak memory: {torch.cuda.max_memory_allocated(device) / 2**30:.2f} GiB (torch's allocations)")
    else:
        print("skipped (no CUDA GPU here): recording with a copy to the CPU, lk.scan_layers on the GPU, "
              "the GPU's peak memory")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
