"""Where each architecture keeps its MLP neurons, and the guards around a recorded forward pass.

The hooks room (``hooks.py``) asks two questions of this module: *which module* holds layer i's
neurons (:func:`mlp_site_modules`, from the table :data:`MLP_SITES`), and *how to keep* them cheaply
(:func:`keep`). It also holds the input guard that turns the two classic input mistakes into
clear errors, the checks of a token stream for ``capture_mlp``, and what a live class needs: a
dict that says so when its recording was interrupted (:class:`WholeOrNothing`), a hook that ends a
pass after a given module (:func:`stop_after`), and a layer-by-layer progress bar (:class:`LayerProgress`).
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NamedTuple

import torch
from torch import nn
from tqdm.auto import tqdm

SITES = ("pre", "post")
HOOK_MARK = "_lessonkit_hook"  # every hook lessonkit adds carries this attribute
LECTURE_PASS = 1024  # tokens per forward pass, as the lecture runs them


class Site(NamedTuple):
    """Where one site's neurons sit inside block ``i``: a module, and whether they are its output or input."""

    module: str
    take: str  # "output" or "input"


# The architecture map: ``config.model_type`` -> where the blocks are, and each site inside block i.
# Read a row as: in GPT-2, "pre" is the output of transformer.h[i].mlp.c_fc, "post" the input of
# transformer.h[i].mlp.c_proj.
MLP_SITES: dict[str, tuple[str, dict[str, Site]]] = {
    #            blocks              "pre": first linear, output              "post": output linear, input
    "gpt2":     ("transformer.h",   {"pre": Site("mlp.c_fc", "output"),          "post": Site("mlp.c_proj", "input")}),
    "gpt_neox": ("gpt_neox.layers", {"pre": Site("mlp.dense_h_to_4h", "output"), "post": Site("mlp.dense_4h_to_h", "input")}),
    "llama":    ("model.layers",    {"pre": Site("mlp.gate_proj", "output"),     "post": Site("mlp.down_proj", "input")}),
}  # fmt: skip
ARCHITECTURES = "GPT-2 family ('gpt2'), GPT-NeoX / Pythia ('gpt_neox'), Llama family incl. SmolLM2 ('llama')"


class MlpSite(NamedTuple):
    """One layer's site: the module's full name, the module itself, and "output" or "input"."""

    name: str
    module: nn.Module
    take: str


def mlp_site_modules(model: nn.Module, layers: Any = None, site: str = "pre") -> dict[int, MlpSite]:
    """For each chosen layer, the module that holds the MLP neurons of ``site`` ("pre" or "post").

    ``layers``: None (all), one int, or a list of ints. Negative indices count from the end, as in
    Python (-1 is the last layer); the keys of the result are always the non-negative indices.
    """
    if site not in SITES:
        raise ValueError(f"site must be 'pre' (first linear output) or 'post' (after the nonlinearity), got {site!r}.")
    blocks = block_modules(model)
    inside = MLP_SITES[_architecture(model)][1][site]
    return {
        i: MlpSite(f"{blocks[i].name}.{inside.module}", blocks[i].module.get_submodule(inside.module), inside.take)
        for i in layer_indices(layers, len(blocks))
    }


class Block(NamedTuple):
    """One transformer block (a layer): its full name, e.g. ``transformer.h.10``, and the module."""

    name: str
    module: nn.Module


def block_modules(model: nn.Module) -> list[Block]:
    """The model's transformer blocks, in order: block i holds layer i's MLP."""
    blocks_path = _blocks_path(model, MLP_SITES[_architecture(model)][0])
    return [Block(f"{blocks_path}.{i}", block) for i, block in enumerate(model.get_submodule(blocks_path))]


def _architecture(model: Any) -> str:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module (a transformers model), got {type(model).__name__}.")
    model_type = getattr(getattr(model, "config", None), "model_type", None)
    if model_type not in MLP_SITES:
        raise ValueError(
            f"lessonkit does not know where the MLP neurons of {type(model).__name__} "
            f"(model_type {model_type!r}) are. Supported: {ARCHITECTURES}."
        )
    return model_type


def _blocks_path(model: nn.Module, path: str) -> str:
    """Where the blocks are: ``transformer.h`` in a model with a head, ``h`` in a bare ``GPT2Model``."""
    prefix = getattr(model, "base_model_prefix", "")
    if model is getattr(model, "base_model", None) and path.startswith(prefix + "."):
        return path[len(prefix) + 1 :]
    return path


