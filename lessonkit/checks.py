"""Checks for the exercises: your function, run on small cases, compared with the expected answer.

Each ``check_*`` takes the function you wrote and answers with one line: "passed", "not done yet"
(your function still raises ``NotImplementedError``, so the notebook runs on to the end), or a hint
that names the case that failed. Nothing else is printed and nothing is returned, so a cell ends
with that one line. With ``LESSONKIT_STRICT_CHECKS=1`` (what ``make test`` sets) a failed check
raises :class:`CheckFailed` instead, so a solved notebook that stops passing fails the tests.

The expected answers are written out case by case (or computed by lessonkit's own, tested helpers);
the checks never contain a solution to copy.
"""

from __future__ import annotations

import html
import os
from typing import Any, Callable

import numpy as np


class CheckFailed(AssertionError):
    """A check found a mistake; the message is the hint."""


# (tokens as decoded text, expected tags, what the case teaches) for the lecture's tagging rule
LECTURE_RULE_CASES: list[tuple[list[str], list[int], str]] = [
    (["Paris", " is", " in", " France"], [0, 0, 0, 1],
     "The first token is never tagged (it has no previous token), and ' France' is a proper noun."),
    ([" the", " Li", " river"], [0, 1, 0],
     "Length counts the leading space: ' Li' has 3 characters, so it is long enough."),
    ([" the", " X", " factor"], [0, 0, 0],
     "' X' has only 2 characters: the rule needs more than 2."),
    ([" rain", ".", " The", " end"], [0, 0, 0, 0],
     "After a token ending in '.', '!', '?' or ':' a capital starts a sentence: no tag."),
    ([" said", ":", " Yes", "!", " Now", "?", " Why"], [0, 0, 0, 0, 0, 0, 0],
     "The previous token may end in '.', '!', '?' or ':' -- all four block the tag."),
    ([" in", " 2004", " and", " 3M"], [0, 0, 0, 0],
     "The first non-space character must be an upper-case letter: ' 2004' and ' 3M' are not tagged."),
    ([" a", " BBC", " show"], [0, 1, 0],
     "Acronyms count: ' BBC' is longer than 2 characters and starts with a capital."),
    ([" in", " St", ".", " Louis"], [0, 1, 0, 0],
     "' St' is tagged, but ' Louis' follows a '.', so the rule misses it (a known false negative)."),
    ([" the", " Royal", " Court", " Theatre"], [0, 1, 1, 1],
     "Every capitalised token of a multi-word name is tagged on its own."),
    ([" end", " \n", " In", " 2006"], [0, 0, 1, 0],
     "A line break does not end in '.', so ' In' after it IS tagged (a known false positive of the rule)."),
]


def _report(name: str, student: Callable[..., Any], run: Callable[[Callable[..., Any]], None]) -> None:
    """Run one check and show its outcome as one line (see the module's docstring)."""
    try:
        run(student)
    except NotImplementedError:
        _show(name, "not done yet -- replace the `raise NotImplementedError` with your code.", "todo")
        return
    except Exception as error:  # an AssertionError carries our hint; anything else is the student's crash
        hint = str(error) if isinstance(error, AssertionError) else f"your function raised {type(error).__name__}: {error}"
        _show(name, hint, "hint")
        if os.environ.get("LESSONKIT_STRICT_CHECKS", "").strip().lower() in {"1", "true", "yes", "on"}:
            raise CheckFailed(f"{name}: {hint}") from None
        return
    _show(name, "passed.", "ok")


STYLES = {"ok": ("\u2714", "#1a7f37"), "todo": ("\u2026", "#666"), "hint": ("\u2718", "#b00020")}


def _show(name: str, message: str, kind: str) -> None:
    """One line: coloured HTML in a notebook, plain text elsewhere."""
    mark, colour = STYLES[kind]
    text = f"{mark} {name}: {message}"
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        page = f'<div style="color:{colour};font-weight:bold">{html.escape(text)}</div>'
        display({"text/plain": text, "text/html": page}, raw=True)
    else:
        print(text)


def check_lecture_rule(lecture_rule: Callable[[list[str]], Any]) -> None:
    """``lecture_rule(token_texts) -> 0/1 per token``: the lecture's proper-noun rule on decoded tokens."""

    def run(student: Callable[[list[str]], Any]) -> None:
        for texts, expected, hint in LECTURE_RULE_CASES:
            got = [int(v) for v in np.asarray(student(list(texts))).reshape(-1)]
            assert len(got) == len(texts), f"{texts}: give one tag per token ({len(texts)}), got {len(got)}."
            assert got == expected, f"For tokens {texts} expected {expected}, got {got}. Hint: {hint}"

    _report("check_lecture_rule", lecture_rule, run)


