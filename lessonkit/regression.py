"""One logistic regression per neuron: does its activation predict "this token is a proper noun"?

The lecture fits ``sm.Logit(y, sm.add_constant(x)).fit()`` for one neuron at a time and reads the
slope (``params[1]``) and its p-value (``pvalues[1]``). This module writes that fit out, and then
gives the same numbers for thousands of neurons at once:

    newton_step, fit_one_neuron  statsmodels' Newton method for one neuron, written out (the idea)
    fit_logit          the same fit for every column of an activation matrix at once
    balanced_sample    the lecture's comparison sample: all proper nouns + as many random other tokens
    bonferroni         the lecture's threshold, alpha / number of tests
    benjamini_hochberg the false-discovery-rate alternative
    auroc              how well one neuron alone separates the two classes: the chance that a proper
                       noun's activation lies above another token's (0.5 = chance; below 0.5 the
                       neuron fires less on proper nouns: ``auroc_direction``)
    scan_layers        all of the above for every layer -> one table, with a held-out check
    stats_backend      which path computes the many-neuron statistics here

``fit_logit`` and ``auroc`` run on the fastest exact path available (``stats_backend`` names it):
a compiled numba kernel (``pip install 'lessonkit[fast]'``), torch on the GPU when the activations
are there, torch on the CPU otherwise; set ``LESSONKIT_STATS_BACKEND`` (auto, numba, torch, cuda) or
pass ``backend=`` to choose. The machinery lives in ``_logit_numba.py`` and ``_logit_torch.py``;
every path is tested against the functions below and against statsmodels.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Mapping

import numpy as np
from scipy.special import expit, ndtr

from . import _stats_paths as paths
from ._stats_paths import STATS_BACKENDS, check_activations, check_labels, check_layers, check_pvalues  # noqa: F401

CHANCE_AUROC = 0.5  # what a neuron that knows nothing about the labels scores
# statsmodels' Logit.fit() defaults: method="newton", maxiter=35, tol=1e-8, ridge 1e-10 on the Hessian
MAXITER, TOL, RIDGE = 35, 1e-8, 1e-10


# ---------------------------------------------------------------------------------- one neuron


def information(x: np.ndarray, intercept: float, beta: float) -> np.ndarray:
    """The 2x2 matrix sum_i w_i [[1, x_i], [x_i, x_i^2]], w = p (1 - p): how sharply the
    log-likelihood curves (minus its Hessian). Its inverse gives the standard errors."""
    p = expit(intercept + beta * x)
    w = p * (1 - p)
    return np.array([[w.sum(), (w * x).sum()], [(w * x).sum(), (w * x * x).sum()]])


def newton_step(x: np.ndarray, y: np.ndarray, intercept: float, beta: float) -> tuple[float, float]:
    """One step of Newton's method for ``logit P(y=1) = intercept + beta * x``, as statsmodels takes it."""
    p = expit(intercept + beta * x)  # each token's predicted P(proper noun)
    score = np.array([np.sum(y - p), np.sum((y - p) * x)])  # slope of the log-likelihood
    n = len(x)
    step = np.linalg.solve(information(x, intercept, beta) / n + RIDGE * np.eye(2), score / n)
    return intercept + step[0], beta + step[1]


def fit_one_neuron(x: Any, y: Any, *, maxiter: int = MAXITER, tol: float = TOL) -> dict[str, float]:
    """``sm.Logit(y, sm.add_constant(x)).fit()`` for one neuron, written out.

    Start at zero, step until no parameter moves more than ``tol`` (at most ``maxiter`` steps), take
    the standard error from the curvature at the end, and test beta = 0 with a two-sided Wald test.
    Needs overlapping classes (``fit_logit`` checks that first).
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    intercept = beta = 0.0
    for n_iter in range(1, maxiter + 1):
        new_intercept, new_beta = newton_step(x, y, intercept, beta)
        small = abs(new_intercept - intercept) <= tol and abs(new_beta - beta) <= tol
        intercept, beta = new_intercept, new_beta
        if small:
            break
    se = np.sqrt(np.linalg.inv(information(x, intercept, beta))[1, 1])
    z = beta / se
    return dict(intercept=intercept, beta=beta, se=se, z=z, pvalue=2 * ndtr(-abs(z)),  # P(|N(0,1)| > |z|)
                n_iter=n_iter, converged=n_iter < maxiter)  # fmt: skip


def auroc_one_neuron(x: Any, y: Any) -> float:
    """The chance that a random proper noun's activation beats a random other token's (ties half)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y)
    positives, negatives = x[y == 1][:, None], x[y == 0][None, :]
    return float(np.mean((positives > negatives) + 0.5 * (positives == negatives)))


