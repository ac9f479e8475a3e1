"""Many ablations in one forward pass, exactly: the speed machinery behind :func:`lessonkit.ablation_effects`.

The output projection (``c_proj`` / ``down_proj`` / ``dense_4h_to_h``) is linear, so setting neuron j
of layer L to a value v changes that projection's output, at token t, by exactly
``(v - a_j(t)) * W[:, j]`` -- the neuron's column of the weight times the change of its value. The
layers up to L therefore run once, for one row; at layer L's projection a hook turns that row into
a batch, one row per ablation (row 0: nothing switched off), each with its own change added; only
the layers after L run for every row. The model's final norm runs as usual, and the unembedding runs
only at the positions whose loss is wanted. Exact: the same numbers as ``ablate_mlp`` one ablation at
a time, up to float rounding (tests/test_ablation.py checks it on every architecture).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ._mlp_sites import HOOK_MARK

LOGITS_PER_STEP = 2**25  # logits held at once (128 MB in float32)


def projection_columns(module: nn.Module, neurons: list[int]) -> torch.Tensor:
    """``[len(neurons), d_model]``: what one unit of each neuron adds through the output projection."""
    if isinstance(module, nn.Linear):  # weight [out, in]: a neuron is a column
        return module.weight[:, neurons].T
    return module.weight[neurons, :]  # GPT-2's Conv1D keeps [in, out]: a neuron is a row


def batched_losses(model: nn.Module, stream: torch.Tensor, projection: nn.Module, rows: Sequence[list[int]],
                   value: float | str, positions: np.ndarray) -> np.ndarray:
    """``[1 + len(rows), len(positions)]``: the loss of predicting token p + 1 at each position p, for the
    untouched model (row 0) and with each row's neurons set to ``value`` (a number, or "mean": each
    neuron's mean over the stream) -- one forward pass for all of them."""
    columns = [projection_columns(projection, neurons).detach() for neurons in rows]

    def branch(module, args, output):
        x = args[0].reshape(-1, args[0].shape[-1])  # [tokens, neurons] of the one row that ran so far
        changes = [torch.zeros_like(output[0])]
        for neurons, weights in zip(rows, columns):
            values = x[:, neurons]
            target = values.mean(0, keepdim=True) if value == "mean" else torch.full_like(values[:1], float(value))
            changes.append((target - values) @ weights.to(values.dtype))
        return output + torch.stack(changes)  # [1 + rows, tokens, d_model]: one row per ablation

    setattr(branch, HOOK_MARK, "batched ablation")
    handle = projection.register_forward_hook(branch)
    try:
        with torch.inference_mode():
            hidden = model.base_model(input_ids=stream[None], use_cache=False)[0]  # after the final norm
    finally:
        handle.remove()
    return _losses_at(model, hidden, stream, positions)


def _losses_at(model: nn.Module, hidden: torch.Tensor, stream: torch.Tensor, positions: np.ndarray) -> np.ndarray:
    """``[rows, positions]`` cross-entropies, the unembedding run on a few positions at a time (memory:
    rows x positions x vocabulary logits would be gigabytes)."""
    unembed, rows = model.get_output_embeddings(), len(hidden)
    step = max(1, LOGITS_PER_STEP // (rows * unembed.weight.shape[0]))
    losses = []
    with torch.inference_mode():
        for start in range(0, len(positions), step):
            where = torch.as_tensor(positions[start : start + step], device=hidden.device)
            logits = unembed(hidden[:, where]).float()  # [rows, positions, vocabulary]
            targets = stream[where + 1].expand(rows, -1)
            losses.append(nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                                                      reduction="none").reshape(rows, -1))
    return torch.cat(losses, dim=1).cpu().numpy()
