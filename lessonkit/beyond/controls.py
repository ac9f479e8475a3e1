"""Controls: is it a proper-noun neuron, or something simpler that comes with proper nouns?

The lecture's labels come from a capitalisation rule, so a neuron that only detects capital letters
(or sentence position, or a few frequent names) would pass its test too. A careful researcher first
asks how well *simple features* predict the labels, and then asks the neuron a harder question:

* :func:`feature_auroc` -- the AUROC of one simple feature (capitalised? sentence start? how often
  was this very token tagged in the training text?) against the labels: the bar a neuron must beat;
* :func:`auroc_within` -- every neuron's AUROC *among capitalised tokens only*: proper nouns against
  other capitalised words (sentence starts, headings, "The"), where capitalisation explains nothing;
* :func:`position_profile` -- how a neuron's activation moves with the position in the forward pass
  (the first position is an outlier in many neurons).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .._machinery.arrays import as_numpy
from ..regression import auroc

SENTENCE_END = (".", "!", "?", ":")


def is_capitalised(token_texts: Sequence[str]) -> np.ndarray:
    """True where a token's first non-space character is an upper-case letter (the lecture's test)."""
    return np.array([text.strip()[:1].isupper() for text in token_texts], dtype=bool)


def is_sentence_start(token_texts: Sequence[str]) -> np.ndarray:
    """True where a token starts a sentence or a line: the first token, or the previous token ends in
    ``. ! ? :`` or holds a line break (what the lecture's rule and a writer's capital letter know)."""
    starts = np.zeros(len(token_texts), dtype=bool)
    if len(token_texts):
        starts[0] = True
    for i in range(1, len(token_texts)):
        previous = token_texts[i - 1]
        starts[i] = previous.rstrip(" ").endswith(SENTENCE_END) or "\n" in previous
    return starts


def feature_auroc(feature: Any, labels: Any) -> float:
    """The AUROC of one feature (booleans or numbers, one per token) as a score for the labels."""
    values = np.asarray(as_numpy(feature), dtype=float)
    return float(auroc(values[:, None], labels)[0])


def token_identity_scores(train_ids: Any, train_labels: Any, test_ids: Any) -> np.ndarray:
    """A lookup baseline: for each test token, the fraction of times that same token id was tagged in
    the training text (unseen ids get the training text's overall rate). A neuron that beats this
    knows more than a list of names seen before."""
    train_ids, test_ids = np.asarray(as_numpy(train_ids)).ravel(), np.asarray(as_numpy(test_ids)).ravel()
    train_labels = np.asarray(as_numpy(train_labels), dtype=float).ravel()
    if len(train_ids) != len(train_labels):
        raise ValueError(f"train_ids has {len(train_ids)} tokens but train_labels has {len(train_labels)}.")
    seen, inverse = np.unique(train_ids, return_inverse=True)
    rate = np.bincount(inverse, weights=train_labels) / np.bincount(inverse)
    where = np.searchsorted(seen, test_ids).clip(0, len(seen) - 1)
    known = seen[where] == test_ids
    return np.where(known, rate[where], train_labels.mean())


def auroc_within(acts: Any, labels: Any, mask: Any) -> np.ndarray:
    """Every neuron's AUROC among the tokens where ``mask`` is True (e.g. capitalised tokens only)."""
    x, y, keep = as_numpy(acts), np.asarray(as_numpy(labels)).ravel(), np.asarray(as_numpy(mask), dtype=bool).ravel()
    if x.ndim != 2 or not (x.shape[0] == len(y) == len(keep)):
        raise ValueError(f"acts must be [tokens, neurons] with one label and one mask entry per token, "
                         f"got {x.shape}, {len(y)} labels and {len(keep)} mask entries.")
    kept = y[keep]
    if kept.min(initial=1) == kept.max(initial=0):
        raise ValueError("Among the masked tokens only one class is left: an AUROC needs both.")
    return auroc(x[keep], kept)


def position_profile(values: Any, *, pass_length: int = 1024, edges: Sequence[int] = (0, 1, 2, 4, 16, 64, 256, 1024)) -> dict:
    """Mean (and count) of one neuron's activations by position in the forward pass.

    values: one value per token of a stream that was run in ``pass_length`` passes. Positions are
    grouped into ``[edges[i], edges[i+1])``; the first group, position 0, is where the outliers sit.
    """
    v = np.asarray(as_numpy(values), dtype=float).ravel()
    position = np.arange(len(v)) % pass_length
    groups = [(lo, hi) for lo, hi in zip(edges[:-1], edges[1:]) if lo < pass_length]
    means = [float(v[(position >= lo) & (position < hi)].mean()) if ((position >= lo) & (position < hi)).any()
             else float("nan") for lo, hi in groups]
    counts = [int(((position >= lo) & (position < hi)).sum()) for lo, hi in groups]
    labels = [f"{lo}" if hi - lo == 1 else f"{lo}-{hi - 1}" for lo, hi in groups]
    return {"positions": labels, "mean": np.array(means), "count": np.array(counts)}
