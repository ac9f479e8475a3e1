"""Cases and hints for the checks of exercise notebooks 02 and 03 that need no model: AUROC by hand,
choosing on one text and scoring on another, Benjamini-Hochberg, and the capitalisation control.

As in ``_lecture``: each function runs the student's function on small cases, returns quietly
when it agrees with the reference (a literal pair count, lessonkit's tested helpers, statsmodels)
and otherwise raises :func:`fail` with the hint of the mistake the answer shows.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ._tools import fail, number, short, true_or_false

# --------------------------------------------------------------------------- AUROC by hand


def _pair_counts(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Over every (proper noun, other token) pair: the fraction above, tied, below -- counted one by one."""
    above = x[y == 1][:, None] - x[y == 0][None, :]
    return float((above > 0).mean()), float((above == 0).mean()), float((above < 0).mean())


def _auroc_cases() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(0)
    cases = [
        (np.array([3.0, 4.0, 1.0, 2.0]), np.array([1, 1, 0, 0])),  # perfect separation
        (np.array([1.0, 2.0, 3.0, 4.0]), np.array([1, 1, 0, 0])),  # proper nouns lowest
        (np.array([2.0, 1.0, 2.0, 0.5, 3.0]), np.array([1, 1, 0, 0, 0])),  # one tie between the classes
        (np.array([1.0, 1.0, 1.0, 1.0]), np.array([1, 0, 1, 0])),  # all tied
    ]
    cases.append((np.round(rng.normal(size=200), 1), (rng.random(200) < 0.3).astype(int)))  # many ties
    return cases


def auroc_one(student: Callable[[np.ndarray, np.ndarray], Any]) -> None:
    for x, y in _auroc_cases():
        got = number(student(x.copy(), y.copy()), "one neuron")
        above, tied, below = _pair_counts(x, y)
        expected = above + tied / 2
        if abs(got - expected) < 1e-9:
            continue
        case = f"On x = {short(x)}, y = {short(y)} your AUROC is {got:.4g}."
        if abs(got - (below + tied / 2)) < 1e-9:
            fail(case, "it is flipped: count the pairs where the PROPER NOUN (y = 1) is the more active one.")
        if abs(got - above) < 1e-9:
            fail(case, "a tie between a proper noun and another token counts half, not zero.")
        if abs(got - (above + tied)) < 1e-9:
            fail(case, "a tie between a proper noun and another token counts half, not one.")
        fail(case, "count over all (proper noun, other token) pairs, then divide by the number of such pairs.")


# --------------------------------------------------------------------------- choose on one text, score on another

CHOICE_SEED = 42
# the synthetic layer: neuron -> (shift on proper nouns, spread) on the training text; held-out text alike,
# except the held-out star, which only shines there
_RIGHT, _QUIET, _LOUD, _NEGATIVE, _HELDOUT_STAR = 4, 9, 1, 12, 7
_TRAIN_DESIGN = {_RIGHT: (0.5, 0.5), _QUIET: (0.006, 0.02), _LOUD: (3.0, 2.0), _NEGATIVE: (-0.6, 0.3), _HELDOUT_STAR: (0.1, 1.0)}
_HELDOUT_DESIGN = {**_TRAIN_DESIGN, _HELDOUT_STAR: (0.6, 0.3)}


def _layer(design: dict[int, tuple[float, float]], seed: int, n_tokens: int = 600, n_neurons: int = 14):
    rng = np.random.default_rng(seed)
    y = (rng.random(n_tokens) < 1 / 6).astype(int)
    x = rng.normal(size=(n_tokens, n_neurons))
    for neuron, (shift, spread) in design.items():
        x[:, neuron] = spread * x[:, neuron] + shift * y
    return x, y


