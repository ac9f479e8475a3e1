"""Cases and hints for the checks of exercise notebook 01 (the lecture): tagging, the comparison
sample, one neuron's regression, Bonferroni, and the heatmap's colours.

Each public function here takes the student's function, runs it on small cases and returns quietly
when all agree with the reference (a literal case table, statsmodels, matplotlib), or raises
:func:`fail` with a hint chosen by the mistake the answer shows.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ._tools import fail, numbers, same, short, true_or_false

# --------------------------------------------------------------------------- the tagging rule

_AFTER_SENTENCE_END = ("a capital after a token ending in '.', '!', '?' or ':' starts a sentence, so it is not "
                       "tagged: look at the last character of the PREVIOUS token.")
_ALL_FOUR = "all four of '.', '!', '?' and ':' at the end of the previous token block the tag."
_A_LETTER = "the first non-space character must be an upper-case LETTER: digits are not capitals."

# (decoded tokens, the lecture's tags, {position: the hint when that position is wrong})
LECTURE_RULE_CASES: list[tuple[list[str], list[int], dict[int, str]]] = [
    (["Paris", " is", " in", " France"], [0, 0, 0, 1],
     {0: "the very first token is never tagged: it has no previous token to look at.",
      3: "' France' is a proper noun: test the first character after the leading space (text.strip()[:1]) "
         "with isupper(), not the whole token."}),
    ([" the", " Li", " river"], [0, 1, 0],
     {1: "length counts the leading space: ' Li' has 3 characters, so it is long enough (measure before stripping)."}),
    ([" the", " X", " factor"], [0, 0, 0],
     {1: "' X' has only 2 characters: the rule needs MORE than 2 (> 2, not >= 2)."}),
    ([" rain", ".", " The", " end"], [0, 0, 0, 0], {2: _AFTER_SENTENCE_END}),
    ([" said", ":", " Yes", "!", " Now", "?", " Why"], [0, 0, 0, 0, 0, 0, 0], {2: _ALL_FOUR, 4: _ALL_FOUR, 6: _ALL_FOUR}),
    ([" in", " 2004", " and", " 3M"], [0, 0, 0, 0], {1: _A_LETTER, 3: _A_LETTER}),
    ([" a", " BBC", " show"], [0, 1, 0], {1: "acronyms count: ' BBC' is longer than 2 characters and starts with a capital."}),
    ([" in", " St", ".", " Louis"], [0, 1, 0, 0],
     {3: "' Louis' follows '.', so the rule does not tag it: a known false negative (write the rule as it is)."}),
    ([" the", " Royal", " Court", " Theatre"], [0, 1, 1, 1],
     {2: "every capitalised token of a multi-word name is tagged on its own.",
      3: "every capitalised token of a multi-word name is tagged on its own."}),
    ([" end", " \n", " In", " 2006"], [0, 0, 1, 0],
     {2: "a line break does not end in '.', '!', '?' or ':', so ' In' after it IS tagged "
         "(a known false positive of the rule: write the rule as it is)."}),
]


def lecture_rule(student: Callable[[list[str]], Any]) -> None:
    for texts, expected, hints in LECTURE_RULE_CASES:
        got = numbers(student(list(texts)), f"the tokens {texts}").reshape(-1)
        if len(got) != len(texts):
            fail(f"For {texts} your function gave {len(got)} tags.", f"give one 0/1 tag per token ({len(texts)}).")
        wrong = [i for i, (g, e) in enumerate(zip(got.tolist(), expected)) if g != e]
        if wrong:
            shown = [int(g) if g in (0, 1) else g for g in got.tolist()]
            fail(f"For the tokens {texts} your tags are {shown}.", hints.get(wrong[0], "compare each token with the rule."))


# --------------------------------------------------------------------------- the comparison sample


def _sample_labels(n_tokens: int, n_positive: int, seed: int) -> np.ndarray:
    labels = np.zeros(n_tokens, dtype=int)
    labels[np.random.default_rng(seed).choice(np.arange(1, n_tokens), size=n_positive, replace=False)] = 1
    return labels


def _indices(answer: Any, labels: np.ndarray) -> np.ndarray:
    raw = np.asarray(numbers(answer, "the comparison sample")).reshape(-1)
    if np.asarray(answer).dtype == bool or (len(raw) == len(labels) and set(np.unique(raw)) <= {0.0, 1.0}):
        fail("Your function returned one True/False (or 0/1) per token.",
             "return the sample as token positions (indices), e.g. np.concatenate([proper, chosen]).")
    not_positions = raw[(raw != np.round(raw)) | (raw < 0) | (raw >= len(labels))]
    if len(not_positions):  # shown alone: the rest of the sample may well be right
        fail(f"Your sample holds {short(not_positions)}: not token positions.",
             f"return whole numbers between 0 and {len(labels) - 1} (np.flatnonzero gives such positions).")
    return raw.astype(int)


def _sample_shape(indices: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The comparison tokens of a sample, after the checks that do not need a second call."""
    positives = np.flatnonzero(labels == 1)
    missing = np.setdiff1d(positives, indices)
    if len(missing):
        fail(f"{len(missing)} of the {len(positives)} proper nouns are not in your sample.",
             "every token labelled 1 belongs in the sample; only the other tokens are drawn at random.")
    values, counts = np.unique(indices, return_counts=True)
    twice = values[counts > 1]
    if np.any(labels[twice] == 1):
        fail("A proper noun is in your sample twice (once drawn as a comparison token).",
             "draw the comparison tokens only from the tokens labelled 0 (np.flatnonzero(labels == 0)).")
    if len(twice):
        fail(f"Token {int(twice[0])} is in your sample {int(counts[counts > 1][0])} times.",
             "draw without replacement (replace=False): each comparison token once.")
    others = indices[labels[indices] == 0]
    if len(others) != len(positives):
        fail(f"Your sample has {len(positives)} proper nouns and {len(others)} other tokens.",
             "draw exactly as many other tokens as there are proper nouns (equal sizes).")
    return np.sort(others)


