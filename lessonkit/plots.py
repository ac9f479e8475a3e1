"""The lecture's figures: every neuron's slope and p-value, and a profile over layers.

``plot_classifier_results`` draws the lecture's figure as the lecture lays it out: 12 x 4 inches, a
1 x 4 grid with the left panel three columns wide. Left: each neuron's beta by its index. Right:
beta against -log(p) (natural log, as ``np.log``) with a dashed blue line at the Bonferroni
threshold -log(alpha / n). Red = positive beta, green = negative; a circle with a grey face =
significant (p < alpha / n), a small cross = not. Beyond the lecture, the legend counts each group,
and neurons the lecture's figure cannot show are drawn too: a perfectly separating neuron (beta =
+-inf: no p-value exists) as a triangle at the edge of the left panel, a neuron whose fit did not
converge (p = NaN) as a grey "+".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._arrays import as_numpy
from ._heatmap_draw import new_figure

LECTURE_TITLE = "Statistical parameters of proper noun classification"


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


def minus_log_p(pvalue: Any) -> np.ndarray:
    """-log(p), natural log; p = 0 (an underflow) is drawn at the smallest positive float's -log (708)."""
    return -np.log(np.clip(np.asarray(pvalue, dtype=float), np.finfo(float).tiny, 1.0))


def plot_classifier_results(result: Any, *, alpha: float = 0.05, title: str = LECTURE_TITLE) -> Any:
    """The lecture's figure of one layer's per-neuron regressions; returns the matplotlib Figure.

    result: anything with ``beta`` and ``pvalue`` per neuron (``lessonkit.fit_logit``'s LogitResult,
    a dict, a DataFrame). Significant means p < alpha / n, n = the number of neurons (Bonferroni).
    """
    from matplotlib.gridspec import GridSpec

    beta, pvalue = _field(result, "beta"), _field(result, "pvalue")
    if beta.shape != pvalue.shape or beta.size == 0:
        raise ValueError(f"beta and pvalue must have one entry per neuron, got {beta.size} and {pvalue.size}.")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}.")
    n = beta.size
    threshold = alpha / n
    finite = np.isfinite(beta)
    significant = pvalue < threshold  # NaN: not significant, as in the lecture
    height = minus_log_p(pvalue)

    fig = new_figure(figsize=(12, 4))
    grid = GridSpec(1, 4, figure=fig)
    by_index, volcano = fig.add_subplot(grid[:3]), fig.add_subplot(grid[3])
    for sign, colour, name in ((beta > 0, "r", "Positive"), (beta < 0, "g", "Negative")):
        for is_sig in (True, False):
            idx = np.flatnonzero(sign & finite & (significant == is_sig) & ~np.isnan(pvalue))
            label = f"{name} and {'sig.' if is_sig else 'non-sig.'} ({idx.size:,})"
            if is_sig:
                by_index.plot(idx, beta[idx], colour + "o", markerfacecolor=[0.7, 0.7, 0.7], label=label)
                volcano.plot(beta[idx], height[idx], colour + "o", markerfacecolor=[0.7, 0.7, 0.7, 0.5])
            else:
                by_index.plot(idx, beta[idx], colour + "x", markersize=3, label=label)
                volcano.plot(beta[idx], height[idx], colour + "x", markersize=3)
    _draw_neurons_without_p(by_index, beta, pvalue)

    volcano.axhline(-np.log(threshold), linestyle="--", color="b", label="Significance threshold")
    by_index.set(ylabel="Beta coefficient", xlabel="Neuron index", xlim=[-10, n + 9], title=title)
    by_index.legend(fontsize=8)
    volcano.set(xlabel="Beta coeff", ylabel="-log(p)", title="Betas by p-values")
    volcano.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _draw_neurons_without_p(ax: Any, beta: np.ndarray, pvalue: np.ndarray) -> None:
    """Separated neurons (beta = +-inf) as triangles on the panel's edge; non-converged ones as grey '+'."""
    stuck = np.flatnonzero(np.isfinite(beta) & np.isnan(pvalue))
    if stuck.size:
        ax.plot(stuck, beta[stuck], "+", color="0.55", label=f"No p-value: not converged ({stuck.size:,})")
    low, high = ax.get_ylim()
    for sign, colour, marker, edge in ((np.inf, "r", "^", high), (-np.inf, "g", "v", low)):
        idx = np.flatnonzero(beta == sign)
        if idx.size:
            ax.plot(idx, np.full(idx.size, edge), colour + marker, clip_on=False,
                    label=f"Separated, beta = {'+' if sign > 0 else '-'}inf ({idx.size:,})")
    ax.set_ylim(low, high)


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
    count_ax.set(ylabel="significant neurons\n(Bonferroni)", title=title or "Neurons that predict the proper-noun tags, by layer")
    auroc_ax.plot(profile["layer"], profile["best_auroc"], "o-", color="tab:red", gid="best_auroc",
                  label="best neuron, in-sample (chosen here)")
    if _has_column(scan, "heldout_auroc"):
        auroc_ax.plot(profile["layer"], profile["best_neuron_heldout_auroc"], "s--", color="tab:blue",
                      gid="heldout_auroc", label="same neuron, held-out text (a check, not a choice)")
    auroc_ax.axhline(0.5, color="0.4", ls=":", gid="chance", label="chance (0.5)")
    lowest = np.nanmin(np.r_[profile["best_auroc"], profile["best_neuron_heldout_auroc"], 0.5])
    auroc_ax.set(xlabel="layer", ylabel="AUROC, in the neuron's direction\n(1 - AUROC where it fires less)",
                 ylim=(min(0.45, lowest - 0.03), 1.0))
    auroc_ax.legend(loc="lower left")  # the right end is where held-out AUROCs drop
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
