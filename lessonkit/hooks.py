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
  notebook's stop button). Re-running the cell adds nothing, because nothing was left behind. A
  recording stopped half-way never passes for a whole one: using it raises one line that says so.
* :func:`capture_mlp` runs a token stream of any length through the model in the lecture's
  1,024-token passes (stopped half-way, it returns nothing: the name keeps its old value).
* :func:`run_up_to_layer` ends a forward pass once a layer has run: checking layer 10 costs the
  layers up to 10, not a whole pass.
* :func:`count_hooks` shows how many hooks sit on a model (a leak is easy to see), and
  :func:`remove_lessonkit_hooks` clears any lessonkit hook that a broken kernel left behind.

Two *sites* per layer: ``"pre"`` is the first linear layer's output (the lecture's choice) and
``"post"`` is what the nonlinearity gives the output projection. Each is a module's own output or
input (the table ``_machinery/mlp_sites.py``'s ``MLP_SITES``: GPT-2, GPT-NeoX, Llama), taken as it is -- never
recomputed. :class:`MlpRecorder` is the whole idea in one screen; where the modules are, and the
guards around a forward pass, live in ``_machinery/mlp_sites.py``.

One vocabulary everywhere: ``acts[layer]`` is a ``[tokens, neurons]`` tensor, so ``acts[18][:, 33]``
is neuron 33 of layer 18, one value per token, and ``acts[18][5]`` is every neuron of layer 18 at
token 5. The tensors stay where the model computed them: on the CPU with a CPU model; on a GPU with a
GPU model, where recording then costs no copy and lessonkit's statistics run too (the lecture's hook
copied every layer to the CPU during the forward pass). ``.cpu()`` brings them over when numpy or
statsmodels needs them. Example::

    with lessonkit.record_mlp(model, layers=[10, 18]) as acts:
        model(tokens[:, :1024])          # always a 2-D batch: [1, n]
    acts[10].shape                       # [1024, 4096]

    acts = lessonkit.capture_mlp(model, tokens, layers=18)    # any length, in 1,024-token passes
    acts[18][:, 33]                      # neuron 33 of layer 18, one value per token
