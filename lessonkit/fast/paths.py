"""Which statistics path runs (numba kernel, torch on the CPU, torch on the GPU), and its inputs.

``lessonkit.regression`` states each idea once; the arithmetic for thousands of neurons runs in
one of three engines with the same functions (``fit``, ``auroc``), called by ``fast.per_neuron``:

    numba   numba_engine.py  fused per-neuron loops (optional extra: lessonkit[fast])
    torch   torch_engine.py  vectorised torch on the CPU
    cuda    torch_engine.py  the same torch code on the GPU that holds the activations

``auto`` (the default) takes the GPU when the activations are CUDA tensors, or when a GPU is present
and the work is large; otherwise numba when it is installed, else torch on the CPU. The environment
variable ``LESSONKIT_STATS_BACKEND`` or a ``backend=`` argument forces one path.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
from types import ModuleType
from typing import Any, Mapping

import numpy as np

from .._machinery.arrays import as_numpy

BACKEND_ENV = "LESSONKIT_STATS_BACKEND"
STATS_BACKENDS = {
    "numba": "numba kernel on the CPU (lessonkit[fast])",
    "torch": "torch on the CPU",
    "cuda": "torch on the GPU",
}
CHOICES = ("auto", *STATS_BACKENDS)
GPU_WORTH_IT = 2**20  # values: below this, copying CPU data to a GPU costs more than it saves


@functools.lru_cache(maxsize=None)
def numba_problem() -> str | None:
    """None when numba imports here; otherwise why not (numba is imported on first call only)."""
    try:
        importlib.import_module("numba")
    except Exception as error:  # not installed, or built for another numpy: torch then does the work
        return f"{type(error).__name__}: {error}"
    return None


def cuda_available(*, load_torch: bool = True) -> bool:
    """Whether torch sees a CUDA GPU; with load_torch=False, False while torch is not imported yet."""
    torch = sys.modules.get("torch")
    if torch is None and not load_torch:
        return False
    return bool((torch or importlib.import_module("torch")).cuda.is_available())


def _is_cuda_tensor(data: Any) -> bool:
    return getattr(getattr(data, "device", None), "type", None) == "cuda"


def _size(data: Any) -> int:
    return int(np.prod(getattr(data, "shape", ()) or (0,)))


def resolve(backend: str | None = None, data: Any = None) -> str:
    """The path (numba, torch or cuda) that runs for ``data`` with ``backend`` (default: the switch)."""
    wanted = str(backend if backend is not None else os.environ.get(BACKEND_ENV, "")).strip().lower() or "auto"
    if wanted not in CHOICES:
        where = "backend" if backend is not None else BACKEND_ENV
        raise ValueError(f"{where} must be one of {', '.join(CHOICES)}; got {wanted!r}")
    if wanted == "numba" and numba_problem():
        raise ImportError(f"the numba path needs numba: pip install 'lessonkit[fast]' ({numba_problem()})")
    if wanted == "cuda" and not cuda_available():
        raise RuntimeError("the cuda path needs a CUDA GPU, and torch.cuda.is_available() is False here")
    if wanted != "auto":
        return wanted
    # a GPU for CPU data only where torch is already loaded (as with a model): no torch import for numpy work
    if _is_cuda_tensor(data) or (data is not None and _size(data) >= GPU_WORTH_IT and cuda_available(load_torch=False)):
        return "cuda"
    return "torch" if numba_problem() else "numba"


def engine(name: str) -> ModuleType:
    """The module that computes on path ``name``."""
    return importlib.import_module(".numba_engine" if name == "numba" else ".torch_engine", __package__)


# ------------------------------------------------------------------------------------------ inputs


def check_labels(labels: Any, name: str = "y") -> np.ndarray:
    """0/1 labels as a 1-D float64 array; anything else is an error that says what to pass."""
    y = as_numpy(labels, name)
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one 0/1 label per token), got shape {y.shape}")
    if y.dtype == bool:
        return y.astype(np.float64)
    if not np.issubdtype(y.dtype, np.number):
        raise TypeError(f"{name} must hold numbers 0/1 or booleans, got dtype {y.dtype}")
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"{name} must contain only 0 and 1 (1 = proper noun), got values {np.unique(y)[:5]}")
    return y.astype(np.float64)


def check_activations(X: Any, n_samples: int, name: str = "X") -> Any:
    """[n_samples, n_neurons] real activations (a 1-D array is one neuron), left where they are:
    a torch tensor stays a tensor on its device, anything else becomes a numpy array."""
    x = X.detach() if hasattr(X, "detach") else as_numpy(X, name)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ValueError(f"{name} must be [n_samples, n_neurons], got shape {tuple(x.shape)}")
    if hasattr(x, "is_complex"):
        real = not x.is_complex()
    else:
        real = np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer) or x.dtype == bool
    if not real:
        raise TypeError(f"{name} must hold real numbers, got dtype {x.dtype}")
    if x.shape[0] != n_samples:
        raise ValueError(f"{name} has {x.shape[0]} rows but y has {n_samples} labels; pass one row per label")
    return x


def check_pvalues(pvalues: Any) -> np.ndarray:
    p = as_numpy(pvalues, "pvalues").astype(np.float64)
    if p.ndim not in (1, 2):
        raise ValueError(f"pvalues must be [neurons] or [layers, neurons], got shape {p.shape}")
    if ((p < 0) | (p > 1)).any():
        raise ValueError("pvalues must lie between 0 and 1 (NaN allowed)")
    return p


def check_layers(acts: Any, name: str) -> dict[Any, Any]:
    """{layer: [n_tokens, neurons]} (tensors stay tensors) from a dict or a [layers, n, neurons] array."""
    if not isinstance(acts, Mapping):
        array = acts if hasattr(acts, "detach") else as_numpy(acts, name)
        if array.ndim != 3:
            raise ValueError(f"{name} must be a dict {{layer: [n_tokens, neurons]}} or a [layers, n_tokens, neurons] array")
        acts = dict(enumerate(array))
    if not acts:
        raise ValueError(f"{name} holds no layer")
    layers = {}
    for layer, value in acts.items():
        value = value.detach() if hasattr(value, "detach") else as_numpy(value, f"{name}[{layer!r}]")
        if value.ndim == 3 and value.shape[0] == 1:  # a batch of one sequence
            value = value[0]
        if value.ndim != 2:
            raise ValueError(f"{name}[{layer!r}] must be [n_tokens, neurons], got shape {tuple(value.shape)}")
        layers[layer] = value
    return layers


def check_finite(finite: np.ndarray, name: str = "X") -> None:
    if not finite.all():
        raise ValueError(f"{name} contains NaN or infinite values; drop those tokens first")


# ------------------------------------------------------------------------------------------ devices


def _device_options(path: str, x: Any) -> dict[str, Any]:
    """Where the torch engine computes on this path (the numba engine takes no device)."""
    if path == "cuda":
        return {"device": x.device if _is_cuda_tensor(x) else "cuda"}
    return {"device": "cpu"} if path == "torch" else {}
