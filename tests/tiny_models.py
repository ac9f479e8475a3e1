"""Tiny models of each supported architecture, with seeded random weights, for fast exact tests."""

from __future__ import annotations

import functools
import importlib

import torch
from transformers import (GPT2Config, GPT2LMHeadModel, GPTNeoXConfig, GPTNeoXForCausalLM, LlamaConfig,
                          LlamaForCausalLM)

VOCAB = 100


def _seeded(build, config, seed=0):
    """A tiny model with seeded random weights, every parameter nudged (so norms and biases matter)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = build(config)
        with torch.no_grad():
            for parameter in model.parameters():
                parameter.add_(0.2 * torch.randn_like(parameter))
    return model.eval()


def tiny_gpt2(build=GPT2LMHeadModel):
    return _seeded(build, GPT2Config(vocab_size=VOCAB, n_layer=3, n_embd=32, n_head=4, n_positions=16))


def tiny_neox(parallel=True):
    config = GPTNeoXConfig(
        vocab_size=VOCAB, hidden_size=32, num_hidden_layers=3, num_attention_heads=4,
        intermediate_size=64, max_position_embeddings=32, use_parallel_residual=parallel,
    )  # fmt: skip
    return _seeded(GPTNeoXForCausalLM, config)


def tiny_llama():
    config = LlamaConfig(
        vocab_size=VOCAB, hidden_size=32, intermediate_size=48, num_hidden_layers=3,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
    )  # fmt: skip
    return _seeded(LlamaForCausalLM, config)


def ids(n, seed=1, vocab=VOCAB):
    return torch.randint(0, vocab, (1, n), generator=torch.Generator().manual_seed(seed))


@functools.lru_cache(maxsize=1)
def _lazy_device() -> torch.device:
    importlib.import_module("torch._lazy.ts_backend").init()  # once per process
    return torch.zeros(1).to("lazy").device


def off_cpu_device() -> torch.device:
    """A device that is not the CPU, behaving as a GPU does where it matters here (numpy refuses its
    tensors; ``.cpu()`` brings them over): CUDA when there is one, else torch's lazy-tensor backend
    (TorchScript, computing on the CPU); without either the test is skipped."""
    import pytest

    if torch.cuda.is_available():
        return torch.device("cuda")
    try:
        return _lazy_device()
    except Exception as error:  # a private torch module: it may be gone in another torch
        pytest.skip(f"no device other than the CPU here ({type(error).__name__}: {error})")
