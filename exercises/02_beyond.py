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
# # Exercises 2: beyond the lecture
#
# The lecture chose neurons by their regression on one text and looked at one of them on the next
# text by eye. These exercises follow notebook 02 (`notebooks/02_beyond_the_lecture.ipynb`): how well
# a neuron *separates* the classes (AUROC), an honest score on text that did not choose the neuron,
# and a less strict correction for many tests. As in exercises 1: write the function, run its check
# (✔ passed, … not done yet, ✘ a hint); a cell with only `# your code here` invites you to try your
# function on the real model. Solved: `exercises/solutions/02_beyond.ipynb`.
#
# | exercise | notebook 02 | time |
# |---|---|---|
# | 2.1 AUROC by hand | 1 | 10 min |
# | 2.2 choose on one text, score on another | 2 | 20 min |
# | 2.3 Benjamini-Hochberg | 3 | 15 min |
# | 2.4 open: a neuron for numbers? | -- | 20 min |
# | 2.5 open: do better labels choose another neuron? | 4 | 15 min |

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
import numpy as np

import lessonkit as lk
from lessonkit import checks

SEED = 42

# %% [markdown]
# ## Two texts
#
# The **training text** is the lecture's first 1,024 tokens, where neurons are chosen; the
# **held-out text** is the next 512 tokens, where a choice is checked (one forward pass each, as the
# lecture runs its batches). Layer 18, the lecture's layer, as `[tokens, neurons]` numpy arrays.

# %%
model, tokenizer = lk.load_model()
tokens = lk.load_wikitext_tokens(tokenizer)
texts = lk.token_texts(tokens, tokenizer)
labels = lk.tag_proper_nouns(tokens, tokenizer, rule="lecture")
layer, train, held = 18, slice(0, 1024), slice(1024, 1536)
acts = lk.capture_mlp(model, tokens[:, :1536], layers=layer)[layer].cpu().numpy()  # from a GPU, too
train_x, train_y, heldout_x, heldout_y = acts[train], labels[train], acts[held], labels[held]
print(f"training: {train_x.shape} with {train_y.sum()} proper nouns; held-out: {heldout_x.shape} with {heldout_y.sum()}")

# %% [markdown]
# ## Exercise 2.1: AUROC by hand
#
# **You learn** what the AUROC measures and why it complements the p-value: a p-value says a
# neuron's activation is *related* to the label; the AUROC says how *well* the neuron alone separates
# the classes -- the chance that a random proper noun makes it more active than a random other token
# (0.5: chance, 1: perfect, 0: perfect the other way round). **Time:** about 10 minutes.
#
# Write `auroc_one(x, y)` for one neuron (`x` its activations, `y` the 0/1 labels): over every pair
# of one proper noun and one other token, count 1 when the proper noun's activation is higher and
# 1/2 when the two are equal; divide by the number of pairs. (Numpy broadcasting,
# `x[y == 1][:, None] - x[y == 0][None, :]`, gives every pair at once.)

# %%
def auroc_one(x: np.ndarray, y: np.ndarray) -> float:
    """The chance that a random proper noun is more active than a random other token (ties: half)."""
    raise NotImplementedError  # your code here


checks.check_auroc(auroc_one)

# %% [markdown]
# `lk.auroc` gives every neuron's AUROC at once. The best separator of layer 18 on the training
# text -- in either direction, since an AUROC near 0 is as informative as one near 1:

# %%
train_auroc = lk.auroc(train_x, train_y)
best = int(np.argmax(np.abs(train_auroc - 0.5)))
print(f"layer {layer}: neuron {best} has the AUROC furthest from chance on the training text: {train_auroc[best]:.3f}")


# %%
# Try it: your auroc_one on neuron `best` -- the same number as lk.auroc?
# your code here

