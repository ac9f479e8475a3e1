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
    """The lecture's hook cell and its forward pass: a hook on each block's mlp recomputes c_fc and
    keeps it on the CPU, one dict entry per layer; removed afterwards here, unlike in the lecture."""
    kept = {}

    def implant(layer):
        def hook(module, input, output):
            kept[f"mlp_{layer}"] = module.c_fc(input[0]).detach().cpu()
        return hook

    handles = [block.mlp.register_forward_hook(implant(i)) for i, block in enumerate(model.transformer.h)]
    try:
        model(ids)
    finally:
        for handle in handles:
            handle.remove()
    return kept
