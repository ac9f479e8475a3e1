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
# # Exercises 3: controls and causes
#
# Is the lecture's neuron really a proper-noun neuron? These exercises follow notebook 03
# (`notebooks/03_is_it_really_a_proper_noun_neuron.ipynb`): a control for the simplest rival
# explanation -- capital letters -- and a causal test: switch the neuron off and measure what the
# model loses. As before: write the function, run its check (✔ passed, … not done yet, ✘ a hint); a
# cell with only `# your code here` invites you to try your function on the real model. Solved:
# `exercises/solutions/03_controls_and_causes.ipynb`.
#
# | exercise | notebook 03 | time |
# |---|---|---|
# | 3.1 the capitalisation control | 1 | 15 min |
# | 3.2 the next-token loss | 3 | 10 min |
# | 3.3 switch a neuron off: an ablation hook | 3 | 25 min |
# | 3.4 open: your verdict | 7 | 15 min |
# | 3.5 open: zero or mean? | 3 | 10 min |

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
import torch

import lessonkit as lk
from lessonkit import checks

SEED = 42

# %% [markdown]
# ## The lecture's neuron
#
# The lecture's first 1,024 tokens through the model (one forward pass, layer 18), tagged with the
# lecture's rule and, beside it, with lessonkit's word-aware rule; and the lecture's choice: the
# largest positive beta among layer 18's Bonferroni-significant neurons (seed 42).

# %%
model, tokenizer = lk.load_model()
tokens = lk.load_wikitext_tokens(tokenizer)
texts = lk.token_texts(tokens, tokenizer)
labels = lk.tag_proper_nouns(tokens, tokenizer, rule="lecture")
word_labels = lk.tag_proper_nouns(tokens, tokenizer, rule="word")
layer, batch = 18, slice(0, 1024)
acts = lk.capture_mlp(model, tokens[:, batch], layers=layer)[layer].cpu()  # on the CPU, where numpy reads them
sample = lk.balanced_sample(labels[batch], seed=SEED)
fits = lk.fit_logit(acts[sample], labels[batch][sample])
chosen = int(np.argmax(np.where(lk.bonferroni(fits.pvalue) & (fits.beta > 0), fits.beta, -np.inf)))
print(f"the lecture's choice in layer {layer}: neuron {chosen} (beta {fits.beta[chosen]:.2f}); "
      f"its AUROC for the lecture's tags: {lk.auroc(acts[:, [chosen]], labels[batch])[0]:.3f}")

# %% [markdown]
# ## Exercise 3.1: the capitalisation control
#
# **You learn** to ask a neuron a harder question. The lecture's tags come from a capitalisation
# rule, so a neuron that only detects capital letters would pass its test too. The fair question is
# asked **among capitalised tokens only**: proper nouns against other capitalised words (sentence
# starts, headings, "The", "I"), where a capital letter explains nothing. **Time:** about 15 minutes.
#
# Write `auroc_among_capitalised(values, labels, token_texts)`: keep the tokens whose first
# non-space character is upper case, and return the AUROC of `values` against `labels` among them
# (`lk.auroc(values[keep][:, None], labels[keep])[0]`, or your `auroc_one` from exercise 2.1).
# `values` may be a torch tensor.

# %%
def auroc_among_capitalised(values, labels, token_texts: list[str]) -> float:
    """The AUROC of values for labels, among the capitalised tokens only."""
    ### BEGIN SOLUTION
    values, labels = np.asarray(values, dtype=float), np.asarray(labels)
    keep = np.array([text.strip()[:1].isupper() for text in token_texts])
    return float(lk.auroc(values[keep][:, None], labels[keep])[0])
    ### END SOLUTION


checks.check_capitalisation_control(auroc_among_capitalised)

# %% [markdown]
# How far does one bit, "is it capitalised?", get on the lecture's tags -- and the neuron? Among
# capitalised tokens we use the word-aware tags: with the lecture's own tags, "capitalised, longer
# than 2 characters, not after a full stop" *is* the label, and any neuron would be measured against
# a rule rather than against names.

# %%
capital = lk.is_capitalised(texts[batch])
within = lk.auroc_within(acts, word_labels[batch], capital)  # every neuron of the layer
best = int(np.argmax(np.abs(within - 0.5)))
print(f"capitalised alone, against the lecture's tags: AUROC {lk.feature_auroc(capital, labels[batch]):.3f}")
print(f"among capitalised tokens (word tags): neuron {chosen} {within[chosen]:.3f}; the layer's neuron furthest "
      f"from chance, {best}: {within[best]:.3f} (found on this very text, so optimistic)")