# ---------------------------------------------------------------------------------- every neuron


@dataclass(frozen=True, repr=False)
class LogitResult:
    """Per-neuron results of ``fit_logit``: one entry per column of ``X``.

    ``beta``/``intercept``/``se``/``z``/``pvalue`` are statsmodels' ``params[1]``, ``params[0]``,
    ``bse[1]``, ``tvalues[1]``, ``pvalues[1]``. ``pvalue`` is NaN where there is no valid test:
    a ``separated`` neuron (its slope is +-inf: the likelihood has no maximum), a ``constant`` one
    (no slope to estimate) or one that did not converge in ``maxiter`` steps.
    """

    beta: np.ndarray
    intercept: np.ndarray
    se: np.ndarray
    z: np.ndarray
    pvalue: np.ndarray
    converged: np.ndarray
    separated: np.ndarray
    constant: np.ndarray
    n_iter: np.ndarray
    nobs: int

    def __len__(self) -> int:
        return len(self.beta)

    def __repr__(self) -> str:
        n = len(self)
        significant = int(bonferroni(self.pvalue).sum()) if n else 0
        failed = int((~self.converged & ~self.separated & ~self.constant).sum())
        return (f"LogitResult({n} neurons, n={self.nobs} samples: {significant} significant at "
                f"p < .05/{n} (Bonferroni), {int(self.separated.sum())} separated, "
                f"{int(self.constant.sum())} constant, {failed} not converged)")  # fmt: skip

    def to_frame(self):
        """The results as a pandas DataFrame, one row per neuron (index = neuron)."""
        import pandas as pd

        frame = pd.DataFrame({f.name: getattr(self, f.name) for f in fields(self) if f.name != "nobs"})
        frame.index.name = "neuron"
        return frame


def stats_backend(data: Any = None, backend: str | None = None) -> str:
    """The path that ``fit_logit`` and ``auroc`` take for ``data`` here: "numba", "torch" or "cuda"
    (``STATS_BACKENDS`` says what each is). ``backend`` (or ``$LESSONKIT_STATS_BACKEND``) forces one."""
    return paths.resolve(backend, data)


def fit_logit(X: Any, y: Any, *, maxiter: int = MAXITER, tol: float = TOL, backend: str | None = None,
              block: int = 1024, threads: int | None = None) -> LogitResult:  # fmt: skip
    """Fit ``logit P(y=1) = intercept + beta * x`` for every column ``x`` of ``X`` at once.

    Same numbers as ``fit_one_neuron`` and ``sm.Logit(y, sm.add_constant(X[:, j])).fit()`` for each
    neuron ``j``, in float64 whatever the input dtype. Separation (the classes do not overlap, or
    touch at one value) and constant columns are read exactly from the data, without a fit.

    X: [n_samples, n_neurons] activations (numpy or torch; a 1-D array is one neuron).
    y: [n_samples] labels 0/1 (1 = proper noun); both classes must occur.
    backend: "auto", "numba", "torch" or "cuda" (see ``stats_backend``).
    block, threads: neurons per chunk and chunks side by side (default: all cores). Speed only.
    """
    y = check_labels(y)
    x = check_activations(X, len(y))
    if y.min() == y.max():
        raise ValueError("y has only one class; a regression needs both proper nouns (1) and other tokens (0)")
    if maxiter < 1 or tol <= 0 or block < 1 or (threads is not None and threads < 1):
        raise ValueError("maxiter, block and threads must be >= 1 and tol > 0")
    fit = paths.fit(paths.resolve(backend, x), x, y, maxiter=maxiter, tol=tol, ridge=RIDGE, threads=threads, block=block)
    paths.check_finite(fit["finite"])
    constant, positives_above, positives_below = _separation(fit)
    beta = fit["beta"].copy()  # NaN where nothing was fitted
    beta[positives_above], beta[positives_below] = np.inf, -np.inf
    se = np.sqrt(fit["var"])
    converged = (fit["n_iter"] < maxiter) & np.isfinite(beta) & np.isfinite(se)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = beta / se
    pvalue = np.where(converged, 2 * ndtr(-np.abs(z)), np.nan)  # statsmodels' Wald p-value
    return LogitResult(beta=beta, intercept=fit["intercept"], se=se, z=z, pvalue=pvalue, converged=converged,
                       separated=positives_above | positives_below, constant=constant, n_iter=fit["n_iter"],
                       nobs=len(y))  # fmt: skip