# %% [markdown]
# ## Exercise 2.2: choose on one text, score on another
#
# **You learn** why a neuron must be scored on text that did not choose it: among 1,000s of
# neurons, the one with the best statistic on one text was partly lucky, and only new text shows how
# much. **Time:** about 20 minutes.
#
# Write `choose_and_score(train_x, train_y, heldout_x, heldout_y)`: on the training text, fit the
# lecture's regression for every neuron on its comparison sample (`lk.balanced_sample(train_y,
# seed=42)`, then `lk.fit_logit`), keep the Bonferroni-significant neurons (`lk.bonferroni`), choose
# the one with the largest positive beta, and return it with its AUROC on **all** held-out tokens
# (`lk.auroc(heldout_x[:, [neuron]], heldout_y)[0]`). The check runs it on a synthetic layer built so
# that each typical mistake chooses a different neuron.

# %%
def choose_and_score(train_x, train_y, heldout_x, heldout_y) -> tuple[int, float]:
    """The lecture's choice on the training text, and its AUROC on the held-out text."""
    raise NotImplementedError  # your code here


checks.check_heldout_choice(choose_and_score)


# %% [markdown]
# Once your check passes: which neuron does the lecture's procedure choose in layer 18, and how do
# its training and held-out AUROCs compare? Then compare with neuron `best` from exercise 2.1.

# %%
# Try it: your choose_and_score on layer 18 -- training AUROC vs held-out AUROC of its neuron
# your code here

# %% [markdown]
# ## Exercise 2.3: Benjamini-Hochberg
#
# **You learn** a second answer to "many tests at once". Bonferroni bounds the chance of *any*
# false positive, which makes it strict; Benjamini-Hochberg (BH) bounds the expected *fraction* of
# false positives among the neurons called significant, and so finds more. **Time:** about 15
# minutes.
#
# Write `bh_significant(pvalues, alpha)`: sort the m p-values; find the **largest** rank k (the
# smallest p-value has rank 1) with `p_(k) <= k / m * alpha`; the k smallest p-values are
# significant (also those above their own rank's threshold), the rest not. Return one True/False
# per p-value, in the order given. The check compares with statsmodels' `multipletests`.

# %%
def bh_significant(pvalues: np.ndarray, alpha: float = 0.05) -> np.ndarray:
    """True where the Benjamini-Hochberg procedure at false-discovery rate alpha calls a p-value significant."""
    raise NotImplementedError  # your code here


checks.check_benjamini_hochberg(bh_significant)

# %% [markdown]
# Layer 18's p-values on the training text, both corrections:

# %%
sample = lk.balanced_sample(train_y, seed=SEED)
pvalues = lk.fit_logit(train_x[sample], train_y[sample]).pvalue
print(f"layer {layer}: {lk.bonferroni(pvalues).sum()} significant by Bonferroni, "
      f"{lk.benjamini_hochberg(pvalues).sum()} by Benjamini-Hochberg, of {len(pvalues):,}")

# %%
# Try it: your bh_significant on layer 18's p-values (a NaN p-value: never significant)
# your code here

# %% [markdown]
# ## Exercise 2.4 (open): a neuron for numbers?
#
# **You learn** to reuse the whole method for a question of your own. **Time:** about 20 minutes.
# No check: compare with a neighbour.
#
# Tag the tokens that contain a digit (` 2004`, ` 1`, `1990s` ...) instead of proper nouns. Which
# layer-18 neuron does your `choose_and_score` choose, and does it hold up on the held-out text? Is
# it one of the proper-noun neurons?

# %%
# Your answer: tag digits, choose on the training text, score on the held-out text
# your code here

# %% [markdown]
# ## Exercise 2.5 (open): do better labels choose another neuron?
#
# **You learn** how much the answer depends on the labels. **Time:** about 15 minutes. No check.
#
# `lk.tag_proper_nouns(tokens, tokenizer, rule="word")` tags every piece of a name and is not
# fooled by sentence starts (F1 about 0.99 against hand labels, the lecture's rule about 0.84). Run
# your `choose_and_score` with these labels. Same neuron? Better held-out AUROC?

# %%
# Your answer: choose_and_score with the word rule's tags
# your code here

# %% [markdown]
# What this notebook cost: the most memory its Python process has held at once, beside Colab's free tier.

# %%
print(lk.peak_memory())
