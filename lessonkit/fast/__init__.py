"""Fast statistics: the regression room's numbers for thousands of neurons at once.

``lessonkit/regression.py`` writes each idea out for one neuron (``fit_one_neuron``,
``auroc_one_neuron``) and asks this package for the same numbers for every column of an activation
matrix, through one door, :func:`per_neuron`: the activations and labels are checked once, the path
is chosen once, and the engine on that path fits and ranks every neuron.

    paths.py         which path runs (numba, torch on the CPU, torch on the GPU), and the input checks
    numba_engine.py  fused per-neuron kernels, compiled on first use (lessonkit[fast])
    torch_engine.py  vectorised torch, on the CPU or on the GPU that holds the activations

Every path gives statsmodels' numbers (tests/test_regression.py, tests/test_stats_paths.py).
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple

import numpy as np

from .paths import _device_options, check_activations, check_finite, check_labels, engine, resolve


class PerNeuron(NamedTuple):
    """What :func:`per_neuron` computed, and on which path (None where it was not asked)."""

    path: str
    fit: dict[str, np.ndarray] | None  # per neuron: class ranges, finite, intercept, beta, var, n_iter
    nobs: int  # rows the fit used
    auroc: np.ndarray | None


def per_neuron(X: Any, y: Any, *, fit: Mapping[str, Any] | None = None, fit_rows: Any = None, auroc: bool = False,
               backend: str | None = None, threads: int | None = None) -> PerNeuron:  # fmt: skip
    """Every neuron's logistic fit and/or AUROC (a neuron = a column of ``X``), on one path.

    fit: the Newton settings (``maxiter``, ``tol``, ``ridge``, optionally ``block``) to fit each
         neuron on the rows ``fit_rows`` (default: all; ``scan_layers`` passes the balanced sample);
         None: no fit. The raw results are read by ``regression.logit_result``.
    auroc: also each neuron's AUROC (Mann-Whitney, exact) on all rows.
    backend: "auto", "numba", "torch", "cuda", or None for ``$LESSONKIT_STATS_BACKEND`` (``paths.resolve``).
    threads: speed only.
    """
    y = check_labels(y)
    x = check_activations(X, len(y))
    fit_x, fit_y = (x, y) if fit_rows is None else (x[fit_rows], y[fit_rows])
    if fit is not None and fit_y.min() == fit_y.max():
        raise ValueError("y has only one class; a regression needs both proper nouns (1) and other tokens (0)")
    if auroc and y.min() == y.max():
        raise ValueError("y needs both classes (1 = proper noun, 0 = other) to compute an AUROC")
    if fit is not None and (fit["maxiter"] < 1 or fit["tol"] <= 0 or fit.get("block", 1) < 1
                            or (threads is not None and threads < 1)):  # fmt: skip
        raise ValueError("maxiter, block and threads must be >= 1 and tol > 0")
    path = resolve(backend, x)
    on_path, where = engine(path), _device_options(path, x)
    fitted = areas = None
    if fit is not None:
        fitted = on_path.fit(fit_x, fit_y, threads=threads, **fit, **where)
        check_finite(fitted["finite"])
    if auroc:
        areas, finite = on_path.auroc(x, y, threads=threads, **where)
        check_finite(finite)
    return PerNeuron(path, fitted, len(fit_y), areas)
