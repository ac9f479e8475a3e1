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
# # Is it really a proper-noun neuron? Controls, uncertainty and a causal test
#
# The lecture finds MLP neurons whose activation predicts its proper-noun tags, picks the one with
# the largest slope in layer 18, and calls it tuned to proper nouns. This notebook asks what a
# careful researcher asks before believing that:
#
# 1. **Baselines and the confound** -- how well do simple features (a capital letter, the position in
#    the sentence, the token itself) predict the tags? Does any neuron still work *among capitalised
#    tokens only*? What does the position in the forward pass do?
# 2. **Ranking and uncertainty** -- is the largest beta the best neuron? How many neurons pass
#    Bonferroni when the labels mean nothing? How wide are the AUROC intervals, when neighbouring
#    tokens are not independent? Does another random sample choose the same neurons?
# 3. **A causal test** -- switch the neuron off: does the model get worse at proper nouns, more than
#    when any of 200 random neurons of the same layer is switched off?
# 4. **What the neuron writes** -- which next tokens it pushes up.
# 5. **A neuron page** -- where it fires over the whole text.
# 6. **One neuron or many?** -- sparse probes with 1 to 16 neurons against the whole layer.
# 7. **What we can conclude**, with the numbers printed above.
#
# Two rules hold throughout. **Every choice -- layer, neuron, k, direction -- is made on the training
# text alone**; the held-out text only checks it (choosing by held-out scores would make them
# training scores). And **one AUROC convention**: an AUROC is the chance that a proper noun's
# activation lies above another token's ("proper nouns above"; 0.5 is chance). A neuron that fires
# *less* on proper nouns has an AUROC below 0.5, and the tables say so; where neurons of both
# directions are ranked, the distance from 0.5 counts. Every statistic comes from a lessonkit
# function tested against an independent reference (statsmodels, scipy, scikit-learn, or a literal loop).

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
import os
import time

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

import lessonkit as lk

SEED = 42
started = time.perf_counter()


def in_words(area: float) -> str:
    """An AUROC (proper nouns above) with its direction said: below 0.5 the neuron fires less on proper nouns."""
    return f"{area:.3f}" if area >= 0.5 else f"{area:.3f} (fires less: 1 - AUROC = {1 - area:.3f})"


model, tokenizer = lk.load_model()
n_layers, n_neurons = lk.mlp_shape(model)
lk.model_card(model, tokenizer)

# %% [markdown]
# ## The texts, and the lecture's result recomputed
#
# The **training text** is the lecture's first 1,024 tokens: the start of WikiText's first article.
# The **held-out text** starts at the first article the training text does not touch and runs to the
# end of the selection. (Text right after the training tokens would not be new: WikiText's lead
# paragraph retells the article's body, and whole phrases come back word for word.) Every layer is
# recorded on both texts; the training text in float32, exactly as in notebook 01, so the lecture's
# numbers agree to the last digit; the held-out text in float16, half the memory (AUROCs depend only on
# the order of the values; the next cell measures what float16 does to them). At gpt2-medium's
# shape (24 x 4,096 neurons) that is about 2.3 GB for the whole text (printed below): on Colab's GPU it
# stays in the GPU's memory (15 GB on a T4), on a CPU runtime it is RAM (12.7 GB on the free tier);
# the last cell prints the most memory the notebook needed.

