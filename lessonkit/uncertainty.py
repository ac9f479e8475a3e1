"""Uncertainty: how sure can we be of a neuron's numbers, and of the choice of that neuron?

* :func:`auroc_ci` -- an AUROC with its confidence interval (DeLong's method: the variance of the
  Mann-Whitney statistic from each token's share of the wins);
* :func:`standardized_effect` -- Cohen's d per neuron. The lecture ranks neurons by beta, the
  logistic slope, which is measured per unit of activation: a neuron whose activations barely vary
  gets a huge beta for a small separation. d (and AUROC) are scale-free;
* :func:`permutation_null` -- how many neurons pass Bonferroni when the labels are shuffled, i.e.
  when no neuron can know anything about them;
* :func:`significance_by_seed` -- which neurons pass with other random comparison samples.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from scipy import stats

from ._arrays import as_numpy
from .regression import balanced_sample, bonferroni, fit_logit


def auroc_ci(values: Any, labels: Any, *, level: float = 0.95) -> tuple[float, float, float]:
    """``(auroc, low, high)`` of one neuron's values as a score for the labels (ties count half).

    DeLong et al. (1988): each positive's share of wins over the negatives (V10) and each negative's
    share of losses (V01) give ``var(AUROC) = var(V10) / n1 + var(V01) / n0``; the interval is the
    normal one around the AUROC, clipped to [0, 1].
    """
    x = np.asarray(as_numpy(values), dtype=float).ravel()
    y = np.asarray(as_numpy(labels)).ravel().astype(bool)
    if len(x) != len(y):
        raise ValueError(f"values has {len(x)} entries but labels has {len(y)}.")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}.")
    pos, neg = x[y], x[~y]
    if len(pos) < 2 or len(neg) < 2:
        raise ValueError("An AUROC interval needs at least two tokens of each class.")
    all_ranks = stats.rankdata(x)  # midranks: ties count half
    wins = (all_ranks[y] - stats.rankdata(pos)) / len(neg)  # V10: share of negatives below each positive
    losses = 1 - (all_ranks[~y] - stats.rankdata(neg)) / len(pos)  # V01: share of positives above each negative
    area = float(wins.mean())
    se = float(np.sqrt(wins.var(ddof=1) / len(pos) + losses.var(ddof=1) / len(neg)))
    z = stats.norm.ppf(0.5 + level / 2)
    return area, max(0.0, area - z * se), min(1.0, area + z * se)


def standardized_effect(acts: Any, labels: Any) -> np.ndarray:
    """Cohen's d per neuron: (mean of proper nouns - mean of the others) / pooled standard deviation."""
    x = np.asarray(as_numpy(acts), dtype=float)
    y = np.asarray(as_numpy(labels)).ravel().astype(bool)
    if x.ndim != 2 or x.shape[0] != len(y):
        raise ValueError(f"acts must be [tokens, neurons] with one label per token, got {x.shape} and {len(y)} labels.")
    pos, neg = x[y], x[~y]
    pooled = np.sqrt(((len(pos) - 1) * pos.var(0, ddof=1) + (len(neg) - 1) * neg.var(0, ddof=1)) / (len(x) - 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        return (pos.mean(0) - neg.mean(0)) / pooled


def permutation_null(acts: Any, labels: Any, *, n_permutations: int = 20, seed: int = 0,
                     alpha: float = 0.05) -> np.ndarray:
    """For each of ``n_permutations`` shufflings of the labels, how many neurons pass Bonferroni.

    acts, labels: the lecture's balanced sample (``acts[layer][sample], labels[sample]``). The
    shuffled labels keep their count, so every test is the lecture's test on labels that carry no
    information; about ``alpha`` of the permutations should show any significant neuron at all.
    """
    y = np.asarray(as_numpy(labels)).ravel()
    rng = np.random.default_rng(seed)
    return np.array([int(bonferroni(fit_logit(acts, rng.permutation(y)).pvalue, alpha).sum())
                     for _ in range(n_permutations)])


def significance_by_seed(acts: Any, labels: Any, seeds: Sequence[int], *, alpha: float = 0.05) -> dict[str, Any]:
    """The lecture's test of every neuron with the comparison sample drawn from each seed.

    Returns ``significant`` (``[seeds, neurons]`` booleans), ``top_positive`` (the largest
    significant beta's neuron for each seed) and ``changed`` (how many neurons are significant
    with some seeds and not with others).
    """
    x, y = as_numpy(acts), np.asarray(as_numpy(labels)).ravel()
    significant, top = [], []
    for seed in seeds:
        sample = balanced_sample(y, seed=seed)
        fit = fit_logit(x[sample], y[sample])
        passing = bonferroni(fit.pvalue, alpha)
        significant.append(passing)
        candidates = np.where(passing & (fit.beta > 0), fit.beta, -np.inf)
        top.append(int(np.argmax(candidates)) if np.isfinite(candidates).any() else -1)
    significant = np.array(significant)
    changed = int((significant.any(0) & ~significant.all(0)).sum())
    return {"significant": significant, "top_positive": top, "changed": changed}