def layer_indices(layers: Any, n_layers: int) -> list[int]:
    """``layers`` as a sorted list of distinct non-negative indices; clear errors for anything else."""
    if layers is None:
        return list(range(n_layers))
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Iterable):
        layers = [layers]
    chosen = []
    for layer in layers:
        if isinstance(layer, bool) or not hasattr(layer, "__index__"):
            raise TypeError(f"layers must be None, an int or a list of ints, got {layer!r}.")
        index = operator.index(layer)
        if not -n_layers <= index < n_layers:
            raise ValueError(
                f"layer {index} is out of range: this model has {n_layers} layers "
                f"(0 to {n_layers - 1}, or -{n_layers} to -1 from the end)."
            )
        chosen.append(index % n_layers)
    if not chosen:
        raise ValueError("layers is empty: pass None for all layers, or the indices you want.")
    return sorted(set(chosen))


# ---------------------------------------------------------------- keeping the values


def keep(values: torch.Tensor, dtype: torch.dtype, device: Any = None, *, last: bool) -> torch.Tensor:
    """``values`` as detached ``[tokens, neurons]`` rows in ``dtype``, on ``device`` (None: where they are).

    Kept where they are, in the model's dtype, this is the module's own tensor, not a copy (the MLPs
    of MLP_SITES never change it in place): on a GPU the values stay there, and the forward pass
    costs what a plain one does. Copied from a GPU to the CPU (``device="cpu"``), the copy runs in
    the background while the model goes on; the ``last`` layer's hook waits for all of them, so the
    values are complete when the forward pass returns.
    """
    rows = values.detach().reshape(-1, values.shape[-1])
    to_cpu = values.is_cuda and device is not None and torch.device(device).type == "cpu"
    rows = rows.to(device=rows.device if device is None else device, dtype=dtype, non_blocking=to_cpu)
    if to_cpu and last:
        torch.cuda.current_stream(values.device).synchronize()
    return rows


def check_device(device: Any) -> torch.device | None:
    """None (keep activations where the model computes them), or a torch device; else a clear error."""
    if device is None:
        return None
    try:
        return torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise ValueError(f"device must be None (where the model computes them), 'cpu' or a torch device "
                         f"such as 'cuda:0', got {device!r}.") from error


def check_dtype(dtype: Any) -> torch.dtype:
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"dtype must be a floating torch dtype such as torch.float16, got {dtype!r}.")
    return dtype


# ---------------------------------------------------------------- a recording stopped half-way


class RecordingInterrupted(RuntimeError):
    """Activations used after their recording stopped half-way (an error, or the stop button)."""


class WholeOrNothing(dict):
    """A dict that is whole, or says it is not: after :meth:`interrupt` it is empty, and reading it in
    any way (``d[k]``, ``len``, ``in``, iterating, ``keys/values/items/get/copy``) raises
    :class:`RecordingInterrupted` with one line -- never a ``KeyError`` three cells later."""

    interrupted = ""  # why it is not whole; empty while it is

    def interrupt(self, cause: str) -> None:
        self.clear()
        self.interrupted = (f"these activations are incomplete: the recording was interrupted ({cause}); "
                            "run the cell that recorded them again")

    def _whole(self) -> None:
        if self.interrupted:
            raise RecordingInterrupted(self.interrupted)


def _read_whole(name: str):
    read = getattr(dict, name)

    def checked(self, *args, **kwargs):
        self._whole()
        return read(self, *args, **kwargs)

    checked.__name__ = checked.__qualname__ = name
    return checked


for _name in ("__getitem__", "__iter__", "__len__", "__contains__", "keys", "values", "items", "get", "copy"):
    setattr(WholeOrNothing, _name, _read_whole(_name))


# ---------------------------------------------------------------- stopping a pass early


class _LastLayerDone(Exception):
    """Raised by :func:`stop_after`'s hook to end a forward pass once the last wanted layer has run."""


@contextmanager
def stop_after(site: MlpSite | Block) -> Iterator[None]:
    """Inside the block, a forward pass ends right after ``site``'s module has run (and after any hook
    registered on it before this one, such as a recorder's): the layers above it and the output layer
    are never computed. The pass ends by raising inside the block, so put nothing after the forward
    pass in it (``run_up_to_layer`` wraps it for one call). Its hook is removed on the way out."""

    def stop(module, inputs, output):
        raise _LastLayerDone

    setattr(stop, HOOK_MARK, f"stop after {site.name}")
    handle = site.module.register_forward_hook(stop)
    try:
        yield
    except _LastLayerDone:
        pass
    finally:
        handle.remove()


# ---------------------------------------------------------------- a progress bar for slow passes


PROGRESS_DELAY = 2.0  # seconds: a pass that ends sooner shows no bar at all (a GPU, a short text)


