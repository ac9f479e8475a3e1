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
# # Exercises 1: the lecture, by doing it
#
# The lecture's skills, one exercise each, in the lecture's order. Each exercise says what you learn
# and about how long it takes. You write one function; the check below it runs your function on
# small cases against a reference and answers in one line:
#
# * **✔ passed**;
# * **… not done yet**: your function still raises `NotImplementedError` -- the notebook runs on;
# * **✘ a hint**: what your answer shows, and what to do -- never the answer itself.
#
# Replace each `raise NotImplementedError  # your code here` with your code and run the cell. A cell
# that only says `# your code here` invites you to try your function on the real model. Every other
# cell runs the lecture's steps with lessonkit, so the notebook runs to the end whether or not you
# have solved an exercise. Solved: `exercises/solutions/01_the_lecture.ipynb`.
#
# | exercise | lecture step | time |
# |---|---|---|
# | 1.1 a forward hook that keeps one layer's neurons | 2, 5 | 20 min |
# | 1.2 the tagging rule | 4 | 10 min |
# | 1.3 the comparison sample | 6 | 10 min |
# | 1.4 one neuron's regression: beta and p | 6 | 10 min |
# | 1.5 Bonferroni | 8 | 5 min |
# | 1.6 the heatmap's colours | 10 | 10 min |
# | 1.7 open: where does the rule go wrong? | 4 | 15 min |

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
import matplotlib as mpl
import numpy as np
import statsmodels.api as sm
import torch

import lessonkit as lk
from lessonkit import checks

SEED = 42

# %% [markdown]
# ## The model and the text
#
# The lecture's model (in Colab `gpt2-medium`; offline a stand-in, and `lk.load_model` says which)
# and its text: WikiText-2 (raw, test split), the first 200 rows longer than 50 characters, as one
# stream of tokens, each token also decoded on its own.

# %%
model, tokenizer = lk.load_model()
n_layers, n_neurons = lk.mlp_shape(model)
tokens = lk.load_wikitext_tokens(tokenizer)
texts = lk.token_texts(tokens, tokenizer)
print(f"{type(model).__name__}: {n_layers} layers x {n_neurons:,} MLP neurons; {tokens.shape[1]:,} tokens, "
      f"the first ones: {texts[:8]}")

# %% [markdown]
# ## Exercise 1.1: a forward hook that keeps one layer's neurons
#
# **You learn** how the lecture records a neuron: a *forward hook* -- a function PyTorch calls right
# after a module has run, with the module, its inputs and its output -- and how to take it off the
# model again, whatever happens. **Time:** about 20 minutes.
#
# Write `keep_mlp_neurons(model, layer, token_ids)`: put a forward hook on the layer's neuron module
# (given below: the MLP's first linear layer, `c_fc` in GPT-2, `gate_proj` in Llama models), run the
# model on `token_ids` (a batch of one text, `[1, n]`), take the hook off, and return the neurons as
# a `[n, neurons]` tensor. What to know:
#
# * `handle = module.register_forward_hook(hook)` puts `hook(module, inputs, output)` on the module;
#   `handle.remove()` takes it off. Until then it stays on the model, and runs on every forward pass.
# * The module's *output* is `[1, n, neurons]` for a batch of one text.
# * A kept tensor that still belongs to autograd's graph holds on to the whole forward pass:
#   `.detach()` it, or run the model under `torch.no_grad()`.
# * An error -- or the notebook's stop button, a `KeyboardInterrupt` -- can stop the forward pass
#   half-way. Code after it never runs; a `finally:` block does.
#
# The check runs your function on two tiny models (GPT-2 and Llama, random weights) against
# `lk.record_mlp`, calls it twice on different texts, and then stops a forward pass half-way (an
# error, then the stop button) while your hook is on, and counts the hooks left behind.

# %%
def keep_mlp_neurons(model, layer: int, token_ids: torch.Tensor) -> torch.Tensor:
    """Run the model on token_ids ([1, n]); return layer `layer`'s MLP neurons as [n, neurons]."""
    module = lk.mlp_site_modules(model, layer)[layer].module  # the MLP's first linear layer
    raise NotImplementedError  # your code here


checks.check_mlp_hook(keep_mlp_neurons)


# %% [markdown]
# `lk.record_mlp(model, layers=...)` is this idea for many layers at once, inside a `with` block
# (`lk.show_code(lk.hooks.MlpRecorder)` shows its code). Once your check passes, try your function
# on the real model: the first 20 tokens, layer 18, against `lk.record_mlp`.