# %%
tokens = lk.load_wikitext_tokens(tokenizer)
article, titles = lk.wikitext_articles(tokenizer)
train, held = lk.split_by_article(article, 1024)
ids = tokens[0].numpy()
texts = lk.token_texts(tokens, tokenizer)
labels = lk.tag_proper_nouns(tokens, tokenizer, rule="lecture")
word_labels = lk.tag_proper_nouns(tokens, tokenizer, rule="word")
train_acts = lk.capture_mlp(model, tokens[:, train])  # float32, like notebook 01
held_acts = lk.capture_mlp(model, tokens[:, held], dtype=torch.float16)
seen_phrases = {tuple(ids[train][i : i + 20]) for i in range(1024 - 19)}
repeated = sum(tuple(ids[held][i : i + 20]) in seen_phrases for i in range(len(ids[held]) - 19))
names_seen = np.isin(ids[held][labels[held] == 1], ids[train][labels[train] == 1])
recorded_bytes = sum(values.numel() * values.element_size() for values in [*train_acts.values(), *held_acts.values()])
print(f"every layer recorded on both texts: {recorded_bytes / 2**30:.2f} GiB on {held_acts[0].device}")
print(f"training text: tokens 0-1,023 of '{titles[article[0]]}', {labels[train].sum()} tagged")
print(f"held-out text: tokens {held.start:,}-{len(ids) - 1:,}, articles "
      f"{', '.join(repr(titles[a]) for a in np.unique(article[held]))}: {len(ids[held]):,} tokens, "
      f"{labels[held].sum():,} tagged; the {held.start - 1024} tokens between belong to neither")
print(f"20-token phrases of the held-out text that also occur in the training text: {repeated}; held-out tags whose "
      f"token was tagged in training too: {names_seen.sum()} of {len(names_seen)} (the same words in new articles)")

# %% [markdown]
# The lecture's choice: the largest positive beta among layer 18's Bonferroni-significant neurons,
# fitted on the balanced sample of the training text (seed 42, as in notebook 01).

# %%
layer = 18
sample = lk.balanced_sample(labels[train], seed=SEED)
fits = lk.fit_logit(train_acts[layer][sample], labels[train][sample])
significant = lk.bonferroni(fits.pvalue)
chosen = int(np.argmax(np.where(significant & (fits.beta > 0), fits.beta, -np.inf)))
layer_auroc = lk.auroc(train_acts[layer], labels[train])
float16_shift = np.abs(lk.auroc(train_acts[layer].half(), labels[train]) - layer_auroc).max()
print(f"layer {layer}: {significant.sum():,} of {n_neurons:,} neurons significant; the lecture's choice is neuron "
      f"{chosen} (beta {fits.beta[chosen]:.3f}, AUROC {layer_auroc[chosen]:.3f} on the training text)")
print(f"float16 moves no training AUROC of layer {layer} by more than {float16_shift:.1e}")

# %% [markdown]
# ## 1. Baselines and the confound
#
# **How hard is the task?** An AUROC of one simple feature against the lecture's tags, on the
# held-out text. *Capitalised*: the token's first letter is upper case. *Capitalised, not at a
# sentence start*: nearly the lecture's rule itself. *Token identity*: how often this very token was
# tagged in the training text (a list of names seen before).

# %%
capital, sentence_start = lk.is_capitalised(texts), lk.is_sentence_start(texts)
identity = lk.token_identity_scores(ids[train], labels[train], ids[held])
chosen_name = f"neuron {layer}/{chosen}, the lecture's choice"
baselines = {
    "capitalised": lk.feature_auroc(capital[held], labels[held]),
    "capitalised, not at a sentence start": lk.feature_auroc((capital & ~sentence_start)[held], labels[held]),
    "token identity (rates from the training text)": lk.feature_auroc(identity, labels[held]),
    chosen_name: lk.auroc(held_acts[layer][:, [chosen]], labels[held])[0],
}
pd.Series(baselines, name="held-out AUROC vs the lecture's tags (proper nouns above)").round(3).to_frame()

# %% [markdown]
# Compare the first row with the last: if a single bit -- "is it capitalised?" -- predicts the
# lecture's tags as well as the chosen neuron, the tags *are* mostly capitalisation, and a
# capital-letter detector would pass the lecture's test.
# The fair question is asked **among capitalised tokens only**: proper nouns against other
# capitalised words (sentence starts, headings, "The"). With the lecture's tags that question is
# still easy for a simple rule -- among capitalised tokens its tags are "longer than 2 characters
# and not after a full stop" -- so we ask it with the word-aware tags, which call a capitalised
# sentence start a name only when it is one.