def choice_case() -> dict[str, Any]:
    """The synthetic training and held-out layers, and the neuron each typical mistake would choose."""
    from ..regression import auroc, balanced_sample, bonferroni, fit_logit

    train_x, train_y = _layer(_TRAIN_DESIGN, seed=3)
    held_x, held_y = _layer(_HELDOUT_DESIGN, seed=4)

    def fitted(x, y):
        sample = balanced_sample(y, seed=CHOICE_SEED)
        fit = fit_logit(x[sample], y[sample])
        return fit, bonferroni(fit.pvalue)

    fit, significant = fitted(train_x, train_y)
    held_fit, held_significant = fitted(held_x, held_y)
    right = int(np.argmax(np.where(significant & (fit.beta > 0), fit.beta, -np.inf)))
    held_sample = balanced_sample(held_y, seed=CHOICE_SEED)
    return {
        "data": (train_x, train_y, held_x, held_y), "right": right,
        "heldout_auroc": float(auroc(held_x[:, [right]], held_y)[0]),
        "training_auroc": float(auroc(train_x[:, [right]], train_y)[0]),
        "balanced_heldout_auroc": float(auroc(held_x[held_sample][:, [right]], held_y[held_sample])[0]),
        "mistakes": [  # (the neuron a mistake chooses, what the student did, the hint)
            (int(np.argmax(np.where(held_significant & (held_fit.beta > 0), held_fit.beta, -np.inf))),
             "Your neuron is the one the HELD-OUT text would choose.",
             "choose on the training text only; the held-out text is for scoring the choice."),
            (int(np.argmax(fit.beta)), "Your neuron has the largest beta, but it is not Bonferroni-significant.",
             "keep only the neurons with p < .05 / number of neurons, then take the largest beta among them."),
            (int(np.nanargmin(fit.pvalue)), "Your neuron is the most significant one (smallest p).",
             "the lecture takes the largest positive beta among the significant neurons, not the smallest p."),
            (int(np.argmax(np.abs(np.nan_to_num(fit.beta)))), "Your neuron has the largest beta in size, but a negative one.",
             "the lecture's choice is the largest POSITIVE beta: more active on proper nouns."),
        ],
    }


def heldout_choice(student: Callable[..., Any]) -> None:
    case = choice_case()
    answer = student(*(np.array(part, copy=True) for part in case["data"]))
    try:
        neuron, score = answer
        neuron, score = int(neuron), float(score)
    except (TypeError, ValueError):
        fail(f"Your function returned {type(answer).__name__}.", "return two things: (neuron, heldout_auroc).")
    if neuron != case["right"]:
        for chosen, what, hint in case["mistakes"]:
            if neuron == chosen:
                fail(what, hint)
        fail(f"On a synthetic layer of 14 neurons your choice, neuron {neuron}, is not the lecture's choice.",
             f"fit on lk.balanced_sample(train_y, seed={CHOICE_SEED}), keep the Bonferroni-significant neurons, take the largest positive beta.")
    if abs(score - case["heldout_auroc"]) < 1e-6:
        return
    if abs(score - case["training_auroc"]) < 1e-6:
        fail("Right neuron, but your AUROC is its TRAINING AUROC.", "score it on the held-out text: heldout_x[:, neuron] against heldout_y.")
    if abs(score - case["balanced_heldout_auroc"]) < 1e-6:
        fail("Right neuron, but you scored it on a balanced sample of the held-out text.",
             "an AUROC needs no balanced sample: score on ALL held-out tokens.")
    fail(f"Right neuron, but your held-out AUROC is {score:.4g}.", "lk.auroc(heldout_x[:, [neuron]], heldout_y)[0]: all held-out tokens.")


# --------------------------------------------------------------------------- Benjamini-Hochberg


def _bh_variants(p: np.ndarray, alpha: float) -> dict[str, np.ndarray]:
    """What BH's typical mistakes give, each in the p-values' own order (the right answer: multipletests)."""
    order = np.argsort(p, kind="stable")
    ranked, m = p[order], len(p)

    def unsorted(sorted_mask: np.ndarray) -> np.ndarray:
        mask = np.zeros(m, dtype=bool)
        mask[order] = sorted_mask
        return mask

    passes = ranked <= np.arange(1, m + 1) / m * alpha
    k = np.flatnonzero(passes)[-1] + 1 if passes.any() else 0
    step_down = np.cumprod(passes).astype(bool)
    from_zero = ranked <= np.arange(m) / m * alpha
    k0 = np.flatnonzero(from_zero)[-1] + 1 if from_zero.any() else 0
    strict = ranked < np.arange(1, m + 1) / m * alpha
    ks = np.flatnonzero(strict)[-1] + 1 if strict.any() else 0
    return {"sorted order": np.arange(m) < k, "step down": unsorted(step_down),
            "own threshold": unsorted(passes), "ranks from 0": unsorted(np.arange(m) < k0),
            "strict": unsorted(np.arange(m) < ks), "bonferroni": p < alpha / m}


_BH_MISTAKES = [  # in this order: a mistake's hint wins over one that gives the same answer on a later case
    ("step down", "You stopped at the first rank that fails.",
     "take the LARGEST rank k with p_(k) <= k / m * alpha, even when a smaller rank fails."),
    ("strict", "A p-value exactly at its threshold failed.", "BH uses p_(k) <= k / m * alpha (less than or equal)."),
    ("bonferroni", "Your answer is Bonferroni's (p < alpha / m for every p-value).",
     "BH compares the k-th smallest p-value with k / m * alpha: a threshold that grows with the rank."),
    ("own threshold", "You kept only the p-values under their own rank's threshold.",
     "all of the k smallest p-values are significant, also those above their own threshold."),
    ("sorted order", "Your answer is in the order of the SORTED p-values.", "give each p-value its answer in the original order."),
    ("ranks from 0", "Your ranks start at 0.", "the smallest p-value has rank 1: its threshold is 1 / m * alpha."),
]


