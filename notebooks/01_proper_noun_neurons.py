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
# This notebook follows the lecture **"Proper noun tuning in GPT2-medium"** by Mike X Cohen, from his
# course *A deep understanding of AI language model mechanisms* (part 5, observational mechanistic
# interpretability; [sincxpress.com](https://sincxpress.com)), step by step and with its parameters.
# The code and the words here are lessonkit's own; the helpers live in the `lessonkit` package.
#
# The question: are there MLP neurons in a language model that respond to **proper nouns** (names of
# people, places, organisations)? We record what every MLP neuron does while the model reads
# Wikipedia text, tag which tokens are proper nouns, and ask, neuron by neuron, whether its activation
# predicts the tag (a logistic regression). Then we look at a strong neuron's activations over the
# text, and on text it has not seen.
#
# 1. the model and its tokenizer
# 2. hooks on the MLPs
# 3. the text
# 4. tagging proper nouns
# 5. the first 1,024 tokens through the model
# 6. one neuron (layer 10, neuron 33)
# 7. every neuron of layer 18
# 8. the figure
# 9. the most positive and the most negative neuron
# 10. a heatmap of one neuron over the text
# 11. the next 1,024 tokens
#
# Cells headed **Beyond the lecture** are additions beside the lecture's steps, never instead of them.
#
# **Which model runs.** In Colab this is `gpt2-medium`, the lecture's model. Without the Hugging Face
# Hub (`LESSONKIT_OFFLINE=1`, or no network) it is a stand-in, SmolLM2-135M-Instruct: the first
# output below says which one runs and what that changes. Numbers written in this text are
# gpt2-medium's and say so; every other number is printed by the model that runs.

# %%
# In Google Colab, install lessonkit first. Set LESSONKIT_REPO to the address of your course's copy
# of the repository, e.g. "git+https://github.com/<account>/lessonkit". Colab already has torch,
# transformers, datasets, statsmodels, matplotlib and ipywidgets, so --no-deps upgrades nothing and
# no restart is needed. Outside Colab this cell does nothing.
import sys

LESSONKIT_REPO = ""
if "google.colab" in sys.modules:
    if not LESSONKIT_REPO:
        raise RuntimeError("Set LESSONKIT_REPO in this cell to your copy of the lessonkit repository, "
                           "e.g. 'git+https://github.com/<account>/lessonkit', and run the cell again.")
    get_ipython().run_line_magic("pip", f"install --quiet --no-deps {LESSONKIT_REPO}")

# %%
import time

import numpy as np
import statsmodels.api as sm
import torch
from tqdm.auto import tqdm

import lessonkit as lk

SEED = 42  # the lecture shuffled without a seed; a seed gives everyone in class the same numbers

# %% [markdown]
# ## 1. The model
#
# `lk.load_model()` loads `gpt2-medium` and its tokenizer, moves the model to the GPU when there is
# one, and switches it to evaluation mode. It says which model it loaded and why:

# %%
model, tokenizer = lk.load_model()
device = next(model.parameters()).device
n_layers, n_neurons = lk.mlp_shape(model)
is_gpt2_medium = model.lessonkit_model["name"] == "gpt2-medium"
print(f"{type(model).__name__} on {device}: {n_layers} layers x {n_neurons:,} MLP neurons")
lk.model_card(model, tokenizer)

# %% [markdown]
# The model's architecture: in each transformer block, the MLP's first linear layer (`c_fc` in
# GPT-2, `gate_proj` in Llama models like SmolLM2) makes the neurons we study.

# %%
model

# %% [markdown]
# ## 2. Hooks on the MLP neurons
#
# The lecture's neuron is one output of the MLP's first linear layer, *before* the nonlinearity
# (GPT-2: `mlp.c_fc`, then GELU). A **forward hook** is a function that PyTorch calls right after a
# module has run; it sees the module's input and output, so it can keep a copy.
#
# The lecture registers a hook on each block's MLP that recomputes `c_fc` from the MLP's input and
# stores it in a dictionary entry per layer (the next forward pass overwrites it). Those hooks stay
# on the model for good: run the cell again and a second set joins the first, so every forward pass
# from then on computes and stores everything twice -- nothing grows, but it costs time, and the
# hooks can only be removed by hand. Here is that cell written anew (as a function, so that its loop
# variable stays inside it), run twice, then cleaned up:

# %%
sites = lk.mlp_site_modules(model)  # {layer: the module whose output is that layer's neurons}
first_linear = sites[0].name.rsplit(".", 1)[1]  # "c_fc" in GPT-2, "gate_proj" in Llama models
lecture_acts = {}


def lecture_hook(layer):
    def hook(module, inputs, output):
        lecture_acts[f"mlp_{layer}"] = getattr(module, first_linear)(inputs[0]).detach().cpu()  # recomputed
    return hook


def mlp_of(layer):
    """Block `layer`'s MLP: where the lecture puts its hook."""
    return model.get_submodule(sites[layer].name.rsplit(".", 1)[0])


def lecture_hooks_cell():
    """The lecture's cell: a hook on every block's MLP. It keeps no handles; we return them, to clean up."""
    return [mlp_of(layer).register_forward_hook(lecture_hook(layer)) for layer in range(n_layers)]


lecture_handles = []
try:
    lecture_handles += lecture_hooks_cell()
    print("after running the lecture's cell once:", lk.count_hooks(model), "hooks on the model")
    lecture_handles += lecture_hooks_cell()
    print("after running it twice:", lk.count_hooks(model), "hooks on the model")
finally:
    while lecture_handles:
        lecture_handles.pop().remove()
print("after removing them by hand:", lk.count_hooks(model), "hooks")

# %% [markdown]
# lessonkit's hooks exist only inside a `with` block: `lk.record_mlp(model)` hooks the first linear
# layer itself (its own output, nothing recomputed), keeps each layer's neurons as a
# `[tokens, neurons]` tensor -- `acts[18][:, 33]` is neuron 33 of layer 18, one value per token --
# and removes its hooks when the block ends, also after an error or the stop button.

# %%
print(f"layer 10's neurons are the output of {sites[10].name}")
print("hooks on the model now:", lk.count_hooks(model))

# %% [markdown]
# That is all there is to it -- lessonkit's recorder, from the package:

# %%
lk.show_code(lk.hooks.MlpRecorder.__enter__, lk.hooks.MlpRecorder.keeper, lk.hooks.MlpRecorder.__exit__)

# %% [markdown]
# ## 3. The text
#
# WikiText-2 (raw), test split: of its first 200 rows, those longer than 50 characters, each
# tokenized, joined into one stream (with gpt2-medium's tokenizer: 11,524 tokens).

# %%
tokens = lk.load_wikitext_tokens(tokenizer, n_rows=200, min_chars=50)
num_tokens = tokens.numel()
print(f"{num_tokens:,} tokens imported (text source: {lk.text.wikitext_source()})")
if model.config.model_type == "gpt2" and lk.text.wikitext_source() != "bundled":
    assert num_tokens == 11_524  # the lecture's count

# %% [markdown]
# ## 4. Tagging proper nouns
#
# The lecture's test for a capital letter, on one word: strip the leading space, look at the first
# character.

# %%
" Paris".strip()[0].isupper()

# %% [markdown]
# The lecture's rule, token by token: a token is a proper noun if its decoded text is longer than
# 2 characters (the leading space counts), its first non-space character is upper case, and the
# previous token does not end in `.`, `!`, `?` or `:` (so sentence starts are not counted). The very
# first token is never tagged. Here is that loop (`[:1]` instead of `[0]` so that a token of spaces
# only cannot stop it), and lessonkit's `tag_proper_nouns`, which gives the same tags without
# decoding every token each time:

# %%
decoded = [tokenizer.decode([t]) for t in tokens[0].tolist()]
is_proper_loop = np.zeros(num_tokens, dtype=int)
for i in range(1, num_tokens):
    long_enough = len(decoded[i]) > 2
    capitalised = decoded[i].strip()[:1].isupper()
    after_sentence_end = decoded[i - 1].endswith((".", "!", "?", ":"))
    if long_enough and capitalised and not after_sentence_end:
        is_proper_loop[i] = 1

