"""Hooks: record the MLP neurons of a language model, without leaving hooks behind.

The lecture's neuron is the output of the MLP's first linear layer, before the nonlinearity
(GPT-2: ``mlp.c_fc``). A *forward hook* is a function that PyTorch calls after a module has run; it
sees the module's input and output, so it can keep a copy of the neurons as the model runs.

Hooks are global state: they stay on the model until someone removes them. The lecture's hook sits
on each block's MLP, recomputes ``c_fc`` from the MLP's input, and stores the result in a dict entry
per layer, which the next forward pass overwrites. Its hooks are never removed: run that cell again
and a second set of 24 joins the first, so every later forward pass computes and stores everything
twice (nothing grows, it only costs time). Here:

* :func:`record_mlp` is a context manager: the hooks exist only inside its ``with`` block and are
  removed when the block ends -- normally, after an error, or after a KeyboardInterrupt (the
  notebook's stop button). Re-running the cell adds nothing, because nothing was left behind.
* :func:`capture_mlp` runs a token stream of any length through the model in the lecture's
  1,024-token passes.
* :func:`count_hooks` shows how many hooks sit on a model (a leak is easy to see), and
  :func:`remove_lessonkit_hooks` clears any lessonkit hook that a broken kernel left behind.

Two *sites* per layer: ``"pre"`` is the first linear layer's output (the lecture's choice) and
``"post"`` is what the nonlinearity gives the output projection. Each is a module's own output or
input (the table :data:`MLP_SITES`), taken as it is -- never recomputed.

One vocabulary everywhere: ``acts[layer]`` is a ``[tokens, neurons]`` tensor on the CPU, so
``acts[18][:, 33]`` is neuron 33 of layer 18, one value per token, and ``acts[18][5]`` is every
neuron of layer 18 at token 5. Example::

    with lessonkit.record_mlp(model, layers=[10, 18]) as acts:
        model(tokens[:, :1024])          # always a 2-D batch: [1, n]
    acts[10].shape                       # [1024, 4096]

    acts = lessonkit.capture_mlp(model, tokens, layers=18)    # any length, in 1,024-token passes
    acts[18][:, 33]                      # neuron 33 of layer 18, one value per token
"""

from __future__ import annotations

import operator
import warnings
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import torch
from torch import nn
from tqdm.auto import tqdm

SITES = ("pre", "post")


class Site(NamedTuple):
    """Where one site's neurons sit inside block ``i``: a module, and whether to take its output or input."""

    module: str
    take: str  # "output" (forward hook) or "input" (forward pre-hook)


# The architecture map. ``config.model_type`` -> where the blocks are, and each site inside block i.
# Read a row as: in GPT-2, "pre" is the output of transformer.h[i].mlp.c_fc, "post" the input of
# transformer.h[i].mlp.c_proj.
MLP_SITES: dict[str, tuple[str, dict[str, Site]]] = {
    #            blocks              "pre": first linear, output              "post": output linear, input
    "gpt2":     ("transformer.h",   {"pre": Site("mlp.c_fc", "output"),          "post": Site("mlp.c_proj", "input")}),
    "gpt_neox": ("gpt_neox.layers", {"pre": Site("mlp.dense_h_to_4h", "output"), "post": Site("mlp.dense_4h_to_h", "input")}),
    "llama":    ("model.layers",    {"pre": Site("mlp.gate_proj", "output"),     "post": Site("mlp.down_proj", "input")}),
}  # fmt: skip
ARCHITECTURES = "GPT-2 family ('gpt2'), GPT-NeoX / Pythia ('gpt_neox'), Llama family incl. SmolLM2 ('llama')"

HOOK_MARK = "_lessonkit_hook"  # every hook this module adds carries this attribute


class MlpSite(NamedTuple):
    """One layer's site: the module's full name, the module itself, and "output" or "input"."""

    name: str
    module: nn.Module
    take: str


