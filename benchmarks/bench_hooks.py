"""What does recording all 24 MLP layers cost, next to a plain forward pass and the lecture's own hook?

    .venv/bin/python benchmarks/bench_hooks.py [--repeats 3] [--device cpu|cuda] [--capture]

Model: GPT-2 of gpt2-medium's shape (24 layers x 4,096 neurons) with seeded random weights, eval
mode; 1,024 random token ids as one [1, 1024] batch; every way runs under torch.inference_mode().

* plain:        model(ids)
* record_mlp:   all 24 layers' "pre" neurons (the output of mlp.c_fc), kept where the model computed
                them (on a GPU: no copy during the pass)
* record_mlp, device="cpu": the same, each layer copied to the CPU during the pass (GPU only)
* capture_mlp:  the same through capture_mlp, what the notebooks call (only with --capture)
* lecture hook: the lecture's way, a forward hook on each block's mlp that recomputes
                module.c_fc(input[0]) and stores it in a dict entry per layer

The ways take turns within each round (so a busy machine slows all of them alike); each prints the
median of the rounds and its ratio to the plain forward pass of the same run, in wall-clock time and
in this process's CPU time (steadier on a shared machine; CPU only). The target for
record_mlp is at most 1.05x. The recorded values are checked against the lecture hook's.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from transformers import GPT2Config, GPT2LMHeadModel

from lecture_cells import lecture_way  # a copy of the lecture's hook cell
from lessonkit.hooks import capture_mlp, count_hooks, record_mlp


def build_model(device: str) -> GPT2LMHeadModel:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = GPT2LMHeadModel(GPT2Config(n_layer=24, n_embd=1024, n_head=16))
    return model.eval().requires_grad_(False).to(device)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="rounds (each runs every way once)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--capture", action="store_true", help="time capture_mlp too")
    args = parser.parse_args()

    model = build_model(args.device)
    ids = torch.randint(0, 50257, (1, 1024), generator=torch.Generator().manual_seed(0)).to(args.device)

    def sync() -> None:
        if ids.device.type == "cuda":
            torch.cuda.synchronize()

    def record(device=None) -> dict:
        with record_mlp(model, device=device) as acts:
            model(ids)
        return acts

    ways = {
        "plain forward": lambda: model(ids),
        "record_mlp, 24 layers": record,
        "record_mlp, copied to the CPU": lambda: record("cpu"),
        "capture_mlp, 24 layers": lambda: capture_mlp(model, ids, progress=False),
        "lecture hook (recomputes c_fc)": lambda: lecture_way(model, ids),
    }
    if not args.capture:
        del ways["capture_mlp, 24 layers"]
    if ids.device.type != "cuda":  # on the CPU it is the same as the line above
        del ways["record_mlp, copied to the CPU"]

    with torch.inference_mode():
        with record_mlp(model) as recorded:  # the same numbers as the lecture's hook? (64 tokens)
            model(ids[:, :64])
        for name, values in lecture_way(model, ids[:, :64]).items():
            layer = int(name.removeprefix("mlp_"))
            torch.testing.assert_close(recorded[layer].cpu(), values[0], rtol=1e-4, atol=1e-4)
        if ids.device.type == "cuda":
            model(ids)  # warm-up (cuBLAS); on the CPU the rounds take turns instead
        times: dict[str, list[float]] = {name: [] for name in ways}
        cpu_times: dict[str, list[float]] = {name: [] for name in ways}
        for round_ in range(args.repeats):
            names = list(ways)[round_ % len(ways) :] + list(ways)[: round_ % len(ways)]  # take turns
            for name in names:
                sync()
                start, cpu_start = time.perf_counter(), time.process_time()
                ways[name]()
                sync()
                times[name].append(time.perf_counter() - start)
                cpu_times[name].append(time.process_time() - cpu_start)
    assert count_hooks(model) == 0

    device = torch.cuda.get_device_name() if ids.device.type == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    print(f"GPT-2 of gpt2-medium's shape (random weights), 1,024 tokens, {device}, median of {args.repeats}")
    kept = 24 * ids.shape[1] * 4 * model.config.n_embd * 4 / 1e6
    print(f"record_mlp keeps {kept:.0f} MB (float32, on {ids.device.type})\n")
    plain = statistics.median(times["plain forward"])
    plain_cpu = statistics.median(cpu_times["plain forward"])
    print(f"{'':32s} {'wall':>8s}   {'ratio':>5s}        {'CPU':>8s}   {'ratio':>5s}")
    for name in ways:
        wall, cpu = statistics.median(times[name]), statistics.median(cpu_times[name])
        print(f"{name:32s} {wall:8.3f} s {wall / plain:5.2f}x plain {cpu:8.3f} s {cpu / plain_cpu:5.2f}x plain")


if __name__ == "__main__":
    main()
