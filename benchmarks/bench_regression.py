"""lessonkit.fit_logit against the lecture's statsmodels loop, in one run.

    .venv/bin/python benchmarks/bench_regression.py

Data: synthetic activations shaped like the lecture's (gpt2-medium: 24 layers x 4,096 neurons; the
balanced sample of ~220 proper nouns in 1,024 tokens: n = 440), Gaussian, with a real proper-noun
signal in 10% of the neurons and per-neuron scales and offsets, stored as float32 like model output.
(Real gpt2-medium-shaped activations would cost a 1,024-token forward pass of the random model per
batch and give the same timings: the fit only sees numbers.)

The lecture's loop runs `sm.Logit(y, sm.add_constant(x)).fit(disp=0)` on a subset of neurons and is
scaled to 4,096; each statistics path that runs here (numba with lessonkit[fast], torch, cuda with a
GPU) is timed beside it: the median of five repeats (three for statsmodels and for all 24 layers),
all in this run. The machine's load average is printed too: these 2 cores are often shared. The
whole scan with AUROC is benchmarks/bench_scan.py.
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

N_LAYERS, N_NEURONS, N_SAMPLE = 24, 4096, 440


def activations(rng: np.random.Generator, y: np.ndarray) -> np.ndarray:
    """One layer [n, neurons] of float32 activations, 10% of the neurons carrying the label."""
    signal = rng.normal(0, 0.6, N_NEURONS) * (rng.random(N_NEURONS) < 0.1)
    x = rng.normal(size=(len(y), N_NEURONS)) + y[:, None] * signal
    return (x * rng.uniform(0.05, 2, N_NEURONS) + rng.normal(0, 0.5, N_NEURONS)).astype(np.float32)


def median_time(run, repeats: int = 5) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), out


def median_cpu_time(run, repeats: int = 5) -> float:
    """Median CPU seconds of all threads: steadier than wall-clock time on a shared machine."""
    times = []
    for _ in range(repeats):
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return float(np.median(times))


def lecture_loop(x: np.ndarray, y: np.ndarray) -> list:
    """The lecture's way: one statsmodels fit per neuron."""
    return [sm.Logit(y, sm.add_constant(x[:, j])).fit(disp=0) for j in range(x.shape[1])]


def paths_here() -> list[str | None]:
    """Every statistics path that runs here (older checkouts have one: None, their default)."""
    if not hasattr(lessonkit.regression, "stats_backend"):
        return [None]
    runs = []
    for path in ("numba", "torch", "cuda"):
        try:
            lessonkit.stats_backend(backend=path)
            runs.append(path)
        except (ImportError, RuntimeError):
            pass
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subset", type=int, default=256, help="neurons timed with statsmodels (scaled to 4,096)")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    y = np.repeat([1.0, 0.0], N_SAMPLE // 2)
    layers = [activations(rng, y) for _ in range(N_LAYERS)]
    layer = layers[18]

    subset = layer[:, : args.subset]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_subset, fits = median_time(lambda: lecture_loop(subset, y), repeats=3)
        t_subset_cpu = median_cpu_time(lambda: lecture_loop(subset, y), repeats=3)
    t_lecture = t_subset * N_NEURONS / args.subset
    print(f"one layer, {N_NEURONS} neurons, n = {N_SAMPLE}:")
    print(f"  statsmodels loop     {t_lecture:8.3f} s  (timed on {args.subset} neurons, scaled; "
          f"CPU {t_subset_cpu * N_NEURONS / args.subset:.3f} s)")
    for path in paths_here():
        options = {} if path is None else {"backend": path}
        lessonkit.fit_logit(layer[:, :64], y, **options)  # warm-up: imports, threads, compilation
        t_ours, result = median_time(lambda: lessonkit.fit_logit(layer, y, **options))
        t_cpu = median_cpu_time(lambda: lessonkit.fit_logit(layer, y, **options))
        t_all, _ = median_time(lambda: [lessonkit.fit_logit(x, y, **options) for x in layers], repeats=3)
        errors = {"beta": [], "se": [], "pvalue": []}
        for j, fit in enumerate(fits):
            if fit.mle_retvals["converged"]:
                errors["beta"].append(abs(result.beta[j] / fit.params[1] - 1))
                errors["se"].append(abs(result.se[j] / fit.bse[1] - 1))
                errors["pvalue"].append(abs(result.pvalue[j] / fit.pvalues[1] - 1))
        worst = ", ".join(f"{name} {max(values):.1e}" for name, values in errors.items())
        name = path or "default"
        print(f"  fit_logit [{name:>7}]  {t_ours:8.4f} s  ratio {t_lecture / t_ours:6.0f}x  (target >= 200x with numba; "
              f"CPU {t_cpu:.4f} s on all threads)")
        print(f"      all {N_LAYERS} layers, one call per layer: {t_all:.3f} s; max relative error vs "
              f"statsmodels over {len(errors['beta'])} neurons: {worst}")
    print(f"load average: {' '.join(f'{v:.2f}' for v in os.getloadavg())}  (torch threads: {torch.get_num_threads()})")


if __name__ == "__main__":
    main()