def comparison_sample(student: Callable[[np.ndarray, int], Any]) -> None:
    for n_tokens, n_positive, case_seed in ((60, 12, 0), (41, 6, 1)):
        labels = _sample_labels(n_tokens, n_positive, case_seed)
        others = _sample_shape(_indices(student(labels.copy(), 42), labels), labels)
        again = _sample_shape(_indices(student(labels.copy(), 42), labels), labels)
        if not np.array_equal(others, again):
            fail("Two calls with seed=42 gave different samples.",
                 "draw with a generator made from the seed: rng = np.random.default_rng(seed).")
        if np.array_equal(others, np.flatnonzero(labels == 0)[: len(others)]):
            fail(f"Your comparison tokens are the first {len(others)} other tokens of the text.",
                 "draw them at random (rng.choice), so that they come from the whole text.")
        if np.array_equal(_sample_shape(_indices(student(labels.copy(), 1), labels), labels), others):
            fail("seed=1 and seed=42 gave the same sample.",
                 "make the generator from the `seed` argument, not from a fixed number.")


# --------------------------------------------------------------------------- one neuron's regression


def _logit_case(seed: int, shift: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.repeat([0.0, 1.0], 60)
    return rng.normal(size=120) + shift * y + 1.5, y


def _logit_variants(x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """statsmodels' numbers, and what typical mistakes read instead (each with its hint)."""
    import statsmodels.api as sm

    fit = sm.Logit(y, sm.add_constant(x)).fit(disp=0)
    no_intercept = sm.Logit(y, x[:, None]).fit(disp=0)
    linear = sm.OLS(y, sm.add_constant(x)).fit()
    return {"beta": fit.params[1], "p": fit.pvalues[1], "intercept": fit.params[0], "intercept p": fit.pvalues[0],
            "no intercept": no_intercept.params[0], "linear": linear.params[1], "odds ratio": np.exp(fit.params[1])}


_BETA_MISTAKES = [
    ("intercept", "Your beta is the intercept.", "beta is the slope of the activation: the second parameter, not the first."),
    ("no intercept", "Your beta comes from a fit without an intercept.",
     "the lecture's model has one: fit sm.Logit(y, sm.add_constant(x))."),
    ("linear", "Your beta is a linear regression's slope.", "the lecture fits a logistic regression (sm.Logit)."),
    ("odds ratio", "Your beta is exp(beta), the odds ratio.", "return beta itself: the change in log-odds per unit of activation."),
]


def one_neuron_logit(student: Callable[[np.ndarray, np.ndarray], Any]) -> None:
    for seed, shift in ((0, 0.6), (1, -0.8)):
        x, y = _logit_case(seed, shift)
        answer = student(x.copy(), y.copy())
        try:
            beta, p = (float(v) for v in answer)
        except (TypeError, ValueError):
            fail(f"Your function returned {type(answer).__name__}.", "return two numbers: (beta, p).")
        want = _logit_variants(x, y)
        if np.isclose(beta, want["beta"], rtol=1e-4) and np.isclose(p, want["p"], rtol=1e-3):
            continue
        if np.isclose(beta, want["p"], rtol=1e-3) and np.isclose(p, want["beta"], rtol=1e-4):
            fail("Your beta looks like a p-value and your p like a slope.", "return them in this order: (beta, p).")
        if np.isclose(beta, -want["beta"], rtol=1e-4) or np.isclose(beta, abs(want["beta"]), rtol=1e-4) and want["beta"] < 0:
            fail(f"Your beta has the wrong sign on a neuron that is {'LESS' if want['beta'] < 0 else 'MORE'} active on proper nouns.",
                 "keep beta's sign: a negative beta means the neuron is quieter on proper nouns (and y = 1 means proper noun).")
        for key, what, hint in _BETA_MISTAKES:
            if np.isclose(beta, want[key], rtol=1e-4):
                fail(what, hint)
        if np.isclose(beta, want["beta"], rtol=1e-4):
            which = "the intercept's" if np.isclose(p, want["intercept p"], rtol=1e-3) else "not the slope's"
            fail(f"Your beta is right, but your p-value is {which}.", "return the p-value of the slope (the second entry of pvalues).")
        if np.isclose(p, want["p"], rtol=1e-3):
            fail(f"Your p-value is right, but your beta ({beta:.4g}) is not the slope's.",
                 "return the slope's parameter of the same fit (the second entry of params).")
        fail(f"On a case of {len(y)} tokens your beta is {beta:.4g} and your p {p:.3g}: not statsmodels' numbers.",
             "fit sm.Logit(y, sm.add_constant(x)).fit() and read the slope's parameter and p-value.")


# --------------------------------------------------------------------------- Bonferroni


def bonferroni(student: Callable[[np.ndarray, float], Any]) -> None:
    p = np.array([0.01, 0.0125, 0.2, 1e-9, 2e-5])  # 5 tests: the threshold is .05 / 5 = .01
    got = true_or_false(student(p.copy(), 0.05), p, "five p-values", "whether p < alpha / n, not a p-value multiplied by n.")
    mistakes = [
        (p < 0.05, "You used p < alpha.", "Bonferroni divides alpha by the number of tests (the number of p-values given)."),
        (p < 0.05 * len(p), "You multiplied alpha by the number of tests.", "Bonferroni makes the threshold SMALLER: alpha / number of tests."),
        (p <= 0.05 / len(p), "A p-value exactly at the threshold passed.", "the lecture's test is strict: p < alpha / n, not <=."),
        (p < 0.05 / 4096, "You divided by a fixed number of neurons.", "divide alpha by the number of p-values GIVEN (len(pvalues))."),
    ]
    for wrong, what, hint in mistakes:
        if np.array_equal(got, wrong) and not np.array_equal(wrong, p < 0.05 / len(p)):
            fail(what, hint)
    if not np.array_equal(got, p < 0.05 / len(p)):
        fail(f"For p = {p.tolist()} your answer is {got.tolist()}.", "significant means p < alpha / n, n = number of p-values.")
    if not numbers(student(np.full(4, 0.02), 0.1), "four p-values with alpha=0.1").astype(bool).all():
        fail("With alpha=0.1, four p-values of 0.02 did not all pass.", "use the alpha you are given (here 0.1), not a fixed .05.")


# --------------------------------------------------------------------------- the heatmap's colours


def _reds(a: np.ndarray, alpha: float = 0.8, cmap: str = "Reds") -> np.ndarray:
    import matplotlib as mpl

    rgba = np.asarray(mpl.colormaps[cmap](np.asarray(a, dtype=float)), dtype=float).reshape(-1, 4)
    rgba[:, 3] = alpha
    return rgba


def _colour_mistakes(v: np.ndarray) -> list[tuple[np.ndarray, str, str]]:
    a = (v - v.min()) / (v.max() - v.min())
    squared_first = (v**2 - (v**2).min()) / ((v**2).max() - (v**2).min())
    return [
        (_reds(a), "Your colours are Reds(a), not squared.", "square the scaled value, Reds(a ** 2), so that only strong activations stand out."),
        (_reds((v / v.max()) ** 2), "Your colours divide by the maximum only.", "min-max scaling first subtracts the minimum: a = (v - min) / (max - min)."),
        (_reds(squared_first), "You squared the activations before scaling them.", "scale first (a in 0..1), then square a."),
        (_reds(a**2, alpha=1.0), "Your boxes are opaque (alpha 1).", "the lecture's boxes have alpha .8: set the fourth number of each colour to 0.8."),
        (_reds(a**2, cmap="Reds_r"), "Your colour map runs backwards.", "the largest activation is the darkest red: matplotlib's 'Reds', not 'Reds_r'."),
    ]


def lecture_colours(student: Callable[[Any], Any]) -> None:
    from ..heatmap import token_colours

    cases = [np.array([0.5, 2.0, -1.0, 3.0, 1.0, 2.5]), np.array([-0.38, 1.14, 2.61, 1.9, 1.2], dtype=np.float32)]
    for values in cases:
        got = numbers(student(values.copy()), f"the values {values.tolist()}")
        if got.ndim != 2 or got.shape[0] != len(values) or got.shape[1] not in (3, 4):
            fail(f"For {len(values)} values your function returned shape {got.shape}.", "return one RGBA colour per token: shape [tokens, 4].")
        if got.shape[1] == 3:
            fail("Your colours have 3 numbers (RGB).", "return RGBA, 4 numbers per token: the fourth is the box's alpha, 0.8.")
        if got.max() > 1.0:
            fail("Your colours go above 1.", "matplotlib's colours are floats between 0 and 1, not 0..255.")
        if same(got, token_colours(values), atol=1e-6):
            continue
        for wrong, what, hint in _colour_mistakes(values.astype(float)):
            if same(got, wrong, atol=1e-6):
                fail(what, hint)
        fail(f"For the values {values.tolist()} your colours differ from the lecture's.",
             "a = (v - min) / (max - min) over the values given, colour = matplotlib's Reds at a ** 2, alpha 0.8.")
    _dead_neuron_and_tensors(student)


def _dead_neuron_and_tensors(student: Callable[[Any], Any]) -> None:
    import torch

    from ..heatmap import token_colours

    flat = np.full(4, 1.5)
    if not same(numbers(student(flat.copy()), "four equal values"), token_colours(flat), atol=1e-6):
        fail("Four equal values (a neuron that never changes) did not all get the palest colour.",
             "max - min is 0 there, so (v - min) / (max - min) is 0 / 0: give every token a = 0.")
    values = torch.tensor([0.2, -0.4, 1.3])
    try:
        got = numbers(student(values.clone()), "a torch tensor")
    except AssertionError:
        raise
    except Exception as error:
        fail(f"On a torch tensor (what acts[18][:, 33] is) your function raised {type(error).__name__}.",
             "start with values = np.asarray(values, dtype=float).")
    if not same(got, token_colours(values.numpy()), atol=1e-6):
        fail("On a torch tensor your colours differ from those for the same numbers in a numpy array.",
             "start with values = np.asarray(values, dtype=float).")
