"""The checks' own cases and references, beyond test_checks.py's table of mistakes.

A check runs the student's function on fixed cases and names the mistake whose reference the answer
equals. The tests here pin what a mistake's hint alone can not: a mistake's hint by words that the
catch-all hint does not also contain, each mistake's reference on every case of the check (written
out here: a literal pair count, the mistakes of test_checks.py), and the cases themselves (the same on
every run, real p-values).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from statsmodels.stats.multitest import multipletests

from lessonkit import checks
from lessonkit.checks import _beyond as _checks_beyond, _models as _checks_models
from test_checks import (CATCH_ALL, RIGHT, auroc_one, benjamini_hochberg, choose_variant, keep_mlp_neurons, loss_change_without,
                         never_removed, position_off, run_to_its_hint, strict)  # noqa: F401 (strict: a fixture)

# --------------------------------------------------------------------------- hints the catch-all's words would also match


def auroc_by_ranks(x, y):
    """Mann-Whitney from ranks that break ties by position (argsort of argsort): ties count 0 or 1, by order."""
    ranks = np.argsort(np.argsort(x, kind="stable"), kind="stable") + 1
    n1, n0 = int((y == 1).sum()), int((y == 0).sum())
    return float((ranks[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def bh_assuming_one_passes(p, alpha):
    """Benjamini-Hochberg that takes the last passing rank without asking whether any rank passes."""
    order = np.argsort(p)
    k = np.flatnonzero(np.asarray(p)[order] <= np.arange(1, len(p) + 1) / len(p) * alpha)[-1] + 1
    significant = np.zeros(len(p), dtype=bool)
    significant[order[:k]] = True
    return significant


MORE_MISTAKES = [
    # ties broken by position: on the one-tie case the proper noun comes first, so its tie counts zero
    (checks.check_auroc, auroc_by_ranks, "counts half, not zero"),
    # ... and with the tokens in reverse order the other token comes first: the tie counts one
    (checks.check_auroc, lambda x, y: auroc_by_ranks(x[::-1], y[::-1]), "counts half, not one"),
    # "an AUROC is at least .5": flipped on the case where the proper nouns are lowest
    (checks.check_auroc, lambda x, y: max(auroc_one(x, y), 1 - auroc_one(x, y)), "flipped"),
    # flipped only where x has ties (the first cases have none): the tie term of the flipped reference
    (checks.check_auroc, lambda x, y: 1 - auroc_one(x, y) if len(np.unique(x)) < len(x) else auroc_one(x, y), "flipped"),
    # the catch-all hint says "-log_softmax(logits[i])" too: the raw logits' hint by its own words
    (checks.check_next_token_loss, lambda lg, ids: -lg[:-1].gather(1, ids[1:, None])[:, 0], "minus the raw logits"),
    # statsmodels' second result: the adjusted p-values, read as True/False they would all be "significant"
    (checks.check_benjamini_hochberg, lambda p, alpha: multipletests(p, alpha=alpha, method="fdr_bh")[1], "adjusted p-values"),
    # right wherever a rank passes; on a case where none does, [-1] of an empty array
    (checks.check_benjamini_hochberg, bh_assuming_one_passes, "your function raised IndexError"),
    # a training recipe's loss: within a nat of the right losses, not them
    (checks.check_next_token_loss, lambda lg, ids: torch.nn.functional.cross_entropy(lg[:-1], ids[1:], reduction="none", label_smoothing=0.1),
     "not the cross-entropy of each next token"),
    # a hook left on: the hint names the model it was left on (GPT-2 comes first)
    (checks.check_ablation, lambda *a: loss_change_without(*a, remove="never"), "were still on the tiny GPT-2 model"),
    (checks.check_mlp_hook, never_removed, "were still on the tiny GPT-2 model"),
    # the input with its batch dimension is still the input; the next layer's input is not this module's
    (checks.check_mlp_hook, lambda *a: keep_mlp_neurons(*a, keep=lambda m, i, o: i[0].detach()), "kept the module's input"),
    (checks.check_mlp_hook, lambda m, layer, ids: keep_mlp_neurons(m, layer + 1, ids, keep=lambda m, i, o: i[0].detach()[0]),
     "layer 1 of the tiny GPT-2 model gives 10 tokens x 128 neurons"),
    # test_checks.py's catch-all answers reach the catch-all hint, not the hint of a mistake they come near
    (checks.check_auroc, CATCH_ALL[checks.check_auroc], "divide by the number of such pairs"),
    (checks.check_heldout_choice, CATCH_ALL[checks.check_heldout_choice], "lk.auroc(heldout_x[:, [neuron]], heldout_y)[0]"),
    (checks.check_benjamini_hochberg, CATCH_ALL[checks.check_benjamini_hochberg], "call the k smallest significant"),
    (checks.check_capitalisation_control, CATCH_ALL[checks.check_capitalisation_control], "the AUROC of values against labels among those"),
    (checks.check_next_token_loss, CATCH_ALL[checks.check_next_token_loss], "-log_softmax(logits[i])[token_ids[i + 1]]"),
    (checks.check_mlp_hook, CATCH_ALL[checks.check_mlp_hook], "keep the output of the module given, from this forward pass"),
    (checks.check_ablation, CATCH_ALL[checks.check_ablation], "compare next_token_losses with and without it"),
]


@pytest.mark.parametrize("check, mistake, hint", MORE_MISTAKES, ids=[f"{c.__name__}-{i}" for i, (c, _, _) in enumerate(MORE_MISTAKES)])
def test_each_answer_gets_its_own_hint(check, mistake, hint, strict):
    message, _ = run_to_its_hint(check, mistake)
    assert hint in message, message


# --------------------------------------------------------------------------- the cases a check gives


def inputs_of(check) -> list[list]:
    """The arguments of every call the check makes to a right answer (copies: the answer may not change them)."""
    calls = []
    right = dict(RIGHT)[check]

    def recording(*args):
        calls.append([a.copy() if hasattr(a, "copy") else a for a in args])
        return right(*args)

    assert check(recording) is None
    return calls


def _fingerprint(value):
    """What a check handed the student's function, comparable across runs (a model by its weights)."""
    if isinstance(value, torch.nn.Module):
        return ("model", round(float(sum(p.detach().double().abs().sum() for p in value.parameters())), 6))
    if isinstance(value, (list, tuple)):
        return [_fingerprint(v) for v in value]
    return repr(value.tolist() if hasattr(value, "tolist") else value)


