"""On Colab's GPU the recorded activations (and the model's weights) are GPU tensors: every lessonkit
function that takes them must give the numbers it gives for the same values on the CPU.

Without a GPU, ``off_cpu_device()`` is torch's lazy-tensor backend: a device that is not the CPU and,
like a GPU, refuses numpy (``.numpy()`` raises "can't convert ... to numpy. Use Tensor.cpu()"). The
statistics' own GPU path (``backend="cuda"``) is tested against statsmodels in test_stats_paths.py.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import torch

import lessonkit as lk
from lessonkit.hooks import MlpActivations

from tiny_models import off_cpu_device


@pytest.fixture(scope="module")
def layer():
    """One layer's activations (300 tokens x 12 neurons, two carry the labels), its labels and texts."""
    rng = np.random.default_rng(0)
    labels = (rng.random(300) < 0.2).astype(int)
    values = rng.normal(size=(300, 12)).astype(np.float32)
    values[:, 3] += 1.5 * labels
    values[:, 7] -= 0.8 * labels
    texts = [f" Word{i}" if label else f" word{i}" for i, label in enumerate(labels)]
    return torch.from_numpy(values), labels, texts


def same(a, b) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for key in a:
            same(a[key], b[key])
    elif isinstance(a, tuple):
        for x, y in zip(a, b, strict=True):
            same(x, y)
    elif hasattr(a, "html"):
        assert a.html == b.html
    else:
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def drawn(figure) -> np.ndarray:
    figure.canvas.draw()
    return np.asarray(figure.canvas.buffer_rgba())


CALLS = {
    "fit_logit": lambda x, y, t: lk.fit_logit(x, y).beta,
    "auroc": lambda x, y, t: lk.auroc(x, y),
    "scan_layers": lambda x, y, t: lk.scan_layers({18: x[:200]}, y[:200], heldout=({18: x[200:]}, y[200:])),
    "value_range": lambda x, y, t: lk.value_range(x[:, 3]),
    "token_heatmap html": lambda x, y, t: lk.token_heatmap(t, x[:, 3], highlight=y.astype(bool)),
    "token_heatmap matplotlib": lambda x, y, t: drawn(lk.token_heatmap(t[:40], x[:40, 3], backend="matplotlib")),
    "top_contexts": lambda x, y, t: lk.top_contexts(x, t, 3, k=5),
    "auroc_within": lambda x, y, t: lk.auroc_within(x, y, np.arange(300) % 2 == 0),
    "position_profile": lambda x, y, t: lk.position_profile(x[:, 3], pass_length=100),
    "auroc_ci": lambda x, y, t: lk.auroc_ci(x[:, 3], y),
    "standardized_effect": lambda x, y, t: lk.standardized_effect(x, y),
    "permutation_null": lambda x, y, t: lk.permutation_null(x, y, n_permutations=3),
    "significance_by_seed": lambda x, y, t: lk.significance_by_seed(x, y, seeds=[0, 1]),
    "sparse_probes": lambda x, y, t: lk.sparse_probes(x[:200], y[:200], x[200:], y[200:], ks=(1, 2)),
    "neuron_page": lambda x, y, t: lk.neuron_page(x[:, 3], t, y, title="layer 18, neuron 3"),
    "NeuronStats": lambda x, y, t: lk.NeuronStats({18: x}, t, y).stats(18),
}


@pytest.mark.parametrize("name", CALLS)
def test_activations_off_the_cpu_give_the_numbers_of_the_same_values_on_the_cpu(name, layer):
    x, labels, texts = layer
    on_cpu = CALLS[name](x, labels, texts)
    off_cpu = CALLS[name](x.to(off_cpu_device()), labels, texts)
    same(on_cpu, off_cpu)
    plt.close("all")


def test_a_recording_off_the_cpu_comes_back_whole_with_cpu(layer):
    x = layer[0]
    acts = MlpActivations("pre")
    acts.update({0: x.to(off_cpu_device()), 18: x})
    on_cpu = acts.cpu()
    assert all(values.device.type == "cpu" for values in on_cpu.values()) and on_cpu[18] is x
    torch.testing.assert_close(on_cpu[0], x)
    assert repr(acts).startswith(f"MlpActivations(site='pre', on {acts[0].device}, ")
