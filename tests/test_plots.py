"""The lecture's figures, checked against the lecture's own encodings, counted from beta and p by numpy."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba

import lessonkit
from lessonkit.plots import layer_profile, minus_log_p


def regression_like(n: int = 400, seed: int = 0) -> dict[str, np.ndarray]:
    """Betas and two-sided p-values as a per-neuron regression gives them, with some strong neurons."""
    from scipy import stats

    rng = np.random.default_rng(seed)
    z = rng.standard_normal(n)
    z[:25] *= 6
    pvalue = 2 * stats.norm.sf(np.abs(z))
    beta = 0.1 * z
    pvalue[[3, n - 1]] = np.nan  # not converged
    pvalue[7] = 0.0  # underflow
    beta[[11, 12, 13]], pvalue[[11, 12, 13]] = [np.inf, np.inf, -np.inf], np.nan  # perfect separation
    return {"beta": beta, "pvalue": pvalue}


def lines_by_style(ax) -> dict[tuple[str, str], object]:
    """The plotted groups of a panel, keyed by (colour, marker) as the lecture's format strings make them."""
    names = {to_rgba("r"): "r", to_rgba("g"): "g", to_rgba("0.55"): "grey"}
    found = {}
    for line in ax.lines:
        if line.get_marker() in ("o", "x", "+", "^", "v"):
            found[names[to_rgba(line.get_color())], line.get_marker()] = line
    return found


@pytest.mark.parametrize("alpha", [0.05, 0.001])
def test_markers_count_what_numpy_counts_from_beta_and_p(alpha):
    result = regression_like()
    beta, p = result["beta"], result["pvalue"]
    by_index, volcano = lessonkit.plot_classifier_results(result, alpha=alpha).axes
    sig = p < alpha / len(beta)  # the lecture's test; NaN is not significant
    finite, has_p = np.isfinite(beta), ~np.isnan(p)
    expected = {("r", "o"): (beta > 0) & finite & sig, ("r", "x"): (beta > 0) & finite & ~sig & has_p,
                ("g", "o"): (beta < 0) & finite & sig, ("g", "x"): (beta < 0) & finite & ~sig & has_p,
                ("grey", "+"): finite & ~has_p, ("r", "^"): beta == np.inf, ("g", "v"): beta == -np.inf}
    left = lines_by_style(by_index)
    for style, mask in expected.items():
        assert len(left[style].get_xdata()) == mask.sum(), style
        if style[1] in "ox":
            np.testing.assert_array_equal(left[style].get_xdata(), np.flatnonzero(mask))
            np.testing.assert_array_equal(left[style].get_ydata(), beta[mask])
            right = lines_by_style(volcano)[style]
            np.testing.assert_array_equal(right.get_xdata(), beta[mask])
            np.testing.assert_allclose(right.get_ydata(), -np.log(np.maximum(p[mask], np.finfo(float).tiny)))
    labels = by_index.get_legend().get_texts()
    assert [t.get_text() for t in labels][:4] == [
        f"Positive and sig. ({expected['r', 'o'].sum()})", f"Positive and non-sig. ({expected['r', 'x'].sum()})",
        f"Negative and sig. ({expected['g', 'o'].sum()})", f"Negative and non-sig. ({expected['g', 'x'].sum()})"]
    assert {"Separated, beta = +inf (2)", "Separated, beta = -inf (1)"} <= {t.get_text() for t in labels}