"""

from __future__ import annotations

import warnings
from typing import Any

import torch
from torch import nn

from ._machinery.mlp_sites import (HOOK_MARK, SITES, LayerProgress, MlpSite, RecordingInterrupted, WholeOrNothing,
                                   _LastLayerDone, add_input_guard, as_stream, block_modules, check_device, check_dtype,
                                   keep, layer_indices, mlp_site_modules, model_device, pass_length, stop_after)

__all__ = ["record_mlp", "capture_mlp", "run_up_to_layer", "count_hooks", "remove_lessonkit_hooks",
           "mlp_site_modules", "MlpRecorder", "MlpActivations", "RecordingInterrupted", "SITES"]


class MlpActivations(WholeOrNothing):
    """Layer index -> ``[tokens, neurons]`` activations, where the model computed them (or where asked).

    Its repr shows shapes and the device, not numbers. ``acts.cpu()`` is a copy on the CPU, for numpy.
    A dict that is whole or says it is not: if its recording stopped half-way, it is emptied and
    every use of it raises :class:`RecordingInterrupted` with one line (``WholeOrNothing``).
    """

    def __init__(self, site: str) -> None:
        super().__init__()
        self.site = site

    def __repr__(self) -> str:
        if self.interrupted:
            return f"MlpActivations(site={self.site!r}, {self.interrupted})"
        shapes = ", ".join(f"{layer}: {list(t.shape)} {str(t.dtype).removeprefix('torch.')}" for layer, t in self.items())
        devices = sorted({str(t.device) for t in self.values()} - {"cpu"})
        where = f", on {', '.join(devices)}" if devices else ""
        return f"MlpActivations(site={self.site!r}{where}, {{{shapes}}})"

    def cpu(self) -> "MlpActivations":
        """The same activations on the CPU (a layer already there is shared, not copied): for numpy."""
        on_cpu = MlpActivations(self.site)
        on_cpu.update((layer, values.cpu()) for layer, values in self.items())
        return on_cpu


class MlpRecorder:
    """The ``with`` block of :func:`record_mlp`: one forward hook per layer, all removed on leaving it."""

    def __init__(self, model: nn.Module, layers: Any, site: str, dtype: torch.dtype, device: Any = None,
                 progress: bool = False) -> None:
        self.sites = mlp_site_modules(model, layers, site)  # bad input fails here, at the line that asked
        self.model, self.site, self.dtype, self.progress = model, site, check_dtype(dtype), progress
        self.device = check_device(device)
        self.activations = MlpActivations(site)
        self.handles: list[Any] = []

    def __enter__(self) -> MlpActivations:
        if self.handles:
            raise RuntimeError("This recorder is already recording: use a second record_mlp(...) for a second site.")
        self.activations = MlpActivations(self.site)  # each block fills a dict of its own
        try:
            for layer, site in self.sites.items():
                self.handles.append(site.module.register_forward_hook(self.keeper(layer, site)))
            self.handles.append(add_input_guard(self.model))  # 1-D input or too many tokens: a clear error
            if self.progress:  # a bar that moves as each layer runs (its hooks go when the block ends)
                self.handles.append(LayerProgress(self.model, f"recording {len(self.sites)} layers"))
        except BaseException:
            self.remove()
            raise
        return self.activations

    def keeper(self, layer: int, site: MlpSite):
        """The hook for one layer: keep the module's output ("pre") or input ("post") as [tokens, neurons]."""
        last = layer == max(self.sites)

        def hook(module, inputs, output):
            values = output if site.take == "output" else inputs[0]
            self.activations[layer] = keep(values, self.dtype, self.device, last=last)

        setattr(hook, HOOK_MARK, site.name)
        return hook

    def __exit__(self, error: type[BaseException] | None, *details: Any) -> None:
        try:
            if torch.cuda.is_initialized():
                torch.cuda.synchronize()  # a pass stopped half-way may still be copying to the CPU
        finally:
            self.remove()  # after a normal end, an error or the stop button alike
            if error is not None and error is not _LastLayerDone:  # stopped half-way: every use will say so
                self.activations.interrupt(f"{error.__name__}, {len(self.activations)} of {len(self.sites)} layers recorded")

    def remove(self) -> None:
        """Remove this recorder's hooks (safe to call twice, or after remove_lessonkit_hooks)."""
        while self.handles:
            self.handles.pop().remove()


def record_mlp(
    model: nn.Module, layers: Any = None, *, site: str = "pre", dtype: torch.dtype = torch.float32,
    device: Any = None, progress: bool = False,
) -> MlpRecorder:
    """Record MLP neurons inside a ``with`` block; every hook is gone when the block ends.

    ``with record_mlp(model, layers=[10, 18]) as acts: model(ids)`` fills ``acts`` (a dict) with
    ``acts[layer]``: a ``[tokens, neurons]`` tensor, detached, of ``dtype`` (a batch of several
    sequences gives their rows one after another). ``device``: where they are kept; None (default)
    leaves them where the model computed them -- on a GPU they stay there, so recording costs no
    copy, and statistics run there too; ``acts[18].cpu()`` (or ``acts.cpu()``) when numpy or
    statsmodels needs them. ``device="cpu"`` copies each layer to the CPU, as the lecture's hook does.
    Each forward pass replaces the previous one's values, like the lecture's dict; use
    :func:`capture_mlp` for texts longer than one pass.

    Memory: all 24 layers of gpt2-medium for 1,024 tokens are 24 x 1,024 x 4,096 x 4 bytes, about
    400 MB in float32; ``dtype=torch.float16`` halves that. ``layers``: None (all), an int or a list;
    negative indices count from the end. ``site``: "pre" (first linear output, the lecture's neuron)
    or "post" (after the nonlinearity). ``progress=True``: a bar that moves as each layer runs, shown
    once a pass takes more than two seconds. The same recorder can be entered again after its block
    ended; each block fills a new dict.

    If the block ends with an error or the stop button (KeyboardInterrupt), ``acts`` is emptied and
    using it raises :class:`RecordingInterrupted` ("... run the cell that recorded them again").
    """
    return MlpRecorder(model, layers, site, dtype, device, progress)


