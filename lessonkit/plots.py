"""The lecture's figures: every neuron's slope and p-value, and a profile over layers.

``plot_classifier_results`` redraws the lecture's two panels with its encodings: colour = sign of
beta (red positive, green negative), filled dot = significant after Bonferroni (p < alpha / n),
cross = not significant; right panel beta against -log(p) (natural log, as ``np.log``) with the
threshold line at -log(alpha / n). Each category is one scatter with a ``gid``, so a test (or a
curious student) can count the dots: ``{c.get_gid(): len(c.get_offsets()) for c in ax.collections}``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._arrays import as_numpy
from .heatmap import new_figure

POSITIVE, NEGATIVE, NO_P_VALUE = "tab:red", "tab:green", "0.55"
CATEGORIES = (  # gid, beta sign, significant, colour, marker, legend label
    ("positive-significant", True, True, POSITIVE, "o", "β > 0, significant"),
    ("positive-not-significant", True, False, POSITIVE, "x", "β > 0, not significant"),
    ("negative-significant", False, True, NEGATIVE, "o", "β ≤ 0, significant"),
    ("negative-not-significant", False, False, NEGATIVE, "x", "β ≤ 0, not significant"),
)


def _field(result: Any, name: str) -> np.ndarray:
    """``result.name`` or ``result[name]`` as a 1-D float array (a LogitResult, a dict, a DataFrame)."""
    if hasattr(result, name):
        value = getattr(result, name)
    else:
        try:
            value = result[name]
        except (KeyError, TypeError, IndexError):
            raise TypeError(f"Expected a regression result with a {name!r} field (e.g. lessonkit.fit_logit(...)), "
                            f"got {type(result).__name__}.") from None
    return np.asarray(as_numpy(value), dtype=float).ravel()


def classify_neurons(beta: Any, pvalue: Any, *, alpha: float = 0.05) -> dict[str, np.ndarray]:
    """The figure's categories as boolean masks over neurons (see ``CATEGORIES``), plus ``"no-p-value"``.

    Significant means p < alpha / n with n = all neurons tested (Bonferroni); positive means beta > 0.
    Neurons without a p-value (NaN: not converged, separated) are only in ``"no-p-value"``.
    """
    beta, pvalue = np.asarray(beta, dtype=float), np.asarray(pvalue, dtype=float)
    has_p = np.isfinite(pvalue) & np.isfinite(beta)
    significant = has_p & (pvalue < alpha / len(beta))
    masks = {gid: has_p & ((beta > 0) == positive) & (significant == sig)
             for gid, positive, sig, *_ in CATEGORIES}
    masks["no-p-value"] = ~has_p
    return masks


def minus_log_p(pvalue: Any) -> np.ndarray:
    """-log(p), natural log; p = 0 (an underflow) is drawn at the smallest positive float's -log (708)."""
    return -np.log(np.clip(np.asarray(pvalue, dtype=float), np.finfo(float).tiny, 1.0))


def plot_classifier_results(result: Any, *, alpha: float = 0.05, title: str | None = None,
                            annotate: bool = True) -> Any:
    """The lecture's figure of one layer's per-neuron regressions; returns the matplotlib Figure.

    result: anything with ``beta`` and ``pvalue`` per neuron (``lessonkit.fit_logit``'s LogitResult,
    a dict, a DataFrame). Left: beta by neuron index. Right: beta against -log(p), with the Bonferroni
    threshold -log(alpha / n). Neurons without a p-value (NaN) are grey '+' on the left and left out on
    the right. ``annotate`` labels the most positive and most negative significant neuron.
    """
    beta, pvalue = _field(result, "beta"), _field(result, "pvalue")
    if beta.shape != pvalue.shape or beta.size == 0:
        raise ValueError(f"beta and pvalue must have one entry per neuron, got {beta.size} and {pvalue.size}.")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}.")
    n = beta.size
    masks = classify_neurons(beta, pvalue, alpha=alpha)
    neuron, height = np.arange(n), minus_log_p(pvalue)
    threshold = -np.log(alpha / n)

    fig = new_figure(figsize=(13, 5), layout="constrained")
    by_index, volcano = fig.subplots(1, 2)
    for gid, _, significant, colour, marker, label in CATEGORIES:
        m = masks[gid]
        style = dict(c=colour, marker=marker, s=14 if significant else 10, linewidths=0.8,
                     alpha=1.0 if significant else 0.45, label=f"{label} ({m.sum():,})", zorder=3 if significant else 2)
        by_index.scatter(neuron[m], beta[m], gid=gid, **style)
        volcano.scatter(beta[m], height[m], gid=gid, **style)
    missing = masks["no-p-value"] & np.isfinite(beta)
    if missing.any():
        by_index.scatter(neuron[missing], beta[missing], c=NO_P_VALUE, marker="+", s=12, gid="no-p-value",
                         label=f"no p-value: not converged or separated ({missing.sum():,})")
    by_index.axhline(0, color="0.3", lw=0.8)
    volcano.axhline(threshold, color="black", ls="--", lw=1, gid="threshold",
                    label=f"Bonferroni threshold: p = {alpha:g} / {n:,}")
    volcano.axvline(0, color="0.3", lw=0.8)
    if annotate:
        _annotate_extremes(by_index, volcano, beta, height, masks)

    by_index.set(xlabel="neuron", ylabel="β (slope of the logistic regression)", title="β by neuron")
    volcano.set(xlabel="β", ylabel="−log(p)  (natural log)", title="β against −log(p)")
    handles = [h for ax in (by_index, volcano) for h in ax.get_legend_handles_labels()[0]]
    labels = [lab for ax in (by_index, volcano) for lab in ax.get_legend_handles_labels()[1]]
    unique = dict(zip(labels, handles))  # the four categories appear in both panels
    fig.legend(unique.values(), unique.keys(), loc="outside lower center", ncols=3, frameon=False)
    fig.suptitle(title or f"Per-neuron logistic regression: {n:,} neurons, "
                 f"{(masks['positive-significant'] | masks['negative-significant']).sum():,} significant "
                 f"at p < {alpha:g}/{n:,}")
    return fig


