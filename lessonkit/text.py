"""The lecture's text: WikiText-2 (raw, test split) rows, selected and tokenized into one stream.

The lecture keeps, of the first 200 rows, those longer than 50 characters (79 rows), tokenizes each
row and concatenates them in order: 11,524 GPT-2 tokens. Where the rows come from, in order:

1. a local JSON-lines file named by ``$LESSONKIT_WIKITEXT`` (one ``{"text": ...}`` per row, as
   ``datasets`` yields them) -- the same rows, without a network;
2. ``datasets.load_dataset("wikitext", "wikitext-2-raw-v1")`` from the Hugging Face Hub (Colab);
3. offline with neither: a small encyclopedia-style corpus written for this project
   (``lessonkit/data/corpus.jsonl``), with a loud notice -- the numbers then differ from the lecture's.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch

from .models import hub_reachable, notice

WIKITEXT_ENV = "LESSONKIT_WIKITEXT"
BUNDLED_CORPUS = Path(__file__).parent / "data" / "corpus.jsonl"


def read_jsonl_rows(path: str | Path) -> list[str]:
    """The ``"text"`` field of every line of a JSON-lines file."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"No such WikiText file: {path} (check ${WIKITEXT_ENV}).")
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line)["text"] for line in handle if line.strip()]


def load_bundled_corpus() -> list[str]:
    """The rows of the corpus that ships with lessonkit (WikiText's row format, written by us)."""
    if not BUNDLED_CORPUS.is_file():
        raise FileNotFoundError(f"lessonkit's bundled corpus is missing ({BUNDLED_CORPUS}): reinstall lessonkit.")
    return read_jsonl_rows(BUNDLED_CORPUS)


def wikitext_source(split: str = "test") -> str:
    """Which source :func:`load_wikitext_rows` will read: ``"file"``, ``"hub"`` or ``"bundled"``."""
    if os.environ.get(WIKITEXT_ENV) and split == "test":
        return "file"
    if hub_reachable():
        return "hub"
    return "bundled"


def load_wikitext_rows(split: str = "test") -> list[str]:
    """All rows of WikiText-2 raw ``split``, from the first source that has them (see module doc)."""
    source = wikitext_source(split)
    if source == "file":
        return read_jsonl_rows(os.environ[WIKITEXT_ENV])
    if source == "hub":
        return _load_from_hub(split)
    if split != "test":
        raise RuntimeError(f"WikiText-2 split {split!r} needs the Hugging Face Hub, which cannot be reached.")
    notice(
        "FALLBACK: WikiText-2 cannot be loaded (no Hugging Face Hub, and $LESSONKIT_WIKITEXT names no "
        "file), so the text is lessonkit's own small encyclopedia-style corpus. Token counts and "
        "statistics will differ from the lecture's."
    )
    return load_bundled_corpus()


def _load_from_hub(split: str) -> list[str]:
    from datasets import load_dataset

    try:  # the data set's current home; older datasets releases know it as "wikitext"
        return list(load_dataset("Salesforce/wikitext", "wikitext-2-raw-v1", split=split)["text"])
    except Exception:  # noqa: BLE001 -- any failure here: try the lecture's own name
        return list(load_dataset("wikitext", "wikitext-2-raw-v1", split=split)["text"])


def select_lecture_rows(rows: list[str], *, n_rows: int = 200, min_chars: int = 50) -> list[str]:
    """The lecture's selection: of the first ``n_rows`` rows, those longer than ``min_chars``."""
    if n_rows < 1:
        raise ValueError(f"n_rows must be at least 1, got {n_rows}.")
    selected = [row for row in rows[:n_rows] if len(row) > min_chars]
    if not selected:
        raise ValueError(
            f"None of the first {n_rows} rows is longer than {min_chars} characters: nothing to tokenize."
        )
    return selected


def tokenize_rows(rows: list[str], tokenizer) -> torch.Tensor:
    """Tokenize each row on its own (no special tokens) and join them: a ``[1, n]`` LongTensor."""
    ids: list[int] = []
    for row in rows:
        ids.extend(tokenizer(row, add_special_tokens=False)["input_ids"])
    return torch.tensor([ids], dtype=torch.long)


def load_wikitext_tokens(tokenizer, *, n_rows: int = 200, min_chars: int = 50, split: str = "test") -> torch.Tensor:
    """The lecture's token stream, ``[1, n]``: 11,524 tokens with GPT-2 on the WikiText-2 test split."""
    rows = select_lecture_rows(load_wikitext_rows(split), n_rows=n_rows, min_chars=min_chars)
    return tokenize_rows(rows, tokenizer)
