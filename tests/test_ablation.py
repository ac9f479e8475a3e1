"""ablate_mlp against an independent edit of the weights; next-token losses against a literal loop; no leaks."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

import lessonkit
from lessonkit.hooks import count_hooks, record_mlp

from tiny_models import ids, tiny_gpt2, tiny_llama, tiny_neox

ARCHITECTURES = {"gpt2": tiny_gpt2, "neox": tiny_neox, "llama": tiny_llama}
PROJECTION = {"gpt2": "transformer.h.{}.mlp.c_proj", "neox": "gpt_neox.layers.{}.mlp.dense_4h_to_h",
              "llama": "model.layers.{}.mlp.down_proj"}


def zero_columns(model, arch, layer, neurons):
    """The same intervention by editing weights: the output projection no longer reads those neurons."""
    edited = copy.deepcopy(model)
    projection = edited.get_submodule(PROJECTION[arch].format(layer))
    with torch.no_grad():
        if isinstance(projection, nn.Linear):  # weight [out, in]: the neuron is a column
            projection.weight[:, neurons] = 0
        else:  # GPT-2's Conv1D, weight [in, out]: the neuron is a row
            projection.weight[neurons, :] = 0
    return edited


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_zero_ablation_equals_zeroing_the_projections_weights(arch):
    model, tokens = ARCHITECTURES[arch](), ids(12)
    neurons = {1: [0, 5, 7], 2: [3]}
    with torch.no_grad():
        clean = model(tokens).logits
        with lessonkit.ablate_mlp(model, neurons, value=0.0):
            ablated = model(tokens).logits
        edited = zero_columns(zero_columns(model, arch, 1, [0, 5, 7]), arch, 2, [3])(tokens).logits
    torch.testing.assert_close(ablated, edited, rtol=1e-5, atol=1e-5)
    assert not torch.allclose(ablated, clean)
    with torch.no_grad(), lessonkit.ablate_mlp(model, {2: 3}):  # one neuron as an int; zero unless told
        one = model(tokens).logits
    torch.testing.assert_close(one, zero_columns(model, arch, 2, [3])(tokens).logits, rtol=1e-5, atol=1e-5)
    assert count_hooks(model) == 0


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_mean_ablation_equals_zeroed_weights_plus_the_mean_contribution(arch):
    model, tokens = ARCHITECTURES[arch](), ids(12)
    neurons = [4, 9]  # each to its own mean
    with torch.no_grad(), record_mlp(model, layers=1, site="post") as post:
        model(tokens)
    edited = zero_columns(model, arch, 1, neurons)
    projection = model.get_submodule(PROJECTION[arch].format(1))
    contribution = 0
    for neuron in neurons:
        mean = post[1][:, neuron].mean()  # the neuron's mean over the tokens of this pass
        column = projection.weight[:, neuron] if isinstance(projection, nn.Linear) else projection.weight[neuron, :]
        contribution = contribution + mean * column
    handle = edited.get_submodule(PROJECTION[arch].format(1)).register_forward_hook(
        lambda module, args, output: output + contribution)  # a hand-written hook adds what the means contribute
    try:
        with torch.no_grad():
            expected = edited(tokens).logits
            with lessonkit.ablate_mlp(model, {1: neurons}, value="mean"):
                ablated = model(tokens).logits
    finally:
        handle.remove()
    torch.testing.assert_close(ablated, expected, rtol=1e-5, atol=1e-5)


def test_given_values_and_what_record_mlp_sees_inside():
    model, tokens = tiny_gpt2(), ids(10)
    with torch.no_grad(), lessonkit.ablate_mlp(model, {-1: [2, 9]}, value={-1: [1.5, -2.0]}):
        with record_mlp(model, layers=2, site="post") as post:
            model(tokens)
    np.testing.assert_allclose(post[2][:, 2], 1.5)
    np.testing.assert_allclose(post[2][:, 9], -2.0)
    assert count_hooks(model) == 0


def test_no_hook_is_left_after_an_error_or_the_stop_button():
    model = tiny_llama()
    for error in (ZeroDivisionError, KeyboardInterrupt):
        with pytest.raises(error):
            with lessonkit.ablate_mlp(model, {0: [1]}):
                assert count_hooks(model) == 1
                raise error
        assert count_hooks(model) == 0
    for _run in range(3):  # a cell run three times
        with lessonkit.ablate_mlp(model, {0: [1]}), torch.no_grad():
            model(ids(5))
    assert count_hooks(model) == 0


@pytest.mark.parametrize("neurons, value, error, message", [
    ({5: [0]}, 0.0, ValueError, "out of range"),
    ({0: [999]}, 0.0, ValueError, r"0\.\.127"),
    ({0: [127, 128]}, 0.0, ValueError, r"0\.\.127"),  # one past the last neuron
    ({0: []}, 0.0, ValueError, "indices"),
    ([0, 1], 0.0, TypeError, "dict"),
    ({0: [1]}, "median", ValueError, "'mean'"),
    ({0: [1, 2]}, {0: [1.0, 2.0, 3.0]}, ValueError, "one per neuron"),
])
def test_bad_requests_are_explained_and_add_nothing(neurons, value, error, message):
    model = tiny_gpt2()
    with pytest.raises(error, match=message):
        lessonkit.ablate_mlp(model, neurons, value=value)
    assert count_hooks(model) == 0


@pytest.mark.parametrize("chunk, ends", [(None, [15, 31, 39]), (10, [9, 19, 29, 39])])
def test_next_token_losses_equal_a_literal_loop(chunk, ends):
    """Passes of the model's context (16 tokens) unless told, each its own text."""
    model, stream = tiny_gpt2(), ids(40)[0]
    got = lessonkit.beyond.ablation.next_token_losses(model, stream, chunk=chunk)
    step, expected = chunk or 16, np.full(40, np.nan)
    with torch.no_grad():
        for start in range(0, 40, step):  # each pass on its own, as the lecture's batches
            piece = stream[start : start + step]
            log_probs = torch.log_softmax(model(piece[None]).logits[0], -1)
            for i in range(len(piece) - 1):
                expected[start + i] = -log_probs[i, piece[i + 1]].item()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert np.flatnonzero(np.isnan(got)).tolist() == ends


