"""NeuronExplorer, headless: sliders set from code, the HTML checked against independent references."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch
from transformers import GPT2Config, GPT2LMHeadModel

import lessonkit
from lessonkit.hooks import count_hooks
from lessonkit.regression import scan_layers
from lessonkit.text import load_bundled_corpus, select_lecture_rows, tokenize_rows
from lessonkit.widgets import NeuronExplorer

N_TOKENS = 256


@pytest.fixture(scope="module")
def tokens(gpt2_tokenizer):
    return tokenize_rows(select_lecture_rows(load_bundled_corpus()), gpt2_tokenizer)[:, : 2 * N_TOKENS]


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return GPT2LMHeadModel(GPT2Config(n_layer=3, n_embd=64, n_head=2)).eval()


@pytest.fixture(scope="module")
def reference(model, tokens):
    """The lecture's way, by hand: a forward hook on every c_fc, one pass per text, hooks removed."""
    kept = {}
    handles = [block.mlp.c_fc.register_forward_hook(lambda m, i, o, layer=layer: kept.__setitem__(layer, o[0].clone()))
               for layer, block in enumerate(model.transformer.h)]
    texts = {}
    with torch.no_grad():
        for name, part in (("train", slice(0, N_TOKENS)), ("heldout", slice(N_TOKENS, 2 * N_TOKENS))):
            model(tokens[:, part])
            texts[name] = {layer: values.numpy() for layer, values in kept.items()}
    for handle in handles:
        handle.remove()
    return texts


@pytest.fixture(scope="module")
def captured(model, gpt2_tokenizer, tokens):
    """The lecture's set-up in one call: both sites, training and held-out text (4 forward passes)."""
    built = NeuronExplorer.from_model(model, gpt2_tokenizer, tokens, n_tokens=N_TOKENS, sites=("pre", "post"),
                                      progress=False)
    built.close()
    return built.batches


@pytest.fixture()
def explorer(captured):
    """A fresh explorer for each test, on the captured activations (no forward pass)."""
    train, held = captured["train"], captured["heldout"]
    built = NeuronExplorer(train.acts, train.tokens, train.labels, heldout=(held.acts, held.tokens, held.labels))
    yield built
    built.close()


def tooltip_values(html_text: str) -> np.ndarray:
    """The value in every token's hover tooltip, in text order."""
    return np.array([float(v) for v in re.findall(r'title="#\d+ .*? value = ([^"]+)"', html_text)])


def heatmap_part(html_text: str) -> str:
    return html_text.split('<div class="lessonkit-top-contexts">')[0]


def summary_numbers(summary: str) -> dict[str, float]:
    numbers = {name: float(re.search(pattern, summary).group(1)) for name, pattern in
               {"beta": r"beta = ([-+0-9.e]+)", "p": r"p = ([-+0-9.e]+)", "auroc": r"AUROC, proper nouns above: ([0-9.]+) \(training\)",
                "heldout": r"([0-9.]+) \(held-out\)"}.items()}
    numbers["significant"] = "not significant" not in summary
    return numbers


def observer_counts(explorer: NeuronExplorer) -> list[tuple[int, int]]:
    """Per control: (the explorer's own observers, all observers) of its value."""
    counts = []
    for widget in explorer._controls:
        handlers = widget._trait_notifiers.get("value", {}).get("change", [])
        counts.append((sum(getattr(h, "__self__", None) is explorer for h in handlers), len(handlers)))
    return counts


def literal_auroc(x: np.ndarray, y: np.ndarray) -> float:
    """P(positive > negative) + half the ties, over every pair."""
    pos, neg = x[y == 1][:, None], x[y == 0][None, :]
    return float(((pos > neg).sum() + 0.5 * (pos == neg).sum()) / (pos.size * neg.size))


# ---------------------------------------------------------------- the display follows the sliders


@pytest.mark.parametrize("layer, neuron", [(2, 17), (0, 255), (1, 0)])
def test_heatmap_shows_the_chosen_neurons_values(explorer, reference, layer, neuron):
    explorer.layer_slider.value = layer
    explorer.neuron_slider.value = neuron
    assert explorer.current == ("pre", layer, neuron)
    shown = tooltip_values(explorer.view.value)
    expected = reference["train"][layer][:, neuron]
    assert len(shown) == N_TOKENS
    np.testing.assert_allclose(shown, expected, rtol=1e-3, atol=1e-6)  # tooltips print 4 significant digits
    assert f"layer {layer}, neuron {neuron}" in explorer.summary.value