class MlpActivations(dict):
    """Layer index -> ``[tokens, neurons]`` activations (CPU tensors). Its repr shows shapes, not numbers."""

    def __init__(self, site: str) -> None:
        super().__init__()
        self.site = site

    def __repr__(self) -> str:
        shapes = ", ".join(f"{layer}: {list(t.shape)} {str(t.dtype).removeprefix('torch.')}" for layer, t in self.items())
        return f"MlpActivations(site={self.site!r}, {{{shapes}}})"


# ---------------------------------------------------------------- where the neurons are


def mlp_site_modules(model: nn.Module, layers: Any = None, site: str = "pre") -> dict[int, MlpSite]:
    """For each chosen layer, the module that holds the MLP neurons of ``site`` ("pre" or "post").

    ``layers``: None (all), one int, or a list of ints. Negative indices count from the end, as in
    Python (-1 is the last layer); the keys of the result are always the non-negative indices.
    """
    if site not in SITES:
        raise ValueError(f"site must be 'pre' (first linear output) or 'post' (after the nonlinearity), got {site!r}.")
    blocks_path, sites = MLP_SITES[_architecture(model)]
    blocks_path = _blocks_path(model, blocks_path)
    blocks = model.get_submodule(blocks_path)
    inside = sites[site]
    return {
        i: MlpSite(f"{blocks_path}.{i}.{inside.module}", blocks[i].get_submodule(inside.module), inside.take)
        for i in _layer_indices(layers, len(blocks))
    }


def _architecture(model: Any) -> str:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module (a transformers model), got {type(model).__name__}.")
    model_type = getattr(getattr(model, "config", None), "model_type", None)
    if model_type not in MLP_SITES:
        raise ValueError(
            f"lessonkit.hooks does not know where the MLP neurons of {type(model).__name__} "
            f"(model_type {model_type!r}) are. Supported: {ARCHITECTURES}."
        )
    return model_type


def _blocks_path(model: nn.Module, path: str) -> str:
    """Where the blocks are: ``transformer.h`` in a model with a head, ``h`` in a bare ``GPT2Model``."""
    prefix = getattr(model, "base_model_prefix", "")
    if model is getattr(model, "base_model", None) and path.startswith(prefix + "."):
        return path[len(prefix) + 1 :]
    return path


def _layer_indices(layers: Any, n_layers: int) -> list[int]:
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


# ---------------------------------------------------------------- recording


class MlpRecorder:
    """The context manager that :func:`record_mlp` returns; reusable, one ``with`` at a time."""

    def __init__(self, model: nn.Module, layers: Any, site: str, dtype: torch.dtype) -> None:
        if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
            raise TypeError(f"dtype must be a floating torch dtype such as torch.float16, got {dtype!r}.")
        self.sites = mlp_site_modules(model, layers, site)  # check now, at the line that asked
        self.model = model
        self.dtype = dtype
        self.activations = MlpActivations(site)
        self._handles: list[torch.utils.hooks.RemovableHandle] = []

    def __enter__(self) -> MlpActivations:
        if self._handles:
            raise RuntimeError(
                "This recorder is already recording (a `with` inside its own `with`). "
                "To record a second site at the same time, use a second record_mlp(...)."
            )
        self.activations.clear()  # a re-used recorder starts empty
        try:
            for layer, site in self.sites.items():
                self._handles.append(_add_hook(site, self._keeper(layer)))
            self._handles.append(_add_input_guard(self.model))
        except BaseException:
            self.remove()
            raise
        return self.activations

    def __exit__(self, *exc_info: Any) -> None:
        try:
            if torch.cuda.is_initialized():
                torch.cuda.synchronize()  # a pass stopped half-way may still be copying to the CPU
        finally:
            self.remove()  # runs for a normal exit, an exception and a KeyboardInterrupt alike

    def remove(self) -> None:
        """Remove this recorder's hooks (safe to call twice, or after remove_lessonkit_hooks)."""
        while self._handles:
            self._handles.pop().remove()

    def _keeper(self, layer: int):
        activations, dtype, last_layer = self.activations, self.dtype, max(self.sites)

        def keep(values: torch.Tensor) -> None:
            # Detached and on the CPU. On the CPU, in the model's dtype, this is the module's own
            # tensor, not a copy: the MLPs of MLP_SITES never change it in place (the tests compare
            # after the whole pass). From a GPU the copy runs in the background (into pinned memory)
            # while the model goes on; the last layer's hook waits for all of them.
            on_gpu = values.is_cuda
            rows = values.detach().reshape(-1, values.shape[-1])  # [tokens, neurons]: batch rows one after another
            activations[layer] = rows.to(device="cpu", dtype=dtype, non_blocking=on_gpu)
            if on_gpu and layer == last_layer:
                torch.cuda.current_stream(values.device).synchronize()

        return keep