# %%
held_capital = capital[held]
within_baselines = {
    "lecture's tags: not at a sentence start, longer than 2": lk.feature_auroc(
        (~sentence_start & np.array([len(t) > 2 for t in texts]))[held][held_capital], labels[held][held_capital]),
    "word tags: not at a sentence start": lk.feature_auroc(~sentence_start[held][held_capital], word_labels[held][held_capital]),
    "word tags: token identity": lk.feature_auroc(
        lk.token_identity_scores(ids[train], word_labels[train], ids[held])[held_capital], word_labels[held][held_capital]),
}
print(f"held-out capitalised tokens: {held_capital.sum():,}, of which {word_labels[held][held_capital].sum():,} "
      "are proper nouns by the word rule")
pd.Series(within_baselines, name="held-out AUROC among capitalised tokens (proper nouns above)").round(3).to_frame()

# %% [markdown]
# Now every neuron of every layer. In each layer the **best neuron is chosen on the training text**
# (its AUROC farthest from 0.5, either direction), and only that neuron is then scored on the held-out
# text: for the lecture's tags over all tokens, and for the word tags among capitalised tokens. A
# neuron that fires less on proper nouns shows an AUROC below 0.5 on both texts.

# %%
def best_on_training(layer_index: int) -> dict:
    """Layer ``layer_index``'s best neuron by training AUROC, over all tokens and within capitalised
    tokens, with each one's held-out AUROC (the held-out text never takes part in the choice)."""
    everywhere = lk.auroc(train_acts[layer_index], labels[train])
    within = lk.auroc_within(train_acts[layer_index], word_labels[train], capital[train])
    best, best_within = int(np.argmax(np.abs(everywhere - 0.5))), int(np.argmax(np.abs(within - 0.5)))
    return {"layer": layer_index, "best neuron": best, "fires (all tokens)": lk.auroc_direction(everywhere[best]),
            "training AUROC": everywhere[best], "held-out AUROC": lk.auroc(held_acts[layer_index][:, [best]], labels[held])[0],
            "best within capitalised": best_within, "fires (within)": lk.auroc_direction(within[best_within]),
            "training AUROC within": within[best_within],
            "held-out AUROC within": lk.auroc_within(held_acts[layer_index][:, [best_within]], word_labels[held], held_capital)[0]}


by_layer = pd.DataFrame([best_on_training(L) for L in tqdm(range(n_layers), desc="layers")]).set_index("layer")
by_layer.round(3)

# %% [markdown]
# One neuron for the whole model is then the layer whose best neuron is farthest from 0.5 **on the
# training text** -- and its held-out AUROC is what we report for it, with two 95% intervals: DeLong's
# (every token independent) and a block bootstrap (blocks of 128 neighbouring tokens resampled: the
# pieces of a name and the words of a sentence go together).

# %%
def chosen_across_layers(train_column: str, neuron_column: str) -> tuple[int, int]:
    """The layer (and its neuron) whose training AUROC in ``train_column`` lies farthest from 0.5."""
    best_layer = int((by_layer[train_column] - 0.5).abs().idxmax())
    return best_layer, int(by_layer.loc[best_layer, neuron_column])


top_layer, top_neuron = chosen_across_layers("training AUROC", "best neuron")
top_within_layer, top_within_neuron = chosen_across_layers("training AUROC within", "best within capitalised")
top_values = held_acts[top_layer][:, top_neuron].float()
within_values = held_acts[top_within_layer][held_capital, top_within_neuron].float()
whole_model = pd.DataFrame(
    [[f"{top_layer}/{top_neuron}", "lecture's tags, all tokens", lk.auroc_direction(by_layer.loc[top_layer, "training AUROC"]),
      by_layer.loc[top_layer, "training AUROC"],
      *lk.auroc_ci(top_values, labels[held]), *lk.block_bootstrap_auroc(top_values, labels[held], seed=SEED)[1:]],
     [f"{top_within_layer}/{top_within_neuron}", "word tags, capitalised tokens",
      lk.auroc_direction(by_layer.loc[top_within_layer, "training AUROC within"]), by_layer.loc[top_within_layer, "training AUROC within"],
      *lk.auroc_ci(within_values, word_labels[held][held_capital]),
      *lk.block_bootstrap_auroc(within_values, word_labels[held][held_capital], seed=SEED)[1:]]],
    columns=["layer/neuron", "question", "fires", "training AUROC", "held-out AUROC", "DeLong low", "DeLong high",
             "block low", "block high"]).set_index("layer/neuron")
