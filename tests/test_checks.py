"""The exercise checks: right answers pass, each typical mistake gets its own hint, one line each.

The right answers below are written out here (literal loops, statsmodels, matplotlib, hand-written
hooks), not taken from lessonkit, so a check whose reference drifted would fail them. The table
MISTAKES proves each hint: a function with one typical mistake, and the words its hint must contain.
"""

from __future__ import annotations

import re
import sys

import matplotlib as mpl
import numpy as np
import pytest
import statsmodels.api as sm
import torch

import lessonkit as lk
from lessonkit import checks
from lessonkit.checks import _beyond as _checks_beyond, _lecture as _checks_lecture, _models as _checks_models
from lessonkit.tagging import lecture_rule_loop

# --------------------------------------------------------------------------- right answers, written out


def keep_mlp_neurons(model, layer, token_ids, *, keep=lambda module, inputs, output: output.detach()[0], where=None,
                     remove="finally", grad=False):
    """The recording exercise's answer; the keywords make its typical mistakes."""
    module = (where or (lambda m: m))(lk.mlp_site_modules(model, layer)[layer].module)
    kept = {}
    handle = module.register_forward_hook(lambda m, i, o: kept.update(neurons=keep(m, i, o)))
    if remove == "finally":
        try:
            with torch.set_grad_enabled(grad):
                model(token_ids)
        finally:
            handle.remove()
    elif remove == "except Exception":
        try:
            model(token_ids)
        except Exception:
            handle.remove()
            raise
        handle.remove()
    else:  # "after": removed when nothing goes wrong; "never"
        model(token_ids)
        if remove == "after":
            handle.remove()
    return kept["neurons"]


def lecture_rule(texts):
    tags = [0] * len(texts)
    for i in range(1, len(texts)):
        if len(texts[i]) > 2 and texts[i].strip()[:1].isupper() and not texts[i - 1].endswith((".", "!", "?", ":")):
            tags[i] = 1
    return tags


def comparison_sample(labels, seed, *, draw=lambda rng, others, n: rng.choice(others, size=n, replace=False)):
    labels = np.asarray(labels)
    proper, others = np.flatnonzero(labels == 1), np.flatnonzero(labels == 0)
    return np.concatenate([proper, draw(np.random.default_rng(seed), others, len(proper))])


def one_neuron_logit(x, y):
    fit = sm.Logit(y, sm.add_constant(x)).fit(disp=0)
    return fit.params[1], fit.pvalues[1]


def bonferroni(p, alpha=0.05):
    return np.asarray(p) < alpha / np.asarray(p).size


def lecture_colours(values, *, scale=None, power=2, alpha=0.8, cmap="Reds"):
    v = np.asarray(values, dtype=float)
    span = v.max() - v.min()
    a = scale(v) if scale else ((v - v.min()) / span if span > 0 else np.zeros_like(v))
    rgba = mpl.colormaps[cmap](a**power)
    rgba[:, 3] = alpha
    return rgba


def auroc_one(x, y, *, tie=0.5):
    x, y = np.asarray(x), np.asarray(y)
    above = x[y == 1][:, None] - x[y == 0][None, :]
    return float((above > 0).mean() + tie * (above == 0).mean())


def choose_and_score(train_x, train_y, heldout_x, heldout_y, *, score_on=None):
    sample = lk.balanced_sample(train_y, seed=42)
    results = [sm.Logit(train_y[sample], sm.add_constant(train_x[sample, j])).fit(disp=0) for j in range(train_x.shape[1])]
    beta, p = np.array([r.params[1] for r in results]), np.array([r.pvalues[1] for r in results])
    neuron = int(np.argmax(np.where((p < 0.05 / len(p)) & (beta > 0), beta, -np.inf)))
    x, y = score_on(train_x, train_y, heldout_x, heldout_y) if score_on else (heldout_x, heldout_y)
    return neuron, auroc_one(x[:, neuron], y)


def benjamini_hochberg(p, alpha=0.05, *, compare=np.less_equal, first_rank=1):
    p = np.asarray(p)
    order = np.argsort(p)
    passing = np.flatnonzero(compare(p[order], np.arange(first_rank, first_rank + p.size) / p.size * alpha))
    significant = np.zeros(p.size, dtype=bool)
    if len(passing):
        significant[order[: passing[-1] + 1]] = True
    return significant


def auroc_among_capitalised(values, labels, texts, *, capitalised=lambda t: t.strip()[:1].isupper()):
    keep = np.array([capitalised(t) for t in texts])
    return auroc_one(np.asarray(values)[keep], np.asarray(labels)[keep])


def next_token_loss(logits, token_ids):
    return -torch.log_softmax(logits, dim=-1)[:-1].gather(1, token_ids[1:, None])[:, 0]


def loss_change_without(model, layer, neuron, token_ids, *, switch_off=None, returns=True, remove="finally",
                        summary=np.nanmean):
    projection = lk.mlp_site_modules(model, layer, site="post")[layer].module
    clean = lk.next_token_losses(model, token_ids)

    def off(module, args):
        x = args[0].clone()
        (switch_off or (lambda x: x[..., neuron].zero_()))(x)
        return (x, *args[1:]) if returns else None

    handle = projection.register_forward_pre_hook(off)
    if remove == "finally":
        try:
            ablated = lk.next_token_losses(model, token_ids)
        finally:
            handle.remove()
    else:
        ablated = lk.next_token_losses(model, token_ids)
        if remove == "after":
            handle.remove()
    return float(summary(ablated - clean))


