"""Every choice (layer, neuron, k, direction) is made on the training text: the held-out text only checks it.

A held-out score used to choose becomes a training score. Two kinds of test: lessonkit's functions
that choose give the same choice when the held-out data are scrambled, and the notebooks never pass
a held-out quantity to a function that picks (argmax, idxmax, nlargest, sort_values, max ...).
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lessonkit

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PICKERS = {"argmax", "argmin", "argsort", "idxmax", "idxmin", "nlargest", "nsmallest", "sort_values", "max", "min",
           "sorted", "rank", "quantile"}
NOT_A_CHOICE = "# not a choice"  # a line that only describes held-out values may say so, in plain sight


def mentions_heldout(node: ast.AST) -> bool:
    """Does this expression read a held-out quantity: a name or a column label with "held" in it?"""
    for part in ast.walk(node):
        if isinstance(part, ast.Name) and "held" in part.id.lower():
            return True
        if isinstance(part, ast.Constant) and isinstance(part.value, str) and "held" in part.value.lower():
            return True
    return False


def heldout_picks(source: str) -> list[str]:
    """Lines where a picking call reads a held-out quantity (in its receiver or its arguments)."""
    lines, found = source.splitlines(), []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name not in PICKERS:
            continue
        parts = [*node.args, *(k.value for k in node.keywords)] + ([func.value] if isinstance(func, ast.Attribute) else [])
        line = lines[node.lineno - 1]
        if any(mentions_heldout(part) for part in parts) and NOT_A_CHOICE not in line:
            found.append(f"line {node.lineno}: {line.strip()}")
    found = list(dict.fromkeys(found))  # one entry per line
    return sorted(found, key=lambda text: int(text.split()[1].rstrip(":")))


@pytest.mark.parametrize("notebook", ["02_beyond_the_lecture.py", "03_is_it_really_a_proper_noun_neuron.py"])
def test_no_notebook_chooses_on_the_heldout_text(notebook):
    source = "\n".join(line for line in (NOTEBOOKS / notebook).read_text().splitlines() if not line.startswith("%"))
    assert heldout_picks(source) == []


def test_the_lint_catches_the_choices_that_used_to_be_made_on_the_heldout_text():
    caught = heldout_picks('best_layer = int(by_layer["its held-out AUROC within capitalised"].idxmax())\n'
                           'print(whole.max(), one.idxmax())\n'  # names without "held": not caught...
                           'best = held_scores.argmax()\n'
                           'x = table.sort_values("heldout_auroc")\n'
                           'spread = held_values.max() - held_values.min()  # not a choice\n')
    assert [line.split(":")[0] for line in caught] == ["line 1", "line 3", "line 4"]


def test_top_neurons_and_the_layer_profile_choose_on_the_fitted_text():
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"layer": np.repeat([0, 1], 20), "neuron": np.tile(np.arange(20), 2),
                          "beta": rng.normal(size=40) * 3, "pvalue": 1e-9, "significant": rng.random(40) < 0.7,
                          "auroc": rng.random(40), "heldout_auroc": rng.random(40)})
    scrambled = table.assign(heldout_auroc=rng.permutation(table["heldout_auroc"].to_numpy()))
    pick = ["layer", "neuron"]
    pd.testing.assert_frame_equal(lessonkit.top_neurons(table)[pick], lessonkit.top_neurons(scrambled)[pick])
    profile, other = lessonkit.plots.layer_profile(table), lessonkit.plots.layer_profile(scrambled)
    np.testing.assert_array_equal(profile["best_auroc"], other["best_auroc"])
    best = table.loc[table.groupby("layer")["auroc"].apply(lambda a: (a - 0.5).abs().idxmax())]
    expected = np.where(best["auroc"] >= 0.5, best["heldout_auroc"], 1 - best["heldout_auroc"])
    np.testing.assert_allclose(profile["best_neuron_heldout_auroc"], expected)  # the held-out score of the training choice
