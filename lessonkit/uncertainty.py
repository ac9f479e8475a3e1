"""Uncertainty: how sure can we be of a neuron's numbers, and of the choice of that neuron?

* :func:`auroc_ci` -- an AUROC with its confidence interval (DeLong's method: the variance of the
  Mann-Whitney statistic from each token's share of the wins);
* :func:`block_bootstrap_auroc` -- the same AUROC with an interval that allows for neighbouring
  tokens not being independent (pieces of one name, one sentence): whole blocks of text resampled;
* :func:`rank_in_null` -- where one number sits among numbers drawn under a null hypothesis (an
  empirical p-value), e.g. an ablation effect among random neurons' effects;
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


def block_bootstrap_auroc(values: Any, labels: Any, *, block: int = 128, n_boot: int = 1000, seed: int = 0,
                          level: float = 0.95) -> tuple[float, float, float]:
    """``(auroc, low, high)`` with a percentile interval from a block bootstrap.

    DeLong's interval treats every token as independent; neighbouring tokens are not (the pieces of
    one name, the words of one sentence, a name repeated in a paragraph). Here the text is cut into
    consecutive blocks of ``block`` tokens and each replicate draws as many blocks, with replacement:
    replicate r takes the blocks ``numpy.random.default_rng(seed).integers(0, n_blocks, (n_boot,
    n_blocks))[r]``. Each replicate's AUROC is computed exactly, from counts (no resampled copy).
    """
    x = np.asarray(as_numpy(values), dtype=float).ravel()
    y = np.asarray(as_numpy(labels)).ravel().astype(bool)
    if len(x) != len(y):
        raise ValueError(f"values has {len(x)} entries but labels has {len(y)}.")
    if not 0 < level < 1 or n_boot < 10 or block < 1:
        raise ValueError("level must lie between 0 and 1, n_boot be at least 10 and block at least 1.")
    n_blocks = -(-len(x) // block)
    if n_blocks < 2 or y.all() or not y.any():
        raise ValueError("A block bootstrap needs at least two blocks and both classes.")
    order = np.argsort(x, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(x[order]) != 0])  # groups of tied values, in sorted order
    picks = np.random.default_rng(seed).integers(0, n_blocks, (n_boot, n_blocks))
    areas = []
    for chunk in np.array_split(picks, max(1, n_boot // 100)):
        times = np.stack([np.bincount(row, minlength=n_blocks) for row in chunk])[:, order // block]  # copies drawn
        positive = np.add.reduceat(times * y[order], starts, axis=1)
        negative = np.add.reduceat(times * ~y[order], starts, axis=1)
        below = np.cumsum(negative, axis=1) - negative  # negatives strictly below each group; ties count half
        with np.errstate(invalid="ignore", divide="ignore"):
            areas.append((positive * (below + negative / 2)).sum(1) / (positive.sum(1) * negative.sum(1)))
    areas = np.concatenate(areas)
    areas = areas[np.isfinite(areas)]  # a replicate that drew no token of one class has no AUROC
    area = auroc_ci(x, y)[0]
    return area, float(np.quantile(areas, (1 - level) / 2)), float(np.quantile(areas, (1 + level) / 2))


def rank_in_null(observed: float, null: Any) -> dict[str, float]:
    """Where ``observed`` sits among ``null`` values (large = extreme): its rank among all of them
    (1 = largest; ties count against it), the one-sided empirical p-value ``(1 + #null >= observed) /
    (1 + len(null))``, the null's share below it, and its distance from the null's mean in sds (z)."""
    null = np.asarray(as_numpy(null), dtype=float).ravel()
    if not len(null) or not np.isfinite(null).all() or not np.isfinite(observed):
        raise ValueError("rank_in_null needs a finite observed value and at least one finite null value.")
    at_least = int((null >= observed).sum())
    sd = null.std(ddof=1) if len(null) > 1 else np.nan
    return {"rank": at_least + 1, "of": len(null) + 1, "p": (1 + at_least) / (1 + len(null)),
            "share_below": float((null < observed).mean()), "z": float((observed - null.mean()) / sd),
            "null_max": float(null.max())}


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