chosen_within = lk.auroc_within(held_acts[layer][:, [chosen]], word_labels[held], held_capital)[0]
print(f"the lecture's neuron {layer}/{chosen} among capitalised tokens (word tags, held-out): AUROC {chosen_within:.3f}")
whole_model.round(3)

# %% [markdown]
# **Position in the forward pass.** Each pass starts afresh; the first position is special (the
# "attention sink"). The chosen neuron's mean activation by position on the held-out text (its own
# passes of 1,024 tokens), and how many neurons of the layer have their most extreme value at
# position 0:

# %%
profile = lk.position_profile(held_acts[layer][:, chosen])
print(pd.DataFrame({"positions": profile["positions"], "mean activation": profile["mean"].round(3),
                    "tokens": profile["count"]}).to_string(index=False))
def extreme_at_first_position(values: torch.Tensor) -> np.ndarray:
    """Per neuron: is its smallest or largest value at the first position of a pass?"""
    first = np.arange(len(values)) % 1024 == 0
    return ((values[first].min(0).values <= values[~first].min(0).values)
            | (values[first].max(0).values >= values[~first].max(0).values)).cpu().numpy()


extreme_first = extreme_at_first_position(held_acts[layer].float())
print(f"{int(extreme_first.sum()):,} of {n_neurons:,} neurons of layer {layer} reach their extreme at the first "
      f"position of a pass (one in 1,024 held-out tokens)")

# %% [markdown]
# ## 2. Better ranking and honest uncertainty
#
# **Why the largest beta misleads.** Beta is the change in log-odds per *unit* of activation. A
# neuron whose activations barely vary needs a large beta to separate the classes at all, so the
# ranking by beta favours quiet neurons. AUROC and Cohen's d are free of units. The layer's best
# neuron by AUROC (farthest from 0.5, on the training text) beside the lecture's:

# %%
effect_size = lk.standardized_effect(train_acts[layer], labels[train])
best_auroc = int(by_layer.loc[layer, "best neuron"])
activation_sd = train_acts[layer].std(0).cpu().numpy()
comparison = pd.DataFrame({
    "beta": fits.beta[[chosen, best_auroc]], "activation sd": activation_sd[[chosen, best_auroc]],
    "Cohen's d": effect_size[[chosen, best_auroc]], "AUROC (proper nouns above)": layer_auroc[[chosen, best_auroc]],
    "fires": [lk.auroc_direction(layer_auroc[n]) for n in (chosen, best_auroc)],
}, index=[f"largest beta: {chosen}", f"AUROC farthest from 0.5: {best_auroc}"])
rank_of_chosen = int((np.abs(layer_auroc - 0.5) > abs(layer_auroc[chosen] - 0.5)).sum()) + 1
print(f"by distance of its AUROC from 0.5 the lecture's neuron ranks {rank_of_chosen} of {n_neurons:,} in layer {layer}")
comparison.round(3)

# %% [markdown]
# **A shuffled-label null.** Shuffle the labels of the balanced sample, so that no neuron can know
# anything about them, and run the lecture's test again. Bonferroni promises that in at most 5% of
# such runs *any* neuron passes:

# %%
null_counts = lk.permutation_null(train_acts[layer][sample], labels[train][sample], n_permutations=20, seed=SEED)
print(f"neurons passing Bonferroni with shuffled labels, 20 shufflings: {null_counts.tolist()}")
print(f"with the real labels: {significant.sum():,} of {n_neurons:,}")

