"""Checks for the exercises: your function, run on small cases, compared with the expected answer.

Each ``check_*`` takes the function you wrote and answers with one line:

* ``✔ check_x: passed.``
* ``… check_x: not done yet`` -- your function still raises ``NotImplementedError``; the notebook
  runs on to the end;
* ``✘ check_x: <what your answer shows>. Hint: <what to do>`` -- the hint names the typical mistake
  your answer shows, never the answer itself.

Nothing else is printed and nothing is returned, so a cell ends with that one line (coloured HTML
in a notebook, text elsewhere). With ``LESSONKIT_STRICT_CHECKS=1`` (what ``make test`` sets) a
failed check raises :class:`CheckFailed` instead, so a solved notebook that stops passing fails
the tests.

The checks, in the order of the exercise notebooks (01 the lecture, 02 beyond it, 03 controls and
causes), are listed below; their cases and hints live in ``_checks_lecture``, ``_checks_beyond``
and ``_checks_models``. The expected answers come from independent references (a case table,
statsmodels, matplotlib, torch's cross-entropy, a pair count by definition) or from lessonkit's own
tested helpers (``record_mlp``, ``ablate_mlp``); what a check prints is a hint, never the answer.
"""

from __future__ import annotations

import html
import os
from typing import Any, Callable

from . import _checks_beyond, _checks_lecture, _checks_models

__all__ = ["CheckFailed", "check_mlp_hook", "check_lecture_rule", "check_comparison_sample", "check_one_neuron_logit",
           "check_bonferroni", "check_lecture_colours", "check_auroc", "check_heldout_choice",
           "check_benjamini_hochberg", "check_capitalisation_control", "check_next_token_loss", "check_ablation"]

STRICT_VARIABLE = "LESSONKIT_STRICT_CHECKS"
MAX_HINT = 300  # characters: a crash deep inside torch can say a lot
STYLES = {"ok": ("\u2714", "#1a7f37"), "todo": ("\u2026", "#666"), "hint": ("\u2718", "#b00020")}
# Each line shown in a notebook carries a record in its output's metadata, for `lessonkit grade`:
# {RECORD_KEY: {"check": name, "outcome": "passed" | "not done" | "failed", "message": the line's text}}
RECORD_KEY = "lessonkit_check"
OUTCOMES = {"ok": "passed", "todo": "not done", "hint": "failed"}


class CheckFailed(AssertionError):
    """A check found a mistake (strict mode only); the message is the hint."""


def _report(name: str, student: Callable[..., Any], run: Callable[[Callable[..., Any]], None]) -> None:
    """Run one check and show its outcome as one line (see the module's docstring)."""
    if not callable(student):
        _show(name, f"give the check your function itself, not {type(student).__name__}.", "hint")
        return
    try:
        run(student)
    except NotImplementedError:
        _show(name, "not done yet -- replace the `raise NotImplementedError` with your code.", "todo")
        return
    except Exception as error:  # an AssertionError carries our hint; anything else is the student's crash
        hint = str(error) if isinstance(error, AssertionError) else f"your function raised {type(error).__name__}: {error}"
        hint = " ".join(hint.split())  # one line, whatever the error said ...
        hint = hint if len(hint) <= MAX_HINT else hint[: MAX_HINT - 1] + "\u2026"  # ... and a short one
        _show(name, hint, "hint")
        if os.environ.get(STRICT_VARIABLE, "").strip().lower() in {"1", "true", "yes", "on"}:
            raise CheckFailed(f"{name}: {hint}") from None
        return
    _show(name, "passed.", "ok")


def _show(name: str, message: str, kind: str) -> None:
    """One line: coloured HTML in a notebook (with a record for the grader), plain text elsewhere."""
    mark, colour = STYLES[kind]
    text = f"{mark} {name}: {message}"
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        page = f'<div style="color:{colour};font-weight:bold">{html.escape(text)}</div>'
        record = {"check": name, "outcome": OUTCOMES[kind], "message": message}
        display({"text/plain": text, "text/html": page}, raw=True, metadata={RECORD_KEY: record})
    else:
        print(text)


# --------------------------------------------------------------------------- 01: the lecture


