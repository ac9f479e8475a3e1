"""The explorer's text box, headless: your own sentence through the model, coloured by the chosen neuron.

References are written out here: a hand-made forward hook on the chosen layer's module of a full
forward pass, the lecture's colour formula with matplotlib's Reds, the lecture's tagging loop, and a
count of which blocks ran. The box is driven as the page drives it: setting the text widget's value
is what Enter sends.
"""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch
from matplotlib import cm
from transformers import GPT2Config, GPT2LMHeadModel

from lessonkit.hooks import count_hooks
from lessonkit.tagging import lecture_rule_loop
from lessonkit.text import load_bundled_corpus, select_lecture_rows, tokenize_rows
from lessonkit.widgets import NeuronExplorer

N_TOKENS = 128
SENTENCE = "In 1903 Marie Curie and Pierre Curie shared the Nobel Prize in Physics with Henri Becquerel in Stockholm."
OTHER = "The river runs past the old mill, and Jane Austen wrote about it in Bath."


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(1)
    return GPT2LMHeadModel(GPT2Config(n_layer=3, n_embd=64, n_head=2)).eval()


@pytest.fixture(scope="module")
def lecture(gpt2_tokenizer):
    return tokenize_rows(select_lecture_rows(load_bundled_corpus()), gpt2_tokenizer)[:, : 2 * N_TOKENS]


@pytest.fixture()
def explorer(model, gpt2_tokenizer, lecture):
    built = NeuronExplorer.from_model(model, gpt2_tokenizer, lecture, n_tokens=N_TOKENS, sites=("pre", "post"),
                                      progress=False)
    yield built
    built.close()


def by_hand(model, ids: list[int], layer: int, site: str = "pre") -> np.ndarray:
    """One layer's neurons over a whole forward pass, kept by a hook written here."""
    mlp = model.transformer.h[layer].mlp
    kept = {}

    def keep(module, inputs, output):  # returns None: the model runs on unchanged
        kept["x"] = (output if site == "pre" else inputs[0])[0].detach().clone()

    handle = (mlp.c_fc if site == "pre" else mlp.c_proj).register_forward_hook(keep)
    try:
        with torch.no_grad():
            model(torch.tensor([ids]))
    finally:
        handle.remove()
    return kept["x"].numpy()


def spans(view: str) -> list[dict]:
    """Each token span of the picture: its value (tooltip), colour, and whether it is underlined."""
    found = re.findall(r'<span title="#(\d+) .*? value = ([^"]+)" style="background-color:rgba\((\d+),(\d+),(\d+),0\.8\)([^"]*)"',
                       view)
    return [{"index": int(i), "value": float(v), "rgb": np.array([r, g, b], float) / 255, "underlined": "underline" in rest}
            for i, v, r, g, b, rest in found]


def ids_of(tokenizer, text: str) -> list[int]:
    return tokenizer(text, add_special_tokens=False)["input_ids"]


# ---------------------------------------------------------------- Enter: the picture


def test_enter_draws_the_chosen_neuron_on_your_text(explorer, model, gpt2_tokenizer):
    box = explorer.text_box
    explorer.show(1, 17)
    box.text.value = SENTENCE  # what the page sends on Enter
    ids = ids_of(gpt2_tokenizer, SENTENCE)
    shown = spans(box.view.value)
    assert [s["index"] for s in shown] == list(range(len(ids))), "one span per token, in order"
    np.testing.assert_allclose([s["value"] for s in shown], by_hand(model, ids, 1)[:, 17], rtol=1e-3, atol=1e-6)
    assert f"{len(ids)} tokens" in box.status.value and "layer 1, neuron 17 (pre)" in box.view.value
    assert count_hooks(model) == 0


def test_colours_use_the_lecture_texts_scale(explorer, model, gpt2_tokenizer, lecture):
    box = explorer.text_box
    explorer.show(2, 40)
    box.read(SENTENCE)
    train, held = (by_hand(model, lecture[0, part].tolist(), 2)[:, 40] for part in (slice(0, N_TOKENS), slice(N_TOKENS, None)))
    low, high = min(train[1:].min(), held[1:].min()), max(train[1:].max(), held[1:].max())  # first tokens left out
    values = by_hand(model, ids_of(gpt2_tokenizer, SENTENCE), 2)[:, 40]
    expected = cm.Reds(np.clip((values - low) / (high - low), 0, 1) ** 2)[:, :3]  # the lecture's formula
    np.testing.assert_allclose([s["rgb"] for s in spans(box.view.value)], expected, atol=1 / 255)
    assert f"palest = {low:.3g}, darkest = {high:.3g}" in box.view.value
    above = int(100 * np.sum(np.concatenate([train[1:], held[1:]]) < values[3]) / (2 * N_TOKENS - 2))  # rounded down
    assert 0 < above < 100 and f"{values[3]:.3g} (above {above}% of the lecture" in box.view.value  # " Cur" (of Curie), token 3: tagged


def test_the_taggers_proper_nouns_are_underlined_and_listed(explorer, gpt2_tokenizer):
    box = explorer.text_box
    box.read(SENTENCE)
    ids = ids_of(gpt2_tokenizer, SENTENCE)
    tags = lecture_rule_loop(ids, gpt2_tokenizer)
    assert [s["underlined"] for s in spans(box.view.value)] == tags.astype(bool).tolist()
    assert f"as the tagger sees them ({int(tags.sum())})" in box.view.value
    assert "&#x27; Marie&#x27;" in box.view.value and "&#x27; Stockholm&#x27;" in box.view.value and tags.sum() >= 5


