"""lessonkit.fit_logit against the lecture's statsmodels loop, in one run.

    .venv/bin/python benchmarks/bench_regression.py

Data: synthetic activations shaped like the lecture's (gpt2-medium: 24 layers x 4,096 neurons; the
balanced sample of ~220 proper nouns in 1,024 tokens: n = 440), Gaussian, with a real proper-noun
signal in 10% of the neurons and per-neuron scales and offsets, stored as float32 like model output.
(Real gpt2-medium-shaped activations would cost a 1,024-token forward pass of the random model per
batch and give the same timings: the fit only sees numbers.)

The lecture's loop runs `sm.Logit(y, sm.add_constant(x)).fit(disp=0)` on a subset of neurons and is
scaled to 4,096; each timing is the median of five repeats (three for statsmodels), all in this
run. The machine's load average is printed too: these 2 cores are often shared.
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


def lecture_loop(x: np.ndarray, y: np.ndarray) -> list:
    """The lecture's way: one statsmodels fit per neuron."""
    return [sm.Logit(y, sm.add_constant(x[:, j])).fit(disp=0) for j in range(x.shape[1])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subset", type=int, default=256, help="neurons timed with statsmodels (scaled to 4,096)")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    y = np.repeat([1.0, 0.0], N_SAMPLE // 2)
    layers = [activations(rng, y) for _ in range(N_LAYERS)]
    layer = layers[18]
    lessonkit.fit_logit(layer[:, :64], y)  # warm-up: imports, threads

    # 1. one layer: the lecture's loop vs fit_logit
    subset = layer[:, : args.subset]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_subset, fits = median_time(lambda: lecture_loop(subset, y), repeats=3)
    t_lecture = t_subset * N_NEURONS / args.subset
    t_ours, result = median_time(lambda: lessonkit.fit_logit(layer, y))
    print(f"one layer, {N_NEURONS} neurons, n = {N_SAMPLE}:")
    print(f"  statsmodels loop  {t_lecture:8.3f} s  (timed on {args.subset} neurons, scaled)")
    print(f"  fit_logit         {t_ours:8.3f} s")
    print(f"  ratio             {t_lecture / t_ours:8.0f}x   (target >= 200x)")

    # 2. parity with statsmodels on the timed neurons
    errors = {"beta": [], "se": [], "pvalue": []}
    for j, fit in enumerate(fits):
        if fit.mle_retvals["converged"]:
            errors["beta"].append(abs(result.beta[j] / fit.params[1] - 1))
            errors["se"].append(abs(result.se[j] / fit.bse[1] - 1))
            errors["pvalue"].append(abs(result.pvalue[j] / fit.pvalues[1] - 1))
    worst = ", ".join(f"{name} {max(values):.1e}" for name, values in errors.items())
    print(f"  max relative error vs statsmodels over {len(errors['beta'])} neurons: {worst}")

    # 3. all layers of gpt2-medium's shape, in one call as scan_layers makes it
    everything = np.concatenate(layers, axis=1)
    t_all, result_all = median_time(lambda: lessonkit.fit_logit(everything, y))
    t_by_layer, _ = median_time(lambda: [lessonkit.fit_logit(x, y) for x in layers], repeats=3)
    print(f"all {N_LAYERS} layers x {N_NEURONS} neurons:")
    print(f"  statsmodels loop  {t_lecture * N_LAYERS:8.1f} s  (estimated from the timing above)")
    print(f"  fit_logit         {t_all:8.3f} s  (target < 1 s on 2 cores; one call per layer: {t_by_layer:.3f} s)")
    print(f"  ratio             {t_lecture * N_LAYERS / t_all:8.0f}x")
    significant = int(lessonkit.bonferroni(result_all.pvalue.reshape(N_LAYERS, N_NEURONS)[0]).sum())
    print(f"  layer 0: {significant} of {N_NEURONS} neurons significant at .05/4096 (~10% carry a signal)")
    print(f"load average: {' '.join(f'{v:.2f}' for v in os.getloadavg())}  (torch threads: {torch.get_num_threads()})")


if __name__ == "__main__":
    main()
