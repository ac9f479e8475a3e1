"""A page per neuron, in the spirit of Neuroscope: where it fires over a whole text, and on what.

* the top-activating contexts over all the text given (not only one 1,024-token batch);
* histograms of its activation by class: proper nouns, other capitalised tokens, everything else --
  if "other capitalised" looks like "proper noun", the neuron detects capitals, not names;
* the tokens with the highest mean activation (among tokens seen a few times);
* optionally, what it writes (:func:`lessonkit.promoted_tokens`).
"""

from __future__ import annotations

import base64
import html
from typing import Any, Sequence

import numpy as np

from .._machinery.arrays import as_numpy
from .._machinery.heatmap_draw import new_figure, png_bytes
from .._machinery.heatmap_html import HTMLSnippet
from .controls import is_capitalised
from ..heatmap import top_contexts

CLASSES = ("proper noun", "other capitalised", "other")
CLASS_COLOURS = {"proper noun": "tab:red", "other capitalised": "tab:orange", "other": "tab:gray"}


def token_classes(token_texts: Sequence[str], labels: Any) -> np.ndarray:
    """Each token's class: "proper noun" (label 1), "other capitalised", or "other"."""
    labels = np.asarray(as_numpy(labels)).ravel().astype(bool)
    if len(labels) != len(token_texts):
        raise ValueError(f"{len(token_texts)} token texts but {len(labels)} labels: one label per token.")
    return np.where(labels, CLASSES[0], np.where(is_capitalised(token_texts), CLASSES[1], CLASSES[2]))


def class_histograms(values: Any, classes: np.ndarray, *, title: str = "", bins: int = 40) -> Any:
    """One histogram per class on shared bins, each normalised to its own count (a Figure)."""
    v = np.asarray(as_numpy(values), dtype=float).ravel()
    edges = np.histogram_bin_edges(v[np.isfinite(v)], bins=bins)
    fig = new_figure(figsize=(7, 3), layout="constrained")
    ax = fig.add_subplot()
    for name in CLASSES:
        chosen = v[classes == name]
        if chosen.size:
            ax.hist(chosen, bins=edges, density=True, histtype="step", linewidth=1.6, color=CLASS_COLOURS[name],
                    label=f"{name} ({chosen.size:,}): mean {chosen.mean():.2f}")
    ax.set(xlabel="activation", ylabel="density", title=title)
    ax.legend(fontsize=8)
    return fig


def top_tokens(values: Any, token_texts: Sequence[str], *, k: int = 10, min_count: int = 3) -> Any:
    """The ``k`` token texts with the highest mean activation, among those seen ``min_count`` times."""
    import pandas as pd

    frame = pd.DataFrame({"token": list(token_texts), "activation": np.asarray(as_numpy(values), dtype=float).ravel()})
    table = frame.groupby("token")["activation"].agg(["mean", "count"])
    table = table[table["count"] >= min_count].nlargest(k, "mean").round(3).reset_index()
    table["token"] = table["token"].map(repr)  # quotes show the leading space: ' Paris'
    return table


def neuron_page(values: Any, token_texts: Sequence[str], labels: Any, *, title: str, k: int = 12,
                window: int = 8, promoted: Any = None) -> HTMLSnippet:
    """The neuron's page: top contexts, class histograms, top tokens (and what it writes, if given).

    values: the neuron's activation on every token of the text (e.g. ``acts[18][:, 123]`` over the
    whole WikiText selection); token_texts, labels: one per token. promoted: a
    :func:`lessonkit.promoted_tokens` table, or None.
    """
    v = np.asarray(as_numpy(values), dtype=float).ravel()
    classes = token_classes(token_texts, labels)
    figure = class_histograms(v, classes, title=f"{title}: activation by class")
    image = base64.b64encode(png_bytes(figure)).decode("ascii")
    contexts = top_contexts(v[:, None], token_texts, 0, k=k, window=window, name=title).html
    parts = [f"<h3>{html.escape(title)}</h3>", f'<img alt="activation by class" src="data:image/png;base64,{image}"/>',
             "<h4>Top contexts over the whole text</h4>", contexts,
             "<h4>Tokens with the highest mean activation (seen at least 3 times)</h4>",
             top_tokens(v, token_texts, k=10).to_html(index=False)]
    if promoted is not None:
        parts += ["<h4>What it writes: next tokens pushed up and down (direct logit attribution)</h4>",
                  promoted.to_html(index=False)]
    return HTMLSnippet(f'<div class="lessonkit-neuron-page">{"".join(parts)}</div>', f"neuron page: {title}")
