"""Controls and uncertainty against independent references: sklearn, scipy, statsmodels, literal loops."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import statsmodels.api as sm
import torch
from scipy import stats
from sklearn.metrics import roc_auc_score

import lessonkit
from lessonkit.beyond import controls, uncertainty

NOTEBOOK_03 = Path(__file__).resolve().parents[1] / "notebooks" / "03_is_it_really_a_proper_noun_neuron.py"
NOTEBOOK_03_BLOCK = 128  # notebook 03: "a block bootstrap (blocks of 128 neighbouring tokens resampled ...)"

TEXTS = [" The", " city", " of", " Paris", ".", " It", " is", "\n", "In", " London", ":", " Big", " Ben", " is", " a"]


def planted(seed=0, n=400, neurons=8):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    x = np.round(rng.normal(size=(n, neurons)), 1)  # rounded: ties happen
    x[:, 1] += 1.2 * y
    return x, y


# ---- simple features -------------------------------------------------------------------------------

def test_capitalised_and_sentence_start_as_written_out():
    assert lessonkit.is_capitalised(TEXTS).tolist() == [t.strip()[:1].isupper() for t in TEXTS]
    expected = [True] + [TEXTS[i - 1].rstrip(" ").endswith((".", "!", "?", ":")) or "\n" in TEXTS[i - 1]
                         for i in range(1, len(TEXTS))]
    assert lessonkit.is_sentence_start(TEXTS).tolist() == expected
    assert lessonkit.is_sentence_start(TEXTS)[[5, 8, 11]].all()  # after ".", after a line break, after ":"


def test_feature_auroc_is_sklearns():
    x, y = planted()
    assert lessonkit.feature_auroc(x[:, 1], y) == pytest.approx(roc_auc_score(y, x[:, 1]))
    flags = x[:, 1] > 0.5
    assert lessonkit.feature_auroc(flags, y) == pytest.approx(roc_auc_score(y, flags))


def test_token_identity_scores_as_a_lookup_table():
    train_ids, train_labels = np.array([5, 5, 7, 9, 5, 7]), np.array([1, 0, 1, 0, 1, 1])
    test_ids = np.array([5, 7, 9, 11])
    table = {}
    for token, label in zip(train_ids, train_labels):
        table.setdefault(token, []).append(label)
    expected = [np.mean(table[t]) if t in table else train_labels.mean() for t in test_ids]
    np.testing.assert_allclose(lessonkit.token_identity_scores(train_ids, train_labels, test_ids), expected)


def test_auroc_within_a_mask_is_sklearn_on_those_tokens():
    x, y = planted()
    mask = x[:, 3] > -0.3
    got = lessonkit.auroc_within(x, y, mask)
    expected = [roc_auc_score(y[mask], x[mask, j]) for j in range(x.shape[1])]
    np.testing.assert_allclose(got, expected)
    with pytest.raises(ValueError, match="one class"):
        lessonkit.auroc_within(x, y, y == 1)


def test_position_profile_as_a_loop():
    values = np.arange(10.0)
    profile = lessonkit.position_profile(values, pass_length=4, edges=(0, 1, 2, 4))
    assert profile["positions"] == ["0", "1", "2-3"]
    groups = {0: [], 1: [], 2: []}
    for i, v in enumerate(values):
        p = i % 4
        groups[0 if p == 0 else 1 if p == 1 else 2].append(v)
    np.testing.assert_allclose(profile["mean"], [np.mean(groups[k]) for k in range(3)])
    assert profile["count"].tolist() == [3, 3, 4]


# ---- uncertainty -----------------------------------------------------------------------------------

def delong_by_pairs(x, y):
    """DeLong's structural components written out as loops over every (positive, negative) pair."""
    pos, neg = x[y == 1], x[y == 0]
    psi = lambda a, b: 1.0 if a > b else 0.5 if a == b else 0.0  # noqa: E731
    v10 = np.array([np.mean([psi(p, q) for q in neg]) for p in pos])
    v01 = np.array([np.mean([psi(p, q) for p in pos]) for q in neg])
    return v10.mean(), np.sqrt(v10.var(ddof=1) / len(pos) + v01.var(ddof=1) / len(neg))


def test_auroc_ci_is_delongs_interval():
    x, y = planted(n=150)
    area, low, high = lessonkit.auroc_ci(x[:, 1], y)
    expected_area, se = delong_by_pairs(x[:, 1], y)
    assert area == pytest.approx(expected_area) == pytest.approx(roc_auc_score(y, x[:, 1]))
    assert (low, high) == pytest.approx((area - 1.959964 * se, area + 1.959964 * se), abs=1e-6)