# %%
# Try it: your keep_mlp_neurons on the real model (first 20 tokens, layer 18) against lk.record_mlp
# your code here

# %% [markdown]
# ## Exercise 1.2: the tagging rule
#
# **You learn** the lecture's proper-noun rule, exactly as it is -- including the mistakes it makes
# on purpose. **Time:** about 10 minutes.
#
# Write `lecture_rule(token_texts)`: for decoded tokens (`[" Robert", " B", "oul", "ter", " is",
# ...]`) return 1 for each token the lecture calls a proper noun, else 0. A token is tagged when its
# decoded text is longer than 2 characters (the leading space counts), its first non-space
# character is an upper-case letter, and the previous token does not end in `.`, `!`, `?` or `:`.
# The very first token is never tagged.

# %%
def lecture_rule(token_texts: list[str]) -> list[int]:
    """One 0/1 tag per decoded token, by the lecture's rule."""
    raise NotImplementedError  # your code here


checks.check_lecture_rule(lecture_rule)

# %% [markdown]
# lessonkit's `lk.tag_proper_nouns` gives the lecture's tags for the whole text. Once your check
# passes, run your rule on `texts` and compare.

# %%
labels = lk.tag_proper_nouns(tokens, tokenizer, rule="lecture")
print(f"lk.tag_proper_nouns tags {labels.sum():,} of {len(labels):,} tokens")


# %%
# Try it: your lecture_rule on `texts` -- does it tag the same tokens as lk.tag_proper_nouns?
# your code here

# %% [markdown]
# ## Exercise 1.3: the comparison sample
#
# **You learn** why and how the lecture compares proper nouns with an *equal-sized random sample* of
# the other tokens: most tokens are not proper nouns, and a regression on all of them would mostly
# learn that. **Time:** about 10 minutes.
#
# Write `comparison_sample(labels, seed)`: the positions of every token labelled 1, and of as many
# tokens labelled 0, drawn at random without replacement from a generator made from the seed
# (`np.random.default_rng(seed)`). The same seed must give the same sample; another seed, another.

# %%
def comparison_sample(labels: np.ndarray, seed: int) -> np.ndarray:
    """Token positions: all proper nouns, and as many other tokens drawn at random (reproducibly)."""
    raise NotImplementedError  # your code here


checks.check_comparison_sample(comparison_sample)

# %% [markdown]
# ## The first 1,024 tokens through the model
#
# As in the lecture: one forward pass over the first 1,024 tokens, here recording layers 10 and 18.
# `lk.balanced_sample` draws the lecture notebook's comparison sample (seed 42).

# %%
seq_len = 1024
acts = lk.capture_mlp(model, tokens[:, :seq_len], layers=[10, 18]).cpu()  # on the CPU, where numpy reads them
batch_labels = labels[:seq_len]
sample = lk.balanced_sample(batch_labels, seed=SEED)
print(f"{batch_labels.sum()} proper nouns in the batch; the sample holds {len(sample)} tokens; "
      f"acts[18] is {list(acts[18].shape)}")

# %% [markdown]
# ## Exercise 1.4: one neuron's regression -- beta and p
#
# **You learn** to fit the lecture's logistic regression for one neuron and to read its two numbers:
# the slope **beta** (how the log-odds of "proper noun" change per unit of activation; its sign says
# more or less active on proper nouns) and its **p-value** (how surprising such a slope would be if
# the neuron knew nothing about proper nouns). **Time:** about 10 minutes.
#
# Write `one_neuron_logit(x, y)`: fit `sm.Logit(y, ...)` of the 0/1 labels `y` on the activations
# `x` *with an intercept* (`sm.add_constant`), and return `(beta, p)` for the activation -- not for
# the intercept. `result.summary()` shows which row is which. Use `.fit(disp=0)` to keep it quiet.