@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize("value", [0.0, "mean", 0.7])
def test_batched_ablation_effects_equal_ablate_mlp_one_at_a_time(arch, value):
    model, stream = ARCHITECTURES[arch](), ids(14)[0]
    layer = 1
    ablations = [3, 0, [5, 9, 11], 47, 3, [2, 40]]  # single neurons and groups switched off together
    got = lessonkit.ablation_effects(model, stream, layer, ablations, value=value, rows_per_pass=4)
    clean = lessonkit.next_token_losses(model, stream)
    assert got.shape == (len(ablations), len(stream))
    for row, neurons in enumerate(ablations):
        group = [neurons] if isinstance(neurons, int) else neurons
        with lessonkit.ablate_mlp(model, {layer: group}, value=value):
            expected = lessonkit.next_token_losses(model, stream) - clean
        np.testing.assert_allclose(got[row], expected, rtol=1e-4, atol=2e-6, equal_nan=True)
    assert np.abs(got[:, :-1]).max() > 1e-3  # the ablations do change the losses
    assert count_hooks(model) == 0


def test_batched_ablation_effects_at_chosen_positions_only():
    model, stream = tiny_gpt2(), ids(15)[0]
    everywhere = lessonkit.ablation_effects(model, stream, 2, [4, [1, 2]])
    mask = np.zeros(15, dtype=bool)
    mask[[0, 3, 4, 13, 14]] = True  # the last token has no next token: never measured
    some = lessonkit.ablation_effects(model, stream, 2, [4, [1, 2]], positions=mask)
    np.testing.assert_allclose(some[:, [0, 3, 4, 13]], everywhere[:, [0, 3, 4, 13]], rtol=1e-5, atol=1e-7)
    assert np.isnan(np.delete(some, [0, 3, 4, 13], axis=1)).all()
    np.testing.assert_array_equal(lessonkit.ablation_effects(model, stream, 2, [4], positions=[13, 3, 0, 4]),
                                  some[:1])  # indices, in any order, are the same request
    assert count_hooks(model) == 0


def test_batched_ablation_bad_requests_are_explained_and_leave_no_hook():
    model, stream = tiny_llama(), ids(30)[0]
    for neurons, options, message in [
        ([0], {"value": "median"}, "'mean'"),
        ([48], {}, r"0\.\.47"),
        ([[]], {}, "each ablation"),
        ([], {}, "non-empty"),
        ([0], {"positions": [29]}, "no position"),
        ([0], {"positions": np.ones(5, dtype=bool)}, "one entry per token"),
        ([0], {"rows_per_pass": 0}, "rows_per_pass"),
    ]:
        with pytest.raises(ValueError, match=message):
            lessonkit.ablation_effects(model, stream, 1, neurons, **options)
    whole = ids(64)[0]  # exactly the model's context: one pass
    np.testing.assert_array_equal(lessonkit.ablation_effects(model, whole, 1, [5]),
                                  lessonkit.ablation_effects(model, whole, 1, [5], value=0.0))  # zero unless told
    with pytest.raises(ValueError, match="one pass"):
        lessonkit.ablation_effects(model, ids(65)[0], 1, [0])
    assert count_hooks(model) == 0