def test_auroc_ci_width_agrees_with_a_bootstrap():
    x, y = planted(n=400, seed=3)
    area, low, high = lessonkit.auroc_ci(x[:, 1], y)
    rng = np.random.default_rng(0)
    boot = []
    for _ in range(400):
        pick = rng.integers(0, len(y), len(y))
        if 0 < y[pick].sum() < len(y):
            boot.append(roc_auc_score(y[pick], x[pick, 1]))
    assert (high - low) / 2 == pytest.approx(1.96 * np.std(boot), rel=0.2)


def test_auroc_ci_is_clipped_to_the_possible_aurocs():
    """Near-perfect and near-reversed neurons on few tokens: DeLong's normal interval crosses 1 (or 0)."""
    y = np.array([1, 1, 1, 0, 0, 0, 0])
    for x in (np.array([5.0, 6.0, 2.5, 1.0, 2.0, 3.0, 0.0]), -np.array([5.0, 6.0, 2.5, 1.0, 2.0, 3.0, 0.0])):
        area, se = delong_by_pairs(x, y)
        assert area - 1.96 * se < 0 or area + 1.96 * se > 1  # the interval written out leaves [0, 1]
        got = lessonkit.auroc_ci(x, y)
        assert got == pytest.approx((area, max(0.0, area - 1.959964 * se), min(1.0, area + 1.959964 * se)), abs=1e-6)


def test_auroc_ci_needs_two_tokens_of_each_class_and_a_level_inside_0_1():
    two_each = lessonkit.auroc_ci([2.5, 3.0, 2.0, 0.5], [1, 1, 0, 0])
    assert two_each == pytest.approx((1.0, 1.0, 1.0))  # perfect separation: no spread
    for values, labels in (([1.0, 2.0, 3.0], [1, 0, 0]), ([1.0, 2.0, 3.0], [1, 1, 0])):
        with pytest.raises(ValueError, match="two tokens of each class"):
            lessonkit.auroc_ci(values, labels)
    for level in (95, 1.0, 0.0):
        with pytest.raises(ValueError, match="level"):
            lessonkit.auroc_ci([1.0, 2.0, 3.0, 4.0], [1, 1, 0, 0], level=level)


def block_bootstrap_by_hand(values, y, block, n_boot, seed, auroc=roc_auc_score):
    """Every replicate's AUROC from the resampled blocks themselves (the docstring's draws: replicate r
    takes blocks ``default_rng(seed).integers(0, n_blocks, (n_boot, n_blocks))[r]``); a replicate
    without a token of both classes has none."""
    blocks = [np.arange(start, min(start + block, len(y))) for start in range(0, len(y), block)]  # the last one shorter
    picks = np.random.default_rng(seed).integers(0, len(blocks), (n_boot, len(blocks)))
    boot = []
    for row in picks:
        take = np.concatenate([blocks[b] for b in row])
        if 0 < y[take].sum() < len(take):
            boot.append(auroc(y[take], values[take]))
    return np.array(boot)