is_proper = lk.tag_proper_nouns(tokens, tokenizer, rule="lecture")
assert np.array_equal(is_proper, is_proper_loop)
print(f"{is_proper.sum():,} of {num_tokens:,} tokens tagged as proper nouns (with gpt2-medium's tokenizer: 1,240)")
if model.config.model_type == "gpt2" and lk.text.wikitext_source() != "bundled":
    assert is_proper.sum() == 1_240

# %% [markdown]
# The same loop, as lessonkit keeps it (`tag_proper_nouns` gives the same tags from a table of the
# vocabulary, so it need not decode every token again):

# %%
lk.show_code(lk.tagging.lecture_rule_loop)

# %% [markdown]
# It is a simple rule, and it makes mistakes both ways: a capitalised word after a line break or a
# quote is tagged although it only starts a sentence (false positive); the second piece of a name
# split into several tokens (` Bou` + `lter`), short names (` Li`) and lower-case parts of names
# (`da Vinci`) are missed (false negatives). Some tagged tokens -- the first 50:

# %%
tagged = np.flatnonzero(is_proper)
print(f"There are {len(tagged):,} proper nouns, including:")
print("\n".join(decoded[position] for position in tagged[:50]))

# %% [markdown]
# ... and the second of them in its context (5 tokens before it, 4 after):

# %%
tokenizer.decode(tokens[0, tagged[1] - 5 : tagged[1] + 5])

# %% [markdown]
# **Beyond the lecture: how good is the rule?** lessonkit ships a small corpus whose every
# proper-noun word was labelled by hand (`lessonkit/data/`). Scored word by word against those
# labels, the lecture's rule is compared with a word-aware rule that tags every piece of a name and
# uses evidence from the whole document:

# %%
for rule in ("lecture", "word"):
    print(str(lk.score_tagger(rule, tokenizer)).splitlines()[0])

# %% [markdown]
# ## 5. The first 1,024 tokens through the model
#
# The lecture runs the first `seq_len = 1024` tokens through the model in one forward pass. (The
# lecture passes them as a 1-D tensor; today's transformers need a 2-D batch `[1, 1024]`.) Inside the
# `with` block the hooks record every layer; after it, they are gone. A progress bar shows when the
# pass takes more than two seconds. If you press the stop button during the pass, the hooks go too,
# and `acts` says so wherever it is used next ("the recording was interrupted ... run the cell that
# recorded them again"): a half-filled recording never passes for a whole one.
#
# The recorded neurons stay where the model computed them. On a GPU that saves copying 400 MB to
# the CPU during every pass (the lecture's hook does it, with `.cpu()`), and lessonkit's statistics
# run on the GPU too; where numpy or statsmodels reads them, the cells below call `.cpu()` first.
# `use_cache=False`: without it the model also keeps every layer's keys and values, for generating
# more text (200 MB at gpt2-medium's shape), which nothing here needs.

# %%
seq_len = 1024
batch = tokens[:, :seq_len]
labels = is_proper[:seq_len]

forward_started = time.perf_counter()
with lk.record_mlp(model, progress=True) as acts, torch.inference_mode():
    model(batch.to(device), use_cache=False)
print(f"forward pass with {n_layers} layers recorded: {time.perf_counter() - forward_started:.1f} s;",
      "hooks left on the model:", lk.count_hooks(model), "; the activations are on", acts[21].device)
assert lk.count_hooks(model) == 0 and len(acts) == n_layers
list(acts)[:5], acts[21].shape

# %% [markdown]
# A check against the lecture's own hook: put it on layer 10 only, removed in a `finally` so that
# not even an error can leave it behind, and run the batch again -- but only up to layer 10:
# `lk.run_up_to_layer` ends the pass there, since the layers above cannot change layer 10's neurons.
# The two must agree.

# %%
lecture_acts.clear()
lecture_handle = mlp_of(10).register_forward_hook(lecture_hook(10))
try:
    lk.run_up_to_layer(model, batch, 10)  # blocks 0-10 only
finally:
    lecture_handle.remove()