@pytest.mark.parametrize("check", [check for check, _ in RIGHT], ids=[check.__name__ for check, _ in RIGHT])
def test_a_check_gives_the_same_cases_on_every_run(check, strict):
    """Data, seeds and tiny models are fixed: a student (and `lessonkit grade`) reads the same verdict and
    hint, with the same numbers, each time the check runs."""
    first, second = (_fingerprint(inputs_of(check)) for _ in range(2))
    assert first == second and first


SEVERAL_CASES = [checks.check_auroc, checks.check_benjamini_hochberg, checks.check_next_token_loss]


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("wrong_on", ["second", "last"])
@pytest.mark.parametrize("check", SEVERAL_CASES, ids=[check.__name__ for check in SEVERAL_CASES])
def test_an_answer_wrong_on_one_later_case_fails(check, wrong_on, strict):
    """Every case is checked: right on the first one (or all but the last) is not enough."""
    n_cases, calls = len(inputs_of(check)), []
    assert n_cases >= 2
    wrong_call = 2 if wrong_on == "second" else n_cases

    def right_but_one(*args):
        calls.append(args)
        return (CATCH_ALL if len(calls) == wrong_call else dict(RIGHT))[check](*args)

    with pytest.raises(checks.CheckFailed):
        check(right_but_one)
    assert len(calls) == wrong_call


def test_the_benjamini_hochberg_cases_are_p_values(strict):
    for p, alpha in inputs_of(checks.check_benjamini_hochberg):
        assert p.ndim == 1 and ((0 <= p) & (p <= 1)).all(), p
        assert alpha == 0.05


def test_a_message_shows_the_case_it_failed_on(strict):
    """The values the student's function got, as the student would print them (a few, for long ones)."""
    def shown(values):
        return "[" + ", ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in values[:6].tolist()) + ("" if len(values) <= 6 else ", ...")

    message, _ = run_to_its_hint(checks.check_auroc, lambda x, y: 1 - auroc_one(x, y))
    x, y = inputs_of(checks.check_auroc)[0]  # the flipped answer fails the first case
    assert f"On x = {shown(x)}], y = {shown(y)}]" in message, message
    message, _ = run_to_its_hint(checks.check_benjamini_hochberg, CATCH_ALL[checks.check_benjamini_hochberg])
    p, _ = inputs_of(checks.check_benjamini_hochberg)[0]
    assert f"For p = {shown(p)}]" in message, message


def test_the_auroc_cases_are_labels_of_both_classes(strict):
    for x, y in inputs_of(checks.check_auroc):
        assert x.shape == y.shape and set(np.unique(y)) == {0, 1}, y