# %%
# Try it: your auroc_among_capitalised for the lecture's neuron (word tags) against lk.auroc_within
### BEGIN SOLUTION
print(f"your control for neuron {chosen}: {auroc_among_capitalised(acts[:, chosen], word_labels[batch], texts[batch]):.4f} "
      f"(lk.auroc_within: {within[chosen]:.4f})")
### END SOLUTION

# %% [markdown]
# ## Exercise 3.2: the next-token loss
#
# **You learn** the number an ablation changes: how surprised the model is by each next token, the
# cross-entropy `-log p(next token)` in nats. **Time:** about 10 minutes.
#
# Write `next_token_loss(logits, token_ids)`: `logits` is the model's output for one text,
# `[n, vocabulary]`, and `token_ids` the text's `n` tokens. The logits at position i predict token
# i + 1, so there are n - 1 losses: turn each position's logits into log-probabilities over the
# vocabulary (`torch.log_softmax(..., dim=-1)`) and take minus the one of the token that came next.

# %%
def next_token_loss(logits: torch.Tensor, token_ids: torch.Tensor) -> torch.Tensor:
    """n - 1 losses (nats): position i's loss of predicting token i + 1."""
    ### BEGIN SOLUTION
    log_probs = torch.log_softmax(logits.float(), dim=-1)[:-1]
    return -log_probs.gather(1, token_ids[1:, None])[:, 0]
    ### END SOLUTION


checks.check_next_token_loss(next_token_loss)

# %% [markdown]
# The text for the causal test: the 128 tokens after the lecture's batch (text that did not choose
# the neuron; a short one, to keep the exercise quick -- notebook 03 uses 1,024). `lk.next_token_losses`
# gives its losses, position by position (NaN at the last).

# %%
piece = tokens[:, 1024:1152]
piece_labels = labels[1024:1152].astype(bool)
clean = lk.next_token_losses(model, piece)
print(f"mean next-token loss on {piece.shape[1]} tokens: {np.nanmean(clean):.3f} nats")

# %%
# Try it: your next_token_loss on the model's logits for `piece` against lk.next_token_losses
### BEGIN SOLUTION
with torch.no_grad():
    logits = model(piece.to(model.device)).logits[0].cpu()
mine = next_token_loss(logits, piece[0]).numpy()
print(f"your losses: {mine.shape[0]}; largest difference from lk.next_token_losses: {np.abs(mine - clean[:-1]).max():.2e}")
### END SOLUTION

# %% [markdown]
# ## Exercise 3.3: switch a neuron off -- an ablation hook
#
# **You learn** the causal test: the lecture *observed* that the neuron's activation goes with
# proper nouns; does the model *use* it? Set the neuron to zero while the model reads, and measure
# how much worse it predicts. **Time:** about 25 minutes.
#
# Write `loss_change_without(model, layer, neuron, token_ids)`: the mean over positions of (loss
# with the neuron at zero) minus (loss as it is), with `lk.next_token_losses` (use `np.nanmean`:
# the last position has no loss). Switch the neuron off with a *forward pre-hook* on the module that
# reads the neurons (given below; GPT-2: `c_proj`, Llama: `down_proj`):
# `handle = module.register_forward_pre_hook(hook)` calls `hook(module, args)` *before* the module
# runs, with `args[0]` its input, `[1, n, neurons]`; return `(new_input,)` to replace it (clone it
# first). Neurons are the last axis. Remove the hook whatever happens, as in exercise 1.1.
#
# The check runs it on two tiny models against `lk.ablate_mlp`, and stops a forward pass half-way
# while your hook is on.

# %%
def loss_change_without(model, layer: int, neuron: int, token_ids: torch.Tensor) -> float:
    """Mean change in next-token loss (nats) when the neuron is set to zero: ablated minus clean."""
    module = lk.mlp_site_modules(model, layer, site="post")[layer].module  # reads the layer's neurons
    ### BEGIN SOLUTION
    clean = lk.next_token_losses(model, token_ids)

    def switch_off(module, args):
        x = args[0].clone()
        x[..., neuron] = 0.0
        return (x, *args[1:])

    handle = module.register_forward_pre_hook(switch_off)
    try:
        ablated = lk.next_token_losses(model, token_ids)
    finally:
        handle.remove()
    return float(np.nanmean(ablated - clean))
    ### END SOLUTION