difference = float((lecture_acts["mlp_10"][0] - acts[10].cpu()).abs().max())  # the lecture's hook keeps them on the CPU
print(f"largest difference between the lecture's hook and lk.record_mlp: {difference:.2e}")
assert difference < 1e-4 and lk.count_hooks(model) == 0

# %% [markdown]
# ## 6. One neuron: layer 10, neuron 33
#
# Does neuron 33 of layer 10 tell proper nouns from other tokens? Proper nouns are a minority of the
# tokens, so the lecture compares all proper nouns of the batch with an **equal-sized random sample**
# of the other tokens (label 1 vs 0), and fits a logistic regression of the label on the neuron's
# activation, with an intercept. A positive slope (beta) means: the more active the neuron, the
# likelier a proper noun.

# %%
proper = np.flatnonzero(labels)                       # the proper nouns in this batch
others = np.flatnonzero(labels == 0)
comparison = np.random.default_rng(SEED).choice(others, size=len(proper), replace=False)

x = np.hstack((acts[10][comparison, 33].cpu(), acts[10][proper, 33].cpu()))  # statsmodels reads numpy: on the CPU
y = np.hstack((np.zeros(len(proper)), np.ones(len(proper))))
result = sm.Logit(y, sm.add_constant(x)).fit()
print(result.summary())

# %%
beta_33, p_33 = result.params[1], result.pvalues[1]
print(f"layer 10, neuron 33 of this model: beta = {beta_33:+.3f}, p = {p_33:.3g} -> "
      f"{'a significant' if p_33 < 0.05 else 'NOT a significant'} {'positive' if beta_33 > 0 else 'negative'} "
      f"slope at p < .05 ({len(proper)} proper nouns vs {len(comparison)} other tokens)")
if not is_gpt2_medium:
    print("(This is not gpt2-medium: neuron 33 of layer 10 here is a different neuron from the lecture's.)")

# %% [markdown]
# **Beyond the lecture: what `.fit()` does.** statsmodels finds the intercept and slope by Newton's
# method: start at zero, and step along the log-likelihood's slope divided by its curvature until
# the parameters stop moving. Written out in lessonkit, and checked against statsmodels' summary:

# %%
lk.show_code(lk.regression.newton_step, lk.regression.fit_one_neuron)

# %%
by_hand = lk.regression.fit_one_neuron(x, y)
print(f"by hand: beta = {by_hand['beta']:+.6f}, p = {by_hand['pvalue']:.6f}, {by_hand['n_iter']} steps")
assert np.isclose(by_hand["beta"], beta_33, rtol=1e-6) and np.isclose(by_hand["pvalue"], p_33, rtol=1e-6)

# %% [markdown]
# ## 7. Every neuron of layer 18
#
# The same regression for each neuron of layer 18, on the same tokens, keeping each slope (beta) and
# its p-value. First the lecture's way: a Python loop with one statsmodels fit per neuron (with a
# progress bar, shown if the loop takes more than two seconds).

# %%
layer = 18
X = np.vstack((acts[layer][comparison].cpu(), acts[layer][proper].cpu())).astype(np.float64)  # [tokens, neurons]

loop_started = time.perf_counter()
classifier_results = np.zeros((n_neurons, 2))  # columns: p-value, beta
for neuron in tqdm(range(n_neurons), desc=f"layer {layer}", unit="neuron", delay=2):
    fit = sm.Logit(y, sm.add_constant(X[:, neuron])).fit(disp=0)
    classifier_results[neuron] = fit.pvalues[1], fit.params[1]
loop_seconds = time.perf_counter() - loop_started
pvals, betas = classifier_results[:, 0], classifier_results[:, 1]
print(f"statsmodels loop over {n_neurons:,} neurons: {loop_seconds:.1f} s")

# %% [markdown]
# **Beyond the lecture:** `lk.fit_logit` runs that same Newton method for all neurons at once -- the
# same numbers, without the loop -- on the fastest exact path this machine has (a compiled numba
# kernel, the GPU, or torch on the CPU; `lk.stats_backend` names it). It also flags neurons whose two classes do not overlap
# at all ("separation"), where the slope is infinite and statsmodels' p-value means nothing.
# `lk.balanced_sample` draws the very same tokens as the cell above.