def record_mlp(
    model: nn.Module, layers: Any = None, *, site: str = "pre", dtype: torch.dtype = torch.float32
) -> MlpRecorder:
    """Record MLP neurons inside a ``with`` block; every hook is gone when the block ends.

    ``with record_mlp(model, layers=[10, 18]) as acts: model(ids)`` fills ``acts`` (a dict) with
    ``acts[layer]``: a ``[tokens, neurons]`` tensor on the CPU, detached, of ``dtype`` (a batch of
    several sequences gives their rows one after another). Only the chosen layers are kept; each
    forward pass replaces the previous one's values, like the lecture's dict; use
    :func:`capture_mlp` for texts longer than one pass.

    Memory: all 24 layers of gpt2-medium for 1,024 tokens are 24 x 1,024 x 4,096 x 4 bytes, about
    400 MB in float32; ``dtype=torch.float16`` halves that. On a GPU the copies to the CPU run in the
    background and are complete when the forward pass returns. ``layers``: None (all), an int or a list;
    negative indices count from the end. ``site``: "pre" (first linear output, the lecture's neuron)
    or "post" (after the nonlinearity). The same recorder can be entered again after its block ended.
    """
    return MlpRecorder(model, layers, site, dtype)


def _add_hook(site: MlpSite, keep) -> torch.utils.hooks.RemovableHandle:
    """Hook the module: a forward hook keeps its output, a forward pre-hook keeps its input."""
    if site.take == "output":

        def hook(module, args, output):
            keep(output)

        handle = site.module.register_forward_hook(hook)
    else:

        def hook(module, args):
            keep(args[0])

        handle = site.module.register_forward_pre_hook(hook)
    setattr(hook, HOOK_MARK, site.name)
    return handle


def _add_input_guard(model: nn.Module) -> torch.utils.hooks.RemovableHandle:
    """One more hook, on the model itself: turn the two classic input mistakes into clear errors.

    Without it, a 1-D ``input_ids`` (the lecture's ``model(tokens[0, :1024])``) fails inside
    transformers 5 with "too many indices", and more tokens than the context fail with "index out
    of range in self" -- both far from the cause.
    """
    context = _context_length(model)

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
                f"Pass tokens[:, :{context}], or lessonkit.capture_mlp(model, tokens), which runs any length in chunks."
            )

    handle = model.register_forward_pre_hook(guard, with_kwargs=True)
    setattr(guard, HOOK_MARK, "input guard")
    return handle


# ---------------------------------------------------------------- seeing and clearing hooks


def count_hooks(model: nn.Module, *, lessonkit_only: bool = False) -> int:
    """How many forward hooks and forward pre-hooks sit on the model's modules (all, or only lessonkit's).

    A number that grows each time a cell runs is a leak.
    """
    return sum(
        1
        for module in model.modules()
        for hooks in (module._forward_hooks, module._forward_pre_hooks)
        for hook in hooks.values()
        if not lessonkit_only or hasattr(hook, HOOK_MARK)
    )