def check_bonferroni(significant: Callable[[np.ndarray, float], Any]) -> None:
    """``significant(pvalues, alpha) -> booleans``: Bonferroni significance over one layer."""

    def run(student: Callable[[np.ndarray, float], Any]) -> None:
        p = np.array([0.01, 0.0125, 0.009999, 1e-9, 0.5])  # 5 tests: threshold .05 / 5 = 0.01
        expected = p < 0.05 / len(p)
        got = np.asarray(student(p, 0.05), dtype=bool)
        assert got.shape == p.shape, f"Return one True/False per p-value ({p.shape}), got shape {got.shape}."
        if np.array_equal(got, p < 0.05):
            raise AssertionError("You used p < alpha. Hint: Bonferroni divides alpha by the number of tests.")
        if np.array_equal(got, p <= 0.05 / len(p)):
            raise AssertionError("Hint: the lecture's test is strict: p < alpha / n, not <=.")
        assert np.array_equal(got, expected), f"For p = {p.tolist()} expected {expected.tolist()}, got {got.tolist()}."
        many = np.full(4096, 1e-5)
        assert np.asarray(student(many, 0.05), dtype=bool).all(), (
            "4,096 p-values of 1e-5 all pass .05 / 4,096 = 1.22e-5. Divide by the number of p-values given."
        )

    _report("check_bonferroni", significant, run)


def check_auroc(auroc_one: Callable[[np.ndarray, np.ndarray], float]) -> None:
    """``auroc_one(x, y) -> float``: one neuron's AUROC, ties counting half."""
    from .regression import auroc

    def run(student: Callable[[np.ndarray, np.ndarray], float]) -> None:
        cases = [
            (np.array([3.0, 4.0, 1.0, 2.0]), np.array([1, 1, 0, 0]), "perfect separation is 1.0"),
            (np.array([1.0, 2.0, 3.0, 4.0]), np.array([1, 1, 0, 0]), "proper nouns lowest is 0.0, not 1.0: no flipping"),
            (np.array([1.0, 1.0, 1.0, 1.0]), np.array([1, 0, 1, 0]), "ties count half: all equal gives 0.5"),
            (np.array([2.0, 1.0, 2.0, 0.5]), np.array([1, 1, 0, 0]), "one tie between classes counts 1/2"),
        ]
        rng = np.random.default_rng(0)
        x = np.round(rng.normal(size=200), 1)  # rounded: plenty of ties
        y = (rng.random(200) < 0.3).astype(int)
        cases.append((x, y, "random data with ties"))
        for x, y, hint in cases:
            expected = float(auroc(x[:, None], y)[0])
            got = float(student(x, y))
            assert abs(got - expected) < 1e-9, f"x = {x[:8]}..., y = {y[:8]}...: expected {expected:.4f}, got {got:.4f}. Hint: {hint}."

    _report("check_auroc", auroc_one, run)


def check_heldout_choice(choose_and_score: Callable[..., tuple[int, float]], train_x: np.ndarray, train_y: np.ndarray,
                         heldout_x: np.ndarray, heldout_y: np.ndarray, *, seed: int = 42) -> None:
    """``choose_and_score(train_x, train_y, heldout_x, heldout_y) -> (neuron, heldout_auroc)``.

    The neuron: the largest positive beta among Bonferroni-significant neurons of a logistic regression
    on the balanced training sample (``balanced_sample(train_y, seed=seed)``); its AUROC on held-out text.
    """
    from .regression import auroc, balanced_sample, bonferroni, fit_logit

    def run(student: Callable[..., tuple[int, float]]) -> None:
        sample = balanced_sample(train_y, seed=seed)
        fit = fit_logit(train_x[sample], train_y[sample])
        candidates = np.flatnonzero(bonferroni(fit.pvalue) & (fit.beta > 0))
        assert len(candidates), "No significant positive neuron in this layer: try another layer."
        neuron = int(candidates[np.argmax(fit.beta[candidates])])
        expected = float(auroc(heldout_x[:, [neuron]], heldout_y)[0])
        got_neuron, got_auroc = student(train_x, train_y, heldout_x, heldout_y)
        if int(got_neuron) != neuron:
            raise AssertionError(
                f"Expected neuron {neuron}, got {got_neuron}. Hints: fit on the balanced sample drawn with "
                f"seed={seed}; keep only Bonferroni-significant neurons (p < .05 / neurons); take the largest beta."
            )
        assert abs(float(got_auroc) - expected) < 1e-6, (
            f"Right neuron, but held-out AUROC {float(got_auroc):.4f} instead of {expected:.4f}. "
            "Hint: score on ALL held-out tokens (no balanced sample needed for an AUROC)."
        )

    _report("check_heldout_choice", choose_and_score, run)