def test_the_auroc_pair_counts_are_the_pairs_counted_one_by_one(strict):
    for x, y in inputs_of(checks.check_auroc):
        pairs = [(a, b) for a, la in zip(x, y) if la == 1 for b, lb in zip(x, y) if lb == 0]
        above, tied, below = (sum(test(a, b) for a, b in pairs) / len(pairs) for test in
                              (lambda a, b: a > b, lambda a, b: a == b, lambda a, b: a < b))
        assert _checks_beyond._pair_counts(x, y) == pytest.approx((above, tied, below), abs=1e-12)


def _bh_mistakes_written_out(p, alpha):
    """Each Benjamini-Hochberg mistake as test_checks.py's MISTAKES make it, and the right answer."""
    p = np.asarray(p)
    m, order = len(p), np.argsort(p)
    step_down = np.zeros(m, dtype=bool)
    step_down[order[: int(np.cumprod(p[order] <= np.arange(1, m + 1) / m * alpha).sum())]] = True
    return {
        "right": benjamini_hochberg(p, alpha),
        "sorted order": np.sort(benjamini_hochberg(p, alpha))[::-1],
        "step down": step_down,
        "own threshold": p <= (np.argsort(np.argsort(p)) + 1) / m * alpha,
        "ranks from 0": benjamini_hochberg(p, alpha, first_rank=0),
        "strict": benjamini_hochberg(p, alpha, compare=np.less),
        "bonferroni": p < alpha / m,
    }


def test_each_benjamini_hochberg_reference_is_its_mistake_on_every_case(strict):
    """On every case, also those where a mistake gives the right answer (a mistaken reference there
    would name that mistake for some other wrong answer)."""
    for p, alpha in inputs_of(checks.check_benjamini_hochberg):
        references = _checks_beyond._bh_variants(p.copy(), alpha)
        written_out = _bh_mistakes_written_out(p, alpha)
        assert np.array_equal(written_out.pop("right"), multipletests(p, alpha=alpha, method="fdr_bh")[0])
        assert set(references) == set(written_out)
        for key, mistake in written_out.items():
            assert np.array_equal(references[key], mistake), (key, len(p))


def test_each_ablation_reference_is_its_mistake_on_both_models(strict):
    """On each tiny model the check runs (its first calls: GPT-2, then Llama), what each mistake measures,
    switched off by hand as test_checks.py's answers do."""
    calls = inputs_of(checks.check_ablation)[:2]
    assert [type(model).__name__ for model, *_ in calls] == ["GPT2LMHeadModel", "LlamaForCausalLM"]
    for model, layer, neuron, ids in calls:
        want = _checks_models._ablation_variants(model, layer, neuron, ids)
        by_hand = {"right": loss_change_without(model, layer, neuron, ids),
                   "sum": loss_change_without(model, layer, neuron, ids, summary=np.nansum),
                   "whole layer": loss_change_without(model, layer, neuron, ids, switch_off=lambda x: x.zero_()),
                   "position": position_off(model, layer, neuron, ids)}
        assert set(want) == set(by_hand)
        for key, value in by_hand.items():
            assert want[key] == pytest.approx(value, rel=1e-5, abs=1e-8), (type(model).__name__, key)


def test_a_recording_without_the_bias_is_told_by_how_far_it_is(strict):
    """The neurons computed by hand without the layer's bias: off by at most the largest bias, which the hint shows."""
    def without_bias(model, layer, ids):
        return keep_mlp_neurons(model, layer, ids, keep=lambda m, i, o: (o - m.bias)[0].detach())

    message, _ = run_to_its_hint(checks.check_mlp_hook, without_bias)
    gpt2 = _checks_models.tiny_models()["GPT-2"]
    bias = gpt2.transformer.h[1].mlp.c_fc.bias.detach().abs().numpy()  # the biases of layer 1's 128 neurons
    assert f"On the tiny GPT-2 model your values differ from layer 1's neurons (by up to {bias.max():.3g})" in message, message


def test_right_recordings_as_numpy_pass(capsys, strict):
    """The kept neurons as a numpy array (no requires_grad to read) are as right as the tensor."""
    checks.check_mlp_hook(lambda *args: keep_mlp_neurons(*args).numpy())
    assert capsys.readouterr().out.splitlines() == ["\u2714 check_mlp_hook: passed."]


def test_the_choice_hint_counts_the_neurons_of_the_layer(strict):
    message, _ = run_to_its_hint(checks.check_heldout_choice, choose_variant(pick=lambda *data: 0))
    train_x = inputs_of(checks.check_heldout_choice)[0][0]
    assert f"On a synthetic layer of {train_x.shape[1]} neurons" in message, message