def test_held_out_batch_and_post_site(explorer, reference, model):
    explorer.show(1, 40, batch="heldout")
    np.testing.assert_allclose(tooltip_values(explorer.view.value), reference["heldout"][1][:, 40], rtol=1e-3, atol=1e-6)
    explorer.site_buttons.value = "post"  # after the GELU: the lecture's pre value through the nonlinearity
    post = model.transformer.h[1].mlp.act(torch.from_numpy(reference["heldout"][1][:, 40])).numpy()
    np.testing.assert_allclose(tooltip_values(explorer.view.value), post, rtol=1e-3, atol=1e-6)
    assert "(post)" in explorer.summary.value


def test_summary_matches_statsmodels_and_literal_auroc(explorer, reference, gpt2_tokenizer, tokens):
    import statsmodels.api as sm

    labels = lessonkit.tag_proper_nouns(tokens, gpt2_tokenizer)
    train_y, held_y = labels[:N_TOKENS], labels[N_TOKENS:]
    layer = 2
    for neuron in (3, 100):
        explorer.show(layer, neuron)
        numbers = summary_numbers(explorer.summary.value)
        x = reference["train"][layer][:, neuron].astype(np.float64)
        # the notebook's sample, drawn here by hand: every proper noun + as many others, seed 42
        positives, negatives = np.flatnonzero(train_y == 1), np.flatnonzero(train_y == 0)
        others = np.random.default_rng(42).choice(negatives, size=len(positives), replace=False)
        sample = np.concatenate([others, positives])
        fit = sm.Logit(train_y[sample], sm.add_constant(x[sample])).fit(disp=0)
        assert numbers["beta"] == pytest.approx(fit.params[1], rel=1e-3)
        assert numbers["p"] == pytest.approx(fit.pvalues[1], rel=1e-2)
        assert numbers["significant"] == (fit.pvalues[1] < 0.05 / 256)
        assert numbers["auroc"] == pytest.approx(literal_auroc(x, train_y), abs=5e-4)
        held = reference["heldout"][layer][:, neuron]
        assert numbers["heldout"] == pytest.approx(literal_auroc(held, held_y), abs=5e-4)


def test_statistics_per_layer_equal_one_scan_of_all_layers(explorer):
    train, held = explorer.batches["train"], explorer.batches["heldout"]
    full = scan_layers(train.acts["pre"], train.labels, heldout=(held.acts["pre"], held.labels), seed=42)
    for layer in explorer.layers:
        mine = explorer.stats(layer, "pre")
        theirs = full[full["layer"] == layer].reset_index(drop=True)
        for column in ("beta", "pvalue", "significant", "auroc", "heldout_auroc"):
            np.testing.assert_array_equal(mine[column].to_numpy(), theirs[column].to_numpy())
    assert explorer.stats(1, "pre") is explorer.stats(1, "pre")  # cached


def test_top_list_jumps_to_the_strongest_neurons(explorer):
    explorer.layer_slider.value = 1
    table = explorer.stats(1)
    for by, expected in [("beta +", table["beta"].nlargest(10).index), ("beta -", table["beta"].nsmallest(10).index),
                         ("AUROC", (table["auroc"] - 0.5).abs().nlargest(10).index)]:
        explorer.rank_by.value = by
        listed = [value for _, value in explorer.top_dropdown.options[1:]]
        assert listed == list(expected)
    explorer.top_dropdown.value = listed[3]
    assert explorer.current == ("pre", 1, listed[3])
    assert f"neuron {listed[3]}</b>" in explorer.summary.value
    explorer.neuron_slider.value = next(n for n in range(256) if n not in listed)
    assert explorer.top_dropdown.value == -1  # the list no longer names the neuron shown


def test_ranking_by_activation_needs_no_labels():
    acts = {0: np.arange(12.0).reshape(4, 3) * [1, 3, 2]}
    explorer = NeuronExplorer(acts, ["a", "b", "c", "d"], top_k=2)
    assert list(explorer.rank_by.options) == [("largest activation", "activation")]
    assert [value for _, value in explorer.top_dropdown.options[1:]] == [1, 2]
    assert "no labels" in explorer.summary.value
    with pytest.raises(ValueError, match="labels"):
        explorer.stats(0)