class LayerProgress:
    """A progress bar that moves one step as each transformer block starts, from a pre-hook on each block.

    For the forward passes an instructor waits on: ``passes`` passes through blocks 0..``upto``
    (default: all). A pass more than announced extends the bar. The bar appears only once a pass
    has taken longer than :data:`PROGRESS_DELAY`; ``remove()`` takes its hooks off and closes it.
    """

    def __init__(self, model: nn.Module, desc: str, *, upto: int | None = None, passes: int = 1) -> None:
        blocks = block_modules(model)
        self.blocks = blocks[: (len(blocks) if upto is None else upto + 1)]
        self.bar = tqdm(total=passes * len(self.blocks), desc=desc, unit="layer", delay=PROGRESS_DELAY)
        self.handles = []
        try:
            for block in self.blocks:
                self.handles.append(block.module.register_forward_pre_hook(self.step))
        except BaseException:
            self.remove()
            raise

    def step(self, module, inputs) -> None:
        if self.bar.n >= self.bar.total:  # one more pass than announced
            self.bar.total += len(self.blocks)
        self.bar.update(1)

    def remove(self) -> None:
        while self.handles:
            self.handles.pop().remove()
        self.bar.close()


setattr(LayerProgress.step, HOOK_MARK, "progress bar")


# ---------------------------------------------------------------- the input guard


def add_input_guard(model: nn.Module) -> torch.utils.hooks.RemovableHandle:
    """One more hook, on the model itself: turn the two classic input mistakes into clear errors.

    Without it, a 1-D ``input_ids`` (the lecture's ``model(tokens[0, :1024])``) fails inside
    transformers 5 with "too many indices", and more tokens than the context fail with "index out
    of range in self" -- both far from the cause.
    """
    context = context_length(model)

    def guard(module, args, kwargs):
        ids = kwargs.get("input_ids", args[0] if args else None)
        if not isinstance(ids, torch.Tensor):
            return
        if ids.ndim == 1:
            raise ValueError(
                f"input_ids has shape {list(ids.shape)}: pass a 2-D batch [1, n], e.g. "
                "model(tokens[:, :1024]) rather than model(tokens[0, :1024])."
            )
        if context is not None and ids.shape[-1] > context:
            raise ValueError(
                f"{ids.shape[-1]} tokens in one forward pass, but this model reads at most {context}. "
                f"Pass tokens[:, :{context}], or lessonkit.capture_mlp(model, tokens), which runs any length in passes."
            )

    handle = model.register_forward_pre_hook(guard, with_kwargs=True)
    setattr(guard, HOOK_MARK, "input guard")
    return handle


def context_length(model: nn.Module) -> int | None:
    config = getattr(model, "config", None)
    return getattr(config, "n_positions", None) or getattr(config, "max_position_embeddings", None)


# ---------------------------------------------------------------- token streams for capture_mlp


def as_stream(tokens: Any) -> torch.Tensor:
    """``tokens`` as a 1-D int64 CPU tensor; clear errors for batches, floats and tokenizer outputs."""
    if isinstance(tokens, Mapping):
        raise TypeError("tokens looks like a tokenizer output: pass its ids, e.g. tokens['input_ids'].")
    ids = tokens.detach().cpu() if isinstance(tokens, torch.Tensor) else torch.as_tensor(tokens)
    if ids.is_floating_point() or ids.is_complex() or ids.dtype == torch.bool:
        raise TypeError(f"tokens must be integer token ids, got dtype {ids.dtype}.")
    if ids.ndim == 2 and ids.shape[0] == 1:
        ids = ids[0]
    if ids.ndim != 1:
        raise ValueError(
            f"tokens must be one stream, 1-D or [1, n], got shape {list(ids.shape)}; "
            "capture one text at a time, or join the texts into one stream."
        )
    if len(ids) == 0:
        raise ValueError("tokens is empty: tokenize some text first.")
    return ids.long()


def pass_length(model: nn.Module, chunk: int | None) -> int:
    """Tokens per forward pass: ``chunk``, or the lecture's 1,024 (the model's context if shorter)."""
    context = context_length(model)
    if chunk is None:
        return min(LECTURE_PASS, context) if context is not None else LECTURE_PASS
    if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
        raise ValueError(f"chunk must be a positive number of tokens, got {chunk!r}.")
    if context is not None and chunk > context:
        raise ValueError(f"chunk={chunk} is longer than the model's context of {context} tokens; use chunk <= {context}.")
    return chunk


def model_device(model: nn.Module) -> torch.device:
    device = getattr(model, "device", None)
    if isinstance(device, torch.device):
        return device
    return next(model.parameters()).device