# %%
sample = lk.balanced_sample(labels, seed=SEED)  # all proper nouns + the same random other tokens
assert set(sample) == set(proper) | set(comparison)
path = lk.stats_backend(acts[layer])
first_started = time.perf_counter()
fits = lk.fit_logit(acts[layer][sample], labels[sample])  # a first call may load (or compile) the kernel
first_seconds = time.perf_counter() - first_started
second_started = time.perf_counter()
fits = lk.fit_logit(acts[layer][sample], labels[sample])
fast_seconds = time.perf_counter() - second_started
print(f"lk.fit_logit on the {path} path ({lk.regression.STATS_BACKENDS[path]}): {fast_seconds * 1000:.1f} ms, "
      f"{loop_seconds / fast_seconds:.0f}x faster than the loop (the first of the two calls, which may load "
      f"the kernel: {first_seconds * 1000:.0f} ms)")
print(fits)
ok = fits.converged & ~fits.separated
np.testing.assert_allclose(fits.beta[ok], betas[ok], rtol=1e-5)
np.testing.assert_allclose(fits.pvalue[ok], pvals[ok], rtol=1e-4, atol=1e-300)

# %% [markdown]
# ## 8. The figure
#
# Many tests at once: if no neuron carried any signal, a test at p < .05 would still call about
# 5% of the neurons "significant" by chance alone (alpha x n). So the lecture uses the **Bonferroni**
# correction: significant only if p < .05 / n (gpt2-medium: .05 / 4,096 = 1.2e-05).
# Left: each neuron's beta by its index, red for positive and green for negative, a circle when
# significant and a small cross otherwise. Right: beta against -log(p), with the threshold line.

# %%
alpha = 0.05
threshold = alpha / n_neurons
significant = pvals < threshold
print(f"without a correction, about {alpha} x {n_neurons:,} = {alpha * n_neurons:.0f} neurons would pass p < .05 by chance alone")
print(f"Bonferroni threshold: {alpha} / {n_neurons:,} = {threshold:.3g}; {significant.sum():,} of {n_neurons:,} neurons pass it")
lk.plot_classifier_results({"beta": betas, "pvalue": pvals}, alpha=alpha)

# %% [markdown]
# ## 9. The most positive and most negative significant neurons

# %%
assert significant.any(), "no neuron passes the Bonferroni threshold"
max_beta_neuron = int(np.flatnonzero(betas == betas[significant].max())[0])
min_beta_neuron = int(np.flatnonzero(betas == betas[significant].min())[0])
print(f"most positive: neuron {max_beta_neuron}, beta = {betas[max_beta_neuron]:+.3f}, p = {pvals[max_beta_neuron]:.2e}")
print(f"most negative: neuron {min_beta_neuron}, beta = {betas[min_beta_neuron]:+.3f}, p = {pvals[min_beta_neuron]:.2e}")
max_beta_neuron, min_beta_neuron

# %% [markdown]
# ## 10. The neuron's activation over the text
#
# Each token in a 12-pt monospace font, 20 tokens a line, on a box coloured by the neuron's
# activation: min-max scaled to 0..1 **over the whole 1,024-token batch**, squared (so only strong
# activations stand out), through matplotlib's `Reds` colour map. As in the lecture we draw the
# first 512 tokens. Line breaks show as ↵. (The title, naming the layer and neuron, is ours.)