def test_backends_and_top_contexts(explorer, reference):
    import base64
    import json

    explorer.show(2, 9)
    explorer.backend_buttons.value = "matplotlib"
    (shown,) = explorer.output.outputs
    json.dumps(shown)  # what the kernel sends to the browser must be JSON: a PNG as base64 text
    assert base64.b64decode(shown["data"]["image/png"], validate=True)[:8] == b"\x89PNG\r\n\x1a\n"
    assert "lessonkit-heatmap" not in explorer.view.value
    explorer.backend_buttons.value = "html"
    assert explorer.output.outputs == ()
    explorer.contexts_checkbox.value = True
    contexts = explorer.view.value.split('<div class="lessonkit-top-contexts">')[1]
    strongest = np.sort(reference["train"][2][:, 9])[::-1][:10]
    listed = [float(v) for v in re.findall(r'<td style="text-align:right;padding:2px 6px">([-0-9.e]+)</td><td style="text-align:right;padding:2px 6px">\d+</td>', contexts)]
    np.testing.assert_allclose(listed, strongest, rtol=1e-3)
    np.testing.assert_allclose(tooltip_values(heatmap_part(explorer.view.value)), reference["train"][2][:, 9], rtol=1e-3, atol=1e-6)


# ---------------------------------------------------------------- out of range, bad input


def test_sliders_clamp_and_show_rejects(explorer):
    explorer.neuron_slider.value = 10**6
    assert explorer.neuron_slider.value == 255
    explorer.neuron_slider.value = -5
    assert explorer.neuron_slider.value == 0
    explorer.layer_slider.value = 99
    assert explorer.layer_slider.value == 2
    with pytest.raises(ValueError, match="not captured"):
        explorer.show(3, 0)
    with pytest.raises(ValueError, match=r"0\.\.255"):
        explorer.show(0, 256)
    with pytest.raises(ValueError, match="site"):
        explorer.show(0, 1, site="mid")
    with pytest.raises(ValueError, match="batch"):
        explorer.show(0, 1, batch="test")
    with pytest.raises(TypeError, match="integer"):
        explorer.show(0, 1.5)
    assert explorer.current == ("pre", 2, 0)  # a rejected show() changed nothing


def test_neuron_maximum_follows_the_layer_and_gaps_snap():
    acts = {0: np.random.default_rng(0).normal(size=(5, 8)), 4: np.random.default_rng(1).normal(size=(5, 20))}
    explorer = NeuronExplorer(acts, list("abcde"))
    explorer.show(4, 15)
    explorer.layer_slider.value = 0
    assert (explorer.neuron_slider.max, explorer.neuron_slider.value) == (7, 7)
    np.testing.assert_allclose(tooltip_values(explorer.view.value), acts[0][:, 7], rtol=1e-3)
    explorer.layer_slider.value = 3  # not captured: the nearest captured layer
    assert explorer.layer_slider.value == 4 and explorer.neuron_slider.max == 19


def test_bad_input_is_explained():
    acts = {0: np.zeros((3, 2))}
    with pytest.raises(ValueError, match="rows"):
        NeuronExplorer(acts, ["a", "b"])
    with pytest.raises(ValueError, match="0/1"):
        NeuronExplorer(acts, ["a", "b", "c"], labels=[0, 2, 1])
    with pytest.raises(ValueError, match="same sites"):
        NeuronExplorer(acts, ["a", "b", "c"], heldout=({1: np.zeros((3, 2))}, ["a", "b", "c"]))
    with pytest.raises(ValueError, match="neurons"):
        NeuronExplorer(acts, ["a", "b", "c"], heldout=({0: np.zeros((3, 5))}, ["a", "b", "c"]))
    with pytest.raises(ValueError, match="pre"):
        NeuronExplorer({"mid": acts}, ["a", "b", "c"])
    with pytest.raises(TypeError, match="list of strings"):
        NeuronExplorer(acts, "abc")
    with pytest.raises(TypeError, match="capture_mlp"):
        NeuronExplorer([np.zeros((3, 2))], ["a", "b", "c"])


def test_errors_inside_callbacks_are_shown(explorer, monkeypatch):
    def broken():
        raise RuntimeError("drawing failed")

    monkeypatch.setattr(explorer, "_render", broken)
    explorer.neuron_slider.value = 3  # a front end would swallow this exception
    assert "drawing failed" in explorer.summary.value
    assert "RuntimeError" in explorer.output.outputs[-1]["text"]


# ---------------------------------------------------------------- no leaks, precomputed input