RIGHT = [
    (checks.check_mlp_hook, keep_mlp_neurons), (checks.check_lecture_rule, lecture_rule),
    (checks.check_comparison_sample, comparison_sample), (checks.check_one_neuron_logit, one_neuron_logit),
    (checks.check_bonferroni, bonferroni), (checks.check_lecture_colours, lecture_colours),
    (checks.check_auroc, auroc_one), (checks.check_heldout_choice, choose_and_score),
    (checks.check_benjamini_hochberg, benjamini_hochberg), (checks.check_capitalisation_control, auroc_among_capitalised),
    (checks.check_next_token_loss, next_token_loss), (checks.check_ablation, loss_change_without),
]


@pytest.fixture
def strict(monkeypatch):
    monkeypatch.setenv("LESSONKIT_STRICT_CHECKS", "1")


@pytest.fixture
def lenient(monkeypatch):
    monkeypatch.delenv("LESSONKIT_STRICT_CHECKS", raising=False)


@pytest.mark.parametrize("check, answer", RIGHT, ids=[check.__name__ for check, _ in RIGHT])
def test_a_right_answer_passes_in_one_line(check, answer, capsys, strict):
    assert check(answer) is None  # nothing to echo in a notebook
    assert capsys.readouterr().out.splitlines() == [f"\u2714 {check.__name__}: passed."]


def test_every_public_check_is_proved_right_and_wrong():
    public = {name for name in checks.__all__ if name.startswith("check_")}
    assert public == {check.__name__ for check, _ in RIGHT} == {check.__name__ for check, _, _ in MISTAKES}
    assert len(public) >= 10


# --------------------------------------------------------------------------- typical mistakes and their hints


def _tagger(long_enough=lambda t: len(t) > 2, capital=lambda t: t.strip()[:1].isupper(),
            sentence_end=lambda previous, t: previous.endswith((".", "!", "?", ":")), first=1):
    def rule(texts):
        padded = [""] + list(texts)
        return [int(i >= first and long_enough(t) and capital(t) and not sentence_end(padded[i], t))
                for i, t in enumerate(texts)]
    return rule


def keep_after_nonlinearity(model, layer, token_ids):
    site = lk.mlp_site_modules(model, layer)[layer]
    mlp = model.get_submodule(site.name.rsplit(".", 1)[0])
    nonlinearity = getattr(mlp, "act", None) or mlp.act_fn
    return keep_mlp_neurons(model, layer, token_ids, where=lambda _: nonlinearity)


def keep_the_whole_mlp(model, layer, token_ids):
    site = lk.mlp_site_modules(model, layer)[layer]
    return keep_mlp_neurons(model, layer, token_ids, where=lambda _: model.get_submodule(site.name.rsplit(".", 1)[0]))


PILE: list = []


def keep_in_a_global_list(model, layer, token_ids):
    keep_mlp_neurons(model, layer, token_ids, keep=lambda m, i, o: PILE.append(o.detach()[0]))
    return torch.cat(PILE)


def never_removed(model, layer, token_ids):
    return keep_mlp_neurons(model, layer, token_ids, remove="never")


def position_off(model, layer, neuron, token_ids):
    return loss_change_without(model, layer, neuron, token_ids, switch_off=lambda x: x[:, neuron].zero_())


def shifted(logits, ids, *, by):
    import torch.nn.functional as F

    return F.cross_entropy(logits[:-1] if by >= 0 else logits[1:], ids[1:] if by > 0 else ids[:-1], reduction="none")


def fit_variant(pick):
    def answer(x, y):
        fit = sm.Logit(y, sm.add_constant(x)).fit(disp=0)
        return pick(fit, x, y)
    return answer


def choose_variant(pick=None, score_on=None):
    def answer(train_x, train_y, heldout_x, heldout_y):
        neuron, score = choose_and_score(train_x, train_y, heldout_x, heldout_y, score_on=score_on)
        if pick:
            neuron = pick(train_x, train_y, heldout_x, heldout_y)
            score = auroc_one(heldout_x[:, neuron], heldout_y)
        return neuron, score
    return answer


def _betas_and_p(x, y):
    sample = lk.balanced_sample(y, seed=42)
    fits = [sm.Logit(y[sample], sm.add_constant(x[sample, j])).fit(disp=0) for j in range(x.shape[1])]
    return np.array([f.params[1] for f in fits]), np.array([f.pvalues[1] for f in fits])


def _balanced_heldout(train_x, train_y, heldout_x, heldout_y):
    sample = lk.balanced_sample(heldout_y, seed=42)
    return heldout_x[sample], heldout_y[sample]


