"""One logistic regression per neuron, for every neuron at once.

The lecture asks, for each MLP neuron: does its activation predict "this token is a proper noun"?
It answers with one ``sm.Logit(y, sm.add_constant(x)).fit()`` per neuron in a Python loop and reads
the slope (``params[1]``) and its p-value (``pvalues[1]``). This module gives the same numbers for
all neurons of all layers at once:

    fit_logit          intercept + slope logistic regression per column, by statsmodels' own Newton
                       method (same start, same steps, same stopping rule), vectorised over neurons
    balanced_sample    the lecture's comparison sample: all proper nouns + as many random other tokens
    bonferroni         the lecture's threshold, alpha / number of tests
    benjamini_hochberg the false-discovery-rate alternative
    auroc              how well one neuron alone separates the two classes (0.5 = chance, 1 = perfect)
    scan_layers        all of the above for every layer -> one table, with a held-out check

For one neuron's full ``summary()`` table, statsmodels is still the right tool; ``fit_logit`` is for
when you want thousands of them.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
import threading
from contextlib import contextmanager
from dataclasses import dataclass, fields
from typing import Any, Mapping

import numpy as np
import torch
from scipy import stats

from ._arrays import as_numpy

CHANCE_AUROC = 0.5  # what a neuron that knows nothing about the labels scores

# statsmodels' Logit.fit() defaults: method="newton", maxiter=35, tol=1e-8, ridge 1e-10 on the Hessian
MAXITER = 35
TOL = 1e-8
RIDGE = 1e-10


# --------------------------------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------------------------------




def _check_labels(labels: Any, name: str = "y") -> np.ndarray:
    """0/1 labels as a 1-D float64 array; anything else is an error that says what to pass."""
    y = as_numpy(labels, name)
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one 0/1 label per token), got shape {y.shape}")
    if y.dtype == bool:
        return y.astype(np.float64)
    if not np.issubdtype(y.dtype, np.number):
        raise TypeError(f"{name} must hold numbers 0/1 or booleans, got dtype {y.dtype}")
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"{name} must contain only 0 and 1 (1 = proper noun), got values {np.unique(y)[:5]}")
    return y.astype(np.float64)


def _check_activations(X: Any, n_samples: int, name: str = "X") -> np.ndarray:
    """[n_samples, n_neurons] real activations (a 1-D array is one neuron)."""
    x = as_numpy(X, name)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ValueError(f"{name} must be [n_samples, n_neurons], got shape {x.shape}")
    if not (np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer) or x.dtype == bool):
        raise TypeError(f"{name} must hold real numbers, got dtype {x.dtype}")
    if x.shape[0] != n_samples:
        raise ValueError(f"{name} has {x.shape[0]} rows but y has {n_samples} labels; pass one row per label")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or infinite values; drop those tokens first")
    return x


# --------------------------------------------------------------------------------------------------
# the fit
# --------------------------------------------------------------------------------------------------


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
        return (
            f"LogitResult({n} neurons, n={self.nobs} samples: {significant} significant at "
            f"p < .05/{n} (Bonferroni), {int(self.separated.sum())} separated, "
            f"{int(self.constant.sum())} constant, {failed} not converged)"
        )

    def to_frame(self):
        """The results as a pandas DataFrame, one row per neuron (index = neuron)."""
        import pandas as pd

        columns = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "nobs"}
        frame = pd.DataFrame(columns)
        frame.index.name = "neuron"
        return frame


def fit_logit(
    X: Any, y: Any, *, maxiter: int = MAXITER, tol: float = TOL, block: int = 1024, threads: int | None = None
) -> LogitResult:
    """Fit ``logit P(y=1) = intercept + beta * x`` for every column ``x`` of ``X`` at once.

    Same numbers as ``sm.Logit(y, sm.add_constant(X[:, j])).fit()`` for each neuron ``j``: Newton's
    method from zeros, stopping when no parameter moves more than ``tol`` or after ``maxiter`` steps,
    standard errors from the inverse Hessian, two-sided normal (Wald) p-values. Computed in float64
    whatever the input dtype. Separation (the classes do not overlap, or touch at one value) and
    constant columns are detected exactly from the data; see ``LogitResult`` for how they are reported.

    X: [n_samples, n_neurons] activations (numpy or torch; a 1-D array is one neuron).
    y: [n_samples] labels 0/1 (1 = proper noun); both classes must occur.
    block, threads: at most this many neurons per chunk, and chunks fitted side by side (default:
        torch's thread count). Speed knobs only: the numbers do not depend on them.
    """
    y = _check_labels(y)
    x = _check_activations(X, len(y))
    if y.min() == y.max():
        raise ValueError("y has only one class; a regression needs both proper nouns (1) and other tokens (0)")
    if maxiter < 1 or tol <= 0 or block < 1 or (threads is not None and threads < 1):
        raise ValueError("maxiter, block and threads must be >= 1 and tol > 0")

    # separation and constant columns, exactly: compare the two classes' ranges (no fit needed)
    pos, neg = x[y == 1], x[y == 0]
    constant = np.maximum(pos.max(0), neg.max(0)) == np.minimum(pos.min(0), neg.min(0))
    positives_above = (pos.min(0) >= neg.max(0)) & ~constant  # complete (>) or quasi (==) separation
    positives_below = (pos.max(0) <= neg.min(0)) & ~constant
    separated = positives_above | positives_below
    fitted = ~(separated | constant)

    block = max(1, min(block, x.shape[1], 2**20 // len(y)))  # work arrays of at most 8 MB each
    # each worker thread keeps its [4, block, n] float64 work arrays from chunk to chunk:
    # fresh megabyte arrays for every chunk cost more in page faults than the arithmetic
    scratch = threading.local()

    def fit_block(start: int) -> dict[str, torch.Tensor]:
        if not hasattr(scratch, "arrays"):
            scratch.arrays = torch.empty((4, block, len(y)), dtype=torch.float64)
        chunk = x[:, start : start + block]
        if not fitted[start : start + block].all():
            chunk = chunk[:, fitted[start : start + block]]
        # one row per neuron (neuron-major), float64: sums over samples run along contiguous memory
        rows = scratch.arrays[0, : chunk.shape[1]]
        rows.copy_(torch.from_numpy(chunk).T)
        return _newton(rows, torch.from_numpy(y), maxiter, tol, scratch.arrays[1:])

    with _one_torch_thread_per_chunk(), ThreadPoolExecutor(threads or torch.get_num_threads()) as pool:
        parts = list(pool.map(fit_block, range(0, x.shape[1], block)))
    fit = {name: torch.cat([part[name] for part in parts]).numpy() for name in parts[0]}

    def every_neuron(values: np.ndarray, fill: Any) -> np.ndarray:
        full = np.full(x.shape[1], fill, dtype=values.dtype)
        full[fitted] = values
        return full

    beta = every_neuron(fit["beta"], np.nan)
    beta[positives_above], beta[positives_below] = np.inf, -np.inf  # the likelihood has no maximum
    se, converged = every_neuron(fit["se"], np.nan), every_neuron(fit["converged"], False)
    z = beta / se
    pvalue = np.where(converged, stats.norm.sf(np.abs(z)) * 2, np.nan)  # statsmodels' Wald p-value
    return LogitResult(beta=beta, intercept=every_neuron(fit["intercept"], np.nan), se=se, z=z, pvalue=pvalue,
                       converged=converged, separated=separated, constant=constant,
                       n_iter=every_neuron(fit["n_iter"], 0), nobs=len(y))  # fmt: skip


@contextmanager
def _one_torch_thread_per_chunk():
    """Chunks run side by side, each on one thread: sturdier than splitting every small torch
    operation over all cores, which stalls whenever another program holds one of them."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _newton(x: torch.Tensor, y: torch.Tensor, maxiter: int, tol: float, scratch: torch.Tensor) -> dict[str, torch.Tensor]:
    """statsmodels' ``_fit_newton`` on the scaled log-likelihood, one 2x2 system per neuron (row of x).

    All neurons start at zero and step together. A neuron stops once its step is at most ``tol`` in
    both parameters, or after ``maxiter`` steps; then, like statsmodels, its Hessian is evaluated
    once more at the final point for the standard error, and it leaves the working set.
    x is overwritten; scratch holds three more arrays of at least x's shape.
    """
    k, n = x.shape
    out = {name: torch.full((k,), float("nan"), dtype=torch.float64) for name in ("beta", "intercept", "var")}
    out["n_iter"] = torch.zeros(k, dtype=torch.int64)

    # the working set: rows still stepping (compacted into the first rows of `work`), their neuron numbers
    sum_y, sum_yx = y.sum(), x @ y
    work, spare, buffers = x, scratch[0], scratch[1:]
    rows = torch.arange(k)
    a, b = torch.zeros(k, dtype=torch.float64), torch.zeros(k, dtype=torch.float64)  # intercepts, slopes

    def finish(which: torch.Tensor, s_w: torch.Tensor, s_wx: torch.Tensor, s_wx2: torch.Tensor, steps: int) -> None:
        ids, det = rows[which], s_w[which] * s_wx2[which] - s_wx[which] ** 2
        out["var"][ids] = torch.where(det > 0, s_w[which] / det, float("nan"))  # [H^-1]_11, no ridge
        out["beta"][ids], out["intercept"][ids], out["n_iter"][ids] = b[which], a[which], steps

    done = torch.zeros(k, dtype=torch.bool)  # stepped for the last time
    for step in range(maxiter + 1):
        s_p, s_px, s_w, s_wx, s_wx2 = _sums(work[: len(rows)], a, b, buffers[:, : len(rows)], at_zero=step == 0)
        if step == maxiter:  # out of steps
            done[:] = True
        if done.any():
            finish(done, s_w, s_wx, s_wx2, steps=step)
            keep = ~done
            torch.index_select(work[: len(rows)], 0, keep.nonzero().squeeze(1), out=spare[: int(keep.sum())])
            work, spare = spare, work
            rows, a, b, sum_yx = rows[keep], a[keep], b[keep], sum_yx[keep]
            s_p, s_px, s_w, s_wx, s_wx2 = s_p[keep], s_px[keep], s_w[keep], s_wx[keep], s_wx2[keep]
            if len(rows) == 0:
                break

        # one Newton step for the others: (H / n + ridge) step = score / n, as statsmodels scales it
        h00, h01, h11 = s_w / n + RIDGE, s_wx / n, s_wx2 / n + RIDGE
        g0, g1 = (sum_y - s_p) / n, (sum_yx - s_px) / n
        det = h00 * h11 - h01 * h01
        da, db = (h11 * g0 - h01 * g1) / det, (h00 * g1 - h01 * g0) / det
        a, b = a + da, b + db
        done = ~((da.abs() > tol) | (db.abs() > tol))  # statsmodels goes on while some |step| > tol

    se = out.pop("var").sqrt()
    converged = (out["n_iter"] < maxiter) & out["beta"].isfinite() & se.isfinite()
    return dict(out, se=se, converged=converged)


def _sums(x: torch.Tensor, a: torch.Tensor, b: torch.Tensor, buffers: torch.Tensor, *, at_zero: bool) -> tuple:
    """Sums over samples (rows of x) of p, p x, w, w x, w x^2, where p = sigmoid(a + b x), w = p (1 - p)."""
    n = x.shape[1]
    p, tmp = buffers  # p (then w) and a scratch array
    if at_zero:  # the start (a = b = 0): p = 1/2 exactly, and the sums are moments of x
        sum_x, sum_x2 = x.sum(1), torch.mul(x, x, out=tmp).sum(1)
        return torch.full_like(sum_x, n / 2), sum_x / 2, torch.full_like(sum_x, n / 4), sum_x / 4, sum_x2 / 4
    torch.sigmoid(torch.mul(x, b[:, None], out=p).add_(a[:, None]), out=p)
    s_p, s_px = p.sum(1), torch.mul(p, x, out=tmp).sum(1)
    w = p.addcmul_(p, p, value=-1.0)  # p (1 - p), in place
    s_w, s_wx = w.sum(1), torch.mul(w, x, out=tmp).sum(1)
    return s_p, s_px, s_w, s_wx, tmp.mul_(x).sum(1)


# --------------------------------------------------------------------------------------------------
# the sample, multiple testing, AUROC
# --------------------------------------------------------------------------------------------------


def balanced_sample(labels: Any, *, seed: int | None) -> np.ndarray:
    """Indices of the lecture's comparison sample: every positive token + as many random negatives.

    Negatives are drawn without replacement with ``numpy.random.default_rng(seed)``, so the same seed
    gives the same sample. The indices come back sorted (text order); use them on both the
    activations and the labels: ``X[idx], labels[idx]``.
    """
    y = _check_labels(labels, "labels")
    positives, negatives = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    if len(positives) == 0:
        raise ValueError("labels has no positive (1) token: tag some proper nouns first")
    if len(negatives) < len(positives):
        raise ValueError(
            f"only {len(negatives)} negative tokens for {len(positives)} positives: "
            "a balanced sample needs at least as many; use more text"
        )
    chosen = np.random.default_rng(seed).choice(negatives, size=len(positives), replace=False)
    return np.sort(np.concatenate([positives, chosen]))


def _pvalue_array(pvalues: Any) -> np.ndarray:
    p = as_numpy(pvalues, "pvalues").astype(np.float64)
    if p.ndim not in (1, 2):
        raise ValueError(f"pvalues must be [neurons] or [layers, neurons], got shape {p.shape}")
    if ((p < 0) | (p > 1)).any():
        raise ValueError("pvalues must lie between 0 and 1 (NaN allowed)")
    return p


def bonferroni(pvalues: Any, alpha: float = 0.05) -> np.ndarray:
    """Significant where ``p < alpha / m``, with m = every entry (the lecture's .05 / 4096).

    ``pvalues`` is one layer [neurons] or [layers, neurons]; all entries form one family, so for a
    per-layer threshold pass one layer at a time. NaN p-values count in m but are never significant.
    """
    p = _pvalue_array(pvalues)
    with np.errstate(invalid="ignore"):
        return p < alpha / max(p.size, 1)


def benjamini_hochberg(pvalues: Any, alpha: float = 0.05) -> np.ndarray:
    """Significant under the Benjamini-Hochberg procedure (false discovery rate ``alpha``).

    Sort the m p-values, find the largest rank k with ``p_(k) <= k / m * alpha``, and call the k
    smallest significant. Same family and NaN rules as ``bonferroni`` (NaN counts in m, never wins).
    """
    p = _pvalue_array(pvalues)
    flat = p.ravel()
    m = flat.size
    order = np.argsort(np.where(np.isnan(flat), np.inf, flat), kind="stable")
    ranked = flat[order]
    with np.errstate(invalid="ignore"):
        passing = np.flatnonzero(ranked <= np.arange(1, m + 1) / m * alpha)
    significant = np.zeros(m, dtype=bool)
    if len(passing):
        significant[order[: passing[-1] + 1]] = True
    return significant.reshape(p.shape)


def auroc(X: Any, y: Any) -> np.ndarray:
    """Area under the ROC curve of each neuron's activation as a score for y = 1.

    The chance that a random positive token has a higher activation than a random negative one,
    ties counting half: Mann-Whitney U / (n1 * n0). 0.5 is chance, 1.0 a perfect detector, 0.0 a
    perfect detector of the other class. Computed as written: for every positive, count the
    negatives below it (binary search in the sorted negatives) plus half of those equal to it.
    """
    y = _check_labels(y)
    x = _check_activations(X, len(y))
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("y needs both classes (1 = proper noun, 0 = other) to compute an AUROC")
    negatives = np.ascontiguousarray(x[y == 0].T)  # [neurons, n_neg]
    negatives.sort(axis=1)
    negatives = torch.from_numpy(negatives)
    positives = torch.from_numpy(np.ascontiguousarray(x[y == 1].T))  # [neurons, n_pos]
    below = torch.searchsorted(negatives, positives, side="left")  # negatives < positive
    below_or_equal = torch.searchsorted(negatives, positives, side="right")  # negatives <= positive
    u_pos = (below + below_or_equal).sum(1).numpy() / 2
    return u_pos / (n_pos * n_neg)


# --------------------------------------------------------------------------------------------------
# every layer at once
# --------------------------------------------------------------------------------------------------

CORRECTIONS = {"bonferroni": bonferroni, "bh": benjamini_hochberg}


def _layers(acts: Any, name: str) -> dict[Any, np.ndarray]:
    """{layer: [n_tokens, neurons]} from a dict (what ``capture_mlp`` returns) or a [layers, n, neurons] array."""
    if isinstance(acts, Mapping):
        layers = {layer: as_numpy(value, f"{name}[{layer!r}]") for layer, value in acts.items()}
    else:
        array = as_numpy(acts, name)
        if array.ndim != 3:
            raise ValueError(f"{name} must be a dict {{layer: [n_tokens, neurons]}} or a [layers, n_tokens, neurons] array")
        layers = dict(enumerate(array))
    if not layers:
        raise ValueError(f"{name} holds no layer")
    for layer, value in layers.items():
        if value.ndim == 3 and value.shape[0] == 1:  # a batch of one sequence
            layers[layer] = value = value[0]
        if value.ndim != 2:
            raise ValueError(f"{name}[{layer!r}] must be [n_tokens, neurons], got shape {value.shape}")
    return layers


def scan_layers(
    acts: Mapping[Any, Any] | Any,
    labels: Any,
    *,
    heldout: tuple[Any, Any] | None = None,
    seed: int | None = 0,
    alpha: float = 0.05,
    correction: str = "bonferroni",
    family: str = "layer",
):
    """The lecture's per-neuron regression for every layer, as one table (a pandas DataFrame).

    For each layer: ``fit_logit`` on the ``balanced_sample(labels, seed=seed)`` tokens (the same
    tokens for every layer; all layers in one call), and each neuron's ``auroc`` on all tokens (AUROC does not need a
    balanced sample). Columns: layer, neuron, beta, se, pvalue, significant, auroc, and with
    ``heldout=(acts2, labels2)`` (other text run through the same model) heldout_auroc: the
    lecture's "does it generalise?" as a number. 0.5 is chance (``CHANCE_AUROC``).

    A neuron that separates the classes perfectly gets beta +-inf and pvalue NaN (no test exists),
    so it is not ``significant``; its auroc (1.0 or 0.0) shows what it is.

    ``significant`` uses ``correction`` ("bonferroni", the lecture's; or "bh") over ``family``:
    "layer" (each layer on its own: the lecture's .05 / 4096) or "all" (every neuron of every layer
    as one family). The settings travel with the table in ``table.attrs``; ``top_neurons(table)``
    shows the strongest neurons beside the chance level.
    """
    import pandas as pd

    if correction not in CORRECTIONS:
        raise ValueError(f"correction must be one of {sorted(CORRECTIONS)}, got {correction!r}")
    if family not in ("layer", "all"):
        raise ValueError(f"family must be 'layer' or 'all', got {family!r}")
    layers = _layers(acts, "acts")
    y = _check_labels(labels, "labels")
    sample = balanced_sample(y, seed=seed)
    if heldout is not None:
        held_layers, held_y = _layers(heldout[0], "heldout[0]"), _check_labels(heldout[1], "heldout[1]")
        if set(held_layers) != set(layers):
            raise ValueError("heldout activations must have the same layers as acts")

    for layer, x in layers.items():
        if x.shape[0] != len(y):
            raise ValueError(f"acts[{layer!r}] has {x.shape[0]} tokens but labels has {len(y)}")
    # one fit for all layers side by side: the same tokens, one column per neuron of every layer
    fit = fit_logit(np.concatenate([x[sample] for x in layers.values()], axis=1), y[sample])
    frames, start = [], 0
    for layer, x in layers.items():
        mine = slice(start, start + x.shape[1])
        start += x.shape[1]
        frame = pd.DataFrame({"layer": layer, "neuron": np.arange(x.shape[1]), "beta": fit.beta[mine],
                              "se": fit.se[mine], "pvalue": fit.pvalue[mine], "auroc": auroc(x, y)})  # fmt: skip
        if heldout is not None:
            frame["heldout_auroc"] = auroc(held_layers[layer], held_y)
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)

    test = CORRECTIONS[correction]
    if family == "all":
        significant = test(table["pvalue"].to_numpy(), alpha)
    else:
        significant = np.concatenate([test(frame["pvalue"].to_numpy(), alpha) for frame in frames])
    table.insert(table.columns.get_loc("auroc"), "significant", significant)
    table.attrs.update(chance_auroc=CHANCE_AUROC, alpha=alpha, correction=correction, family=family,
                       n_sample=len(sample), n_positive=int(y.sum()), seed=seed)  # fmt: skip
    return table


def top_neurons(table, top: int = 5):
    """The ``top`` most positive and most negative significant neurons of a ``scan_layers`` table.

    Beside each: its AUROC oriented by the sign of beta (1 = perfect detector in the neuron's own
    direction), on the fitted text and, if present, on the held-out text, next to chance (0.5).
    """
    import pandas as pd

    significant = table[table["significant"]]
    chosen = pd.concat([significant.nlargest(top, "beta"), significant.nsmallest(top, "beta")])
    flip = chosen["beta"] < 0
    result = chosen[["layer", "neuron", "beta", "pvalue"]].copy()
    result["auroc"] = chosen["auroc"].where(~flip, 1 - chosen["auroc"])
    if "heldout_auroc" in chosen:
        result["heldout_auroc"] = chosen["heldout_auroc"].where(~flip, 1 - chosen["heldout_auroc"])
    result["chance"] = table.attrs.get("chance_auroc", CHANCE_AUROC)
    return result.reset_index(drop=True)