def test_building_twice_leaves_no_hooks_or_stray_observers(model, gpt2_tokenizer, tokens):
    first = NeuronExplorer.from_model(model, gpt2_tokenizer, tokens, n_tokens=N_TOKENS, progress=False)
    second = NeuronExplorer.from_model(model, gpt2_tokenizer, tokens, n_tokens=N_TOKENS, progress=False)
    assert count_hooks(model) == 0
    before = observer_counts(second)
    assert observer_counts(first) == before and [own for own, _ in before] == [1] * len(first._controls)
    for neuron in range(5):
        second.show(neuron % 3, neuron)
        second.layer_slider.value = (neuron + 1) % 3
        second.rank_by.value = ["beta +", "AUROC"][neuron % 2]
    assert observer_counts(second) == before
    assert not set(map(id, first._controls)) & set(map(id, second._controls))
    first.close(), second.close()


def test_precomputed_statistics_are_used(explorer):
    train = explorer.batches["train"]
    table = scan_layers(train.acts["pre"], train.labels, seed=0)
    table.loc[table["layer"] == 1, "beta"] = 42.0  # a mark we can find in the summary
    other = NeuronExplorer(train.acts["pre"], train.tokens, train.labels, stats=table)
    other.show(1, 7)
    assert "beta = +42" in other.summary.value
    assert "held-out" not in other.summary.value
    with pytest.raises(ValueError, match="scan_layers"):
        NeuronExplorer(train.acts["pre"], train.tokens, train.labels, stats={"pre": [1, 2]})


def test_displays_without_a_frontend(explorer, capsys):
    from IPython.display import display

    display(explorer)  # no kernel: prints the widget's plain-text form
    assert "NeuronExplorer(3 layers x 256 neurons" in repr(explorer)


@pytest.mark.slow
def test_smollm2_has_proper_noun_neurons(smollm2, wikitext_file):
    from lessonkit.text import read_jsonl_rows

    model, tokenizer = smollm2
    stream = tokenize_rows(select_lecture_rows(read_jsonl_rows(wikitext_file)), tokenizer)
    explorer = NeuronExplorer.from_model(model, tokenizer, stream, layers=[4, 10], progress=False)
    assert count_hooks(model) == 0
    explorer.layer_slider.value = 10
    explorer.rank_by.value = "AUROC"
    best = explorer.top_dropdown.options[1][1]
    explorer.top_dropdown.value = best
    numbers = summary_numbers(explorer.summary.value)
    assert max(numbers["auroc"], 1 - numbers["auroc"]) > 0.8  # a real detector, not chance
    assert max(numbers["heldout"], 1 - numbers["heldout"]) > 0.7


def test_a_perfect_separator_says_there_is_no_test():
    labels = np.array([0, 1] * 10)
    acts = {0: np.stack([labels + 0.1 * np.arange(20) / 20, np.random.default_rng(0).normal(size=20)], axis=1)}
    explorer = NeuronExplorer(acts, [f"t{i}" for i in range(20)], labels)
    assert "beta = +inf" in explorer.summary.value and "p = n/a" in explorer.summary.value
    assert "not significant" in explorer.summary.value and "proper nouns above: 1.000" in explorer.summary.value


def test_colours_are_the_lectures_reds_with_the_first_position_out_of_the_scale(explorer, reference):
    from matplotlib import cm

    explorer.show(1, 5)
    train, held = reference["train"][1][:, 5], reference["heldout"][1][:, 5]
    low = min(train[1:].min(), held[1:].min())  # one scale for both texts, each text's first token left out
    high = max(train[1:].max(), held[1:].max())
    expected = cm.Reds(np.clip((train - low) / (high - low), 0, 1) ** 2)[:, :3]
    shown = re.findall(r"background-color:rgba\((\d+),(\d+),(\d+),0.8\)", explorer.view.value)
    np.testing.assert_allclose(np.array(shown, dtype=float) / 255, expected, atol=1 / 255)
    whole = NeuronExplorer({1: reference["train"][1]}, explorer.batches["train"].tokens, skip_first=False)
    whole.show(1, 5)
    shown = re.findall(r"background-color:rgba\((\d+),(\d+),(\d+),0.8\)", whole.view.value)
    a = (train - train.min()) / (train.max() - train.min())
    np.testing.assert_allclose(np.array(shown, dtype=float) / 255, cm.Reds(a**2)[:, :3], atol=1 / 255)
    whole.close()


def test_explorer_carries_class_names_for_the_page(explorer):
    assert "lessonkit-explorer" in explorer.widget._dom_classes
    assert "lessonkit-summary" in explorer.summary._dom_classes
    assert any("lessonkit-view" in child._dom_classes for child in explorer.widget.children)