def _annotate_extremes(by_index: Any, volcano: Any, beta: np.ndarray, height: np.ndarray,
                       masks: dict[str, np.ndarray]) -> None:
    """Label the most positive and the most negative significant neuron (the lecture's step 9)."""
    for gid, pick in (("positive-significant", np.argmax), ("negative-significant", np.argmin)):
        candidates = np.flatnonzero(masks[gid])
        if candidates.size:
            i = int(candidates[pick(beta[candidates])])
            by_index.annotate(f"{i}", (i, beta[i]), xytext=(4, 4), textcoords="offset points", fontsize=9)
            volcano.annotate(f"{i}", (beta[i], height[i]), xytext=(4, 4), textcoords="offset points", fontsize=9)


def layer_profile(scan: Any) -> dict[str, np.ndarray]:
    """Per layer: significant neurons, the best in-sample AUROC, and the held-out AUROC of that neuron.

    An AUROC below 0.5 is as informative as one above (the neuron fires *less* on proper nouns), so a
    neuron's in-sample score is max(AUROC, 1 - AUROC); its held-out AUROC is turned the same way as
    in-sample (the direction is chosen on the training text, not peeked from the held-out one). The
    neuron is chosen in-sample among neurons that have a held-out score, when there is that column.
    """
    columns = {name: _column(scan, name) for name in ("layer", "significant", "auroc")}
    has_heldout = _has_column(scan, "heldout_auroc")
    heldout = _column(scan, "heldout_auroc") if has_heldout else np.full(columns["auroc"].shape, np.nan)
    layers = np.unique(columns["layer"])
    profile = {"layer": layers, "significant": np.zeros(len(layers), int),
               "best_auroc": np.full(len(layers), np.nan), "best_neuron_heldout_auroc": np.full(len(layers), np.nan)}
    for j, layer in enumerate(layers):
        rows = columns["layer"] == layer
        profile["significant"][j] = int(np.nansum(columns["significant"][rows]))
        auroc, held = columns["auroc"][rows], heldout[rows]
        oriented = np.maximum(auroc, 1 - auroc)
        eligible = np.isfinite(oriented)
        if np.isfinite(held).any():  # held-out scores only for the chosen neurons: choose among those
            eligible &= np.isfinite(held)
        if eligible.any():
            best = np.flatnonzero(eligible)[np.argmax(oriented[eligible])]
            profile["best_auroc"][j] = oriented[best]
            profile["best_neuron_heldout_auroc"][j] = held[best] if auroc[best] >= 0.5 else 1 - held[best]
    return profile


def plot_layer_profile(scan: Any, *, title: str | None = None) -> Any:
    """Where in the network the proper-noun signal is: two panels over layers; returns the Figure.

    scan: ``lessonkit.scan_layers``'s table (columns ``layer``, ``significant``, ``auroc`` and optionally
    ``heldout_auroc``; a DataFrame or a dict of arrays). Top: significant neurons per layer. Bottom: the
    best AUROC in-sample and that neuron's held-out AUROC, against chance (0.5). See :func:`layer_profile`.
    """
    profile = layer_profile(scan)
    fig = new_figure(figsize=(10, 6), layout="constrained")
    count_ax, auroc_ax = fig.subplots(2, 1, sharex=True)
    count_ax.bar(profile["layer"], profile["significant"], color="tab:red", gid="significant")
    count_ax.set(ylabel="significant neurons\n(Bonferroni)", title=title or "Proper-noun neurons by layer")
    auroc_ax.plot(profile["layer"], profile["best_auroc"], "o-", color="tab:red", gid="best_auroc",
                  label="best neuron, in-sample")
    if _has_column(scan, "heldout_auroc"):
        auroc_ax.plot(profile["layer"], profile["best_neuron_heldout_auroc"], "s--", color="tab:blue",
                      gid="heldout_auroc", label="same neuron, held-out text")
    auroc_ax.axhline(0.5, color="0.4", ls=":", gid="chance", label="chance (0.5)")
    lowest = np.nanmin(np.r_[profile["best_auroc"], profile["best_neuron_heldout_auroc"], 0.5])
    auroc_ax.set(xlabel="layer", ylabel="AUROC", ylim=(min(0.45, lowest - 0.03), 1.0))
    auroc_ax.legend(loc="lower right")
    return fig


def _has_column(table: Any, name: str) -> bool:
    try:
        return name in table
    except TypeError:
        return hasattr(table, name)


def _column(table: Any, name: str) -> np.ndarray:
    if not _has_column(table, name):
        raise ValueError(f"The scan table needs a {name!r} column (as lessonkit.scan_layers returns).")
    column = getattr(table, name) if not hasattr(table, "__getitem__") else table[name]
    return np.asarray(as_numpy(column), dtype=float)
