"""NeuronStats: the explorer's numbers without any widget, against statsmodels and literal loops."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import lessonkit


def planted(seed: int = 0, n: int = 300, neurons: int = 6):
    """Activations where neuron 2 carries the label and neuron 4 carries it backwards."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.25).astype(int)
    x = rng.normal(size=(n, neurons))
    x[:, 2] += 1.5 * y
    x[:, 4] -= 1.0 * y
    return x, y


def hand_sample(y: np.ndarray, seed: int) -> np.ndarray:
    """The lecture's comparison sample, drawn by hand: every positive + as many negatives, numpy's rng."""
    positives, negatives = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    return np.r_[np.random.default_rng(seed).choice(negatives, size=len(positives), replace=False), positives]


def test_statistics_and_top_neurons_match_a_statsmodels_loop():
    import statsmodels.api as sm

    x, y = planted()
    stats = lessonkit.NeuronStats({7: x}, [f" t{i}" for i in range(len(y))], y, seed=3, top_k=3)
    sample = hand_sample(y, 3)
    betas = [sm.Logit(y[sample], sm.add_constant(x[sample, j])).fit(disp=0).params[1] for j in range(x.shape[1])]
    np.testing.assert_allclose(stats.stats(7)["beta"], betas, rtol=1e-6)
    assert stats.top_neurons(7, "beta +") == list(np.argsort(betas)[::-1][:3])
    assert stats.top_neurons(7, "beta -") == list(np.argsort(betas)[:3])
    assert stats.top_neurons(7, "AUROC")[:2] == [2, 4]
    line = stats.summary_line(7, 2)
    assert f"beta = {betas[2]:+.4g}" in line and "(Bonferroni)" in line and "/6" in line


def test_no_widget_library_is_needed():
    code = ("import sys, numpy as np, lessonkit; x = np.random.default_rng(0).normal(size=(40, 3)); "
            "y = np.r_[np.ones(10), np.zeros(30)].astype(int); s = lessonkit.NeuronStats({0: x}, ['a'] * 40, y); "
            "s.summary_line(0, 1); s.heatmap(0, 1); assert 'ipywidgets' not in sys.modules, 'ipywidgets imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_heatmap_scale_leaves_each_texts_first_token_out():
    from matplotlib import cm

    x, y = planted(n=50)
    x[0, 1], held = 40.0, planted(seed=1, n=50)[0]
    held[0, 1] = -40.0  # both first positions are outliers
    stats = lessonkit.NeuronStats({0: x}, ["a"] * 50, y, heldout=({0: held}, ["b"] * 50, y))
    low, high = min(x[1:, 1].min(), held[1:, 1].min()), max(x[1:, 1].max(), held[1:, 1].max())
    figure = stats.heatmap(0, 1, batch="heldout", backend="matplotlib")
    expected = cm.Reds(np.clip((held[:, 1] - low) / (high - low), 0, 1) ** 2)
    np.testing.assert_allclose(figure.axes[0].collections[0].get_facecolors()[:, :3], expected[:, :3], atol=1e-6)


def test_bad_layer_site_and_neuron_are_explained():
    x, y = planted()
    stats = lessonkit.NeuronStats({3: x}, ["a"] * len(y), y)
    with pytest.raises(ValueError, match="not captured"):
        stats.stats(4)
    with pytest.raises(ValueError, match="site"):
        stats.stats(3, site="post")
    with pytest.raises(ValueError, match=r"0\.\.5"):
        stats.check_neuron(3, 6)
    with pytest.raises(ValueError, match="by must be"):
        stats.top_neurons(3, by="p")


def test_one_auroc_convention_with_the_direction_said():
    x, y = planted()
    held, held_y = planted(seed=5)
    stats = lessonkit.NeuronStats({7: x}, [" t"] * len(y), y, heldout=({7: held}, [" u"] * len(held_y), held_y))
    from sklearn.metrics import roc_auc_score

    less = stats.summary_line(7, 4)  # neuron 4 fires less on proper nouns: its AUROC stays below 0.5, said
    assert f"proper nouns above: {roc_auc_score(y, x[:, 4]):.3f} (training), {roc_auc_score(held_y, held[:, 4]):.3f} (held-out)" in less
    assert "it fires less on proper nouns" in less
    assert "it fires more on proper nouns" in stats.summary_line(7, 2)
    labels = stats.top_labels(7, "AUROC")
    assert labels[4].endswith(f"AUROC {roc_auc_score(y, x[:, 4]):.3f} (fires less)") and labels[2].endswith("(fires more)")


def test_the_heatmap_title_names_the_mark_each_backend_draws():
    x, y = planted(n=40)
    stats = lessonkit.NeuronStats({0: x}, ["a"] * 40, y)
    assert "underlined" in stats.heatmap(0, 1).html
    figure = stats.heatmap(0, 1, backend="matplotlib")
    title = " ".join(text.get_text() for text in figure.axes[0].texts)  # the title is drawn as text at the top
    assert "outlined" in title and "underlined" not in title


def test_top_neurons_never_look_at_the_held_out_text():
    x, y = planted()
    held, held_y = planted(seed=5)
    rng = np.random.default_rng(1)
    scrambled = (held[:, rng.permutation(held.shape[1])], rng.permutation(held_y))
    for by in ("beta +", "beta -", "AUROC", "activation"):
        one = lessonkit.NeuronStats({7: x}, ["a"] * len(y), y, heldout=({7: held}, ["b"] * len(held_y), held_y), top_k=4)
        other = lessonkit.NeuronStats({7: x}, ["a"] * len(y), y, heldout=({7: scrambled[0]}, ["b"] * len(held_y), scrambled[1]),
                                      top_k=4)
        assert one.top_neurons(7, by) == other.top_neurons(7, by)