# %%
token_texts = lk.token_texts(batch, tokenizer)  # decoded tokens; characters split across tokens stay readable
values = acts[layer][:, max_beta_neuron]
vmin, vmax = lk.value_range(values)  # the lecture's scale: all 1,024 tokens
lk.token_heatmap(token_texts[: seq_len // 2], values[: seq_len // 2], vmin=vmin, vmax=vmax, backend="matplotlib",
                 title=f"layer {layer}, neuron {max_beta_neuron}: the first {seq_len // 2} tokens, scaled over all {seq_len:,}")

# %% [markdown]
# **Beyond the lecture: the first position.** Look at the very first token of the heatmap. At the
# first position of every forward pass, many neurons take an extreme value that has nothing to do
# with the token there (the "attention sink" or "massive activations" of Xiao et al. 2023 and Sun et
# al. 2024). When that one token sets the minimum or maximum of the min-max scale, every other token
# is squeezed into part of the colour map, and the heatmap loses contrast:

# %%
rest = values[1:]
squeezed = ((rest.min() - vmin) / (vmax - vmin), (rest.max() - vmin) / (vmax - vmin))
print(f"neuron {max_beta_neuron}: first position {values[0]:.3f}; the other {len(rest):,} tokens "
      f"{rest.min():.3f} to {rest.max():.3f}, i.e. a = {squeezed[0]:.2f} to {squeezed[1]:.2f} of the scale "
      f"(colour a**2 = {squeezed[0] ** 2:.2f} to {squeezed[1] ** 2:.2f})")
extreme = (acts[layer][0] == acts[layer].min(0).values) | (acts[layer][0] == acts[layer].max(0).values)
print(f"the first position holds the minimum or maximum of {int(extreme.sum()):,} of the {n_neurons:,} neurons of layer {layer}")

# %% [markdown]
# The same heatmap with the first position left out of the scale (it is still drawn, clipped to the
# palest colour). The neuron explorer at the end uses this scale by default.

# %%
low, high = lk.value_range(rest)
lk.token_heatmap(token_texts[: seq_len // 2], values[: seq_len // 2], vmin=low, vmax=high, backend="matplotlib",
                 title=f"layer {layer}, neuron {max_beta_neuron}: the first position left out of the colour scale")

# %% [markdown]
# What the first position does to the **statistics**: the lecture's rule never tags the very first
# token, so it can land in the comparison sample, as one extreme value among a few hundred. Here we
# keep the lecture's sample as it is and measure what that token would change: the same sample,
# completed once by position 0 and once by an ordinary token -- and, for scale, once by two
# different ordinary tokens.

# %%
print(f"is position 0 in this comparison sample (seed {SEED})? {0 in comparison}")
rng = np.random.default_rng(SEED)
unused = np.setdiff1d(others, np.r_[comparison, 0])
ordinary, another = rng.choice(unused, size=2, replace=False)
base = np.setdiff1d(comparison, [0])[: len(comparison) - 1]  # the sample, one comparison token short


def significant_with(extra):
    tokens_used = np.r_[base, extra, proper]
    return lk.bonferroni(lk.fit_logit(acts[layer][tokens_used], labels[tokens_used]).pvalue)


first_vs_ordinary = int((significant_with(0) != significant_with(ordinary)).sum())
ordinary_vs_ordinary = int((significant_with(another) != significant_with(ordinary)).sum())
print(f"completing the sample with position 0 instead of an ordinary token changes the verdict of "
      f"{first_vs_ordinary} of {n_neurons:,} neurons; one ordinary token instead of another: {ordinary_vs_ordinary}")

# %% [markdown]
# Compare the two numbers. Where they are of the same size, the first position is no worse for the
# test than any other single token -- one token only moves neurons that sit near the threshold -- and
# it matters for the colour scale, not for the statistics. So lessonkit keeps the lecture's sample
# (the first position may be drawn) and leaves the first position out of the colour scale only.

# %% [markdown]
# **Beyond the lecture: the same heatmap as HTML.** Hover over a token to see its index and exact
# activation; the lecture's proper-noun tags are underlined. All 1,024 tokens, same colours.

# %%
lk.token_heatmap(token_texts, values, vmin=low, vmax=high, highlight=labels.astype(bool),
                 title=f"layer {layer}, neuron {max_beta_neuron}: all {seq_len:,} tokens, the first position left out of the scale")

# %% [markdown]
# ## 11. Generalization: the next 1,024 tokens
#
# The regression chose the neuron on the first 1,024 tokens, so it could have been lucky. A fairer
# test is text it has not seen: the next 1,024 tokens, the same layer, the same neuron, scaled over
# the new batch as the lecture does. `lk.capture_mlp` records layer 18 only and ends the pass there
# (with a progress bar, if it takes more than two seconds); stopped half-way, it leaves `acts2` as
# it was.

# %%
batch2 = tokens[:, seq_len : 2 * seq_len]
labels2 = is_proper[seq_len : 2 * seq_len]
acts2 = lk.capture_mlp(model, batch2, layers=layer)
assert lk.count_hooks(model) == 0
token_texts2 = lk.token_texts(batch2, tokenizer)
values2 = acts2[layer][:, max_beta_neuron]
vmin2, vmax2 = lk.value_range(values2)  # the lecture's scale: the whole new batch
lk.token_heatmap(token_texts2[: seq_len // 2], values2[: seq_len // 2], vmin=vmin2, vmax=vmax2, backend="matplotlib",
                 title=f"the next {seq_len:,} tokens: layer {layer}, neuron {max_beta_neuron}, scaled over all {seq_len:,}")

# %% [markdown]
# **Beyond the lecture: the first position left out of the scale**, and generalization as a number.

# %%
low2, high2 = lk.value_range(values2[1:])
lk.token_heatmap(token_texts2[: seq_len // 2], values2[: seq_len // 2], vmin=low2, vmax=high2,
                 backend="matplotlib", title="the next 1,024 tokens: first position left out of the colour scale")

# %% [markdown]
# The AUROC is the chance that a random proper noun makes the neuron more active than a random other
# token (0.5 = chance, 1 = perfect). On the text that chose the neuron and on the new text:

# %%
def print_auroc(which_text, neuron_values, text_labels):
    auc, lower, upper = lk.auroc_ci(neuron_values, text_labels)  # a 95% interval (DeLong): few proper nouns, wide
    print(f"neuron {max_beta_neuron} on {which_text}: AUROC {auc:.3f}, 95% interval {lower:.3f} to {upper:.3f} "
          f"({text_labels.sum()} proper nouns); chance is 0.5")


print_auroc("the first 1,024 tokens", values, labels)
print_auroc("the next 1,024", values2, labels2)

# %% [markdown]
# **Beyond the lecture: every neuron, with sliders.** The activations of all layers for the first
# 1,024 tokens are already in memory (`acts`), so the neuron explorer redraws any neuron's heatmap in
# milliseconds, without running the model again. It fits the regression on the same sample as above
# (the same seed), so it shows the same numbers; its colour scale leaves the first position out.

# %%
# NBVAL_IGNORE_OUTPUT
explorer = lk.NeuronExplorer(acts, token_texts, labels, seed=SEED)
explorer.show(layer, max_beta_neuron)
row = explorer.stats(layer).iloc[max_beta_neuron]
assert np.isclose(row["beta"], betas[max_beta_neuron], rtol=1e-6) and np.isclose(row["pvalue"], pvals[max_beta_neuron], rtol=1e-4)
explorer

# %% [markdown]
# ## What we learned, and what we did not
#
# * In layer 18, the number of neurons whose activation predicts the lecture's proper-noun tags
#   beyond the Bonferroni threshold, and the strongest of them, are printed in steps 8 and 9; the
#   chosen neuron's AUROC on text it was not chosen on is printed in step 11.
# * The tags come from a **capitalisation rule**, so "predicts the tags" may simply mean "responds to
#   capitalised words": this notebook cannot tell a proper-noun neuron from a capital-letter
#   detector. That needs a control (compare proper nouns with other capitalised words).
# * The neuron was chosen as the largest beta among many tests, on one random comparison sample.
#   Whether another sample chooses the same neuron, and whether the largest beta is the best
#   classifier, this notebook does not measure (notebook 03 does).
# * This is **observational**: the neuron's activation goes with the tags; whether the model *uses*
#   it needs an intervention (switching the neuron off and measuring what changes).
# * The second notebook goes on: every layer at once, held-out scores for every neuron, better
#   labels, Bonferroni vs Benjamini-Hochberg. The third, `03_is_it_really_a_proper_noun_neuron.ipynb`,
#   runs the controls named above: capitalisation and sentence-position baselines, AUROC among
#   capitalised tokens only, confidence intervals, a shuffled-label null, other random samples,
#   switching the neuron off, and probes with one to sixteen neurons against the whole layer.

# %% [markdown]
# **What this notebook cost.** The most memory this notebook's Python process has held at once
# (RAM, and on a GPU torch's peak there), beside what Colab's free tier offers:

# %%
print(lk.peak_memory())
