"""The one door of the fast statistics (lessonkit/fast/__init__.py, ``per_neuron``): each call checks
its data once and chooses its path once, and a scan makes one call a layer (two with held-out text).

The numbers of every path are checked against statsmodels and literal loops in test_regression.py;
here, what goes through the door and how often, with sklearn and statsmodels as the references.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import statsmodels.api as sm
from sklearn.metrics import roc_auc_score

import lessonkit
from lessonkit import fast


def layers(seed: int, n: int = 300, m: int = 12, count: int = 3) -> tuple[dict[int, np.ndarray], np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.25).astype(np.int64)
    return {layer: (rng.normal(size=(n, m)) + y[:, None] * rng.normal(0, 1, m)).astype(np.float32)
            for layer in range(count)}, y  # fmt: skip


@pytest.fixture
def counted(monkeypatch):
    """Counts of what the door does: checks of labels and activations, path choices, engine runs."""
    counts = Counter()

    def counting(name, function):
        def wrapper(*args, **kwargs):
            counts[name] += 1
            return function(*args, **kwargs)

        return wrapper

    for name in ("check_labels", "check_activations", "resolve"):
        monkeypatch.setattr(fast, name, counting(name, getattr(fast, name)))
    real_engine = fast.engine

    def engine(path):
        module = real_engine(path)
        return type("Counted", (), {"fit": staticmethod(counting("fit", module.fit)),
                                    "auroc": staticmethod(counting("auroc", module.auroc))})  # fmt: skip

    monkeypatch.setattr(fast, "engine", engine)
    return counts


def test_a_scan_goes_through_the_door_once_a_layer_and_once_for_its_heldout_text(counted):
    acts, labels = layers(0)
    held, held_labels = layers(1, n=200)
    table = lessonkit.scan_layers(acts, labels, heldout=(held, held_labels))
    # per layer: one call for the fit (on the sample) and the AUROC (on every token), one for the held-out AUROC
    assert counted == {"check_labels": 6, "check_activations": 6, "resolve": 6, "fit": 3, "auroc": 6}
    sample = lessonkit.balanced_sample(labels, seed=42)
    for layer, x in acts.items():
        rows = table[table["layer"] == layer]
        np.testing.assert_allclose(rows["auroc"], [roc_auc_score(labels, x[:, j]) for j in range(x.shape[1])], rtol=1e-12)
        np.testing.assert_allclose(rows["heldout_auroc"], [roc_auc_score(held_labels, held[layer][:, j])
                                                           for j in range(x.shape[1])], rtol=1e-12)  # fmt: skip
        for j in (0, 5):
            fit = sm.Logit(labels[sample], sm.add_constant(x[sample, j].astype(np.float64))).fit(disp=0)
            np.testing.assert_allclose(rows["beta"].iloc[j], fit.params[1], rtol=1e-7)
            np.testing.assert_allclose(rows["pvalue"].iloc[j], fit.pvalues[1], rtol=1e-6)


def test_fit_logit_and_auroc_each_check_their_data_once(counted):
    acts, y = layers(2, count=1)
    x = acts[0]
    lessonkit.fit_logit(x, y)
    lessonkit.auroc(x, y)
    assert counted == {"check_labels": 2, "check_activations": 2, "resolve": 2, "fit": 1, "auroc": 1}


def test_the_door_fits_only_the_rows_it_is_given():
    acts, y = layers(3, count=1)
    x = acts[0]
    rows = np.flatnonzero(np.arange(len(y)) % 2 == 0)
    done = fast.per_neuron(x, y, fit=dict(maxiter=35, tol=1e-8, ridge=1e-10), fit_rows=rows, auroc=True)
    assert done.nobs == len(rows) and done.path == lessonkit.stats_backend(x)
    fit = sm.Logit(y[rows], sm.add_constant(x[rows, 2].astype(np.float64))).fit(disp=0)
    np.testing.assert_allclose(done.fit["beta"][2], fit.params[1], rtol=1e-7)
    np.testing.assert_allclose(done.auroc[2], roc_auc_score(y, x[:, 2]), rtol=1e-12)  # the AUROC: every row


def test_the_door_says_which_class_is_missing_for_what_was_asked():
    x, y = np.arange(8.0)[:, None], np.array([0, 0, 0, 0, 1, 1, 1, 1])
    with pytest.raises(ValueError, match="only one class; a regression"):
        fast.per_neuron(x, y, fit=dict(maxiter=35, tol=1e-8, ridge=1e-10), fit_rows=[0, 1, 2])
    only_auroc = fast.per_neuron(x, y, auroc=True, fit=None)  # the rows 0-2 do not matter here
    assert only_auroc.auroc.tolist() == [1.0] and only_auroc.fit is None
    assert fast.per_neuron(x, y, fit=dict(maxiter=35, tol=1e-8, ridge=1e-10)).auroc is None  # not asked: None
    with pytest.raises(ValueError, match="to compute an AUROC"):
        fast.per_neuron(x[:4], y[:4], auroc=True)
    with pytest.raises(ValueError, match="maxiter, block and threads must be >= 1"):
        fast.per_neuron(x, y, fit=dict(maxiter=35, tol=1e-8, ridge=1e-10, block=0))