def benjamini_hochberg(student: Callable[[np.ndarray, float], Any]) -> None:
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(5)
    cases = [  # each with m = 5 or 4: thresholds .01, .02, ... or .0125, .025, ...
        np.array([0.045, 0.9, 0.005, 0.015, 0.04]),  # ranks 1-2 pass: BH != Bonferroni
        np.array([0.6, 0.028, 0.001, 0.9, 0.025]),  # rank 2 fails, rank 3 passes: the largest k counts
        np.array([0.5, 0.025, 0.9, 0.0125]),  # ranks 1 and 2 exactly at their thresholds
        np.concatenate([rng.uniform(0, 0.002, 10), rng.uniform(0, 1, 190)]),
        np.array([0.3, 0.9, 0.06, 0.5]),  # no rank passes: nothing is significant
    ]
    for p in cases:
        got = true_or_false(student(p.copy(), 0.05), p, f"{len(p)} p-values",
                            "whether it is significant, not its BH-adjusted p-value.")
        expected = multipletests(p, alpha=0.05, method="fdr_bh")[0]
        if np.array_equal(got, expected):
            continue
        variants = _bh_variants(p, 0.05)
        for key, what, hint in _BH_MISTAKES:
            if np.array_equal(got, variants[key]) and not np.array_equal(variants[key], expected):
                fail(what, hint)
        fail(f"For p = {short(p)} your answer has {int(got.sum())} significant.",
             "sort, find the largest k with p_(k) <= k / m * alpha, call the k smallest significant.")


# --------------------------------------------------------------------------- the capitalisation control

# a short text as GPT-2 splits it (after a line break or a quote a word has no leading space), with its proper nouns
CAPITAL_TEXTS = ["Paris", " is", " the", " capital", " of", " France", ".", " The", " BBC", " said", " In",
                 " 2004", " London", " and", " New", " York", " grew", ":", " Most", " people", " read",
                 " Le", " Monde", " or", " THE", " Times", "\n", "In", " April", ' "', "Wales", '"', " won", ",", " I", " think"]
CAPITAL_LABELS = [0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]


def capitalisation_control(student: Callable[[np.ndarray, np.ndarray, list[str]], Any]) -> None:
    from ..regression import auroc

    texts, labels = list(CAPITAL_TEXTS), np.array(CAPITAL_LABELS)
    values = np.random.default_rng(7).normal(size=len(texts)) + 0.8 * labels
    values[[7, 10, 18]] += 1.5  # capitalised sentence starts that the neuron likes too
    values[texts.index("Wales")] = 0.2  # so that each mistaken mask below gives an AUROC of its own

    def auroc_where(mask: np.ndarray) -> float:  # NaN where a mistaken mask leaves one class only
        kept = labels[mask]
        return float(auroc(values[mask][:, None], kept)[0]) if 0 < kept.sum() < len(kept) else float("nan")

    capitalised = np.array([t.strip()[:1].isupper() for t in texts])
    expected = auroc_where(capitalised)
    got = number(student(values.copy(), labels.copy(), list(texts)), "the capitalisation control")
    if abs(got - expected) < 1e-9:
        return
    mistakes = [
        (auroc_where(np.ones(len(texts), bool)), "That is the AUROC over ALL tokens.",
         "keep only the capitalised tokens (first non-space character upper case), then compute the AUROC there."),
        (1 - expected, "Your AUROC is flipped.", "score the proper nouns (label 1) against the other capitalised tokens, not the reverse."),
        (auroc_where(np.array([t.isupper() for t in texts])), "Your test keeps only tokens written all in capitals.",
         "test only the first non-space character: text.strip()[:1].isupper()."),
        (auroc_where(np.array([t[:1].isupper() for t in texts])), "Your test misses every token with a leading space.",
         "the first character of ' London' is a space: look at the first character after it, text.strip()[:1]."),
    ]
    for wrong, what, hint in mistakes:
        if abs(got - wrong) < 1e-9:
            fail(what, hint)
    fail(f"Among the capitalised tokens of a {len(texts)}-token text your AUROC is {got:.4g}.",
         "capitalised = first non-space character upper case (text.strip()[:1].isupper()); the AUROC of values against labels among those.")