def test_the_lectures_faces_sizes_threshold_and_layout():
    result = regression_like(n=4096)
    fig = lessonkit.plot_classifier_results(result)
    by_index, volcano = fig.axes
    assert tuple(fig.get_size_inches()) == (12, 4)
    left_cells, right_cells = by_index.get_subplotspec(), volcano.get_subplotspec()
    assert left_cells.get_gridspec().get_geometry() == (1, 4)  # a 1 x 4 grid: 3 columns on the left, 1 on the right
    assert (left_cells.colspan, right_cells.colspan) == (range(0, 3), range(3, 4))
    left, right = lines_by_style(by_index), lines_by_style(volcano)
    for colour in ("r", "g"):
        assert to_rgba(left[colour, "o"].get_markerfacecolor()) == pytest.approx((0.7, 0.7, 0.7, 1))
        assert to_rgba(right[colour, "o"].get_markerfacecolor()) == pytest.approx((0.7, 0.7, 0.7, 0.5))
        assert left[colour, "x"].get_markersize() == right[colour, "x"].get_markersize() == 3
        assert left[colour, "o"].get_linestyle() == "None"
    (threshold,) = [ln for ln in volcano.lines if ln.get_linestyle() == "--"]
    assert to_rgba(threshold.get_color()) == to_rgba("b")
    assert threshold.get_ydata() == pytest.approx([-np.log(0.05 / 4096)] * 2)
    assert threshold.get_label() == "Significance threshold"
    assert by_index.get_xlim() == (-10, 4096 + 9)
    assert (by_index.get_xlabel(), by_index.get_ylabel()) == ("Neuron index", "Beta coefficient")
    assert (volcano.get_xlabel(), volcano.get_ylabel(), volcano.get_title()) == ("Beta coeff", "-log(p)", "Betas by p-values")
    assert by_index.get_title() == "Statistical parameters of proper noun classification"
    for ax in (by_index, volcano):
        assert {t.get_fontsize() for t in ax.get_legend().get_texts()} == {8}


def test_separated_neurons_sit_on_the_edge_of_the_panel():
    by_index = lessonkit.plot_classifier_results(regression_like()).axes[0]
    low, high = by_index.get_ylim()
    up, down = lines_by_style(by_index)["r", "^"], lines_by_style(by_index)["g", "v"]
    assert list(up.get_xdata()) == [11, 12] and set(up.get_ydata()) == {high}
    assert list(down.get_xdata()) == [13] and set(down.get_ydata()) == {low}


def test_p_of_zero_stays_on_the_plot():
    assert np.isfinite(minus_log_p([0.0, 1e-300, 1.0])).all()
    assert minus_log_p([1.0])[0] == 0


def test_accepts_a_result_object_a_dict_and_a_dataframe():
    result = regression_like(n=50)
    figures = [lessonkit.plot_classifier_results(r) for r in
               (result, SimpleNamespace(**result, se=None), pd.DataFrame(result))]
    counts = [{k: len(v.get_xdata()) for k, v in lines_by_style(f.axes[0]).items()} for f in figures]
    assert counts[0] == counts[1] == counts[2]


def test_bad_results_get_clear_errors():
    with pytest.raises(TypeError, match="beta"):
        lessonkit.plot_classifier_results({"pvalue": [0.1]})
    with pytest.raises(ValueError):
        lessonkit.plot_classifier_results({"beta": [1.0, 2.0], "pvalue": [0.1]})
    with pytest.raises(ValueError):
        lessonkit.plot_classifier_results({"beta": [1.0], "pvalue": [0.1]}, alpha=5)


def test_fit_logits_neurons_sit_where_statsmodels_puts_them():
    """Six neurons fitted by lessonkit.fit_logit, drawn: each point is the neuron's statsmodels beta and
    -log(p), in the group of its sign and its significance (p < .05 / 6)."""
    import statsmodels.api as sm

    rng = np.random.default_rng(0)
    y = (rng.standard_normal(200) > 0).astype(float)
    X = rng.standard_normal((200, 6)) + np.outer(y, [1.0, -0.8, 0.25, -0.2, 0.0, 0.5])
    fits = [sm.Logit(y, sm.add_constant(X[:, j])).fit(disp=0) for j in range(6)]
    beta, p = np.array([f.params[1] for f in fits]), np.array([f.pvalues[1] for f in fits])
    by_index, volcano = lessonkit.plot_classifier_results(lessonkit.fit_logit(X, y)).axes
    left, right = lines_by_style(by_index), lines_by_style(volcano)
    groups = {("r", "o"): (beta > 0) & (p < 0.05 / 6), ("r", "x"): (beta > 0) & (p >= 0.05 / 6),
              ("g", "o"): (beta < 0) & (p < 0.05 / 6), ("g", "x"): (beta < 0) & (p >= 0.05 / 6)}
    assert all(mask.any() for mask in groups.values())  # the case fills every group
    for style, mask in groups.items():
        np.testing.assert_array_equal(left[style].get_xdata(), np.flatnonzero(mask))
        np.testing.assert_allclose(left[style].get_ydata(), beta[mask], rtol=1e-6)
        np.testing.assert_allclose(right[style].get_xdata(), beta[mask], rtol=1e-6)
        np.testing.assert_allclose(right[style].get_ydata(), -np.log(p[mask]), rtol=1e-6)


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
