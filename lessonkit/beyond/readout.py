"""What a neuron writes: the next tokens its output pushes up and down.

A neuron's value ("post": what the output projection reads) is multiplied by one column of the
output projection -- a direction in the residual stream -- and added to it. Read straight through the
unembedding, that direction raises the logits of some next tokens and lowers others ("direct logit
attribution"): ``W_U @ (g * w_out)``, where ``g`` is the final norm's scale. This ignores everything
the later layers do with the direction and the final norm's division by the stream's size, so it
says what the neuron *writes*, not what finally comes out.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .._machinery.mlp_sites import mlp_site_modules

FINAL_NORM = {"gpt2": "transformer.ln_f", "llama": "model.norm", "gpt_neox": "gpt_neox.final_layer_norm"}


def output_direction(model: nn.Module, layer: int, neuron: int) -> torch.Tensor:
    """The residual-stream direction the neuron writes: its column of the output projection."""
    ((_, site),) = mlp_site_modules(model, layer, "post").items()
    weight, linear = site.module.weight, isinstance(site.module, nn.Linear)
    width = weight.shape[1] if linear else weight.shape[0]  # Linear keeps [out, in]; GPT-2's Conv1D [in, out]
    if isinstance(neuron, bool) or not isinstance(neuron, int) or not 0 <= neuron < width:
        raise ValueError(f"neuron must be an index in 0..{width - 1}, got {neuron!r}.")
    return (weight[:, neuron] if linear else weight[neuron, :]).detach().float()


def logit_effects(model: nn.Module, layer: int, neuron: int) -> torch.Tensor:
    """One number per vocabulary entry: how much a unit of the neuron raises that token's logit."""
    direction = output_direction(model, layer, neuron)
    norm_path = FINAL_NORM.get(model.config.model_type)
    if norm_path is not None:
        scale = getattr(model.get_submodule(norm_path), "weight", None)
        if scale is not None:
            direction = direction * scale.detach().float()
    return model.get_output_embeddings().weight.detach().float() @ direction


def promoted_tokens(model: nn.Module, tokenizer: Any, layer: int, neuron: int, k: int = 10) -> Any:
    """The ``k`` next tokens the neuron pushes up most, and the ``k`` it pushes down most (a DataFrame)."""
    import pandas as pd

    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}.")
    effects = logit_effects(model, layer, neuron).cpu()  # on a GPU model the effects are on the GPU
    up, down = torch.topk(effects, k), torch.topk(-effects, k)
    def shown(ids: torch.Tensor) -> list[str]:  # quoted, so that spaces and line breaks show: ' Paris', '\n'
        return [repr(tokenizer.decode([i])) for i in ids.tolist()]

    return pd.DataFrame({"promoted": shown(up.indices), "logit +": up.values.numpy().round(3),
                         "suppressed": shown(down.indices), "logit -": (-down.values).numpy().round(3)})
