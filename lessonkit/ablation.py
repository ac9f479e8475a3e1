"""Ablation: does the model *use* the neuron? Switch it off and measure what the model loses.

Everything in the lecture is observational: a neuron's activation goes with proper nouns. To test
whether the model relies on it, set the neuron to a fixed value while the model reads, and compare
the next-token loss with and without it -- where it should matter (at and right after proper nouns)
and elsewhere, against the same intervention on random neurons of the same layer.

* :func:`ablate_mlp` -- a ``with`` block in which chosen MLP neurons are set to 0 or to their mean.
  The neuron here is the value the output projection reads (the "post" site: the input of
  ``c_proj`` / ``down_proj`` / ``dense_4h_to_h``), so the intervention is exactly "this neuron
  contributes nothing" (zero) or "contributes its average" (mean). Hooks are removed on leaving the
  block, also after an error.
* :func:`next_token_losses` -- the loss of predicting each next token, in the lecture's passes.
* :func:`ablation_effects` -- the same comparison for hundreds of ablations (single neurons, or groups
  switched off together) at once, with the numbers ``ablate_mlp`` gives one at a time: what a test
  against 200 random neurons of the layer needs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from ._mlp_sites import HOOK_MARK, as_stream, mlp_site_modules, model_device, pass_length


class MlpAblation:
    """The ``with`` block of :func:`ablate_mlp`: one pre-hook per layer on the output projection."""

    def __init__(self, model: nn.Module, neurons: Mapping[int, Sequence[int]], value: Any) -> None:
        if not isinstance(neurons, Mapping) or not neurons:
            raise TypeError("neurons must be a dict {layer: [neuron, ...]}, e.g. {18: [123]}.")
        self.sites, self.targets = {}, {}
        for layer, chosen in neurons.items():
            ((index_of_layer, site),) = mlp_site_modules(model, layer, "post").items()  # -1: the last layer
            width = _input_width(site.module)
            chosen = [chosen] if isinstance(chosen, int) else list(chosen)
            index = torch.as_tensor(chosen, dtype=torch.long)
            if index.numel() == 0 or index.min() < 0 or index.max() >= width:
                raise ValueError(f"neurons of layer {layer} must be indices in 0..{width - 1}, got {list(chosen)}.")
            self.sites[index_of_layer] = site
            self.targets[index_of_layer] = (index, _value_for(value, layer, len(index)))
        self.handles: list[torch.utils.hooks.RemovableHandle] = []

    def __enter__(self) -> "MlpAblation":
        try:
            for layer, site in self.sites.items():
                self.handles.append(site.module.register_forward_pre_hook(self.setter(layer)))
        except BaseException:
            self.remove()
            raise
        return self

    def setter(self, layer: int):
        """The pre-hook: a copy of the projection's input with the chosen neurons set to their value."""
        index, value = self.targets[layer]

        def hook(module, args):
            x = args[0].clone()
            if isinstance(value, str):  # "mean": each neuron's mean over every token of this pass
                x[..., index] = x[..., index].mean(dim=tuple(range(x.ndim - 1)), keepdim=True).expand_as(x[..., index])
            else:
                x[..., index] = value.to(x.device, x.dtype)
            return (x, *args[1:])

        setattr(hook, HOOK_MARK, f"ablation of layer {layer}")
        return hook

    def __exit__(self, *exc_info: Any) -> None:
        self.remove()

    def remove(self) -> None:
        while self.handles:
            self.handles.pop().remove()


def ablate_mlp(model: nn.Module, neurons: Mapping[int, Sequence[int]], value: Any = 0.0) -> MlpAblation:
    """Inside ``with ablate_mlp(model, {18: [123]}, value=0.0):`` those neurons are switched off.

    neurons: ``{layer: [neuron, ...]}``. value: a number (0.0: zero ablation), ``"mean"`` (each
    neuron's mean over the tokens of the same forward pass), or ``{layer: [one value per neuron]}``
    (e.g. means measured on other text). The neuron is the "post" site, the value the output
    projection reads. Every hook is removed when the block ends.
    """
    return MlpAblation(model, neurons, value)


def _input_width(module: nn.Module) -> int:
    """How many neurons the output projection reads (Linear: in_features; GPT-2's Conv1D: weight rows)."""
    if isinstance(module, nn.Linear):
        return module.in_features
    return module.weight.shape[0]  # transformers' Conv1D keeps its weight as [in, out]


def _value_for(value: Any, layer: int, count: int) -> Any:
    if isinstance(value, str):
        if value != "mean":
            raise ValueError(f"value must be a number, 'mean' or {{layer: values}}, got {value!r}.")
        return value
    if isinstance(value, Mapping):
        if layer not in value:
            raise ValueError(f"value has no entry for layer {layer}.")
        value = value[layer]
    tensor = torch.as_tensor(value, dtype=torch.float32).reshape(-1)
    if tensor.numel() not in (1, count):
        raise ValueError(f"layer {layer}: give one value, or one per neuron ({count}), got {tensor.numel()}.")
    return tensor