def remove_lessonkit_hooks(model: nn.Module) -> int:
    """Remove every hook lessonkit put on the model, and say how many there were.

    For a kernel in a bad state (a recorder entered by hand and never closed). Other hooks stay.
    """
    removed = 0
    for module in model.modules():
        for hooks in (module._forward_hooks, module._forward_pre_hooks):
            for hook_id in [key for key, hook in hooks.items() if hasattr(hook, HOOK_MARK)]:
                del hooks[hook_id]
                for extra in ("_forward_hooks_with_kwargs", "_forward_hooks_always_called", "_forward_pre_hooks_with_kwargs"):
                    getattr(module, extra, {}).pop(hook_id, None)
                removed += 1
    return removed


# ---------------------------------------------------------------- long streams, in chunks


def capture_mlp(
    model: nn.Module,
    tokens: Any,
    layers: Any = None,
    *,
    site: str = "pre",
    chunk: int | None = None,
    dtype: torch.dtype = torch.float32,
    progress: bool = True,
) -> MlpActivations:
    """Run a token stream of any length through the model; return ``{layer: [n_tokens, neurons]}``.

    ``tokens``: one stream, a 1-D or ``[1, n]`` tensor (or list) of token ids. The stream goes in
    chunks of ``chunk`` tokens (default: the lecture's 1,024, or the model's context if shorter),
    each as a ``[1, chunk]`` batch on the model's device, under ``torch.inference_mode()``, with a
    progress bar.

    Chunking changes what a token sees: each chunk is a fresh forward pass that knows nothing of the
    text before it. With ``chunk=1024``, token 1,025 is the first token of the second pass and sees
    no earlier text at all, just like the first token of the stream; the lecture's 1,024-token
    batches work the same way. Tokens near the start of a chunk see little context, so their
    activations can differ from those the same token would get deep inside a text.

    Memory: ``n_tokens x neurons`` values per chosen layer (gpt2-medium, 24 layers x 1,024 tokens:
    about 400 MB in float32); pick layers, or ``dtype=torch.float16`` to halve it.
    """
    recorder = record_mlp(model, layers, site=site, dtype=dtype)  # checks the model, layers and site first
    stream = _as_stream(tokens)
    chunk = _chunk_size(model, chunk)
    if model.training:
        warnings.warn("The model is in training mode, so dropout makes activations random; call model.eval() first.", stacklevel=2)
    device = _model_device(model)
    n_tokens = len(stream)
    result = MlpActivations(site)
    with recorder as acts, tqdm(total=n_tokens, unit="tok", desc=f"MLP {site}", disable=not progress) as bar:
        for start in range(0, n_tokens, chunk):
            piece = stream[start : start + chunk]
            with torch.inference_mode():
                model(input_ids=piece.unsqueeze(0).to(device), use_cache=False)  # a 2-D batch: [1, len]
            for layer, values in acts.items():
                if layer not in result:  # allocated once, outside inference mode: an ordinary tensor
                    result[layer] = torch.empty(n_tokens, values.shape[-1], dtype=dtype)
                result[layer][start : start + len(piece)] = values
            acts.clear()
            bar.update(len(piece))
    return result


def _as_stream(tokens: Any) -> torch.Tensor:
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


def _context_length(model: nn.Module) -> int | None:
    config = getattr(model, "config", None)
    return getattr(config, "n_positions", None) or getattr(config, "max_position_embeddings", None)


LECTURE_PASS = 1024  # tokens per forward pass, as the lecture runs them


def _chunk_size(model: nn.Module, chunk: int | None) -> int:
    context = _context_length(model)
    if chunk is None:  # the lecture's passes; a model with a shorter context gets its context
        return min(LECTURE_PASS, context) if context is not None else LECTURE_PASS
    if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
        raise ValueError(f"chunk must be a positive number of tokens, got {chunk!r}.")
    if context is not None and chunk > context:
        raise ValueError(f"chunk={chunk} is longer than the model's context of {context} tokens; use chunk <= {context}.")
    return chunk


def _model_device(model: nn.Module) -> torch.device:
    device = getattr(model, "device", None)
    if isinstance(device, torch.device):
        return device
    return next(model.parameters()).device
