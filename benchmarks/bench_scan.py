"""The whole-model scan (``scan_layers``: fit + AUROC, 24 layers x 4,096 neurons, 1,024 tokens).

    .venv/bin/python benchmarks/bench_scan.py [--repeats 5]

Data: activations shaped like the lecture's gpt2-medium batch (24 layers x [1,024 tokens, 4,096
neurons], float32 torch tensors, as ``capture_mlp`` returns them), Gaussian with per-neuron scales and
offsets, a proper-noun signal in 10% of the neurons and an outlier first position (the "attention
sink"); 220 of the 1,024 tokens are proper nouns (as in the lecture), so the balanced sample has
n = 440. Each statistics path that runs here is timed (median of ``--repeats``), beside the lecture's
statsmodels loop (timed on a subset of neurons, scaled to 24 x 4,096; the lecture has no AUROC, so
that ratio flatters the lecture). Beside the wall-clock time: the CPU time of all threads, which
moves less when other programs share the cores (on 2 free cores, wall ~ CPU / 2). Works on older checkouts too (then only the default path runs):
``PYTHONPATH=<old checkout> python benchmarks/bench_scan.py``.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np
import statsmodels.api as sm
import torch

import lessonkit
from lessonkit import regression

N_LAYERS, N_TOKENS, N_NEURONS, N_PROPER = 24, 1024, 4096, 220


def lecture_like_activations(seed: int = 0) -> tuple[dict[int, torch.Tensor], np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = np.zeros(N_TOKENS, dtype=np.int64)
    labels[rng.choice(np.arange(1, N_TOKENS), N_PROPER, replace=False)] = 1
    acts = {}
    for layer in range(N_LAYERS):
        signal = rng.normal(0, 0.6, N_NEURONS) * (rng.random(N_NEURONS) < 0.1)
        x = rng.standard_normal((N_TOKENS, N_NEURONS)) + labels[:, None] * signal
        x = x * rng.uniform(0.05, 2, N_NEURONS) + rng.normal(0, 0.5, N_NEURONS)
        x[0] *= 40  # the first position's massive activations
        acts[layer] = torch.from_numpy(x.astype(np.float32))  # float32, as the model gives them
    return acts, labels


def median_time(run, repeats: int) -> tuple[float, float, object]:
    """Median wall-clock seconds, median CPU seconds (all threads: steadier on a shared machine), result."""
    times, cpu, out = [], [], None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        out = run()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return float(np.median(times)), float(np.median(cpu)), out


def statsmodels_seconds(x: np.ndarray, y: np.ndarray, subset: int) -> float:
    """The lecture's loop on ``subset`` neurons, scaled to the whole model."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        for j in range(subset):
            sm.Logit(y, sm.add_constant(x[:, j].astype(np.float64))).fit(disp=0)
        return (time.perf_counter() - start) * N_LAYERS * N_NEURONS / subset


def runs_here(backend: str) -> bool:
    try:
        regression.stats_backend(backend=backend)
    except (ImportError, RuntimeError):
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--subset", type=int, default=200, help="neurons timed with statsmodels")
    args = parser.parse_args()

    acts, labels = lecture_like_activations()
    sample = lessonkit.balanced_sample(labels, seed=0)
    t_lecture = statsmodels_seconds(acts[18].numpy()[sample], labels[sample].astype(float), args.subset)
    backends = [None]
    if hasattr(regression, "stats_backend"):  # this checkout can force a path: time each that runs here
        backends = [name for name in ("numba", "torch", "cuda") if runs_here(name)]
    print(f"scan_layers: {N_LAYERS} layers x {N_NEURONS} neurons, {N_TOKENS} tokens, sample n = {len(sample)}")
    print(f"  statsmodels loop (fit only)  {t_lecture:8.1f} s  (timed on {args.subset} neurons, scaled)")
    reference = None
    for backend in backends:
        kwargs = {} if backend is None else {"backend": backend}
        lessonkit.scan_layers({0: acts[0][:, :64]}, labels, **kwargs)  # warm-up: imports, compilation
        t_scan, t_cpu, table = median_time(lambda: lessonkit.scan_layers(acts, labels, seed=0, **kwargs), args.repeats)
        name = backend or "default"
        print(f"  scan_layers [{name:>7}]      {t_scan:8.3f} s  ratio {t_lecture / t_scan:6.0f}x  (target <= 1 s; "
              f"CPU {t_cpu:.3f} s on all threads)")
        if reference is None:
            reference = table
        else:
            same_auroc = np.array_equal(reference["auroc"].to_numpy(), table["auroc"].to_numpy())
            beta, se = reference["beta"].to_numpy(), reference["se"].to_numpy()
            finite = np.isfinite(beta)
            worst = np.max(np.abs(table["beta"].to_numpy()[finite] - beta[finite]) / se[finite])
            same_significant = np.array_equal(reference["significant"], table["significant"])
            print(f"    vs {backends[0]}: AUROC identical {same_auroc}, significant identical {same_significant}, "
                  f"max |beta difference| / se {worst:.1e}")
    print(f"  significant: {int(reference['significant'].sum())} neurons; load average "
          f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}; torch threads {torch.get_num_threads()}")


if __name__ == "__main__":
    main()
