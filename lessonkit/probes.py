"""One neuron or many? Sparse probes (Gurnee et al. 2023, "Finding Neurons in a Haystack").

If proper nouns were carried by one neuron, a probe on that neuron alone would do about as well as
a probe on the whole layer. A *k-sparse probe* chooses k neurons on the training text (here: the
training AUROCs farthest from 0.5, in either direction -- lessonkit's one meaning of "best neuron"),
fits a logistic regression on just those, and is scored on held-out text. Growing k
(1, 2, 4, 8, 16) and comparing with a regularised probe on every neuron of the layer shows how
spread out the signal is.

The probe is scikit-learn's ``LogisticRegression(C=C, class_weight="balanced")`` with its default
solver (lbfgs): an L2 penalty on the weights, none on the intercept (liblinear penalises the
intercept too, which costs a probe on a rare class much of its F1). :func:`fit_probe` solves the
same problem by Newton's method to full convergence (a test compares it with lbfgs). Features are
standardised on the training text; the class weights keep a probe from winning by always saying
"not a proper noun" (about nine tokens in ten). The penalties ``C`` are fixed in advance, never
tuned on the held-out text. Scores: held-out AUROC, and F1 of the probe's own yes/no answers.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch

from ._arrays import as_numpy
from .regression import auroc

SPARSE_C, LAYER_C = 1.0, 0.05  # barely regularised for k neurons; strongly for a whole layer (more neurons than tokens)


def fit_probe(x: Any, y: Any, *, C: float, tol: float = 1e-10, maxiter: int = 100) -> tuple[np.ndarray, float]:
    """``(weights, intercept)`` minimising ``C * sum_i s_i * logloss_i + |weights|^2 / 2``, s_i balanced
    class weights (``n / (2 * count of the token's class)``): sklearn's ``LogisticRegression(C=C,
    class_weight="balanced")``. Newton's method with a backtracking line search, in float64, on one
    thread (its triangular solves are tiny: on a busy machine, threads waiting for each other made
    them a hundred times slower)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _newton(x, y, C, tol, maxiter)
    finally:
        torch.set_num_threads(threads)


def _newton(x: Any, y: Any, C: float, tol: float, maxiter: int) -> tuple[np.ndarray, float]:
    x = torch.as_tensor(np.asarray(as_numpy(x), dtype=np.float64))
    y = torch.as_tensor(np.asarray(as_numpy(y), dtype=np.float64).ravel())
    n, p = x.shape
    if len(y) != n or not 0 < y.sum() < n:
        raise ValueError("fit_probe needs one 0/1 label per row and both classes.")
    weight = torch.where(y == 1, n / (2 * y.sum()), n / (2 * (n - y.sum())))
    z = torch.cat([x, torch.ones(n, 1, dtype=x.dtype)], dim=1)  # the last column is the intercept's
    ridge = torch.cat([torch.ones(p, dtype=x.dtype), torch.zeros(1, dtype=x.dtype)])  # no penalty on the intercept
    theta = torch.zeros(p + 1, dtype=x.dtype)

    def objective(t: torch.Tensor) -> torch.Tensor:
        margin = (2 * y - 1) * (z @ t)
        return C * (weight * torch.nn.functional.softplus(-margin)).sum() + 0.5 * (ridge * t * t).sum()

    value = objective(theta)
    for _ in range(maxiter):
        prob = torch.sigmoid(z @ theta)
        gradient = C * (z.T @ (weight * (prob - y))) + ridge * theta
        scaled = z * torch.sqrt(C * weight * prob * (1 - prob))[:, None]
        lower = torch.linalg.cholesky(scaled.T @ scaled + torch.diag(ridge))  # the Hessian = lower @ lower.T
        half = torch.linalg.solve_triangular(lower, gradient[:, None], upper=False)  # (two triangular solves are
        step = torch.linalg.solve_triangular(lower.T, half, upper=True)[:, 0]       # far faster than cholesky_solve)
        size = 1.0
        while True:  # halve the step until the objective falls enough (Armijo)
            candidate = theta - size * step
            new_value = objective(candidate)
            if new_value <= value - 1e-4 * size * (gradient @ step) or size < 1e-8:
                break
            size /= 2
        theta, value = candidate, new_value
        if (size * step).abs().max() <= tol * max(1.0, float(theta.abs().max())):
            break
    return theta[:p].numpy(), float(theta[p])


def _fit_and_score(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray,
                   C: float) -> tuple[float, float]:
    from sklearn.metrics import f1_score, roc_auc_score

    mean, sd = train_x.mean(0), train_x.std(0)
    sd[sd == 0] = 1.0  # a constant neuron stays 0 after centring (as sklearn's StandardScaler does)
    weights, intercept = fit_probe((train_x - mean) / sd, train_y, C=C)
    score = (test_x - mean) / sd @ weights + intercept  # > 0: the probe says "proper noun"
    return roc_auc_score(test_y, score), f1_score(test_y, score > 0)


def sparse_probes(train_acts: Any, train_labels: Any, test_acts: Any, test_labels: Any, *,
                  ks: Sequence[int] = (1, 2, 4, 8, 16), full_layer: bool = True, C: float = LAYER_C) -> Any:
    """Held-out AUROC and F1 of k-sparse probes for each k, and of an L2 probe on the whole layer.

    train_acts, test_acts: ``[tokens, neurons]`` of one layer on two texts; labels 0/1 per token.
    The k neurons are chosen on the training text alone (training AUROC farthest from 0.5: a neuron
    that fires less on proper nouns counts as much; ties by index). The sparse probes are barely regularised (``SPARSE_C``);
    the full-layer probe uses ``C`` (smaller C, stronger L2 penalty: with more neurons than training
    tokens a probe needs it). Returns a DataFrame with columns k, neurons (the chosen ones, or
    "all"), heldout_auroc, heldout_f1.
    """
    import pandas as pd

    train_x, test_x = np.asarray(as_numpy(train_acts), dtype=float), np.asarray(as_numpy(test_acts), dtype=float)
    train_y, test_y = np.asarray(as_numpy(train_labels)).ravel(), np.asarray(as_numpy(test_labels)).ravel()
    if train_x.ndim != 2 or test_x.ndim != 2 or train_x.shape[1] != test_x.shape[1]:
        raise ValueError(f"train_acts and test_acts must be [tokens, neurons] of one layer, got {train_x.shape}, {test_x.shape}.")
    if train_x.shape[0] != len(train_y) or test_x.shape[0] != len(test_y):
        raise ValueError("one label per token, please, on both texts.")
    if any(isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= train_x.shape[1] for k in ks):
        raise ValueError(f"each k must be an integer in 1..{train_x.shape[1]}, got {list(ks)}.")
    ranked = np.argsort(-np.abs(auroc(train_x, train_y) - 0.5), kind="stable")
    rows = []
    for k in ks:
        chosen = ranked[:k]
        area, f1 = _fit_and_score(train_x[:, chosen], train_y, test_x[:, chosen], test_y, C=SPARSE_C)
        rows.append({"k": int(k), "neurons": chosen.tolist(), "heldout_auroc": area, "heldout_f1": f1})
    if full_layer:
        area, f1 = _fit_and_score(train_x, train_y, test_x, test_y, C=C)
        rows.append({"k": train_x.shape[1], "neurons": "all", "heldout_auroc": area, "heldout_f1": f1})
    return pd.DataFrame(rows)