# %% [markdown]
# Few or no neurons pass with shuffled labels, so the lecture's significance is not luck -- but with
# a couple of hundred proper nouns, very many neurons differ a little between proper nouns and other
# tokens. "Significant" says *there is a difference*, not that it is large or specific to names.
#
# **Confidence intervals.** The lecture's neuron's AUROC with 95% intervals, on the training text
# (where it was chosen, so optimistic) and on the held-out text: DeLong's, which counts every token as
# independent, and the block bootstrap, which does not.

# %%
def intervals_of(part: slice, values: torch.Tensor) -> list:
    """AUROC, DeLong's interval and the block bootstrap's, and the count of proper nouns."""
    return [*lk.auroc_ci(values, labels[part]), *lk.block_bootstrap_auroc(values, labels[part], seed=SEED)[1:],
            int(labels[part].sum())]


intervals = pd.DataFrame([intervals_of(train, train_acts[layer][:, chosen]), intervals_of(held, held_acts[layer][:, chosen].float())],
                         columns=["AUROC", "DeLong low", "DeLong high", "block low", "block high", "proper nouns"],
                         index=["training text", "held-out text"])
intervals.round(3)

# %% [markdown]
# **Stability across samples.** The lecture draws one random comparison sample. With ten seeds:

# %%
by_seed = lk.significance_by_seed(train_acts[layer], labels[train], seeds=range(10))
print(f"neurons significant with some seeds but not others: {by_seed['changed']} of {n_neurons:,}")
print(f"the largest significant beta, seed by seed: neurons {by_seed['top_positive']}")

# %% [markdown]
# ## 3. A causal test: switch the neuron off
#
# `lk.ablate_mlp` sets chosen neurons to zero while the model reads and removes its hooks afterwards.
# The question: does switching the lecture's neuron off hurt the model **at proper nouns more than
# elsewhere**, and more than switching off a random neuron of the same layer does? Measured on the
# first 384 tokens of the held-out text (more would cost more class time than the notebook has: each
# ablation runs the later layers over every token), in two ways, each as (mean change of the loss
# there) minus (mean change elsewhere):
#
# * **the name itself** -- the loss of predicting a tagged token (can the model still guess the name?);
# * **right after** -- the loss of predicting the token after a tagged token (the rest of a name, or
#   what follows it).
#
# The null is **200 random neurons** of the same layer, each switched off on its own: an empirical
# p-value is (1 + the number of random neurons whose effect is at least as large) / 201. Beside the
# lecture's neuron, the layer's best neuron by AUROC, and the **10 best neurons switched off
# together** against 50 random sets of 10. Everything is chosen on the training text.
#
# `lk.ablation_effects` computes what `ablate_mlp` would, one ablation at a time, but many at once:
# the output projection is linear, so switching a neuron off changes that layer's output by a known
# amount; the layers before run once, only the later layers run for every ablation (tested exact
# against `ablate_mlp`).

# %%
ablation_tokens = tokens[:, held][:, :384]
ablation_labels = labels[held][:384].astype(bool)
positions = {"the name itself": np.r_[ablation_labels[1:], False],  # position p predicts token p + 1
             "right after": ablation_labels.copy()}
positions["right after"][-1] = False
elsewhere = ~(positions["the name itself"] | positions["right after"])
elsewhere[-1] = False  # the last token has no next token
top_group = np.argsort(-np.abs(layer_auroc - 0.5), kind="stable")[:10].tolist()  # the layer's 10 best, on training
rng = np.random.default_rng(SEED)
random_neurons = rng.choice(np.setdiff1d(np.arange(n_neurons), [chosen, best_auroc]), size=200, replace=False).tolist()
random_groups = [rng.choice(np.setdiff1d(np.arange(n_neurons), top_group), size=10, replace=False).tolist() for _ in range(50)]
ablations = [chosen, best_auroc, *random_neurons, top_group, *random_groups]
loss_changes = lk.ablation_effects(model, ablation_tokens, layer, ablations, value=0.0, rows_per_pass=64, progress=True)
assert lk.count_hooks(model) == 0
print(f"{positions['the name itself'].sum()} positions predict a tagged token, {positions['right after'].sum()} the "
      f"token after one, {elsewhere.sum()} the rest; {len(ablations)} ablations")

