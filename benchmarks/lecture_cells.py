"""Copies of the lecture's own cells, for the benchmarks to time lessonkit against (not used by lessonkit)."""

from __future__ import annotations

import io

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import torch


def lecture_heatmap(texts: list[str], values) -> None:
    """The lecture's heatmap cells: measure 'n', then one ax.text with a rounded Reds box per token,
    20 tokens a line, on a 10 x 2 inch figure, values min-max scaled over all of ``values`` (the
    whole batch) while the tokens of ``texts`` are drawn; saved as the notebook's inline backend
    saves it (PNG, tight bounding box), then closed."""
    values = np.asarray(values, dtype=float)
    scaled = (values - values.min()) / (values.max() - values.min())
    fig, ax = plt.subplots(figsize=(10, 2))
    temp = ax.text(0, 0, "n", fontsize=12, fontfamily="monospace")
    box = temp.get_window_extent(renderer=fig.canvas.get_renderer())
    corners = ax.transAxes.inverted().transform([[box.x0, box.y0], [box.x1, box.y1]])
    en_width = corners[1, 0] - corners[0, 0]
    temp.remove()
    ax.axis("off")
    x_pos, y_pos, count = 0.0, 1.0, 0
    for i, text in enumerate(texts):
        width = en_width * len(text)
        ax.text(x_pos + width / 2, y_pos, text, fontsize=12, ha="center", va="center", fontfamily="monospace",
                bbox=dict(boxstyle="round,pad=.3", facecolor=mpl.cm.Reds(scaled[i] ** 2), edgecolor="none", alpha=0.8))
        count += 1
        x_pos += width + 0.01
        if count >= 20:
            y_pos, x_pos, count = y_pos - 0.17, 0.0, 0
    fig.savefig(io.BytesIO(), format="png", bbox_inches="tight")
    plt.close(fig)


def lecture_way(model, ids) -> dict[str, torch.Tensor]:
    """The lecture's hook cell and its forward pass; the hooks are removed afterwards here, unlike in the lecture."""
    kept, handles = lecture_hooks(model)
    try:
        model(ids)
    finally:
        for handle in handles:
            handle.remove()
    return kept


def lecture_text_and_tags(rows: list[str], tokenizer) -> tuple[torch.Tensor, np.ndarray]:
    """The lecture's text and tagging cells: of the first 200 rows, those longer than 50 characters,
    encoded one by one and concatenated into a [1, n] tensor; then its loop over the tokens, decoding
    each one, for the proper-noun rule."""
    tokens = torch.tensor([], dtype=torch.long)
    for row in rows[:200]:
        if len(row) > 50:
            tokens = torch.concatenate((tokens, tokenizer.encode(row, return_tensors="pt")), dim=1)
    tags = np.zeros(tokens.numel(), dtype=int)
    previous = tokenizer.decode(tokens[0, 0])
    for i in range(1, tokens.numel()):
        current = tokenizer.decode(tokens[0, i])
        if len(current) > 2 and current.strip()[0].isupper() and not previous.endswith((".", "!", "?", ":")):
            tags[i] = 1
        previous = current
    return tokens, tags


def lecture_hooks(model) -> tuple[dict[str, torch.Tensor], list]:
    """The lecture's hook cell: a hook on each block's mlp that recomputes c_fc and keeps it on the CPU
    in a dict entry per layer (each pass overwrites it). Returns the dict and the hooks' handles (the
    lecture keeps no handles: its hooks stay on the model)."""
    activations = {}

    def implant(layer):
        def hook(module, input, output):
            activations[f"mlp_{layer}"] = module.c_fc(input[0]).detach().cpu()
        return hook

    handles = [block.mlp.register_forward_hook(implant(layer)) for layer, block in enumerate(model.transformer.h)]
    return activations, handles


def lecture_layer_loop(activations: dict, tags: np.ndarray, layer: int = 18, seq_len: int = 1024) -> np.ndarray:
    """The lecture's comparison sample (its shuffle, unseeded) and its statsmodels loop over every
    neuron of one layer: [neurons, (p-value, beta)]."""
    import statsmodels.api as sm

    proper = np.where(tags[:seq_len])[0]
    comparison = np.array([c for c in np.arange(seq_len) if c not in proper])
    np.random.shuffle(comparison)
    comparison = comparison[: len(proper)]
    values = activations[f"mlp_{layer}"]
    results = np.zeros((values.shape[-1], 2))
    for neuron in range(values.shape[-1]):
        x = np.hstack((values[0, comparison, neuron], values[0, proper, neuron]))
        y = np.hstack((np.zeros(len(proper)), np.ones(len(proper))))
        fit = sm.Logit(y, sm.add_constant(x)).fit(disp=0)
        results[neuron] = fit.pvalues[1], fit.params[1]
    return results
