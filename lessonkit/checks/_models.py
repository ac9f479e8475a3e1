"""Cases and hints for the checks that run a model: the recording hook (notebook 01), the next-token
loss and the ablation hook (notebook 03).

The student's function runs on tiny seeded models of two architectures (GPT-2 and Llama, a few
milliseconds each, no download), against lessonkit's tested recorder and ablation. After each call
the check counts the hooks left on the model -- also after an error, and after the stop button
(KeyboardInterrupt), raised in the middle of a forward pass while the student's hook is on it.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator

import numpy as np

from ._tools import fail, number, numbers, same

VOCAB = 100
_FINAL_NORM = {"gpt2": "transformer.ln_f", "llama": "model.norm"}


def _seeded(build: Any, config: Any) -> Any:
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = build(config)
        with torch.no_grad():
            for parameter in model.parameters():
                parameter.add_(0.2 * torch.randn_like(parameter))  # biases and norms matter too
    return model.eval()


def tiny_models() -> dict[str, Any]:
    """Fresh tiny models with seeded weights: GPT-2 (3 layers x 128 neurons), Llama (3 layers x 48)."""
    from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

    gpt2 = GPT2Config(vocab_size=VOCAB, n_layer=3, n_embd=32, n_head=4, n_positions=32, bos_token_id=0, eos_token_id=0)
    llama = LlamaConfig(vocab_size=VOCAB, hidden_size=32, intermediate_size=48, num_hidden_layers=3,
                        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)
    return {"GPT-2": _seeded(GPT2LMHeadModel, gpt2), "Llama": _seeded(LlamaForCausalLM, llama)}


def token_ids(n_tokens: int, seed: int) -> Any:
    import torch

    return torch.randint(0, VOCAB, (1, n_tokens), generator=torch.Generator().manual_seed(seed))


@contextmanager
def error_mid_forward(model: Any, error: type[BaseException]) -> Iterator[None]:
    """Inside this block the model's final norm raises ``error`` whenever another hook sits on the model."""
    from ..hooks import count_hooks

    def stop(module, inputs, output):
        if count_hooks(model) > 1:  # this hook, and the student's
            raise error("stopped in the middle of the forward pass by the check")

    handle = model.get_submodule(_FINAL_NORM[model.config.model_type]).register_forward_hook(stop)
    try:
        yield
    finally:
        handle.remove()


def _no_hook_left(student: Callable[..., Any], model: Any, args: tuple) -> None:
    """Run the student's function once with an error and once with the stop button mid-forward; count hooks."""
    from ..hooks import count_hooks

    for error, what, hint in (
        (RuntimeError, "After an error in the middle of the forward pass",
         "remove the hook in a `finally:` block, which runs whatever happens in the `try:`."),
        (KeyboardInterrupt, "After the stop button (KeyboardInterrupt) in the middle of the forward pass",
         "`except Exception` does not catch KeyboardInterrupt: remove the hook in a `finally:` block."),
    ):
        with error_mid_forward(model, error):
            try:
                student(model, *args)
            except error:
                pass
        if count_hooks(model):
            fail(f"{what}, {count_hooks(model)} hook(s) stayed on the model.", hint)


def _hooks_left(model: Any, name: str) -> None:
    from ..hooks import count_hooks

    if count_hooks(model):
        fail(f"After your function returned, {count_hooks(model)} hook(s) were still on the tiny {name} model.",
             "keep the handle that register_forward_hook (or _pre_hook) gives you; call handle.remove() in a `finally:` block.")


# --------------------------------------------------------------------------- the recording hook (notebook 01)


def _recording_references(model: Any, layer: int, ids: Any) -> dict[str, np.ndarray]:
    """The layer's neurons (lessonkit's recorder), the module's input, and the neurons after the nonlinearity."""
    import torch

    from ..hooks import mlp_site_modules, record_mlp

    site = mlp_site_modules(model, layer)[layer]
    seen = {}
    handle = site.module.register_forward_hook(lambda module, inputs, output: seen.update(input=inputs[0].detach()))
    try:
        with record_mlp(model, layers=layer) as acts, torch.no_grad():
            model(ids)
    finally:
        handle.remove()
    mlp = model.get_submodule(site.name.rsplit(".", 1)[0])
    nonlinearity = getattr(mlp, "act", None) or mlp.act_fn
    neurons = acts[layer].reshape(-1, acts[layer].shape[-1])
    return {"neurons": neurons.numpy(), "input": seen["input"][0].numpy(), "after": nonlinearity(neurons).numpy()}