# %%
def causal_row(what: str, where: str, row: int, null_rows: slice) -> dict:
    """One ablation's effect at ``where`` minus elsewhere, ranked among the null ablations' effects."""
    specific = np.nanmean(loss_changes[:, positions[where]], 1) - np.nanmean(loss_changes[:, elsewhere], 1)
    ranked = lk.rank_in_null(specific[row], specific[null_rows])
    return {"switched off": what, "measured at": where, "loss change there": np.nanmean(loss_changes[row, positions[where]]),
            "loss change elsewhere": np.nanmean(loss_changes[row, elsewhere]), "there minus elsewhere": specific[row],
            "rank": f"{ranked['rank']} of {ranked['of']}", "p": ranked["p"], "null largest": ranked["null_max"]}


singles, sets = slice(2, 202), slice(203, None)
causal = pd.DataFrame([causal_row(what, where, row, null) for where in positions for what, row, null in (
    (f"neuron {chosen} (largest beta)", 0, singles), (f"neuron {best_auroc} (best AUROC)", 1, singles),
    ("the 10 best together", 202, sets))])
causal.round(5)

# %% [markdown]
# Read the table row by row: a neuron the model *needs for names* has a positive "there minus
# elsewhere" that few random neurons reach (a small p; with 200 random neurons the smallest possible is
# 1/201 = 0.005). A loss change can also be negative: switching a neuron off can help the prediction at
# some tokens. Six tests are read together, and among six, one p below 0.05 turns up by chance alone
# about one time in four (1 - 0.95^6 = 0.26): the conclusion below counts a test only at p <= 0.05/6.
#
# This is **one stretch** of held-out text with the few names counted above: on another stretch the
# p-values would move, and a verdict that rests on a p-value just under its threshold is fragile. The
# length (384 tokens) was set by class time; to see how much the verdict moves, change it
# (or the start of the stretch) in the cell above and run this section again (more tokens, more time).

# %% [markdown]
# ## 4. What the neuron writes
#
# The neuron adds its value times one direction to the residual stream. Read straight through the
# unembedding, that direction pushes some next tokens up and others down (this ignores what later
# layers do with it):

# %%
lk.promoted_tokens(model, tokenizer, layer, chosen, k=10)

# %% [markdown]
# ## 5. A neuron page
#
# Over both texts (the training tokens and the whole held-out text): the strongest contexts, the
# activation by class -- proper nouns (lecture's tags), other capitalised tokens, everything else --
# and the tokens that drive it most on average.

# %%
page_values = np.r_[train_acts[layer][:, chosen].cpu().numpy(), held_acts[layer][:, chosen].float().cpu().numpy()]
page_texts = texts[train] + texts[held]
lk.neuron_page(page_values, page_texts, np.r_[labels[train], labels[held]], title=f"layer {layer}, neuron {chosen}")

# %% [markdown]
# ## 6. One neuron or many?
#
# Sparse probes (Gurnee et al. 2023): choose the k neurons of a layer whose training AUROCs lie
# farthest from 0.5, fit a logistic regression on them (scikit-learn's problem, unpenalised intercept),
# score it on the held-out text; compare with an L2-regularised probe on all neurons of the layer.
# If one neuron did the job, k = 1 would be about as good as the whole layer. Every sixth layer and the
# last, to keep the notebook quick (the lecture's layer 18 among them). F1 is the probe's own yes/no
# answer (probability above one half, with the classes weighted equally).

# %%
def probe_layer(layer_index: int) -> pd.DataFrame:
    table = lk.sparse_probes(train_acts[layer_index], labels[train], held_acts[layer_index].float(), labels[held])
    return table.assign(layer=layer_index, k=[str(k) if n != "all" else "all" for k, n in zip(table["k"], table["neurons"])])