MISTAKES = [
    # 01: the recording hook
    (checks.check_mlp_hook, never_removed, "were still on the tiny"),
    (checks.check_mlp_hook, lambda *a: keep_mlp_neurons(*a, remove="after"), "After an error in the middle"),
    (checks.check_mlp_hook, lambda *a: keep_mlp_neurons(*a, remove="except Exception"), "does not catch KeyboardInterrupt"),
    (checks.check_mlp_hook, lambda *a: keep_mlp_neurons(*a, keep=lambda m, i, o: i[0].detach()[0]), "kept the module's input"),
    (checks.check_mlp_hook, lambda *a: keep_mlp_neurons(*a, keep=lambda m, i, o: o.detach()), "drop the batch dimension"),
    (checks.check_mlp_hook, lambda *a: keep_mlp_neurons(*a, keep=lambda m, i, o: o[0], grad=True), "autograd's graph"),
    (checks.check_mlp_hook, keep_after_nonlinearity, "AFTER the nonlinearity"),
    (checks.check_mlp_hook, keep_the_whole_mlp, "hook the module given"),
    (checks.check_mlp_hook, keep_in_a_global_list, "make the storage fresh inside the function"),
    # 01: the tagging rule
    (checks.check_lecture_rule, _tagger(long_enough=lambda t: len(t.strip()) > 2), "length counts the leading space"),
    (checks.check_lecture_rule, _tagger(long_enough=lambda t: len(t) >= 2), "MORE than 2"),
    (checks.check_lecture_rule, _tagger(first=0), "the very first token is never tagged"),
    (checks.check_lecture_rule, _tagger(capital=lambda t: t[:1].isupper()), "first character after the leading space"),
    (checks.check_lecture_rule, _tagger(capital=lambda t: t.isupper()), "not the whole token"),
    (checks.check_lecture_rule, _tagger(capital=lambda t: not t.strip()[:1].islower()), "upper-case LETTER"),
    (checks.check_lecture_rule, _tagger(sentence_end=lambda p, t: p.endswith(".")), "all four of"),
    (checks.check_lecture_rule, _tagger(sentence_end=lambda p, t: t.endswith((".", "!", "?", ":"))), "PREVIOUS token"),
    (checks.check_lecture_rule, _tagger(sentence_end=lambda p, t: p.endswith((".", "!", "?", ":")) or "\n" in p), "IS tagged"),
    (checks.check_lecture_rule, lambda texts: lecture_rule(texts)[:-1], "give one 0/1 tag per token"),
    # 01: the comparison sample
    (checks.check_comparison_sample, lambda labels, seed: np.isin(np.arange(len(labels)), comparison_sample(labels, seed)), "True/False"),
    (checks.check_comparison_sample, lambda labels, seed: comparison_sample(labels, seed)[np.asarray(labels)[comparison_sample(labels, seed)] == 0],
     "proper nouns are not in your sample"),
    (checks.check_comparison_sample, lambda labels, seed: np.concatenate(
        [np.flatnonzero(np.asarray(labels) == 1), np.random.default_rng(seed).choice(len(labels), size=int(np.sum(labels)), replace=False)]),
     "A proper noun is in your sample twice"),
    (checks.check_comparison_sample, lambda l, s: comparison_sample(l, s, draw=lambda rng, o, n: rng.choice(o, size=n, replace=True)),
     "draw without replacement"),
    (checks.check_comparison_sample, lambda l, s: comparison_sample(l, s, draw=lambda rng, o, n: rng.choice(o, size=n // 2, replace=False)),
     "equal sizes"),
    (checks.check_comparison_sample, lambda l, s: comparison_sample(l, s, draw=lambda rng, o, n: np.random.choice(o, size=n, replace=False)),
     "Two calls with seed=42 gave different samples"),
    (checks.check_comparison_sample, lambda l, s: comparison_sample(l, s, draw=lambda rng, o, n: o[:n]), "first"),
    (checks.check_comparison_sample, lambda l, s: comparison_sample(l, 42), "not from a fixed number"),
    # ... a True/False mask of the wrong length, a 0/1 mask, every token, none, halves and a position past the end
    (checks.check_comparison_sample, lambda l, s: np.isin(np.arange(len(l)), comparison_sample(l, s))[1:], "True/False"),
    (checks.check_comparison_sample, lambda l, s: np.isin(np.arange(len(l)), comparison_sample(l, s)).astype(int), "True/False"),
    (checks.check_comparison_sample, lambda l, s: np.isin(np.arange(len(l)), comparison_sample(l, s)).astype(int)[None, :], "True/False"),
    (checks.check_comparison_sample, lambda l, s: np.arange(len(l)), "equal sizes"),
    (checks.check_comparison_sample, lambda l, s: [], "proper nouns are not in your sample"),
    (checks.check_comparison_sample, lambda l, s: comparison_sample(l, s) + 0.5, "whole numbers"),
    (checks.check_comparison_sample, lambda l, s: np.append(comparison_sample(l, s), len(l)), "whole numbers"),
    # 01: one neuron's regression
    (checks.check_one_neuron_logit, fit_variant(lambda f, x, y: (f.params[0], f.pvalues[0])), "is the intercept"),
    (checks.check_one_neuron_logit, lambda x, y: (lambda f: (f.params[0], f.pvalues[0]))(sm.Logit(y, x).fit(disp=0)), "without an intercept"),
    (checks.check_one_neuron_logit, lambda x, y: (lambda f: (f.params[1], f.pvalues[1]))(sm.OLS(y, sm.add_constant(x)).fit()), "linear regression"),
    (checks.check_one_neuron_logit, fit_variant(lambda f, x, y: (np.exp(f.params[1]), f.pvalues[1])), "odds ratio"),
    (checks.check_one_neuron_logit, fit_variant(lambda f, x, y: (f.pvalues[1], f.params[1])), "in this order"),
    (checks.check_one_neuron_logit, fit_variant(lambda f, x, y: (abs(f.params[1]), f.pvalues[1])), "wrong sign on a neuron that is LESS active"),
    (checks.check_one_neuron_logit, fit_variant(lambda f, x, y: (-f.params[1], f.pvalues[1])), "wrong sign on a neuron that is MORE active"),
    (checks.check_one_neuron_logit, fit_variant(lambda f, x, y: (0.6 * f.params[1], f.pvalues[1])), "is not the slope's"),
    (checks.check_one_neuron_logit, fit_variant(lambda f, x, y: (0.6 * f.params[1], 1.5 * f.pvalues[1])), "fit sm.Logit(y, sm.add_constant(x))"),
    (checks.check_one_neuron_logit, fit_variant(lambda f, x, y: (f.params[1], 1.5 * f.pvalues[1])), "is not the slope's"),
    (checks.check_one_neuron_logit, fit_variant(lambda f, x, y: (f.params[1], 1.5 * f.pvalues[0])), "is not the slope's"),
    (checks.check_one_neuron_logit, fit_variant(lambda f, x, y: (f.params[1], f.params[1])), "is not the slope's"),
    (checks.check_one_neuron_logit, fit_variant(lambda f, x, y: (f.params[1] if f.params[1] > 0 else 0.6 * abs(f.params[1]), f.pvalues[1])),
     "is not the slope's"),  # right on the first case; on the second, positive but not |beta|: not a sign mistake
    (checks.check_one_neuron_logit, fit_variant(lambda f, x, y: (f.params[1], f.pvalues[0])), "the intercept's"),
    (checks.check_one_neuron_logit, fit_variant(lambda f, x, y: f), "return two numbers"),
    # 01: Bonferroni
    (checks.check_bonferroni, lambda p, alpha: np.asarray(p) < alpha, "divides alpha by the number of tests"),
    (checks.check_bonferroni, lambda p, alpha: np.asarray(p) < alpha * len(p), "SMALLER"),
    (checks.check_bonferroni, lambda p, alpha: np.asarray(p) <= alpha / len(p), "strict"),
    (checks.check_bonferroni, lambda p, alpha: np.asarray(p) < alpha / 4096, "GIVEN"),
    (checks.check_bonferroni, lambda p, alpha: np.asarray(p) < 0.05 / len(p), "the alpha you are given"),
    (checks.check_bonferroni, lambda p, alpha: int((np.asarray(p) < alpha / len(p)).sum()), "one True/False per p-value"),
    (checks.check_bonferroni, lambda p, alpha: np.minimum(np.asarray(p) * len(p), 1.0), "not a p-value multiplied by n"),
    # 01: the colours
    (checks.check_lecture_colours, lambda v: lecture_colours(v, power=1), "square the scaled value"),
    (checks.check_lecture_colours, lambda v: lecture_colours(v, scale=lambda v: v / v.max()), "subtracts the minimum"),
    (checks.check_lecture_colours, lambda v: lecture_colours(np.asarray(v, dtype=float) ** 2, power=1), "scale first"),
    (checks.check_lecture_colours, lambda v: lecture_colours(v, alpha=1.0), "alpha .8"),
    (checks.check_lecture_colours, lambda v: lecture_colours(v, cmap="Reds_r"), "runs backwards"),
    (checks.check_lecture_colours, lambda v: lecture_colours(v)[:, :3], "Your colours have 3 numbers (RGB)"),
    (checks.check_lecture_colours, lambda v: lecture_colours(v)[:-1], "one RGBA colour per token"),  # a token short
    (checks.check_lecture_colours, lambda v: lecture_colours(v)[:, 0] ** 0 * 0.5, "one RGBA colour per token"),  # a number per token
    (checks.check_lecture_colours, lambda v: (lecture_colours(v) * 255).astype(np.uint8), "not 0..255"),
    (checks.check_lecture_colours, lambda v: lecture_colours(v, scale=lambda v: (v - v.min()) / (v.max() - v.min())), "0 / 0"),
    (checks.check_lecture_colours, lambda v: lecture_colours(v.astype(float)), "On a torch tensor"),
    (checks.check_lecture_colours, lambda v: lecture_colours(v, power=1 if isinstance(v, torch.Tensor) else 2),
     "On a torch tensor your colours differ"),
    (checks.check_lecture_colours, lambda v: lecture_colours(v, power=2 if np.asarray(v).dtype == np.float64 else 1),
     "square the scaled value"),  # right on float64 only: the float32 case (acts are float32) catches it
    # 02: AUROC by hand
    (checks.check_auroc, lambda x, y: 1 - auroc_one(x, y), "flipped"),
    (checks.check_auroc, lambda x, y: auroc_one(x, y, tie=0.0), "counts half, not zero"),
    (checks.check_auroc, lambda x, y: auroc_one(x, y, tie=1.0), "counts half, not one"),
    (checks.check_auroc, lambda x, y: auroc_one(x, y) * np.mean(y), "divide by the number of such pairs"),
    # 02: choose on one text, score on another
    (checks.check_heldout_choice, choose_variant(pick=lambda tx, ty, hx, hy: choose_and_score(hx, hy, hx, hy)[0]), "HELD-OUT text would choose"),
    (checks.check_heldout_choice, choose_variant(pick=lambda tx, ty, hx, hy: int(np.argmax(_betas_and_p(tx, ty)[0]))), "not Bonferroni-significant"),
    (checks.check_heldout_choice, choose_variant(pick=lambda tx, ty, hx, hy: int(np.argmin(_betas_and_p(tx, ty)[1]))), "smallest p"),
    (checks.check_heldout_choice, choose_variant(pick=lambda tx, ty, hx, hy: int(np.argmax(np.abs(_betas_and_p(tx, ty)[0])))), "POSITIVE beta"),
    (checks.check_heldout_choice, choose_variant(pick=lambda *a: 0), "is not the lecture's choice"),
    (checks.check_heldout_choice, choose_variant(score_on=lambda tx, ty, hx, hy: (tx, ty)), "TRAINING AUROC"),
    (checks.check_heldout_choice, choose_variant(score_on=_balanced_heldout), "ALL held-out tokens"),
    (checks.check_heldout_choice, lambda *a: choose_and_score(*a)[0], "return two things"),
    # 02: Benjamini-Hochberg
    (checks.check_benjamini_hochberg, lambda p, alpha: np.asarray(p) < alpha / len(p), "Bonferroni's"),
    (checks.check_benjamini_hochberg, lambda p, alpha: (lambda o, m: np.isin(np.arange(len(p)), o[: int(np.cumprod(
        np.asarray(p)[o] <= np.arange(1, m + 1) / m * alpha).sum())]))(np.argsort(p), len(p)), "first rank that fails"),
    (checks.check_benjamini_hochberg, lambda p, alpha: np.asarray(p) <= (np.argsort(np.argsort(p)) + 1) / len(p) * alpha, "their own rank"),
    (checks.check_benjamini_hochberg, lambda p, alpha: np.sort(benjamini_hochberg(p, alpha))[::-1], "SORTED p-values"),
    (checks.check_benjamini_hochberg, lambda p, alpha: benjamini_hochberg(p, alpha, first_rank=0), "ranks start at 0"),
    (checks.check_benjamini_hochberg, lambda p, alpha: benjamini_hochberg(p, alpha, compare=np.less), "less than or equal"),
    # 03: the capitalisation control
    (checks.check_capitalisation_control, lambda v, l, t: auroc_one(v, l), "over ALL tokens"),
    (checks.check_capitalisation_control, lambda v, l, t: 1 - auroc_among_capitalised(v, l, t), "flipped"),
    (checks.check_capitalisation_control, lambda v, l, t: auroc_among_capitalised(v, l, t, capitalised=str.isupper), "all in capitals"),
    (checks.check_capitalisation_control, lambda v, l, t: auroc_among_capitalised(v, l, t, capitalised=lambda s: s[:1].isupper()),
     "leading space"),
    # 03: the next-token loss
    (checks.check_next_token_loss, lambda lg, ids: shifted(lg, ids, by=0), "its OWN token"),
    (checks.check_next_token_loss, lambda lg, ids: shifted(lg, ids, by=-1), "wrong way round"),
    (checks.check_next_token_loss, lambda lg, ids: -lg[:-1].gather(1, ids[1:, None])[:, 0], "log_softmax"),
    (checks.check_next_token_loss, lambda lg, ids: -torch.softmax(lg, -1)[:-1].gather(1, ids[1:, None])[:, 0], "LOG of the probability"),
    (checks.check_next_token_loss, lambda lg, ids: -next_token_loss(lg, ids), "MINUS the log-probability"),
    (checks.check_next_token_loss, lambda lg, ids: next_token_loss(lg, ids) / np.log(2), "natural log"),
    (checks.check_next_token_loss, lambda lg, ids: -torch.log_softmax(lg, 0)[:-1].gather(1, ids[1:, None])[:, 0], "over the vocabulary"),
    (checks.check_next_token_loss, lambda lg, ids: next_token_loss(lg, ids).mean(), "not their mean"),
    (checks.check_next_token_loss, lambda lg, ids: torch.nn.functional.cross_entropy(lg, ids, reduction="none"), "n - 1 losses"),
    # 03: switching a neuron off
    (checks.check_ablation, lambda *a: -loss_change_without(*a), "wrong sign"),
    (checks.check_ablation, lambda *a: loss_change_without(*a, returns=False), "must RETURN the changed input"),
    (checks.check_ablation, lambda *a: loss_change_without(*a, summary=np.nansum), "MEAN change"),
    (checks.check_ablation, lambda *a: loss_change_without(*a, switch_off=lambda x: x.zero_()), "every neuron of the layer"),
    (checks.check_ablation, position_off, "a token position"),
    (checks.check_ablation, lambda *a: loss_change_without(*a, remove="never"), "were still on the tiny"),
    (checks.check_ablation, lambda *a: loss_change_without(*a, remove="after"), "After an error in the middle"),
    (checks.check_ablation, lambda m, layer, n, ids: loss_change_without(m, layer + 1, n, ids), "not what switching off that one neuron does"),
]


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # the 0 / 0 mistake
@pytest.mark.parametrize("check, mistake, hint", MISTAKES, ids=[f"{c.__name__}-{i}" for i, (c, _, _) in enumerate(MISTAKES)])
def test_each_typical_mistake_gets_its_hint(check, mistake, hint, strict):
    """The hint of each mistake, in one line, and never the answer of the case it failed on: the
    hint is scanned for the numbers the right answer gives there (see ``printed_forms``)."""
    PILE.clear()
    message, answer = run_to_its_hint(check, mistake)
    assert hint in message, message
    assert "\n" not in message and "Hint:" in message and message.startswith(f"{check.__name__}: ")
    assert not [form for form in printed_forms(answer) if prints(message, form)], message


def run_to_its_hint(check, wrong):
    """The check's one line on the ``wrong`` function, and what the right answer (written out above)
    returns on the case where it failed: the inputs of the wrong function's last call."""
    calls = []

    def recording(*args):
        calls.append([a.clone() if isinstance(a, torch.Tensor) else a.copy() if hasattr(a, "copy") else a for a in args])
        return wrong(*args)

    with pytest.raises(checks.CheckFailed) as failed:
        check(recording)
    return str(failed.value), dict(RIGHT)[check](*calls[-1])


def printed_forms(answer) -> set[str]:
    """How a hint could print an answer: a number with 2-4 decimals or 3-6 significant digits (not as a
    bare integer, which "rank 1" or "x = [3, 4, 1, 2]" would match), a neuron as "neuron 4", a list of
    labels as a list, and the leading numbers of a float array."""
    if isinstance(answer, tuple):
        return set().union(*(printed_forms(part) for part in answer))
    if isinstance(answer, (int, np.integer)) and not isinstance(answer, bool):
        return {f"neuron {answer}", f"neuron={answer}"}
    values = np.asarray(answer.detach() if isinstance(answer, torch.Tensor) else answer)
    if values.ndim == 0:
        v = float(values)
        forms = {f"{v:.{d}f}" for d in (2, 3, 4)} | {f"{v:.{d}g}" for d in (3, 4, 6)} | {repr(v), str(round(v, 3))}
        return {form for form in forms if "." in form or "e" in form}
    if values.dtype.kind in "biu":  # labels, tags, indices: the list as Python prints it, or its start
        items = values.astype(int).tolist()
        return {str(items), str(values.tolist())} if len(items) <= 6 else {str(items[:6])[:-1]}
    leading = values.reshape(-1)[:8].astype(float)
    return set().union(*(printed_forms(float(v)) for v in leading if float(f"{v:.3g}") != float(f"{v:.2g}")))


def prints(message: str, form: str) -> bool:
    """``form`` in ``message`` as a whole number: not the start or end of a longer one."""
    if form.startswith("["):
        return form in message
    return re.search(rf"(?<![\d.]){re.escape(form)}(?!\d)", message) is not None


# a wrong answer per check that reaches its last, catch-all hint (the likeliest to print numbers)
CATCH_ALL = {
    checks.check_mlp_hook: lambda model, layer, ids: keep_mlp_neurons(model, layer, ids) * 1.5,
    checks.check_lecture_rule: lambda texts: [1 - tag for tag in lecture_rule(texts)],
    checks.check_comparison_sample: lambda labels, seed: comparison_sample(labels, seed)[:-1],
    checks.check_one_neuron_logit: lambda x, y: (0.123, 0.456),
    checks.check_bonferroni: lambda p, alpha: np.asarray(p) > 0.1,
    checks.check_lecture_colours: lambda values: lecture_colours(values) * 0.5,
    checks.check_auroc: lambda x, y: 0.123,
    checks.check_heldout_choice: lambda *data: (choose_and_score(*data)[0], 0.123),
    checks.check_benjamini_hochberg: lambda p, alpha: np.asarray(p) > 0.1,
    checks.check_capitalisation_control: lambda values, labels, texts: 0.123,
    checks.check_next_token_loss: lambda logits, ids: next_token_loss(logits, ids) * 1.5,
    checks.check_ablation: lambda *args: 0.123,
}


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("check, wrong", list(CATCH_ALL.items()), ids=[check.__name__ for check in CATCH_ALL])
def test_the_catch_all_hint_prints_no_answer(check, wrong, strict):
    message, answer = run_to_its_hint(check, wrong)
    assert "Hint:" in message and "\n" not in message
    assert not [form for form in printed_forms(answer) if prints(message, form)], message


# --------------------------------------------------------------------------- how a check answers


def test_not_done_yet_is_not_an_error_even_when_strict(capsys, strict):
    def stub(*args):
        raise NotImplementedError

    for check, _ in RIGHT:
        assert check(stub) is None
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"\u2026 {check.__name__}: not done yet -- replace the `raise NotImplementedError` with your code."
                     for check, _ in RIGHT]


def test_a_stub_that_registers_a_hook_first_is_not_done_yet_either(capsys, strict):
    def stub(model, layer, token_ids):
        lk.mlp_site_modules(model, layer)[layer].module  # the given line of the exercise
        raise NotImplementedError

    checks.check_mlp_hook(stub)
    assert "not done yet" in capsys.readouterr().out


def test_a_mistake_is_one_line_with_its_hint_and_no_error(capsys, lenient):
    checks.check_bonferroni(lambda p, alpha: np.asarray(p) < alpha)  # a student's notebook: no traceback
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("\u2718 check_bonferroni: You used p < alpha. Hint: Bonferroni divides alpha")
    assert "raised" not in line and not line.endswith("\u2026")  # the check's own hint, whole: not a crash, not cut


def test_a_crash_in_the_students_function_is_one_line_too(capsys, lenient):
    checks.check_auroc(lambda x, y: x.no_such_attribute)
    checks.check_mlp_hook(lambda model, layer, ids: model(ids[0, :-1] + 10**6))  # an error deep inside torch
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and "your function raised AttributeError" in lines[0] and "your function raised" in lines[1]


def test_a_long_error_is_cut_to_one_short_line(capsys, lenient):
    def raises_a_long_error(p, alpha):
        raise ValueError("x" * 1000 + "\n" + "y" * 1000)

    checks.check_bonferroni(raises_a_long_error)
    (line,) = capsys.readouterr().out.splitlines()
    assert len(line) <= len("\u2718 check_bonferroni: ") + checks.MAX_HINT and line.endswith("\u2026")


def test_a_hint_is_cut_only_past_300_characters(capsys, lenient):
    said = "your function raised ValueError: "
    for size in (300, 301):
        def raises(p, alpha, size=size):
            raise ValueError("x" * (size - len(said)))

        checks.check_bonferroni(raises)
    whole, cut = (line.removeprefix("\u2718 check_bonferroni: ") for line in capsys.readouterr().out.splitlines())
    assert whole == said + "x" * (300 - len(said))  # exactly 300: shown whole
    assert cut == said + "x" * (299 - len(said)) + "\u2026"  # 301: 299 characters and an ellipsis, 300 in all


@pytest.mark.parametrize("value, strict_mode", [("1", True), ("true", True), ("TRUE", True), (" Yes ", True), ("on", True),
                                                 ("0", False), ("", False), ("no", False), ("off", False)])
def test_strict_mode_reads_the_usual_spellings_of_yes(monkeypatch, capsys, value, strict_mode):
    monkeypatch.setenv("LESSONKIT_STRICT_CHECKS", value)
    wrong = lambda p, alpha: np.asarray(p) < alpha  # noqa: E731
    if strict_mode:
        with pytest.raises(checks.CheckFailed, match="^check_bonferroni: .*Bonferroni divides alpha"):
            checks.check_bonferroni(wrong)
    else:
        assert checks.check_bonferroni(wrong) is None
    assert capsys.readouterr().out.startswith("\u2718 check_bonferroni: ")  # the line is shown either way


def test_without_ipython_the_line_is_plain_text(monkeypatch, capsys, lenient):
    monkeypatch.setitem(sys.modules, "IPython", None)  # `from IPython import ...` raises ImportError
    checks.check_bonferroni(bonferroni)
    assert capsys.readouterr().out == "\u2714 check_bonferroni: passed.\n"


def test_giving_the_result_instead_of_the_function_is_a_hint(capsys, strict):
    checks.check_bonferroni(np.array([True, False]))
    (line,) = capsys.readouterr().out.splitlines()
    assert line == "\u2718 check_bonferroni: give the check your function itself, not ndarray."


def test_in_a_notebook_the_line_is_html(monkeypatch, lenient):
    shown = []
    monkeypatch.setattr("IPython.get_ipython", lambda: object())
    monkeypatch.setattr("IPython.display.display", lambda data, raw, metadata: shown.append((data, metadata)) if raw is True else None)
    checks.check_bonferroni(bonferroni)
    checks.check_bonferroni(lambda p, alpha: np.asarray(p) < alpha)
    (data, metadata), (_, wrong) = shown
    assert data["text/plain"] == "\u2714 check_bonferroni: passed."
    assert data["text/html"].count("<div") == 1 and "check_bonferroni: passed." in data["text/html"]
    # the record `lessonkit grade` reads: invisible on the page, the same line in parts
    assert metadata == {"lessonkit_check": {"check": "check_bonferroni", "outcome": "passed", "message": "passed."}}
    assert wrong["lessonkit_check"]["outcome"] == "failed" and "Hint: Bonferroni divides alpha" in wrong["lessonkit_check"]["message"]


def test_no_hook_is_left_on_the_tiny_models_whatever_the_student_did(strict):
    models = _checks_models.tiny_models()
    with pytest.raises(checks.CheckFailed):
        checks.check_mlp_hook(never_removed)  # its hooks sit on the check's own fresh models, not on any of these
    assert all(lk.count_hooks(model) == 0 for model in models.values())


# --------------------------------------------------------------------------- the checks' own references


class TextTokenizer:
    """A tokenizer whose ids are positions in a list of texts (enough for the lecture's loop)."""

    def __init__(self, texts):
        self.texts = texts

    def decode(self, ids):
        return "".join(self.texts[i] for i in ids)

    def __len__(self):
        return len(self.texts)


@pytest.mark.parametrize("texts, expected, hints", _checks_lecture.LECTURE_RULE_CASES)
def test_every_tagging_case_agrees_with_the_lectures_own_loop(texts, expected, hints):
    assert lecture_rule_loop(np.arange(len(texts)), TextTokenizer(texts)).tolist() == expected
    assert set(hints) <= {i for i in range(len(texts))}


def test_the_synthetic_layer_tells_every_choice_mistake_apart():
    """The neuron each mistake chooses differs from the right one and from each other (else a hint could not be told)."""
    case = _checks_beyond.choice_case()
    train_x, train_y, held_x, held_y = case["data"]
    beta, p = _betas_and_p(train_x, train_y)  # statsmodels, neuron by neuron
    right = int(np.argmax(np.where((p < 0.05 / len(p)) & (beta > 0), beta, -np.inf)))
    assert right == case["right"] == _checks_beyond._RIGHT
    chosen = [right] + [neuron for neuron, _, _ in case["mistakes"]]
    assert len(set(chosen)) == len(chosen), chosen
    scores = [case["heldout_auroc"], case["training_auroc"], case["balanced_heldout_auroc"]]
    assert min(abs(a - b) for i, a in enumerate(scores) for b in scores[i + 1:]) > 1e-4


def test_the_ablation_cases_tell_every_mistake_apart():
    for model in _checks_models.tiny_models().values():
        want = _checks_models._ablation_variants(model, 1, 5, _checks_models.token_ids(16, 4))
        values = [want["right"], -want["right"], want["sum"], want["whole layer"], want["position"], 0.0]
        assert min(abs(a - b) for i, a in enumerate(values) for b in values[i + 1:]) > 1e-4, values


# --------------------------------------------------------------------------- the tools every check uses


def test_short_shows_the_first_values_of_any_shape_and_says_how_many():
    from lessonkit.checks._tools import short

    assert short(np.array([[0.123456, 2.0], [3.5, 1e-7]])) == "[0.1235, 2, 3.5, 1e-07]"  # floats to 4 digits
    assert short([True, 3, "x"]) == "[True, 3, x]"  # not floats: as Python prints them
    assert short(np.arange(6)) == "[0, 1, 2, 3, 4, 5]"  # six values: all of them, nothing more
    assert short(np.arange(7)) == "[0, 1, 2, 3, 4, 5, ...] (7 values)"
    assert short(np.arange(40).reshape(2, 20), k=2) == "[0, 1, ...] (40 values)"
    assert short([]) == "[]"


def test_number_and_same_read_answers_as_a_student_gives_them():
    from lessonkit.checks._tools import number, same

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy deprecates float() of an array with dimensions: no warning shown
        assert number(torch.tensor([0.25]), "x") == 0.25 and number(np.float32(2.5), "x") == number([[2.5]], "x") == 2.5
    with pytest.raises(AssertionError, match="returned 2 numbers for the AUROC"):
        number([1.0, 2.0], "the AUROC")
    with pytest.raises(AssertionError, match=r"returned nothing \(None\) for the AUROC"):
        number(None, "the AUROC")  # the hint names what was asked for
    assert same([1.0, np.nan], np.array([1.0 + 1e-7, np.nan]))  # NaN equals NaN; 1e-7 is within rtol 1e-6
    assert not same([1.0, 2.0], [1.0, 2.0001]) and not same([1.0], [[1.0]])  # values, then shape
    assert same([0.0], [1e-10]) and not same([0.0], [1e-8])  # atol 1e-9
    assert same([1.0], [1.0 + 5e-7]) and not same([1.0], [1.0 + 5e-6])  # rtol 1e-6, tighter than numpy's 1e-5


def test_an_answer_that_is_not_numbers_gets_a_hint_that_names_what_was_asked(strict):
    """Words where True/False was asked (the printout of a mask), or None, are named as such, with the case."""
    with pytest.raises(checks.CheckFailed, match=r"returned a list for five p-values.*return numbers"):
        checks.check_bonferroni(lambda p, alpha: [str(bool(v)) for v in bonferroni(p, alpha)])
    with pytest.raises(checks.CheckFailed, match=r"returned nothing \(None\) for five p-values"):
        checks.check_bonferroni(lambda p, alpha: None)


def test_right_answers_shaped_as_a_batch_or_a_column_pass(capsys, strict):
    """Tags as a [1, tokens] tensor (the model's batch shape) and a sample as a column are still right."""
    checks.check_lecture_rule(lambda texts: torch.tensor([lecture_rule(texts)]))
    checks.check_comparison_sample(lambda labels, seed: comparison_sample(labels, seed)[:, None])
    checks.check_bonferroni(lambda p, alpha: bonferroni(p, alpha)[None, :].reshape(-1).tolist())
    checks.check_next_token_loss(lambda logits, ids: next_token_loss(logits, ids)[None, :])
    assert [line.split(":")[1] for line in capsys.readouterr().out.splitlines()] == [" passed."] * 4


def test_wrong_tags_are_shown_as_the_student_gave_them(strict):
    def probabilities(texts):  # a 0.5 where the rule is unsure, 0.0 and 1.0 elsewhere
        return np.array([0.5] + [1.0 - tag for tag in lecture_rule(texts)[1:]])

    message, _ = run_to_its_hint(checks.check_lecture_rule, probabilities)
    assert "your tags are [0.5, 1, 1, 0]." in message  # whole 0/1 as integers, anything else as it is


def test_a_check_runs_the_same_cases_each_time(strict):
    """A student who runs a check twice sees the same verdict on the same cases (their data are fixed)."""
    samples, fits = [], []
    for _ in range(2):
        seen = []
        checks.check_comparison_sample(lambda labels, seed: seen.append((labels.tolist(), seed)) or comparison_sample(labels, seed))
        samples.append(seen)
        seen = []
        checks.check_one_neuron_logit(lambda x, y: seen.append((x.tolist(), y.tolist())) or one_neuron_logit(x, y))
        fits.append(seen)
    assert samples[0] == samples[1] and len(samples[0]) == 6 and [seed for _, seed in samples[0]] == [42, 42, 1] * 2
    assert fits[0] == fits[1] and len(fits[0]) == 2