# %%
def one_neuron_logit(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(beta, p) of the activation in the lecture's logistic regression of y on x."""
    raise NotImplementedError  # your code here


checks.check_one_neuron_logit(one_neuron_logit)

# %% [markdown]
# The lecture's neuron, layer 10 neuron 33, on the comparison sample (offline, with the stand-in
# model, it is another neuron than the lecture's: same index, different model). Read its summary:
# which row is beta, is it positive, is p below .05?

# %%
x10, y10 = acts[10][sample, 33].numpy().astype(float), batch_labels[sample]
print(sm.Logit(y10, sm.add_constant(x10)).fit(disp=0).summary())


# %%
# Try it: your one_neuron_logit on x10, y10 -- read beta's sign and whether p < .05
# your code here

# %% [markdown]
# ## Exercise 1.5: Bonferroni
#
# **You learn** why many tests need a stricter threshold: with 4,096 neurons (gpt2-medium) and no
# signal at all, about 5% of them -- some 200 -- would still pass p < .05 by chance. The lecture's
# Bonferroni correction calls a neuron significant only if p < .05 / n. **Time:** about 5 minutes.
#
# Write `bonferroni_significant(pvalues, alpha)`: True where a p-value passes alpha divided by the
# number of p-values given.

# %%
def bonferroni_significant(pvalues: np.ndarray, alpha: float = 0.05) -> np.ndarray:
    """True where p < alpha / (number of p-values): the lecture's significance over one layer."""
    raise NotImplementedError  # your code here


checks.check_bonferroni(bonferroni_significant)

# %% [markdown]
# Every neuron of layer 18 at once (`lk.fit_logit` gives statsmodels' numbers for all of them):

# %%
layer = 18
fits = lk.fit_logit(acts[layer][sample], batch_labels[sample])
print(f"layer {layer}: {(fits.pvalue < 0.05).sum():,} of {n_neurons:,} neurons at p < .05, "
      f"{lk.bonferroni(fits.pvalue).sum():,} after Bonferroni (p < .05 / {n_neurons:,})")


# %%
# Try it: your bonferroni_significant on fits.pvalue -- the same neurons as lk.bonferroni?
# your code here

# %% [markdown]
# ## Exercise 1.6: the heatmap's colours
#
# **You learn** how the lecture turns one neuron's activations into colours: min-max scaling to
# 0..1, squaring (so that only strong activations stand out), and a colour map. **Time:** about 10
# minutes.
#
# Write `lecture_colours(values)`: one RGBA colour per token. `a = (v - min) / (max - min)` over the
# values given; the colour is matplotlib's `Reds` colour map at `a ** 2`
# (`mpl.colormaps["Reds"](...)` gives an `[n, 4]` array), with the fourth number, the box's alpha,
# set to 0.8. `values` may be a torch tensor (as `acts[18][:, 33]` is) or a numpy array; a neuron
# whose values are all equal gets the palest colour everywhere.

# %%
def lecture_colours(values) -> np.ndarray:
    """[tokens, 4] RGBA colours: Reds at the squared min-max scaled value, alpha 0.8."""
    raise NotImplementedError  # your code here


checks.check_lecture_colours(lecture_colours)

# %% [markdown]
# The lecture's heatmap of layer 18's most positive significant neuron: the first 160 tokens, scaled
# over the whole batch. If it is pale almost everywhere, the first token is to blame -- see step 10
# of the lecture notebook.

# %%
neuron = int(np.argmax(np.where(lk.bonferroni(fits.pvalue) & (fits.beta > 0), fits.beta, -np.inf)))
values = acts[layer][:, neuron]
vmin, vmax = lk.value_range(values)
lk.token_heatmap(texts[:160], values[:160], vmin=vmin, vmax=vmax, backend="matplotlib",
                 title=f"layer {layer}, neuron {neuron}")

# %%
# Try it: your lecture_colours on `values` -- the same colours as lk.heatmap.token_colours(values)?
# your code here

# %% [markdown]
# ## Exercise 1.7 (open): where does the rule go wrong?
#
# **You learn** to read a labelling rule's mistakes, and why they matter for what a "proper-noun
# neuron" means. **Time:** about 15 minutes. No check: compare with a neighbour.
#
# The lecture's rule tags capitalised words after a line break (sentence starts), and misses the
# second piece of names split into several tokens. Find five of each in the first 1,024 tokens. A
# second opinion: `lk.tag_proper_nouns(tokens, tokenizer, rule="word")`, a word-aware rule. Then:
# which of the two kinds of mistakes could make a *capital-letter* neuron look like a proper-noun
# neuron?

# %%
# Your answer: list the disagreements between the two rules in the first 1,024 tokens
# your code here

# %% [markdown]
# What this notebook cost: the most memory its Python process has held at once, beside Colab's free tier.

# %%
print(lk.peak_memory())