def mann_whitney_auroc(y, values):
    """The AUROC as Mann-Whitney's U over n1 * n0, from midranks (ties count half)."""
    ranks, n1 = stats.rankdata(values), int(y.sum())
    return (ranks[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * (len(y) - n1))


def test_block_bootstrap_auroc_is_a_literal_loop_over_resampled_blocks():
    x, y = planted(n=230, seed=5)
    values = np.round(x[:, 1], 1)  # many ties
    area, low, high = lessonkit.block_bootstrap_auroc(values, y, block=20, n_boot=200, seed=4)
    boot = block_bootstrap_by_hand(values, y, block=20, n_boot=200, seed=4)
    assert area == pytest.approx(roc_auc_score(y, values))
    assert (low, high) == pytest.approx(tuple(np.quantile(boot, [0.025, 0.975])), abs=1e-12)


def test_block_bootstrap_defaults_are_notebook_03s_blocks_and_1000_replicates_from_seed_0():
    """The notebook calls it with its seed only: its prose's block length must be the default. The
    replicates and seed are the signature's (what help() shows); the level is 95%."""
    rng = np.random.default_rng(8)
    y = (rng.random(1500) < 0.3).astype(int)  # 12 blocks of 128, the last one shorter
    values = rng.normal(size=1500) + 0.7 * y
    boot = block_bootstrap_by_hand(values, y, block=NOTEBOOK_03_BLOCK, n_boot=1000, seed=0, auroc=mann_whitney_auroc)
    expected = (roc_auc_score(y, values), *np.quantile(boot, [0.025, 0.975]))
    assert lessonkit.block_bootstrap_auroc(values, y) == pytest.approx(expected, abs=1e-12)
    assert lessonkit.block_bootstrap_auroc(values, y, seed=42) != pytest.approx(expected, abs=1e-6)  # the seed matters


def test_notebook_03_says_the_block_length_its_calls_use():
    if not NOTEBOOK_03.exists():
        pytest.skip("the notebooks are not in this copy of the tests (the mutation run's)")
    text = NOTEBOOK_03.read_text()
    assert re.search(r"blocks of (\d+) neighbouring tokens", text).group(1) == str(NOTEBOOK_03_BLOCK)
    calls = re.findall(r"block_bootstrap_auroc\(([^()]*(?:\([^()]*\)[^()]*)*)\)", text)
    assert calls and not any("block=" in call for call in calls)  # every call takes the default


def test_block_bootstrap_checks_each_argument_alone_and_takes_the_smallest_legal_ones():
    rng = np.random.default_rng(6)
    y = np.tile([1, 0, 0, 1, 0], 8)  # both classes in every 5 tokens
    values = rng.normal(size=40) + y
    for bad in ({"level": 0.0}, {"level": 1.0}, {"n_boot": 9}, {"block": 0}):
        with pytest.raises(ValueError, match="level must lie between 0 and 1, n_boot be at least 10 and block at least 1"):
            lessonkit.block_bootstrap_auroc(values, y, **{"block": 5, **bad})
    for block, labels in ((40, y), (64, y), (5, np.ones(40, int)), (5, np.zeros(40, int))):  # one block; one class
        with pytest.raises(ValueError, match="at least two blocks and both classes"):
            lessonkit.block_bootstrap_auroc(values, labels, block=block)
    for block, n_boot in ((20, 10), (39, 10), (1, 10)):  # exactly two blocks (one of a single token), 10 replicates
        boot = block_bootstrap_by_hand(values, y, block=block, n_boot=n_boot, seed=3)
        expected = (roc_auc_score(y, values), *np.quantile(boot, [0.05, 0.95]))
        got = lessonkit.block_bootstrap_auroc(values, y, block=block, n_boot=n_boot, seed=3, level=0.9)
        assert got == pytest.approx(expected, abs=1e-12)


def test_block_bootstrap_of_flags_and_counts_is_that_of_their_floats():
    """A feature (capitalised: yes/no) or a count is scored like any activation; ties count half."""
    x, y = planted(n=300, seed=9)
    for values in (x[:, 1] > 0.4, np.round(2 * x[:, 1]).astype(np.int8), np.round(2 * x[:, 1]).astype(np.uint8)):
        boot = block_bootstrap_by_hand(values.astype(float), y, block=25, n_boot=100, seed=2)
        expected = (roc_auc_score(y, values.astype(float)), *np.quantile(boot, [0.025, 0.975]))
        assert lessonkit.block_bootstrap_auroc(values, y, block=25, n_boot=100, seed=2) == pytest.approx(expected, abs=1e-12)


def test_block_bootstrap_leaves_out_replicates_without_a_positive_quietly():
    y = np.zeros(200, int)
    y[[3, 7, 12, 18]] = 1  # every positive in the first of ten blocks: most replicates draw none
    values = np.random.default_rng(4).normal(size=200) + y
    boot = block_bootstrap_by_hand(values, y, block=20, n_boot=50, seed=1)
    assert 0 < len(boot) < 50
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning reaches the notebook
        got = lessonkit.block_bootstrap_auroc(values, y, block=20, n_boot=50, seed=1)
    assert got == pytest.approx((roc_auc_score(y, values), *np.quantile(boot, [0.025, 0.975])), abs=1e-12)


def test_block_bootstrap_is_wider_when_neighbours_repeat_each_other():
    rng = np.random.default_rng(2)
    y = np.repeat(rng.random(150) < 0.2, 8)  # each label and value repeated over 8 neighbouring tokens
    x = np.repeat(rng.normal(size=150), 8) + 0.8 * y
    _, low, high = lessonkit.auroc_ci(x, y)
    _, block_low, block_high = lessonkit.block_bootstrap_auroc(x, y, block=32, n_boot=400)
    assert (block_high - block_low) > 1.8 * (high - low)  # DeLong counts 1,200 tokens; there are 150 draws
    _, one_low, one_high = lessonkit.block_bootstrap_auroc(x[::8], y[::8], block=1, n_boot=400)
    _, de_low, de_high = lessonkit.auroc_ci(x[::8], y[::8])
    assert (one_high - one_low) == pytest.approx(de_high - de_low, rel=0.25)  # independent tokens: the two agree
    with pytest.raises(ValueError, match="two blocks"):
        lessonkit.block_bootstrap_auroc(x[:10], y[:10], block=32)


def test_rank_in_null_written_out():
    null = np.array([0.1, 0.5, 0.3, 0.5, -0.2])
    result = lessonkit.rank_in_null(0.5, null)
    assert (result["rank"], result["of"]) == (3, 6)  # two null values reach 0.5: ties count against it
    assert result["p"] == pytest.approx(3 / 6)
    assert result["share_below"] == pytest.approx(3 / 5)
    assert result["z"] == pytest.approx((0.5 - null.mean()) / null.std(ddof=1))
    assert lessonkit.rank_in_null(9.0, null)["p"] == pytest.approx(1 / 6)  # the smallest p five draws allow
    assert result["null_max"] == max(null.tolist())  # notebook 03's "null largest"
    with pytest.raises(ValueError, match="finite"):
        lessonkit.rank_in_null(np.nan, null)


def test_rank_in_null_refuses_each_bad_input_alone():
    for observed, null in ((0.5, []), (0.5, [0.1, np.nan, 0.3]), (0.5, [0.1, np.inf]), (np.nan, [0.1, 0.3]),
                           (np.inf, [0.1, 0.3])):
        with pytest.raises(ValueError, match="needs a finite observed value and at least one finite null value"):
            lessonkit.rank_in_null(observed, null)


def test_rank_in_null_of_one_and_of_two_null_values():
    """One null value has no sd (n - 1 = 0): z is NaN, without a warning; two have |a - b| / sqrt(2)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning reaches the notebook
        one = lessonkit.rank_in_null(0.5, [0.7])
    assert (one["rank"], one["of"], one["p"], one["share_below"], one["null_max"]) == (2, 2, 1.0, 0.0, 0.7)
    assert np.isnan(one["z"])
    two = lessonkit.rank_in_null(0.5, [0.2, -0.1])
    assert (two["rank"], two["of"], two["p"], two["share_below"], two["null_max"]) == (1, 3, pytest.approx(1 / 3), 1.0, 0.2)
    assert two["z"] == pytest.approx((0.5 - 0.05) / (0.3 / np.sqrt(2)))


def test_rank_in_null_compares_a_float32_null_with_the_observed_value_as_it_is():
    """Effects measured in float32 (torch's) beside an observed float64: 1 + 1e-9 lies above 1."""
    null = np.float32([1.0, 0.0, 2.0, 1.0])
    observed = 1.0 + 1e-9
    result = lessonkit.rank_in_null(observed, torch.from_numpy(null))
    at_least = sum(float(v) >= observed for v in null)
    assert (result["rank"], result["p"]) == (1 + at_least, pytest.approx((1 + at_least) / 5)) == (2, pytest.approx(2 / 5))
    mean = sum(float(v) for v in null) / 4
    sd = np.sqrt(sum((float(v) - mean) ** 2 for v in null) / 3)
    assert result["z"] == pytest.approx((observed - mean) / sd, rel=1e-12, abs=1e-12)


def test_standardized_effect_as_written_out():
    x, y = planted()
    d = lessonkit.standardized_effect(x, y)
    for j in range(x.shape[1]):
        a, b = x[y == 1, j], x[y == 0, j]
        pooled = np.sqrt(((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (len(a) + len(b) - 2))
        assert d[j] == pytest.approx((a.mean() - b.mean()) / pooled)
    assert lessonkit.standardized_effect(10 * x, y) == pytest.approx(d)  # no units, unlike beta


def test_standardized_effect_in_float64_whatever_comes_in_and_quiet_on_a_dead_neuron():
    x, y = planted()
    x[:, 2] = 1.5  # a neuron that never changes: 0 / 0
    x[:, 3] = y + 1.0  # constant within each class: 1 / 0
    single = x.astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning reaches the notebook
        d = lessonkit.standardized_effect(torch.from_numpy(single), y)
    a, b = single[y == 1].astype(np.float64), single[y == 0].astype(np.float64)
    pooled = np.sqrt(((len(a) - 1) * a.var(0, ddof=1) + (len(b) - 1) * b.var(0, ddof=1)) / (len(x) - 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        np.testing.assert_allclose(d, (a.mean(0) - b.mean(0)) / pooled, rtol=1e-12)
    assert np.isnan(d[2]) and d[3] == np.inf
    with pytest.raises(ValueError, match="one label per token"):
        lessonkit.standardized_effect(x[:, 0], y)  # one neuron: still [tokens, neurons]
    with pytest.raises(ValueError, match="one label per token"):
        lessonkit.standardized_effect(x, y[:-1])


def test_permutation_null_repeats_the_lectures_test_on_each_shuffle():
    """Every shuffle by hand (numpy's generator from the seed, statsmodels per neuron), also at a loose
    alpha where shuffled labels do pass now and then: a null of zeros, or one shuffle reused, shows."""
    x, y = planted(n=120, neurons=6)
    rng, pvalues = np.random.default_rng(7), []
    for _ in range(6):
        shuffled = rng.permutation(y)
        pvalues.append([sm.Logit(shuffled, sm.add_constant(x[:, j])).fit(disp=0).pvalues[1] for j in range(6)])
    counts = [sum(p < 0.5 / 6 for p in shuffle) for shuffle in pvalues]  # Bonferroni at alpha .5
    assert len(set(counts)) > 1  # the shuffles differ
    assert lessonkit.permutation_null(x, y, n_permutations=6, seed=7, alpha=0.5).tolist() == counts
    lecture = [sum(p < 0.05 / 6 for p in shuffle) for shuffle in pvalues]
    assert lessonkit.permutation_null(x, y, n_permutations=6, seed=7).tolist() == lecture  # alpha: the lecture's .05
    defaults = lessonkit.permutation_null(x, y, alpha=0.5)  # 20 shuffles from seed 0
    assert defaults.tolist() == lessonkit.permutation_null(x, y, n_permutations=20, seed=0, alpha=0.5).tolist()
    assert defaults.tolist() != lessonkit.permutation_null(x, y, n_permutations=20, seed=1, alpha=0.5).tolist()


def fits_by_seed(x, y, seeds):
    """(betas, p-values) of the lecture's regression per neuron on each seed's sample, by hand."""
    fits = []
    for seed in seeds:
        positives, negatives = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
        sample = np.r_[positives, np.random.default_rng(seed).choice(negatives, size=len(positives), replace=False)]
        done = [sm.Logit(y[sample], sm.add_constant(x[sample, j])).fit(disp=0) for j in range(x.shape[1])]
        fits.append((np.array([f.params[1] for f in done]), np.array([f.pvalues[1] for f in done])))
    return fits


def significance_written_out(fits, alpha=0.05):
    """Per seed: which neurons pass p < alpha / neurons, the passing neuron with the largest positive
    beta (-1: none); and how many neurons pass with some seeds and fail with others."""
    significant, top = [], []
    for beta, p in fits:
        passing = [bool(value < alpha / len(p)) for value in p]
        candidates = [(beta[j], j) for j in range(len(p)) if passing[j] and beta[j] > 0]
        significant.append(passing)
        top.append(max(candidates)[1] if candidates else -1)
    changed = sum(len({row[j] for row in significant}) == 2 for j in range(len(significant[0])))
    return significant, top, changed


def test_significance_by_seed_as_a_statsmodels_loop():
    x, y = planted(n=300, neurons=4)
    x[:, 2] = 0.1 * x[:, 2] + 0.03 * y  # steep but borderline: significant with some samples only
    x[:, 3] = 0.1 * x[:, 3] - 0.03 * y
    seeds = [0, 1, 2, 3, 4]
    fits = fits_by_seed(x, y, seeds)
    significant, top, changed = significance_written_out(fits)
    assert set(top) == {1, 2} and changed == 2  # the case needs every part of the answer
    result = lessonkit.significance_by_seed(x, y, seeds=seeds)
    assert result["significant"].tolist() == significant
    assert result["top_positive"] == top and result["changed"] == changed
    assert lessonkit.significance_by_seed(100 * x, y, seeds=seeds)["top_positive"] == top  # betas below 1: the same choice
    loose = significance_written_out(fits, alpha=0.5)
    assert loose != (significant, top, changed)
    result = lessonkit.significance_by_seed(x, y, seeds=seeds, alpha=0.5)
    assert (result["significant"].tolist(), result["top_positive"], result["changed"]) == loose
    noise = np.random.default_rng(1).normal(size=(300, 3))
    significant, top, changed = significance_written_out(fits_by_seed(noise, y, [0, 1]))
    assert top == [-1, -1]  # no neuron passes: no choice
    result = lessonkit.significance_by_seed(noise, y, seeds=[0, 1])
    assert (result["significant"].tolist(), result["top_positive"], result["changed"]) == (significant, top, changed)


def test_names_are_exported():
    assert lessonkit.auroc_ci is uncertainty.auroc_ci and lessonkit.feature_auroc is controls.feature_auroc