def _compare_recording(got: Any, ref: dict[str, np.ndarray], name: str, layer: int, earlier_rows: int | None) -> None:
    if getattr(got, "requires_grad", False):
        fail("The tensor you returned still carries autograd's graph (requires_grad=True).",
             "keep output.detach() in the hook, or run the model under torch.no_grad().")
    values, (n_tokens, n_neurons) = numbers(got, "the kept neurons"), ref["neurons"].shape
    if earlier_rows is not None and values.shape[0] in (earlier_rows, earlier_rows + n_tokens):
        fail(f"On a second call (another text, {n_tokens} tokens) your function returned {values.shape[0]} rows.",
             "make the storage fresh inside the function, so that each call returns its own text's neurons.")
    if values.shape == (1, n_tokens, n_neurons):
        fail(f"Your tensor has shape {list(values.shape)}: a batch of one text.",
             "return [tokens, neurons]: drop the batch dimension, e.g. output[0].")
    if values.reshape(-1, values.shape[-1]).shape == ref["input"].shape and same(values.reshape(ref["input"].shape), ref["input"], atol=1e-5):
        fail("You kept the module's input.", "the neurons are the module's OUTPUT (the hook's third argument).")
    if values.shape != (n_tokens, n_neurons):
        fail(f"Your tensor has shape {list(values.shape)}; layer {layer} of the tiny {name} model gives {n_tokens} tokens x {n_neurons} neurons.",
             "hook the module given (the MLP's first linear layer) and keep its output.")
    if same(values, ref["after"], rtol=1e-4, atol=1e-5):
        fail("You kept the neurons AFTER the nonlinearity.", "the lecture's neuron is the first linear layer's output, before GELU / SiLU.")
    if not same(values, ref["neurons"], rtol=1e-4, atol=1e-5):
        gap = float(np.abs(values - ref["neurons"]).max())
        fail(f"On the tiny {name} model your values differ from layer {layer}'s neurons (by up to {gap:.3g}).",
             "keep the output of the module given, from this forward pass.")


def mlp_hook(student: Callable[..., Any]) -> None:
    for name, model in tiny_models().items():
        earlier_rows = None
        for n_tokens, seed in ((10, 1), (7, 2)):  # a second call, on another text
            ids = token_ids(n_tokens, seed)
            ref = _recording_references(model, 1, ids)
            got = student(model, 1, ids.clone())
            _hooks_left(model, name)
            _compare_recording(got, ref, name, 1, earlier_rows)
            earlier_rows = n_tokens
    _no_hook_left(student, tiny_models()["GPT-2"], (1, token_ids(10, 3)))


# --------------------------------------------------------------------------- the next-token loss (notebook 03)


def _loss_variants(logits: Any, ids: Any) -> list[tuple[Any, str, str]]:
    import torch
    import torch.nn.functional as F

    right = F.cross_entropy(logits[:-1], ids[1:], reduction="none")
    picked = logits[:-1].gather(1, ids[1:, None])[:, 0]
    return [
        (F.cross_entropy(logits[:-1], ids[:-1], reduction="none"), "Your losses compare each position's logits with its OWN token.",
         "logits at position i predict token i + 1: compare logits[:-1] with token_ids[1:]."),
        (F.cross_entropy(logits[1:], ids[:-1], reduction="none"), "You shifted the wrong way round.",
         "the logits at position i predict the NEXT token: logits[:-1] against token_ids[1:]."),
        (-picked, "Your losses are minus the raw logits.", "turn logits into log-probabilities first: torch.log_softmax(logits, dim=-1)."),
        (-torch.softmax(logits[:-1], -1).gather(1, ids[1:, None])[:, 0], "Your losses are minus the probabilities.",
         "the loss is minus the LOG of the probability of the next token."),
        (-right, "Your losses are negative.", "the loss is MINUS the log-probability (a probability below 1 has a negative log)."),
        (right / np.log(2), "Your losses are in bits (log base 2).", "use the natural log: losses in nats, as lk.next_token_losses."),
        (-torch.log_softmax(logits, 0)[:-1].gather(1, ids[1:, None])[:, 0], "Your log-probabilities are normalised over positions.",
         "normalise over the vocabulary: log_softmax(logits, dim=-1)."),
    ]