def test_only_the_layers_needed_run(explorer, model):
    box = explorer.text_box
    ran = []
    handles = [block.register_forward_pre_hook(lambda m, a, i=i: ran.append(i)) for i, block in enumerate(model.transformer.h)]
    handles.append(model.lm_head.register_forward_pre_hook(lambda m, a: ran.append("output layer")))
    try:
        explorer.show(1, 3)
        box.read(SENTENCE)
        assert ran == [0, 1], f"blocks run for layer 1: {ran}"
        ran.clear()
        explorer.show(1, 4)  # another neuron of the same layer: from memory
        explorer.show(0, 4)  # a lower layer: one more short pass
        assert ran == [0] and "no forward pass" not in box.status.value
        ran.clear()
        explorer.show(1, 5)
        assert ran == [] and "no forward pass" in box.status.value
    finally:
        for handle in handles:
            handle.remove()


def test_sliders_recolour_your_text(explorer, model, gpt2_tokenizer):
    box = explorer.text_box
    explorer.show(0, 1)
    box.text.value = OTHER
    ids = ids_of(gpt2_tokenizer, OTHER)
    for layer, neuron, site in ((2, 200, "pre"), (2, 201, "pre"), (0, 9, "post")):
        explorer.site_buttons.value = site
        explorer.show(layer, neuron)
        np.testing.assert_allclose([s["value"] for s in spans(box.view.value)], by_hand(model, ids, layer, site)[:, neuron],
                                   rtol=1e-3, atol=1e-6)
        assert f"layer {layer}, neuron {neuron} ({site})" in box.view.value
    explorer.neuron_slider.value = 10  # a slider moved in the page, not from code
    assert "layer 0, neuron 10 (post)" in box.view.value


# ---------------------------------------------------------------- bad input, leaks, the explorer


def test_empty_text_gets_one_line_and_keeps_the_picture(explorer):
    box = explorer.text_box
    box.read(SENTENCE)
    before = box.view.value
    box.text.value = "   "
    assert "empty" in box.status.value and box.status.value.count("<div") == 1
    assert box.view.value == before
    with pytest.raises(ValueError, match="empty"):
        box.read("")
    assert box.view.value == before


def test_more_tokens_than_the_context_says_how_many_were_kept(model, gpt2_tokenizer, explorer):
    long_text = " ".join(["Paris and London are cities."] * 200)
    typed = len(ids_of(gpt2_tokenizer, long_text))
    context = model.config.n_positions
    assert typed > context
    box = explorer.text_box
    box.text.value = long_text
    assert len(spans(box.view.value)) == context
    assert f"your text has {typed:,} tokens" in box.status.value and f"the first {context:,} are shown" in box.status.value


def test_hooks_never_stay_after_an_error_or_the_stop_button(explorer, model, monkeypatch):
    box = explorer.text_box
    explorer.show(2, 0)
    block = model.transformer.h[1]

    def broken(*args, **kwargs):
        raise RuntimeError("a block failed")

    monkeypatch.setattr(block, "forward", broken)
    box.text.value = SENTENCE
    assert "a block failed" in box.status.value and count_hooks(model) == 0

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(block, "forward", stopped)
    with pytest.raises(KeyboardInterrupt):
        box.text.value = OTHER
    assert count_hooks(model) == 0
    monkeypatch.undo()
    box.read(SENTENCE)
    assert "tokens" in box.status.value and count_hooks(model) == 0


def test_a_box_added_again_replaces_the_first(explorer, model, gpt2_tokenizer):
    inside = explorer.text_box
    assert inside.widget in explorer.widget.children  # from_model: under the sliders
    first = explorer.add_text_box(model, gpt2_tokenizer)
    second = explorer.add_text_box(model, gpt2_tokenizer)  # the notebook cell run twice
    assert explorer.text_box is second and inside.widget not in explorer.widget.children
    assert first.text._trait_notifiers.get("value", {}).get("change", []) == []  # the old box is closed
    second.read(SENTENCE)
    explorer.show(2, 3)
    assert "layer 2, neuron 3" in second.view.value and first.reader.current is None
    assert count_hooks(model) == 0


def test_an_explorer_from_activations_gets_its_box_later(explorer, model, gpt2_tokenizer):
    train = explorer.batches["train"]
    plain = NeuronExplorer(train.acts, train.tokens, train.labels)
    assert plain.text_box is None
    box = plain.add_text_box(model, gpt2_tokenizer)
    assert box.widget not in plain.widget.children  # shown where the cell displays it
    box.read(OTHER)
    plain.show(2, 7)
    assert "layer 2, neuron 7 (pre)" in box.view.value and "TextBox(following ('pre', 2, 7)" in repr(box)
    plain.close()


def test_bad_arguments_fail_before_a_box_exists(explorer, gpt2_tokenizer):
    with pytest.raises(ValueError, match="rule"):
        explorer.add_text_box(explorer.text_box.reader.model, gpt2_tokenizer, rule="shouting")
    with pytest.raises(TypeError, match="torch.nn.Module"):
        explorer.add_text_box("a model", gpt2_tokenizer)
    assert explorer.text_box is not None and explorer.text_box.widget in explorer.widget.children