checks.check_ablation(loss_change_without)

# %% [markdown]
# The lecture's neuron switched off on the 128 new tokens, beside three random neurons of the same
# layer (any neuron switched off costs something: the random ones are the yardstick), with
# lessonkit's `lk.ablate_mlp` -- a `with` block whose hook is gone when it ends. Where it should
# matter -- at a proper noun and right after it -- and elsewhere:

# %%
near_name = piece_labels | np.r_[False, piece_labels[:-1]]
others = np.setdiff1d(np.arange(acts.shape[1]), [chosen])
neurons = [chosen, *np.random.default_rng(SEED).choice(others, size=3, replace=False).tolist()]
changes = []
for neuron in neurons:
    with lk.ablate_mlp(model, {layer: [neuron]}, value=0.0):
        changes.append(lk.next_token_losses(model, piece) - clean)
changes = np.array(changes)  # [neurons, positions]
for neuron, change in zip(neurons, changes):
    print(f"neuron {neuron:5d}{' (the lecture’s)' if neuron == chosen else '               '}: loss change "
          f"{np.nanmean(change[near_name]):+.5f} near names, {np.nanmean(change[~near_name]):+.5f} elsewhere")
assert lk.count_hooks(model) == 0

# %%
# Try it: your loss_change_without for the lecture's neuron on `piece` against lk.ablate_mlp
### BEGIN SOLUTION
print(f"your loss change for neuron {chosen}: {loss_change_without(model, layer, chosen, piece):+.6f} "
      f"(lk.ablate_mlp: {np.nanmean(changes[0]):+.6f}); hooks left: {lk.count_hooks(model)}")
### END SOLUTION

# %% [markdown]
# ## Exercise 3.4 (open): your verdict
#
# **You learn** to say what the evidence supports, and no more. **Time:** about 15 minutes. No
# check: write three sentences, each with a number from this notebook or notebook 03, and compare
# with a neighbour. Is the lecture's neuron a proper-noun neuron, a capital-letter neuron, or
# something else? What would you need to be sure (more text? more random neurons? other models?)

# %%
# Your answer: three sentences, each with a number
### BEGIN SOLUTION
print(f"1. Capitalisation alone scores {lk.feature_auroc(capital, labels[batch]):.3f} on the lecture's tags; "
      f"the neuron {lk.auroc(acts[:, [chosen]], labels[batch])[0]:.3f}.")
print(f"2. Among capitalised tokens (word tags) the neuron scores {within[chosen]:.3f}: "
      f"{'still above' if within[chosen] > 0.6 else 'close to'} chance.")
specific = np.nanmean(changes[:, near_name], axis=1) - np.nanmean(changes[:, ~near_name], axis=1)
rank = int((specific[1:] >= specific[0]).sum()) + 1
print(f"3. Switched off, it ranks {rank} of {len(neurons)} for hurting the loss near names more than elsewhere "
      "-- on 128 tokens and 3 random neurons, far too little to be sure.")
### END SOLUTION

# %% [markdown]
# ## Exercise 3.5 (open): zero or mean?
#
# **You learn** that "switching off" is a choice. **Time:** about 10 minutes. No check.
#
# Zero is not "nothing" for a neuron whose activation is rarely near zero: setting it to zero can
# push the model somewhere it never goes. Mean ablation sets the neuron to its mean over the text
# instead (`lk.ablate_mlp(model, {layer: [neuron]}, value="mean")`). Does the lecture's neuron cost
# the model more or less that way?

# %%
# Your answer: the lecture's neuron with mean ablation, against zero ablation
### BEGIN SOLUTION
with lk.ablate_mlp(model, {layer: [chosen]}, value="mean"):
    mean_change = lk.next_token_losses(model, piece) - clean
print(f"neuron {chosen}: zero ablation {np.nanmean(changes[0]):+.5f} nats, mean ablation {np.nanmean(mean_change):+.5f} "
      f"(near names {np.nanmean(mean_change[near_name]):+.5f})")
### END SOLUTION

# %% [markdown]
# What this notebook cost: the most memory its Python process has held at once, beside Colab's free tier.

# %%
print(lk.peak_memory())