def next_token_losses(model: nn.Module, tokens: Any, *, chunk: int | None = None) -> np.ndarray:
    """The cross-entropy (nats) of predicting each next token, one value per token of the stream.

    The stream runs in the lecture's passes (1,024 tokens); position i is the loss of predicting
    token i + 1 from tokens up to i within the same pass, so the last token of each pass gets NaN.
    """
    stream, step, device = as_stream(tokens), pass_length(model, chunk), model_device(model)
    losses = np.full(len(stream), np.nan)
    for start in range(0, len(stream), step):
        piece = stream[start : start + step].to(device)
        losses[start : start + len(piece) - 1] = _losses(model, piece.unsqueeze(0))[0]
    return losses


def ablation_effects(model: nn.Module, tokens: Any, layer: int, neurons: Sequence[int | Sequence[int]], *,
                     value: Any = 0.0, positions: Any = None, rows_per_pass: int = 32,
                     progress: bool = False) -> np.ndarray:
    """How much each ablation changes each next-token loss: ``[len(neurons), n_tokens]`` (nats).

    Each entry of ``neurons`` is one ablation: a neuron, or a list of neurons of ``layer`` switched off
    together. Row i equals ``ablate_mlp(model, {layer: neurons[i]}, value)`` with
    :func:`next_token_losses` after minus before -- but computed far faster: the output projection is
    linear, so switching neurons off changes its output by a known amount; the layers before ``layer``
    run once, and only the later layers run for every ablation, ``rows_per_pass`` ablations per
    forward pass (``_ablation_batch.py``). Every pass also carries an untouched row, so each change is
    measured against the same pass, computed the same way.

    tokens: one pass of text (at most the model's context). value: 0.0 (or any number), or "mean"
    (each neuron's mean over these tokens). positions: the positions p whose loss of predicting
    token p + 1 is wanted (indices or a boolean mask; default: all but the last); the others are NaN.
    """
    from tqdm.auto import tqdm

    from ._ablation_batch import batched_losses

    stream, device = as_stream(tokens), model_device(model)
    if len(stream) > pass_length(model, None):
        raise ValueError(f"{len(stream)} tokens: ablation_effects runs one pass, at most {pass_length(model, None)} tokens.")
    if value != "mean" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise ValueError(f"value must be a number or 'mean', got {value!r}.")
    if isinstance(rows_per_pass, bool) or not isinstance(rows_per_pass, int) or rows_per_pass < 1:
        raise ValueError(f"rows_per_pass must be a positive integer, got {rows_per_pass!r}.")
    ((_, site),) = mlp_site_modules(model, layer, "post").items()
    rows = _ablation_rows(neurons, _input_width(site.module), layer)
    wanted = _wanted_positions(positions, len(stream))
    changes = np.full((len(rows), len(stream)), np.nan)
    with tqdm(total=len(rows), unit="ablation", desc=f"ablations in layer {layer}", disable=not progress) as bar:
        for start in range(0, len(rows), rows_per_pass):
            chunk = rows[start : start + rows_per_pass]
            losses = batched_losses(model, stream.to(device), site.module, chunk, value, wanted)
            changes[start : start + len(chunk), wanted] = losses[1:] - losses[0]
            bar.update(len(chunk))
    return changes


def _ablation_rows(neurons: Any, width: int, layer: int) -> list[list[int]]:
    """Each ablation as a list of neuron indices, checked against the layer's width."""
    if isinstance(neurons, (int, np.integer)) or not len(neurons):
        raise ValueError("neurons must be a non-empty list: one entry (a neuron, or a list of neurons) per ablation.")
    rows = []
    for entry in neurons:
        group = [entry] if isinstance(entry, (int, np.integer)) else list(entry)
        if not group or any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 0 <= n < width for n in group):
            raise ValueError(f"each ablation must name neurons of layer {layer} in 0..{width - 1}, got {entry!r}.")
        rows.append([int(n) for n in group])
    return rows


def _wanted_positions(positions: Any, n_tokens: int) -> np.ndarray:
    """Sorted positions whose next-token loss is wanted (never the last token: it has no next token)."""
    if positions is None:
        return np.arange(n_tokens - 1)
    chosen = np.asarray(positions)
    if chosen.dtype == bool:
        if chosen.shape != (n_tokens,):
            raise ValueError(f"a boolean positions mask needs one entry per token ({n_tokens}), got {chosen.shape}.")
        chosen = np.flatnonzero(chosen)
    chosen = np.unique(chosen.astype(np.int64))
    if len(chosen) and (chosen[0] < 0 or chosen[-1] >= n_tokens):
        raise ValueError(f"positions must lie in 0..{n_tokens - 1}, got {chosen[0]}..{chosen[-1]}.")
    chosen = chosen[chosen < n_tokens - 1]
    if not len(chosen):
        raise ValueError("no position left to measure (the last token has no next token to predict).")
    return chosen


def _losses(model: nn.Module, batch: torch.Tensor) -> np.ndarray:
    """``[rows, tokens - 1]``: each row's loss of predicting its next tokens, in one forward pass.

    One layout for every caller: cross-entropy over a flat ``[tokens, vocabulary]`` matrix (over a
    transposed ``[rows, vocabulary, tokens]`` view it rounds differently, by ~1e-4 nats a token).
    """
    with torch.inference_mode():
        logits = model(input_ids=batch, use_cache=False).logits[:, :-1].float()
        flat = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1),
                                                 reduction="none")
    return flat.reshape(len(batch), -1).cpu().numpy()
