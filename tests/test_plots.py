"""The lecture's figures encode what the lecture encodes: counted marker by marker against beta and p."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgb
from matplotlib.markers import MarkerStyle

import lessonkit
from lessonkit.plots import CATEGORIES, layer_profile, minus_log_p


def regression_like(n: int = 400, seed: int = 0) -> dict[str, np.ndarray]:
    """Betas and two-sided p-values as a per-neuron regression gives them, with some strong neurons."""
    from scipy import stats

    rng = np.random.default_rng(seed)
    z = rng.standard_normal(n)
    z[:25] *= 6
    pvalue = 2 * stats.norm.sf(np.abs(z))
    pvalue[[3, n - 1]] = np.nan  # not converged
    pvalue[7] = 0.0  # underflow
    return {"beta": 0.1 * z, "pvalue": pvalue}


def manual_counts(beta, pvalue, alpha):
    """The categories counted with a plain loop over neurons."""
    counts = {gid: 0 for gid, *_ in CATEGORIES}
    counts["no-p-value"] = 0
    for b, p in zip(beta, pvalue):
        if np.isnan(p):
            counts["no-p-value"] += 1
            continue
        sign = "positive" if b > 0 else "negative"
        significant = "significant" if p < alpha / len(beta) else "not-significant"
        counts[f"{sign}-{significant}"] += 1
    return counts


def scatter_counts(ax):
    return {c.get_gid(): len(c.get_offsets()) for c in ax.collections if c.get_gid()}


@pytest.mark.parametrize("alpha", [0.05, 0.001])
def test_marker_counts_per_category_match_a_manual_count(alpha):
    result = regression_like()
    fig = lessonkit.plot_classifier_results(result, alpha=alpha)
    by_index, volcano = fig.axes
    expected = manual_counts(result["beta"], result["pvalue"], alpha)
    assert 0 < expected["positive-significant"] and 0 < expected["negative-significant"]
    assert scatter_counts(by_index) == expected
    on_right = dict(expected)
    del on_right["no-p-value"]  # no p-value: nothing to draw against -log(p)
    assert scatter_counts(volcano) == on_right


def test_threshold_line_is_minus_log_of_alpha_over_n():
    result = regression_like(n=4096)
    for alpha in (0.05, 0.01):
        volcano = lessonkit.plot_classifier_results(result, alpha=alpha).axes[1]
        (line,) = [ln for ln in volcano.lines if ln.get_gid() == "threshold"]
        assert line.get_ydata() == pytest.approx([-np.log(alpha / 4096)] * 2)


def test_colours_markers_and_positions_are_the_lectures():
    result = regression_like()
    beta, pvalue = result["beta"], result["pvalue"]
    by_index, volcano = lessonkit.plot_classifier_results(result).axes
    for gid, positive, significant, _, marker, _ in CATEGORIES:
        for ax in (by_index, volcano):
            (points,) = [c for c in ax.collections if c.get_gid() == gid]
            assert to_rgb(points.get_edgecolors()[0]) == pytest.approx(to_rgb("tab:red" if positive else "tab:green"))
            shape = MarkerStyle("o" if significant else "x")
            assert np.allclose(points.get_paths()[0].vertices, shape.get_path().transformed(shape.get_transform()).vertices)
        (left,) = [c for c in by_index.collections if c.get_gid() == gid]
        (right,) = [c for c in volcano.collections if c.get_gid() == gid]
        neurons = left.get_offsets()[:, 0].astype(int)
        np.testing.assert_allclose(left.get_offsets()[:, 1], beta[neurons])
        np.testing.assert_allclose(right.get_offsets(), np.c_[beta[neurons], -np.log(np.maximum(pvalue[neurons], np.finfo(float).tiny))])
        assert all((beta[neurons] > 0) == positive)


def test_p_of_zero_stays_on_the_plot():
    assert np.isfinite(minus_log_p([0.0, 1e-300, 1.0])).all()
    assert minus_log_p([1.0])[0] == 0


def test_accepts_a_result_object_a_dict_and_a_dataframe():
    result = regression_like(n=50)
    figures = [lessonkit.plot_classifier_results(r) for r in
               (result, SimpleNamespace(**result, se=None), pd.DataFrame(result))]
    counts = [scatter_counts(f.axes[0]) for f in figures]
    assert counts[0] == counts[1] == counts[2]


def test_legend_names_every_category_and_fits_the_figure():
    fig = lessonkit.plot_classifier_results(regression_like())
    fig.canvas.draw()
    (legend,) = fig.legends
    labels = [t.get_text() for t in legend.get_texts()]
    assert len(labels) == 6 and any("threshold" in label for label in labels)
    assert fig.bbox.contains(*legend.get_window_extent().min) and fig.bbox.contains(*legend.get_window_extent().max)


def test_bad_results_get_clear_errors():
    with pytest.raises(TypeError, match="beta"):
        lessonkit.plot_classifier_results({"pvalue": [0.1]})
    with pytest.raises(ValueError):
        lessonkit.plot_classifier_results({"beta": [1.0, 2.0], "pvalue": [0.1]})
    with pytest.raises(ValueError):
        lessonkit.plot_classifier_results({"beta": [1.0], "pvalue": [0.1]}, alpha=5)


def test_works_with_the_regression_modules_result():
    regression = pytest.importorskip("lessonkit.regression")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 6))
    y = (X[:, 0] + rng.standard_normal(200) > 0).astype(float)
    result = regression.fit_logit(X, y)
    fig = lessonkit.plot_classifier_results(result)
    assert sum(scatter_counts(fig.axes[0]).values()) == 6


# ---- layer profile -------------------------------------------------------------------------------

def scan_like(seed: int = 0, heldout: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for layer in range(6):
        auroc = rng.uniform(0.3, 0.7, 50)
        auroc[layer] = 0.1 if layer % 2 else 0.9  # a strong neuron, negative in odd layers
        table = {"layer": layer, "neuron": np.arange(50), "beta": rng.standard_normal(50),
                 "pvalue": rng.uniform(size=50), "significant": rng.uniform(size=50) < 0.1 * layer, "auroc": auroc}
        if heldout:
            table["heldout_auroc"] = np.clip(auroc + rng.normal(0, 0.05, 50), 0, 1)
        frames.append(pd.DataFrame(table))
    return pd.concat(frames, ignore_index=True)


def test_layer_profile_matches_a_manual_loop():
    scan = scan_like()
    profile = layer_profile(scan)
    for j, layer in enumerate(range(6)):
        rows = scan[scan.layer == layer]
        assert profile["significant"][j] == rows.significant.sum()
        best_score, best_heldout = -1.0, None
        for _, row in rows.iterrows():
            score = max(row.auroc, 1 - row.auroc)
            if score > best_score:
                best_score = score
                best_heldout = row.heldout_auroc if row.auroc >= 0.5 else 1 - row.heldout_auroc
        assert profile["best_auroc"][j] == pytest.approx(best_score)
        assert profile["best_neuron_heldout_auroc"][j] == pytest.approx(best_heldout)
    assert profile["best_auroc"] == pytest.approx(0.9)  # the planted neuron, either sign


def test_layer_profile_chooses_among_neurons_with_a_heldout_score():
    scan = scan_like()
    scan.loc[scan.neuron > 10, "heldout_auroc"] = np.nan  # held-out scored only for the chosen neurons
    scan.loc[scan.neuron == 20, "auroc"] = 0.99  # best in-sample, but never scored held-out
    profile = layer_profile(scan)
    assert np.isfinite(profile["best_neuron_heldout_auroc"]).all()
    assert profile["best_auroc"] == pytest.approx(0.9)  # the planted neurons 0..5 again, not neuron 20


def test_layer_profile_figure():
    scan = scan_like()
    fig = lessonkit.plot_layer_profile(scan)
    count_ax, auroc_ax = fig.axes
    bars = [p.get_height() for p in count_ax.patches]
    assert bars == list(scan.groupby("layer").significant.sum())
    lines = {ln.get_gid(): ln for ln in auroc_ax.lines}
    assert lines["chance"].get_ydata() == pytest.approx([0.5, 0.5])
    np.testing.assert_allclose(lines["best_auroc"].get_ydata(), layer_profile(scan)["best_auroc"])
    assert "heldout_auroc" in lines
    without = lessonkit.plot_layer_profile(scan_like(heldout=False))
    assert "heldout_auroc" not in {ln.get_gid() for ln in without.axes[1].lines}


def test_layer_profile_accepts_a_dict_and_checks_columns():
    scan = scan_like()
    as_dict = {name: scan[name].to_numpy() for name in scan.columns}
    assert layer_profile(as_dict)["significant"].tolist() == layer_profile(scan)["significant"].tolist()
    with pytest.raises(ValueError, match="auroc"):
        lessonkit.plot_layer_profile(scan.drop(columns="auroc"))


def test_layer_profile_of_the_regression_modules_scan():
    regression = pytest.importorskip("lessonkit.regression")
    if not hasattr(regression, "scan_layers"):
        pytest.skip("scan_layers not written yet")
    rng = np.random.default_rng(0)
    y = rng.uniform(size=300) < 0.3
    acts = {layer: rng.standard_normal((300, 8)) + layer * np.outer(y, np.eye(8)[0]) for layer in range(3)}
    heldout = ({layer: rng.standard_normal((300, 8)) for layer in range(3)}, y)
    scan = regression.scan_layers(acts, y, heldout=heldout)
    fig = lessonkit.plot_layer_profile(scan)
    assert [p.get_height() for p in fig.axes[0].patches] == list(scan.groupby("layer")["significant"].sum())
    assert layer_profile(scan)["best_auroc"][2] > 0.8  # the planted neuron of layer 2