def test_batched_ablation_leaves_no_hook_after_an_interruption():
    model, stream = tiny_llama(), ids(20)[0]
    final_norm = model.model.norm
    handle = final_norm.register_forward_hook(lambda *args: (_ for _ in ()).throw(KeyboardInterrupt))
    try:
        with pytest.raises(KeyboardInterrupt):
            lessonkit.ablation_effects(model, stream, 1, [0, 1])
    finally:
        handle.remove()
    assert count_hooks(model) == 0


@pytest.mark.slow
def test_smollm2_zero_ablation_equals_editing_down_proj(smollm2):
    model, tokenizer = smollm2
    tokens = tokenizer("The river Thames flows through London.", return_tensors="pt")["input_ids"]
    with torch.no_grad():
        with lessonkit.ablate_mlp(model, {18: [123, 830]}):
            ablated = model(tokens).logits
        weight = model.model.layers[18].mlp.down_proj.weight
        saved = weight[:, [123, 830]].clone()
        try:
            weight[:, [123, 830]] = 0
            edited = model(tokens).logits
        finally:
            weight[:, [123, 830]] = saved
    torch.testing.assert_close(ablated, edited, rtol=1e-4, atol=1e-4)
    assert count_hooks(model) == 0


@pytest.mark.slow
def test_smollm2_batched_ablations_equal_ablate_mlp_one_at_a_time(smollm2):
    model, tokenizer = smollm2
    stream = tokenizer("The river Thames flows through London, past Windsor Castle and the Tower of London.",
                       return_tensors="pt")["input_ids"][0]
    ablations = [123, [932, 1098, 44], 830]
    got = lessonkit.ablation_effects(model, stream, 18, ablations, rows_per_pass=2)
    clean = lessonkit.next_token_losses(model, stream)
    for row, neurons in enumerate(ablations):
        with lessonkit.ablate_mlp(model, {18: [neurons] if isinstance(neurons, int) else neurons}):
            expected = lessonkit.next_token_losses(model, stream) - clean
        np.testing.assert_allclose(got[row], expected, rtol=1e-3, atol=5e-5, equal_nan=True)
    assert np.nanmax(np.abs(got)) > 1e-3
    assert count_hooks(model) == 0


def test_batched_ablation_each_check_alone_and_the_smallest_legal_request():
    model, stream = tiny_gpt2(), ids(12)[0]
    for neurons, options, message in [
        ([True], {}, r"of layer 1 in 0\.\."),  # a bool is not a neuron index
        ([[2, 3.0]], {}, r"of layer 1 in 0\.\."),  # nor a float
        ([0], {"positions": [-1]}, r"0\.\.11"),    # only the first position wrong
        ([0], {"positions": [12]}, r"0\.\.11"),    # one past the last token
        ([0], {"rows_per_pass": True}, "rows_per_pass"),
        ([0], {"rows_per_pass": 2.0}, "rows_per_pass"),
    ]:
        with pytest.raises(ValueError, match=message):
            lessonkit.ablation_effects(model, stream, 1, neurons, **options)
    one_at_a_time = lessonkit.ablation_effects(model, stream, 1, [4, 7, [1, 2], 9, 30], rows_per_pass=1)
    two_at_a_time = lessonkit.ablation_effects(model, stream, 1, [4, 7, [1, 2], 9, 30], rows_per_pass=2)
    np.testing.assert_allclose(two_at_a_time, one_at_a_time, rtol=1e-5, atol=1e-7, equal_nan=True)
    assert not np.isnan(two_at_a_time[:, :-1]).any()  # every ablation measured, also past the first pass


def test_batched_ablation_progress_bar_counts_ablations_only_when_asked(capsys):
    model, stream = tiny_gpt2(), ids(12)[0]
    lessonkit.ablation_effects(model, stream, 1, [4, 7, [1, 2], 9, 30], rows_per_pass=2)
    assert capsys.readouterr().err == ""  # no bar unless progress=True
    lessonkit.ablation_effects(model, stream, 1, [4, 7, [1, 2], 9, 30], rows_per_pass=2, progress=True)
    bar = capsys.readouterr().err.split("\r")[-1]
    assert bar.startswith("ablations in layer 1: 100%") and "5/5" in bar and "ablation/s" in bar