def next_token_loss(student: Callable[[Any, Any], Any]) -> None:
    import torch
    import torch.nn.functional as F

    generator = torch.Generator().manual_seed(0)
    for n_tokens, vocab in ((6, 10), (12, 50)):
        logits = 3 * torch.randn(n_tokens, vocab, generator=generator)
        ids = torch.randint(0, vocab, (n_tokens,), generator=generator)
        got = numbers(student(logits.clone(), ids.clone()), f"{n_tokens} tokens").reshape(-1)
        right = F.cross_entropy(logits[:-1], ids[1:], reduction="none").numpy()
        if same(got, right, rtol=1e-4, atol=1e-5):
            continue
        if got.size == 1:
            fail("Your function returned one number.", "return one loss per position (n - 1 of them), not their mean.")
        if got.size == n_tokens:
            fail(f"For {n_tokens} tokens your function returned {n_tokens} losses.",
                 "the last token has no next token to predict: n - 1 losses, logits[:-1] against token_ids[1:].")
        for wrong, what, hint in _loss_variants(logits, ids):
            if same(got, wrong.numpy(), rtol=1e-4, atol=1e-5):
                fail(what, hint)
        fail(f"For {n_tokens} tokens your losses are not the cross-entropy of each next token.",
             "loss at position i = -log_softmax(logits[i])[token_ids[i + 1]].")


# --------------------------------------------------------------------------- switching a neuron off (notebook 03)


def _ablation_variants(model: Any, layer: int, neuron: int, ids: Any) -> dict[str, float]:
    """The mean loss change of lessonkit's ablation, and what typical mistakes measure instead."""
    from ..beyond.ablation import ablate_mlp, next_token_losses
    from ..hooks import mlp_site_modules

    clean = next_token_losses(model, ids)
    with ablate_mlp(model, {layer: [neuron]}, value=0.0):
        change = next_token_losses(model, ids) - clean
    projection = mlp_site_modules(model, layer, "post")[layer].module
    width = getattr(projection, "in_features", None) or projection.weight.shape[0]
    with ablate_mlp(model, {layer: list(range(width))}, value=0.0):
        whole_layer = np.nanmean(next_token_losses(model, ids) - clean)

    def position_off(module, args):
        x = args[0].clone()
        x[:, neuron] = 0.0  # the neuron's index used on the token axis
        return (x, *args[1:])

    handle = projection.register_forward_pre_hook(position_off)
    try:
        position = np.nanmean(next_token_losses(model, ids) - clean)
    finally:
        handle.remove()
    return {"right": float(np.nanmean(change)), "sum": float(np.nansum(change)), "whole layer": float(whole_layer),
            "position": float(position)}


def _ablation_hint(got: float, want: dict[str, float]) -> None:
    close = lambda a, b: bool(np.isclose(a, b, rtol=1e-3, atol=1e-6))  # noqa: E731
    if close(got, 0.0):
        fail("Switching the neuron off changed nothing.",
             "a forward pre-hook must RETURN the changed input, e.g. return (x,), or change args[0] in place.")
    mistakes = [
        (-want["right"], "Your change has the wrong sign.", "ablated minus clean: positive means the model got worse without the neuron."),
        (want["sum"], "Your change is a sum over positions.", "return the MEAN change over the positions (np.nanmean)."),
        (want["whole layer"], "You switched off every neuron of the layer.", "set only x[..., neuron] to 0, the last axis."),
        (want["position"], "You set a token position to zero, not a neuron.", "neurons are the LAST axis: x[..., neuron] = 0."),
    ]
    for wrong, what, hint in mistakes:
        if close(got, wrong):
            fail(what, hint)
    fail(f"Your mean loss change is {got:.4g}, not what switching off that one neuron does.",
         "in a forward pre-hook on the projection, zero x[..., neuron] of its input; compare next_token_losses with and without it.")


def ablation(student: Callable[..., Any]) -> None:
    for name, model in tiny_models().items():
        ids = token_ids(16, 4)
        want = _ablation_variants(model, 1, 5, ids)
        got = number(student(model, 1, 5, ids.clone()), f"neuron 5 of layer 1 (tiny {name} model)")
        _hooks_left(model, name)
        if not np.isclose(got, want["right"], rtol=1e-3, atol=1e-6):
            _ablation_hint(got, want)
    _no_hook_left(student, tiny_models()["Llama"], (1, 5, token_ids(16, 5)))