probed_layers = sorted({*range(0, n_layers, 6), layer, n_layers - 1})
probes = pd.concat([probe_layer(L) for L in tqdm(probed_layers, desc="probed layers")], ignore_index=True)
probes.pivot(index="k", columns="layer", values="heldout_auroc").loc[["1", "2", "4", "8", "16", "all"]].round(3)

# %%
probe_f1 = probes.pivot(index="k", columns="layer", values="heldout_f1").loc[["1", "2", "4", "8", "16", "all"]]
probe_f1.round(3)

# %%
one, whole = probe_f1.loc["1"], probe_f1.loc["all"]
one_wins = [int(L) for L in one.index if one[L] > whole[L]]
probe_layer_choice = int(by_layer.loc[list(one.index), "training AUROC"].sub(0.5).abs().idxmax())
print(f"layer {layer}: held-out F1 {one[layer]:.3f} with one neuron, {whole[layer]:.3f} with all {n_neurons:,}")
print(f"one neuron beats the whole layer in {len(one_wins)} of {len(one)} layers probed {one_wins}")
print(f"the probed layer chosen on training (best single-neuron training AUROC): {probe_layer_choice}, held-out F1 "
      f"{one[probe_layer_choice]:.3f} with its best neuron, {whole[probe_layer_choice]:.3f} with the whole layer")

# %% [markdown]
# ## 7. What we can conclude
#
# The findings, each from the numbers above and worded by them (so the verdicts follow the model
# that runs; with gpt2-medium in Colab they may differ from the offline stand-in's):

# %%
def causal_p(where: str, what: str) -> float:
    """The p-value of one row of the causal table."""
    return float(causal[(causal["measured at"] == where) & causal["switched off"].str.startswith(what)]["p"].iloc[0])


