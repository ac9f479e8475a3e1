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
input (the table ``_mlp_sites.MLP_SITES``: GPT-2, GPT-NeoX, Llama), taken as it is -- never
recomputed. :class:`MlpRecorder` is the whole idea in one screen; where the modules are, and the
guards around a forward pass, live in ``_mlp_sites``.

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
from tqdm.auto import tqdm

from ._mlp_sites import (HOOK_MARK, SITES, MlpSite, add_input_guard, as_stream, check_device, check_dtype, keep,
                         mlp_site_modules, model_device, pass_length, stop_after)

__all__ = ["record_mlp", "capture_mlp", "count_hooks", "remove_lessonkit_hooks", "mlp_site_modules",
           "MlpRecorder", "MlpActivations", "SITES"]


class MlpActivations(dict):
    """Layer index -> ``[tokens, neurons]`` activations, where the model computed them (or where asked).

    Its repr shows shapes and the device, not numbers. ``acts.cpu()`` is a copy on the CPU, for numpy.
    """

    def __init__(self, site: str) -> None:
        super().__init__()
        self.site = site

    def __repr__(self) -> str:
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

    def __init__(self, model: nn.Module, layers: Any, site: str, dtype: torch.dtype, device: Any = None) -> None:
        self.sites = mlp_site_modules(model, layers, site)  # bad input fails here, at the line that asked
        self.model, self.dtype, self.device = model, check_dtype(dtype), check_device(device)
        self.activations = MlpActivations(site)
        self.handles: list[torch.utils.hooks.RemovableHandle] = []

    def __enter__(self) -> MlpActivations:
        if self.handles:
            raise RuntimeError("This recorder is already recording: use a second record_mlp(...) for a second site.")
        self.activations.clear()  # a recorder used again starts empty
        try:
            for layer, site in self.sites.items():
                self.handles.append(site.module.register_forward_hook(self.keeper(layer, site)))
            self.handles.append(add_input_guard(self.model))  # 1-D input or too many tokens: a clear error
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

    def __exit__(self, *exc_info: Any) -> None:
        try:
            if torch.cuda.is_initialized():
                torch.cuda.synchronize()  # a pass stopped half-way may still be copying to the CPU
        finally:
            self.remove()  # after a normal end, an error or the stop button alike

    def remove(self) -> None:
        """Remove this recorder's hooks (safe to call twice, or after remove_lessonkit_hooks)."""
        while self.handles:
            self.handles.pop().remove()


def record_mlp(
    model: nn.Module, layers: Any = None, *, site: str = "pre", dtype: torch.dtype = torch.float32,
    device: Any = None,
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
    or "post" (after the nonlinearity). The same recorder can be entered again after its block ended.
    """
    return MlpRecorder(model, layers, site, dtype, device)


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
    progress bar.

    Each pass is a fresh forward pass that knows nothing of the text before it: token 1,025 is the
    first token of the second pass and sees no earlier text at all, just like the first token of the
    stream -- the lecture's batches work the same way. Tokens near the start of a pass see little
    context (and the very first one is an outlier in many neurons). Each pass stops after the last
    recorded layer: the layers above it and the output layer are never computed.

    Memory: ``n_tokens x neurons`` values per chosen layer (gpt2-medium, 24 layers x 1,024 tokens:
    about 400 MB in float32; the lecture's whole text, 11,524 tokens: 4.5 GB, or 2.3 GB with
    ``dtype=torch.float16``); pick layers, or half precision. They are kept on ``device`` (None: the
    model's, so on a GPU they fill GPU memory, not RAM; see :func:`record_mlp`); each pass's values are
    copied in and freed, and a text of one pass is kept as recorded, without a copy.
    """
    recorder = record_mlp(model, layers, site=site, dtype=dtype, device=device)  # checks the model, layers and site first
    stream, step = as_stream(tokens), pass_length(model, chunk)
    if model.training:
        warnings.warn("The model is in training mode, so dropout makes activations random; call model.eval() first.", stacklevel=2)
    model_on, result = model_device(model), MlpActivations(site)
    last = recorder.sites[max(recorder.sites)]  # nothing above the last recorded layer needs computing
    with recorder as acts, tqdm(total=len(stream), unit="tok", desc=f"MLP {site}", disable=not progress) as bar:
        for start in range(0, len(stream), step):
            piece = stream[start : start + step]
            with stop_after(last), torch.no_grad():  # no_grad, not inference_mode: ordinary tensors
                model(input_ids=piece.unsqueeze(0).to(model_on), use_cache=False)  # a 2-D batch: [1, len]
            for layer in list(acts):
                values = acts.pop(layer)  # freed once copied: a pass's values are never kept twice
                if len(piece) == len(stream):  # one pass: its values are the result, nothing to copy
                    result[layer] = values
                    continue
                if layer not in result:
                    result[layer] = torch.empty(len(stream), values.shape[-1], dtype=dtype, device=values.device)
                result[layer][start : start + len(piece)] = values
            bar.update(len(piece))
    return result
