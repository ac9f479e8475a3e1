"""What a neuron writes, sparse probes and the neuron page, against independent computations."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

import lessonkit
from lessonkit.hooks import record_mlp
from lessonkit.beyond.readout import logit_effects, output_direction

from tiny_models import ids, off_cpu_device, tiny_gpt2, tiny_llama, tiny_neox

MLPS = {"gpt2": (tiny_gpt2, "transformer.h.{}.mlp"), "neox": (tiny_neox, "gpt_neox.layers.{}.mlp"),
        "llama": (tiny_llama, "model.layers.{}.mlp")}


@pytest.mark.parametrize("arch", MLPS)
def test_the_output_direction_is_what_switching_the_neuron_off_removes(arch):
    build, path = MLPS[arch]
    model, tokens, neuron = build(), ids(9), 5
    mlp = model.get_submodule(path.format(1))
    outputs = []
    handle = mlp.register_forward_hook(lambda module, args, output: outputs.append(output.detach()))
    try:
        with torch.no_grad():
            with record_mlp(model, layers=1, site="post") as post:
                model(tokens)
            with lessonkit.ablate_mlp(model, {1: [neuron]}):
                model(tokens)
    finally:
        handle.remove()
    removed = outputs[0] - outputs[1]  # what the neuron added to the residual stream, token by token
    expected = post[1][:, neuron, None] * output_direction(model, 1, neuron)
    torch.testing.assert_close(removed[0], expected, rtol=1e-4, atol=1e-5)


def test_logit_effects_go_through_the_final_norms_scale_and_the_unembedding():
    model = tiny_llama()
    direction = output_direction(model, 2, 7)
    with torch.no_grad():
        expected = model.lm_head(direction * model.model.norm.weight)  # the model's own modules
    torch.testing.assert_close(logit_effects(model, 2, 7), expected)


def test_promoted_tokens_are_the_largest_and_smallest_effects(gpt2_tokenizer):
    model = tiny_gpt2()
    effects = logit_effects(model, 0, 3).numpy()
    table = lessonkit.promoted_tokens(model, gpt2_tokenizer, 0, 3, k=4)
    order = np.argsort(effects)
    assert table["promoted"].tolist() == [repr(gpt2_tokenizer.decode([i])) for i in order[::-1][:4]]
    assert table["suppressed"].tolist() == [repr(gpt2_tokenizer.decode([i])) for i in order[:4]]
    with pytest.raises(ValueError, match="0..127"):
        lessonkit.promoted_tokens(model, gpt2_tokenizer, 0, 128)


def test_promoted_tokens_of_a_model_off_the_cpu_equal_those_on_the_cpu(gpt2_tokenizer):
    model = tiny_gpt2()  # on Colab's GPU the weights, and so the effects, are on the GPU
    on_cpu = lessonkit.promoted_tokens(model, gpt2_tokenizer, 1, 5, k=3)
    off_cpu = lessonkit.promoted_tokens(model.to(off_cpu_device()), gpt2_tokenizer, 1, 5, k=3)
    assert off_cpu.equals(on_cpu)


def planted_layer(seed=0, n=1200, neurons=40):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.15).astype(int)
    x = rng.normal(size=(n, neurons))
    x[:, :10] += 0.5 * y[:, None]  # the signal spread over ten neurons
    x[:, 20] += 0.9 * y
    return x[:600], y[:600], x[600:], y[600:]


def test_a_one_neuron_probe_scores_like_its_neuron():
    train_x, train_y, test_x, test_y = planted_layer()
    table = lessonkit.sparse_probes(train_x, train_y, test_x, test_y, ks=(1, 4, 16))
    distance = [abs(roc_auc_score(train_y, train_x[:, j]) - 0.5) for j in range(train_x.shape[1])]
    best = int(np.argmax(distance))
    assert table["neurons"][0] == [best] == [20]
    assert table["neurons"][1] == list(np.argsort(distance)[::-1][:4])
    single = roc_auc_score(test_y, test_x[:, best])  # a 1-neuron logistic probe is monotone in the neuron
    assert table["heldout_auroc"][0] == pytest.approx(max(single, 1 - single))
    assert table["k"].tolist() == [1, 4, 16, 40]
    assert table["heldout_auroc"].iloc[-1] > table["heldout_auroc"][0]  # the spread signal: many beat one


def sklearn_probe(train_x, train_y, test_x, test_y, C):
    """The reference: sklearn's pipeline, lbfgs (unpenalised intercept), run to a tight tolerance."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    probe = make_pipeline(StandardScaler(), LogisticRegression(C=C, class_weight="balanced", solver="lbfgs",
                                                               tol=1e-12, max_iter=100_000))
    probe.fit(train_x, train_y)
    return probe, roc_auc_score(test_y, probe.decision_function(test_x)), f1_score(test_y, probe.predict(test_x))