lecture_ps = {where: causal_p(where, f"neuron {chosen}") for where in positions}
group_ps = {where: causal_p(where, "the 10") for where in positions}
corrected = 0.05 / len(causal)  # six tests: Bonferroni's threshold for all of them together
lecture_hits = [where for where, p in lecture_ps.items() if p <= corrected]
name_change = causal.iloc[0]["loss change there"]
beats = "beats" if baselines[chosen_name] > baselines["capitalised"] else "does not beat"
within_top, everywhere_top = whole_model.iloc[1], whole_model.iloc[0]
findings = [
    f"1. Capitalisation: one bit scores AUROC {baselines['capitalised']:.3f} on the lecture's held-out tags; the lecture's "
    f"neuron {in_words(baselines[chosen_name])}, so it {beats} a capital-letter detector.",
    f"2. Beyond capitalisation (word tags, capitalised tokens, held-out): the neuron chosen on training, {top_within_layer}/"
    f"{top_within_neuron}, scores {in_words(within_top['held-out AUROC'])} (block bootstrap {within_top['block low']:.3f}-"
    f"{within_top['block high']:.3f}; {within_top['training AUROC']:.3f} on training), against "
    f"{within_baselines['word tags: not at a sentence start']:.3f} for 'not at a sentence start' and "
    f"{within_baselines['word tags: token identity']:.3f} for token identity; the lecture's neuron {in_words(chosen_within)}.",
    f"3. The best single neuron chosen on training for the lecture's tags, {top_layer}/{top_neuron}, scores "
    f"{in_words(everywhere_top['held-out AUROC'])} held-out ({everywhere_top['training AUROC']:.3f} on training, where it "
    "was the largest of many).",
    f"4. Significance: {significant.sum():,} of {n_neurons:,} neurons pass with real labels, {np.mean(null_counts):.2f} on "
    f"average with shuffled labels; {by_seed['changed']} neurons change verdict between 10 samples.",
    f"5. Ranking: the largest beta (neuron {chosen}, activation sd {activation_sd[chosen]:.2f}) ranks {rank_of_chosen} of "
    f"{n_neurons:,} by AUROC; the best AUROC is neuron {best_auroc} (sd {activation_sd[best_auroc]:.2f}): "
    f"{in_words(layer_auroc[best_auroc])}.",
    f"6. Uncertainty: the lecture's neuron's held-out AUROC is {intervals.loc['held-out text', 'AUROC']:.3f}, 95% "
    f"{intervals.loc['held-out text', 'block low']:.3f}-{intervals.loc['held-out text', 'block high']:.3f} with the block "
    f"bootstrap ({intervals.loc['held-out text', 'DeLong low']:.3f}-{intervals.loc['held-out text', 'DeLong high']:.3f} if "
    "every token were independent).",
    f"7. Causal test (zero ablation, 200 random neurons of layer {layer} as the null, {positions['the name itself'].sum()} "
    f"names in {ablation_tokens.shape[1]} held-out tokens): the lecture's neuron has p = {lecture_ps['the name itself']:.3f} "
    f"for the name itself (loss {name_change:+.4f} nats there) and p = {lecture_ps['right after']:.3f} right after it; the "
    f"10 best together against 50 random sets of 10: p = {group_ps['the name itself']:.3f} and {group_ps['right after']:.3f}. "
    f"With six tests, p <= {corrected:.4f} counts -> " + (
        "switching the lecture's neuron off hurts names more than switching off random neurons does, on both measures "
        f"(a small change: {name_change:+.4f} nats at names): evidence that the model uses it for names, from one text "
        f"of {positions['the name itself'].sum()} names" if len(lecture_hits) == 2 else
        f"switching the lecture's neuron off hurts predicting {lecture_hits[0]} more than switching off random neurons "
        f"does (a small change, {name_change:+.4f} nats at names), not on the other measure: evidence on one measure, "
        f"from one text of {positions['the name itself'].sum()} names" if lecture_hits else
        "no test passes: no evidence that the model needs the lecture's neuron for names") + (
        "; the layer's 10 best neurons, switched off together, hurt names no more than random sets of 10."
        if min(group_ps.values()) > 0.05 else "; the layer's 10 best neurons together stand out from random sets of 10."),
    f"8. One or many: in layer {layer} one neuron reaches held-out F1 {one[layer]:.3f}, the whole layer {whole[layer]:.3f}; "
    f"one neuron beats the whole layer in {len(one_wins)} of {len(one)} layers probed.",
]
print("\n".join(findings))
if model.lessonkit_model["name"] == "smollm2-135m":  # the offline stand-in: the numbers this text was written from
    assert baselines["capitalised"] > baselines[chosen_name]
    assert abs(chosen_within - 0.5) < abs(within_top["held-out AUROC"] - 0.5)  # the training choice separates better
    assert np.mean(null_counts) < 1 and significant.sum() > 100 and by_seed["changed"] > 0
    assert rank_of_chosen > 10 and activation_sd[chosen] < activation_sd[best_auroc]
    assert whole[layer] > one[layer] + 0.1 and len(one_wins) <= 1
    assert intervals.loc["held-out text", "block high"] - intervals.loc["held-out text", "block low"] > (
        intervals.loc["held-out text", "DeLong high"] - intervals.loc["held-out text", "DeLong low"])
    assert max(lecture_ps.values()) <= corrected and min(group_ps.values()) > 0.05

# %% [markdown]
# What the method **can** show: where simple, testable signals live, how big they are, how sure we
# can be of them, and whether switching a neuron off matters more than switching off a random one.
# What it **cannot** show: that a neuron *represents* "proper noun" (the labels come from rules, on
# one corpus, in one model), that the model *needs* it (a small ablation effect can hide behind
# redundant neurons, and a large one can come from a neuron that does many things), or that a
# neuron found by the largest of thousands of statistics is the best one (selection: compare each
# training AUROC with its held-out AUROC above).

# %%
load = f", load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores" if hasattr(os, "getloadavg") else ""
print(f"notebook ran in {time.perf_counter() - started:.0f} s with {model.lessonkit_model['name']}{load}")
print(lk.peak_memory())  # the most memory this process held at once, beside Colab's free tier