def check_mlp_hook(keep_mlp_neurons: Callable[..., Any]) -> None:
    """``keep_mlp_neurons(model, layer, token_ids) -> [tokens, neurons]``: one layer's "pre" neurons,
    kept by a forward hook that is gone afterwards -- also after an error or the stop button mid-pass.
    Run on tiny GPT-2 and Llama models against ``lk.record_mlp``."""
    _report("check_mlp_hook", keep_mlp_neurons, _checks_models.mlp_hook)


def check_lecture_rule(lecture_rule: Callable[[list[str]], Any]) -> None:
    """``lecture_rule(token_texts) -> 0/1 per token``: the lecture's proper-noun rule on decoded tokens."""
    _report("check_lecture_rule", lecture_rule, _checks_lecture.lecture_rule)


def check_comparison_sample(comparison_sample: Callable[[Any, int], Any]) -> None:
    """``comparison_sample(labels, seed) -> token indices``: every proper noun, and as many other tokens
    drawn at random without replacement, reproducibly from ``seed``."""
    _report("check_comparison_sample", comparison_sample, _checks_lecture.comparison_sample)


def check_one_neuron_logit(one_neuron_logit: Callable[[Any, Any], Any]) -> None:
    """``one_neuron_logit(x, y) -> (beta, p)``: the lecture's logistic regression (with an intercept) of
    the labels on one neuron's activations; its slope and the slope's p-value, as statsmodels gives them."""
    _report("check_one_neuron_logit", one_neuron_logit, _checks_lecture.one_neuron_logit)


def check_bonferroni(significant: Callable[[Any, float], Any]) -> None:
    """``significant(pvalues, alpha) -> booleans``: Bonferroni significance over one layer (p < alpha / n)."""
    _report("check_bonferroni", significant, _checks_lecture.bonferroni)


def check_lecture_colours(lecture_colours: Callable[[Any], Any]) -> None:
    """``lecture_colours(values) -> [tokens, 4]``: min-max scale, square, matplotlib's Reds, alpha .8."""
    _report("check_lecture_colours", lecture_colours, _checks_lecture.lecture_colours)


# --------------------------------------------------------------------------- 02: beyond the lecture


def check_auroc(auroc_one: Callable[[Any, Any], float]) -> None:
    """``auroc_one(x, y) -> float``: one neuron's AUROC for y = 1, ties counting half."""
    _report("check_auroc", auroc_one, _checks_beyond.auroc_one)


def check_heldout_choice(choose_and_score: Callable[..., Any]) -> None:
    """``choose_and_score(train_x, train_y, heldout_x, heldout_y) -> (neuron, heldout_auroc)``: the largest
    positive beta among the Bonferroni-significant neurons, fitted on the training text's balanced sample
    (seed 42), scored by its AUROC on all held-out tokens. Run on a synthetic layer built to tell mistakes apart."""
    _report("check_heldout_choice", choose_and_score, _checks_beyond.heldout_choice)


def check_benjamini_hochberg(significant: Callable[[Any, float], Any]) -> None:
    """``significant(pvalues, alpha) -> booleans``: the Benjamini-Hochberg procedure, against statsmodels."""
    _report("check_benjamini_hochberg", significant, _checks_beyond.benjamini_hochberg)


# --------------------------------------------------------------------------- 03: controls and causes


def check_capitalisation_control(auroc_among_capitalised: Callable[..., float]) -> None:
    """``auroc_among_capitalised(values, labels, token_texts) -> float``: the AUROC among capitalised tokens only."""
    _report("check_capitalisation_control", auroc_among_capitalised, _checks_beyond.capitalisation_control)


def check_next_token_loss(next_token_loss: Callable[[Any, Any], Any]) -> None:
    """``next_token_loss(logits, token_ids) -> n - 1 losses``: the cross-entropy (nats) of each next token."""
    _report("check_next_token_loss", next_token_loss, _checks_models.next_token_loss)


def check_ablation(loss_change_without: Callable[..., float]) -> None:
    """``loss_change_without(model, layer, neuron, token_ids) -> float``: the mean change in next-token loss
    when the neuron is switched off (zero) by a hook that is gone afterwards. Run on tiny models against
    ``lk.ablate_mlp``."""
    _report("check_ablation", loss_change_without, _checks_models.ablation)