@pytest.mark.parametrize("shape", [(300, 5), (120, 200)])  # more tokens than neurons, and fewer
def test_fit_probe_is_sklearns_lbfgs_with_an_unpenalised_intercept(shape):
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(3)
    x = rng.normal(size=shape)
    y = (x[:, 0] - 0.8 * x[:, 1] + rng.normal(size=shape[0]) > 1.2).astype(int)  # a rare class
    for C in (0.05, 1.0):
        weights, intercept = lessonkit.beyond.probes.fit_probe(x, y, C=C)
        reference = LogisticRegression(C=C, class_weight="balanced", tol=1e-12, max_iter=100_000).fit(x, y)
        np.testing.assert_allclose(weights, reference.coef_[0], rtol=1e-5, atol=1e-6)
        assert intercept == pytest.approx(reference.intercept_[0], rel=1e-5, abs=1e-6)
    threads = torch.get_num_threads()
    with pytest.raises(ValueError, match="both classes"):
        lessonkit.beyond.probes.fit_probe(x, np.zeros(len(x)), C=1.0)
    assert torch.get_num_threads() == threads  # the one-thread fit gives the threads back, also after an error
    liblinear = LogisticRegression(C=0.05, class_weight="balanced", solver="liblinear").fit(x, y)
    assert abs(liblinear.intercept_[0] - intercept) > 1e-3  # the solver the probes used to take is another problem


@pytest.mark.parametrize("sign", [1, -1])
def test_sparse_probes_choose_by_absolute_difference_and_score_as_sklearn(sign):
    rng = np.random.default_rng(11)
    n, neurons = 1000, 30
    y = (rng.random(n) < 0.12).astype(int)
    x = rng.normal(size=(n, neurons))
    x[:, 7] += sign * 1.5 * y  # the strongest neuron: fires more (sign 1) or less (sign -1) on positives
    x[:, 3] -= 0.9 * y          # a neuron that fires less
    x[:, 21] += 0.6 * y         # and one that fires more
    train_x, train_y, test_x, test_y = x[:500], y[:500], x[500:], y[500:]
    table = lessonkit.sparse_probes(train_x, train_y, test_x, test_y, ks=(1, 2, 3))
    assert table["neurons"].tolist()[:3] == [[7], [7, 3], [7, 3, 21]]
    for row in table.itertuples():
        chosen = slice(None) if row.neurons == "all" else row.neurons
        C = 0.05 if row.neurons == "all" else 1.0
        _, auroc, f1 = sklearn_probe(train_x[:, chosen], train_y, test_x[:, chosen], test_y, C)
        assert row.heldout_auroc == pytest.approx(auroc, abs=1e-12)
        assert row.heldout_f1 == pytest.approx(f1, abs=1e-12)
    one = roc_auc_score(test_y, sign * test_x[:, 7])
    assert table["heldout_auroc"][0] == pytest.approx(one) and one > 0.8  # oriented the neuron's own way


def test_the_sparse_probes_choice_never_looks_at_the_test_text():
    train_x, train_y, test_x, test_y = planted_layer()
    table = lessonkit.sparse_probes(train_x, train_y, test_x, test_y, ks=(1, 4), full_layer=False)
    rng = np.random.default_rng(0)
    shuffled = lessonkit.sparse_probes(train_x, train_y, test_x[:, rng.permutation(40)], rng.permutation(test_y),
                                       ks=(1, 4), full_layer=False)
    assert table["neurons"].tolist() == shuffled["neurons"].tolist()


def test_probe_inputs_are_checked():
    train_x, train_y, test_x, test_y = planted_layer()
    with pytest.raises(ValueError, match="each k"):
        lessonkit.sparse_probes(train_x, train_y, test_x, test_y, ks=(0,))
    with pytest.raises(ValueError, match="one layer"):
        lessonkit.sparse_probes(train_x, train_y, test_x[:, :5], test_y)


