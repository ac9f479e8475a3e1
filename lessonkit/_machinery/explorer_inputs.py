"""Checks and shapes for the explorer's inputs: activations by site and layer, token texts, labels.

Everything a student can pass wrong gets a clear error here, before any widget exists.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .arrays import as_numpy

SITES = ("pre", "post")


@dataclass
class TextBatch:
    """One text: its activations ``{site: {layer: [n_tokens, neurons]}}``, token texts and 0/1 labels."""

    acts: dict[str, dict[int, np.ndarray]]
    tokens: list[str]
    labels: np.ndarray | None


def check_index(value: Any, size: int | None, name: str) -> int:
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise TypeError(f"{name} must be an integer, got {value!r}.")
    index = operator.index(value)
    if size is not None and not 0 <= index < size:
        raise ValueError(f"{name} must lie in 0..{size - 1}, got {index}.")
    return index


def unpack_heldout(heldout: Any) -> tuple[Any, Any, Any]:
    if isinstance(heldout, TextBatch):
        return heldout.acts, heldout.tokens, heldout.labels
    if not isinstance(heldout, (tuple, list)) or len(heldout) not in (2, 3):
        raise TypeError("heldout must be (acts, token_texts) or (acts, token_texts, labels) of the next text.")
    return (*heldout, None) if len(heldout) == 2 else tuple(heldout)


def text_batch(acts: Any, token_texts: Any, labels: Any, name: str) -> TextBatch:
    by_site = _as_sites(acts, name)
    if isinstance(token_texts, str) or not all(isinstance(t, str) for t in token_texts):
        raise TypeError(f"the token texts of {name} must be a list of strings: lessonkit.token_texts(ids, tokenizer).")
    tokens = list(token_texts)
    for site, layers in by_site.items():
        for layer, matrix in layers.items():
            if matrix.shape[0] != len(tokens):
                raise ValueError(f"{name}[{site!r}][{layer}] has {matrix.shape[0]} rows but there are {len(tokens)} "
                                 "token texts: pass one text per row.")
    if labels is not None:
        labels = np.asarray(labels.detach().cpu() if hasattr(labels, "detach") else labels)
        if labels.shape != (len(tokens),) or not np.isin(labels, (0, 1)).all():
            raise ValueError(f"the labels of {name} must be 0/1, one per token ({len(tokens)}), got shape {labels.shape}.")
        labels = labels.astype(np.int8)
    return TextBatch(by_site, tokens, labels)


def _as_sites(acts: Any, name: str) -> dict[str, dict[int, np.ndarray]]:
    """``{site: {layer: [n, neurons] numpy array}}`` from ``{layer: ...}`` or ``{site: {layer: ...}}``."""
    if not isinstance(acts, Mapping) or not acts:
        raise TypeError(f"{name} must be a non-empty dict {{layer: [n_tokens, neurons]}} (what capture_mlp returns) "
                        "or {'pre': {...}, 'post': {...}}.")
    if all(isinstance(key, str) for key in acts):
        unknown = [key for key in acts if key not in SITES or not isinstance(acts[key], Mapping)]
        if unknown:
            raise ValueError(f"{name} has keys {unknown}: use sites 'pre'/'post', each a dict {{layer: activations}}.")
        nested = dict(acts)
    else:
        nested = {getattr(acts, "site", "pre"): acts}  # capture_mlp's result knows its site
    result = {}
    for site, layers in nested.items():
        result[site] = {check_index(layer, None, f"a layer of {name}"): _as_matrix(value, f"{name}[{layer!r}]")
                        for layer, value in layers.items()}
        if not result[site]:
            raise ValueError(f"{name}[{site!r}] holds no layer.")
    if len({tuple(sorted(layers)) for layers in result.values()}) > 1:
        raise ValueError(f"the sites of {name} must hold the same layers.")
    return result


def _as_matrix(value: Any, name: str) -> np.ndarray:
    matrix = as_numpy(value, name)
    if matrix.ndim == 3 and matrix.shape[0] == 1:  # a batch of one sequence, as record_mlp keeps it
        matrix = matrix[0]
    if matrix.ndim != 2 or not np.issubdtype(matrix.dtype, np.number):
        raise ValueError(f"{name} must be numbers of shape [n_tokens, neurons], got {matrix.dtype} {matrix.shape}.")
    return matrix


def check_same_shape(batches: dict[str, TextBatch], sites: list[str], layers: list[int], neurons: dict[int, int]) -> None:
    for name, batch in batches.items():
        if set(batch.acts) != set(sites) or any(sorted(batch.acts[site]) != layers for site in sites):
            raise ValueError(f"the {name} text must have the same sites {sites} and layers {layers} as the training text.")
        for site in sites:
            for layer in layers:
                if batch.acts[site][layer].shape[1] != neurons[layer]:
                    raise ValueError(f"{name}[{site!r}][{layer}] has {batch.acts[site][layer].shape[1]} neurons, "
                                     f"expected {neurons[layer]} (the training text's).")


def stats_tables(stats: Any, sites: list[str], neurons: dict[int, int]) -> dict[tuple[str, int], Any]:
    """Precomputed ``scan_layers`` tables, as ``{(site, layer): table}``."""
    tables = stats if isinstance(stats, Mapping) else {None: stats}
    found = {}
    for site, table in tables.items():
        if site is None and len(sites) > 1:
            raise ValueError(f"Two sites were captured: pass stats as {{site: table}} for {sites}.")
        site = site or sites[0]
        if site not in sites or not hasattr(table, "groupby") or "layer" not in table:
            raise ValueError(f"stats must be scan_layers() tables, as one table or {{site: table}} for {sites}.")
        for layer, rows in table.groupby("layer"):
            if layer in neurons and len(rows) != neurons[layer]:
                raise ValueError(f"stats has {len(rows)} rows for layer {layer}, which has {neurons[layer]} neurons.")
            found[site, int(layer)] = rows.reset_index(drop=True)
    return found
