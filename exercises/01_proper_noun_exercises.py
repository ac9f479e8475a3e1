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
# # Exercises: proper noun tuning
#
# Four short exercises on the lecture's steps, each followed by a check that runs your code on small
# cases and gives a hint when something is off. Replace each `raise NotImplementedError` with your
# code and run the check below it. A fifth, open exercise has no check.
#
# Stuck? `exercises/solutions/` has the same notebook, solved.

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

# %% [markdown]
# ## Exercise 1: the lecture's tagging rule
#
# Write `lecture_rule(token_texts)`: given the decoded tokens of a text (`[" Robert", " B", "oul",
# "ter", " is", ...]`), return 1 for each token the lecture calls a proper noun, else 0. The rule:
# the decoded text is longer than 2 characters, its first non-space character is upper case, and the
# previous token does not end in `.`, `!`, `?` or `:`. The first token is never tagged.

# %%
def lecture_rule(token_texts: list[str]) -> list[int]:
    raise NotImplementedError


checks.check_lecture_rule(lecture_rule)

# %% [markdown]
# ## Exercise 2: Bonferroni
#
# With 4,096 neurons tested at once, some p-values fall below .05 by chance alone. Write
# `bonferroni_significant(pvalues, alpha)`: True where a p-value passes the lecture's corrected
# threshold.

# %%
def bonferroni_significant(pvalues: np.ndarray, alpha: float = 0.05) -> np.ndarray:
    raise NotImplementedError


checks.check_bonferroni(bonferroni_significant)

# %% [markdown]
# ## Exercise 3: AUROC by hand
#
# A p-value says a neuron's activation is *related* to the label; the AUROC says how *well* it
# separates the classes: the chance that a random proper noun makes the neuron more active than a
# random other token (ties count half). Write `auroc_one(x, y)` for one neuron, `x` the activations
# and `y` the 0/1 labels.

# %%
def auroc_one(x: np.ndarray, y: np.ndarray) -> float:
    raise NotImplementedError


checks.check_auroc(auroc_one)

# %% [markdown]
# ## Exercise 4: choose on one text, score on another
#
# The real activations of layer 18 on the lecture's first 1,024 tokens (training) and the next 1,024
# (held-out). Write `choose_and_score`: fit the lecture's regression (`lk.balanced_sample` with
# `seed=42`, then `lk.fit_logit`) on the training text, take the Bonferroni-significant neuron with
# the largest positive beta, and return it with its AUROC on **all** held-out tokens (`lk.auroc`).

# %%
model, tokenizer = lk.load_model()
tokens = lk.load_wikitext_tokens(tokenizer)
labels = lk.tag_proper_nouns(tokens, tokenizer)
layer = 18
acts = lk.capture_mlp(model, tokens[:, :2048], layers=layer)[layer].numpy()
train_x, heldout_x = acts[:1024], acts[1024:]
train_y, heldout_y = labels[:1024], labels[1024:2048]
print("training:", train_x.shape, " held-out:", heldout_x.shape)

# %%
def choose_and_score(train_x, train_y, heldout_x, heldout_y) -> tuple[int, float]:
    raise NotImplementedError


checks.check_heldout_choice(choose_and_score, train_x, train_y, heldout_x, heldout_y)

# %% [markdown]
# ## Exercise 5 (open): a neuron for numbers?
#
# Change the question: instead of proper nouns, tag tokens that contain a digit (` 2004`, ` 1`,
# `1990s`...). Which layer-18 neuron predicts them best, and does it generalize to the held-out text?
# There is no check: compare your answer with a neighbour's.

# %%
# your code here