def _separation(ranges: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(constant, positives above, positives below) per neuron, from each class's min and max.

    When every proper noun's activation is >= every other token's (or <=), the likelihood grows
    without end as the slope goes to +inf (-inf): statsmodels warns of perfect separation.
    """
    constant = np.maximum(ranges["pos_max"], ranges["neg_max"]) == np.minimum(ranges["pos_min"], ranges["neg_min"])
    above = (ranges["pos_min"] >= ranges["neg_max"]) & ~constant
    below = (ranges["pos_max"] <= ranges["neg_min"]) & ~constant
    return constant, above, below


def auroc(X: Any, y: Any, *, backend: str | None = None, threads: int | None = None) -> np.ndarray:
    """``auroc_one_neuron`` for every column of X: Mann-Whitney U / (n1 * n0), exactly.

    0.5 is chance, 1.0 a perfect detector, 0.0 a perfect detector of the other class.
    """
    y = check_labels(y)
    x = check_activations(X, len(y))
    if y.min() == y.max():
        raise ValueError("y needs both classes (1 = proper noun, 0 = other) to compute an AUROC")
    values, finite = paths.auroc(paths.resolve(backend, x), x, y, threads=threads)
    paths.check_finite(finite)
    return values


# ---------------------------------------------------------------------------------- sample, tests


def balanced_sample(labels: Any, *, seed: int | None) -> np.ndarray:
    """Indices of the lecture's comparison sample: every positive token + as many random negatives.

    Negatives are drawn without replacement with ``numpy.random.default_rng(seed)``, so the same seed
    gives the same sample. The indices come back sorted (text order); use them on both the
    activations and the labels: ``X[idx], labels[idx]``.
    """
    y = check_labels(labels, "labels")
    positives, negatives = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    if len(positives) == 0:
        raise ValueError("labels has no positive (1) token: tag some proper nouns first")
    if len(negatives) < len(positives):
        raise ValueError(f"only {len(negatives)} negative tokens for {len(positives)} positives: "
                         "a balanced sample needs at least as many; use more text")  # fmt: skip
    chosen = np.random.default_rng(seed).choice(negatives, size=len(positives), replace=False)
    return np.sort(np.concatenate([positives, chosen]))


def bonferroni(pvalues: Any, alpha: float = 0.05) -> np.ndarray:
    """Significant where ``p < alpha / m``, with m = every entry (the lecture's .05 / 4096).

    ``pvalues`` is one layer [neurons] or [layers, neurons]; all entries form one family, so for a
    per-layer threshold pass one layer at a time. NaN p-values count in m but are never significant.
    """
    p = check_pvalues(pvalues)
    with np.errstate(invalid="ignore"):
        return p < alpha / max(p.size, 1)


def benjamini_hochberg(pvalues: Any, alpha: float = 0.05) -> np.ndarray:
    """Significant under the Benjamini-Hochberg procedure (false discovery rate ``alpha``).

    Sort the m p-values, find the largest rank k with ``p_(k) <= k / m * alpha``, and call the k
    smallest significant. Same family and NaN rules as ``bonferroni`` (NaN counts in m, never wins).
    """
    p = check_pvalues(pvalues)
    flat = p.ravel()
    order = np.argsort(np.where(np.isnan(flat), np.inf, flat), kind="stable")
    with np.errstate(invalid="ignore"):
        passing = np.flatnonzero(flat[order] <= np.arange(1, flat.size + 1) / flat.size * alpha)
    significant = np.zeros(flat.size, dtype=bool)
    if len(passing):
        significant[order[: passing[-1] + 1]] = True
    return significant.reshape(p.shape)


# ---------------------------------------------------------------------------------- every layer

CORRECTIONS = {"bonferroni": bonferroni, "bh": benjamini_hochberg}


def scan_layers(acts: Mapping[Any, Any] | Any, labels: Any, *, heldout: tuple[Any, Any] | None = None,
                seed: int | None = 42, alpha: float = 0.05, correction: str = "bonferroni",
                family: str = "layer", backend: str | None = None):  # fmt: skip
    """The lecture's per-neuron regression for every layer, as one table (a pandas DataFrame).

    For each layer: ``fit_logit`` on the ``balanced_sample(labels, seed=seed)`` tokens (the same
    tokens for every layer), and each neuron's ``auroc`` on all tokens (AUROC needs no balanced
    sample). Columns: layer, neuron, beta, se, pvalue, significant, auroc, and with
    ``heldout=(acts2, labels2)`` (other text through the same model) heldout_auroc: the lecture's
    "does it generalise?" as a number. 0.5 is chance (``CHANCE_AUROC``). A perfect separator has
    beta +-inf and pvalue NaN (no test exists), so it is not ``significant``; its auroc shows it.

    ``significant`` uses ``correction`` ("bonferroni", the lecture's; or "bh") over ``family``:
    "layer" (each layer on its own: the lecture's .05 / 4096) or "all" (every neuron of every layer
    as one family). The settings travel in ``table.attrs``; ``top_neurons(table)`` shows the strongest.
    """
    import pandas as pd

    if correction not in CORRECTIONS:
        raise ValueError(f"correction must be one of {sorted(CORRECTIONS)}, got {correction!r}")
    if family not in ("layer", "all"):
        raise ValueError(f"family must be 'layer' or 'all', got {family!r}")
    layers, y = check_layers(acts, "acts"), check_labels(labels, "labels")
    sample = balanced_sample(y, seed=seed)
    if heldout is not None:
        held_layers, held_y = check_layers(heldout[0], "heldout[0]"), check_labels(heldout[1], "heldout[1]")
        if set(held_layers) != set(layers):
            raise ValueError("heldout activations must have the same layers as acts")
    for layer, x in layers.items():
        if x.shape[0] != len(y):
            raise ValueError(f"acts[{layer!r}] has {x.shape[0]} tokens but labels has {len(y)}")
    path = stats_backend(next(iter(layers.values())), backend)  # one path for the whole table
    frames = []
    for layer, x in layers.items():
        fit = fit_logit(x[sample], y[sample], backend=path)
        frame = pd.DataFrame({"layer": layer, "neuron": np.arange(x.shape[1]), "beta": fit.beta, "se": fit.se,
                              "pvalue": fit.pvalue, "auroc": auroc(x, y, backend=path)})  # fmt: skip
        if heldout is not None:
            frame["heldout_auroc"] = auroc(held_layers[layer], held_y, backend=path)
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    test = CORRECTIONS[correction]
    by_family = [table["pvalue"].to_numpy()] if family == "all" else [f["pvalue"].to_numpy() for f in frames]
    table.insert(table.columns.get_loc("auroc"), "significant", np.concatenate([test(p, alpha) for p in by_family]))
    table.attrs.update(chance_auroc=CHANCE_AUROC, alpha=alpha, correction=correction, family=family,
                       n_sample=len(sample), n_positive=int(y.sum()), seed=seed)  # fmt: skip
    return table


def auroc_direction(area: float) -> str:
    """How a neuron with this AUROC (proper nouns above) behaves: it "fires more" or "fires less" on proper nouns."""
    return "fires more" if area >= CHANCE_AUROC else "fires less"


def top_neurons(table, top: int = 5):
    """The ``top`` most positive (beta > 0) and most negative (beta < 0) significant neurons of a
    ``scan_layers`` table; fewer rows where a layer has fewer such neurons. The choice uses only the
    fitted (training) text.

    Beside each: its AUROC with lessonkit's one convention -- the chance that a proper noun's
    activation lies above another token's ("proper nouns above": 1 = a perfect detector that fires
    more on proper nouns, 0 = one that fires less, 0.5 = chance) -- on the fitted text and, if
    present, the held-out text; and "fires on proper nouns": "more" or "less" (from the fitted text).
    """
    import pandas as pd

    significant = table[table["significant"]]
    chosen = pd.concat([significant[significant["beta"] > 0].nlargest(top, "beta"),
                        significant[significant["beta"] < 0].nsmallest(top, "beta")])  # fmt: skip
    result = chosen[["layer", "neuron", "beta", "pvalue"]].copy()
    result["fires on proper nouns"] = [auroc_direction(a).removeprefix("fires ") for a in chosen["auroc"]]
    result["auroc"] = chosen["auroc"]
    if "heldout_auroc" in chosen:
        result["heldout_auroc"] = chosen["heldout_auroc"]
    result["chance"] = table.attrs.get("chance_auroc", CHANCE_AUROC)
    return result.reset_index(drop=True)
