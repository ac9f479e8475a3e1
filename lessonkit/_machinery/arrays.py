"""The one place where activations, labels and p-values become numpy arrays."""

from __future__ import annotations

from typing import Any

import numpy as np


def as_numpy(values: Any, name: str = "values") -> np.ndarray:
    """A numpy array of a numpy array, list, or torch tensor (any device; no torch import needed).

    Half-precision tensors become float32 (numpy has no bfloat16); other dtypes are kept.
    """
    if hasattr(values, "detach"):  # a torch tensor, possibly on the GPU
        values = values.detach().cpu()
        if values.is_floating_point() and values.element_size() < 4:
            values = values.float()
        return values.numpy()
    try:
        return np.asarray(values)
    except Exception as error:  # pragma: no cover - exotic input
        raise TypeError(f"{name} must be a numpy array or torch tensor, got {type(values).__name__}") from error