def run_up_to_layer(model: nn.Module, input_ids: torch.Tensor, layer: int) -> None:
    """One forward pass that ends as soon as transformer block ``layer`` has run.

    The layers above it and the output layer are never computed, so checking layer 10's neurons
    costs 11 of gpt2-medium's 24 layers, not a whole pass. Hooks on layer ``layer`` and below run as
    usual (inside ``record_mlp``, too). ``input_ids``: a ``[1, n]`` batch. Returns nothing.
    """
    if isinstance(layer, bool) or not isinstance(layer, int):
        raise TypeError(f"layer must be one int, got {layer!r}.")
    blocks = block_modules(model)
    with stop_after(blocks[layer_indices(layer, len(blocks))[0]]), torch.inference_mode():
        model(input_ids=input_ids.to(model_device(model)), use_cache=False)


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


# ---------------------------------------------------------------- long texts, in the lecture's passes


def capture_mlp(
    model: nn.Module,
    tokens: Any,
    layers: Any = None,
    *,
    site: str = "pre",
    chunk: int | None = None,
    dtype: torch.dtype = torch.float32,
    progress: bool = True,
    device: Any = None,
) -> MlpActivations:
    """Run a token stream of any length through the model; return ``{layer: [n_tokens, neurons]}``.

    ``tokens``: one stream, a 1-D or ``[1, n]`` tensor (or list) of token ids. The stream goes in
    passes of ``chunk`` tokens (default: the lecture's 1,024, or the model's context if shorter),
    each as a ``[1, chunk]`` batch on the model's device, under ``torch.no_grad()``, with a
    progress bar (layer by layer; shown once the capture takes more than two seconds).

    Each pass is a fresh forward pass that knows nothing of the text before it: token 1,025 is the
    first token of the second pass and sees no earlier text at all, just like the first token of the
    stream -- the lecture's batches work the same way. Tokens near the start of a pass see little
    context (and the very first one is an outlier in many neurons). Each pass stops after the last
    recorded layer: the layers above it and the output layer are never computed.

    Memory: ``n_tokens x neurons`` values per chosen layer (gpt2-medium, 24 layers x 1,024 tokens:
    about 400 MB in float32; the lecture's whole text, 11,524 tokens: 4.5 GB, or 2.3 GB with
    ``dtype=torch.float16``); pick layers, or half precision. They are kept on ``device`` (None: the
    model's, so on a GPU they fill GPU memory, not RAM; see :func:`record_mlp`); each pass's values are
    copied in and freed, and a text of one pass is kept as recorded, without a copy. Stopped half-way
    (an error, the stop button), it returns nothing, so ``acts = capture_mlp(...)`` keeps its old value.
    """
    recorder = record_mlp(model, layers, site=site, dtype=dtype, device=device)  # checks the model, layers and site first
    stream, step = as_stream(tokens), pass_length(model, chunk)
    if model.training:
        warnings.warn("The model is in training mode, so dropout makes activations random; call model.eval() first.", stacklevel=2)
    model_on, result = model_device(model), MlpActivations(site)
    top = max(recorder.sites)  # nothing above the last recorded layer needs computing
    passes = range(0, len(stream), step)
    bar = LayerProgress(model, f"{len(stream):,} tokens", upto=top, passes=len(passes)) if progress else None
    try:
        with recorder as acts:
            for start in passes:
                piece = stream[start : start + step]
                with stop_after(recorder.sites[top]), torch.no_grad():  # no_grad, not inference_mode: ordinary tensors
                    model(input_ids=piece.unsqueeze(0).to(model_on), use_cache=False)  # a 2-D batch: [1, len]
                for layer in list(acts):
                    values = acts.pop(layer)  # freed once copied: a pass's values are never kept twice
                    if len(piece) == len(stream):  # one pass: its values are the result, nothing to copy
                        result[layer] = values
                        continue
                    if layer not in result:
                        result[layer] = torch.empty(len(stream), values.shape[-1], dtype=dtype, device=values.device)
                    result[layer][start : start + len(piece)] = values
    finally:
        if bar is not None:
            bar.remove()
    return result