def test_fit_probe_takes_newtons_few_steps():
    """Newton's method with the true Hessian reaches the minimum in a handful of steps (a wrong Hessian or a
    wrong solve still descends, but slowly): after 8 steps from zero, the gradient of sklearn's objective,
    written out here, is zero to 1e-9."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(400, 6)) * [1, 2, 0.5, 3, 1, 1]
    y = (x @ [1.0, -0.5, 2.0, 0.3, 0.0, 0.7] + rng.logistic(size=400) > 1.5).astype(int)  # a rarer class
    C = 10.0
    weights, intercept = lessonkit.beyond.probes.fit_probe(x, y, C=C, maxiter=8)
    share = np.where(y == 1, len(y) / (2 * y.sum()), len(y) / (2 * (len(y) - y.sum())))  # class_weight="balanced"
    residual = share * (1 / (1 + np.exp(-(x @ weights + intercept))) - y)
    gradient = np.append(C * x.T @ residual + weights, C * residual.sum())  # no penalty on the intercept
    assert np.abs(gradient).max() < 1e-9


def test_fit_probe_computes_in_float64_whatever_it_is_given():
    """float16/float32 activations and bool labels (what notebooks hold) give the float64 answer."""
    rng = np.random.default_rng(8)
    x = rng.normal(size=(200, 4)).astype(np.float32)
    y = x[:, 0] + rng.normal(size=200) > 1.0
    as_float64 = lessonkit.beyond.probes.fit_probe(x.astype(np.float64), y.astype(np.float64), C=1.0)
    for given_x, given_y in [(x, y), (torch.from_numpy(x).half().float(), torch.from_numpy(y))]:
        weights, intercept = lessonkit.beyond.probes.fit_probe(given_x, given_y, C=1.0)
        expected = lessonkit.beyond.probes.fit_probe(np.asarray(given_x, dtype=np.float64), y.astype(float), C=1.0)
        np.testing.assert_allclose(weights, expected[0], rtol=1e-12, atol=1e-12)
        assert weights.dtype == np.float64
    np.testing.assert_allclose(lessonkit.beyond.probes.fit_probe(x, y, C=1.0)[0], as_float64[0], rtol=1e-12)


def test_fit_probe_labels_one_positive_is_enough_all_positive_is_refused():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(30, 2))
    one = np.zeros(30)
    one[4] = 1
    weights, _ = lessonkit.beyond.probes.fit_probe(x, one, C=1.0)
    assert np.all(np.isfinite(weights))
    with pytest.raises(ValueError, match="both classes"):
        lessonkit.beyond.probes.fit_probe(x, np.ones(30), C=1.0)
    with pytest.raises(ValueError, match="one 0/1 label per row"):
        lessonkit.beyond.probes.fit_probe(x, one[:-1], C=1.0)


def test_a_constant_neuron_in_the_layer_is_scaled_as_sklearns_standard_scaler_does():
    train_x, train_y, test_x, test_y = planted_layer()
    train_x, test_x = train_x.copy(), test_x.copy()
    train_x[:, 5] = 2.5  # a neuron that never changes on the training text (it may on held-out text)
    table = lessonkit.sparse_probes(train_x, train_y, test_x, test_y, ks=(1,))
    _, auroc, f1 = sklearn_probe(train_x, train_y, test_x, test_y, 0.05)
    assert table["heldout_auroc"].iloc[-1] == pytest.approx(auroc, abs=1e-12)
    assert table["heldout_f1"].iloc[-1] == pytest.approx(f1, abs=1e-12)


def test_sparse_probes_break_ties_by_the_neurons_index():
    rng = np.random.default_rng(4)
    y = (rng.random(500) < 0.2).astype(int)
    same = rng.normal(size=500) + 0.3 * y
    x = np.repeat(same[:, None], 40, axis=1)  # forty neurons with one AUROC
    x[:, [3, 17, 30]] += y[:, None] * [1.0, 0.8, 0.6]  # and three stronger ones
    table = lessonkit.sparse_probes(x[:250], y[:250], x[250:], y[250:], ks=(6,), full_layer=False)
    assert table["neurons"].iloc[0] == [3, 17, 30, 0, 1, 2]


def test_every_probe_input_is_checked_on_its_own():
    train_x, train_y, test_x, test_y = planted_layer()
    neurons = train_x.shape[1]
    with pytest.raises(ValueError, match="one layer"):
        lessonkit.sparse_probes(train_x[:, 0], train_y, test_x, test_y)  # only the training text is 1-D
    with pytest.raises(ValueError, match="one layer"):
        lessonkit.sparse_probes(train_x, train_y, test_x[:, 0], test_y)  # only the held-out text is 1-D
    with pytest.raises(ValueError, match="one label per token"):
        lessonkit.sparse_probes(train_x, train_y[:-1], test_x, test_y)   # only the training labels are short
    with pytest.raises(ValueError, match="one label per token"):
        lessonkit.sparse_probes(train_x, train_y, test_x, test_y[:-1])   # only the held-out labels are short
    for k in (True, 2.0, neurons + 1):
        with pytest.raises(ValueError, match="each k"):
            lessonkit.sparse_probes(train_x, train_y, test_x, test_y, ks=(k,), full_layer=False)
    every = lessonkit.sparse_probes(train_x, train_y, test_x, test_y, ks=(neurons,), full_layer=False)
    assert sorted(every["neurons"].iloc[0]) == list(range(neurons))  # k may be every neuron of the layer


def test_token_classes_and_the_page():
    texts = [" The", " river", " Thames", " flows", ".", " It", " is", " long", " Thames", " river"] * 3
    labels = np.array([0, 0, 1, 0, 0, 0, 0, 0, 1, 0] * 3)
    classes = lessonkit.token_classes(texts, labels)
    expected = ["proper noun" if lab else "other capitalised" if t.strip()[:1].isupper() else "other"
                for t, lab in zip(texts, labels)]
    assert classes.tolist() == expected
    values = np.arange(30.0) % 10
    page = lessonkit.neuron_page(values, texts, labels, title="layer 1, neuron 2", k=3).html
    assert page.count('src="data:image/png;base64,') == 1
    assert "layer 1, neuron 2: the 3 strongest activations" in page
    means = {t: values[[i for i, s in enumerate(texts) if s == t]].mean() for t in set(texts)}
    best = max(means, key=means.get)
    first_row = re.search(r"<tbody>\s*<tr>\s*<td>(.*?)</td>", page, re.S).group(1)
    assert first_row == repr(best)
