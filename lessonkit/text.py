"""The lecture's text: WikiText-2 (raw, test split) rows, selected and tokenized into one stream.

The lecture keeps, of the first 200 rows, those longer than 50 characters (79 rows), tokenizes each
row and concatenates them in order: 11,524 GPT-2 tokens. Where the rows come from, in order:

1. a local JSON-lines file named by ``$LESSONKIT_WIKITEXT`` (one ``{"text": ...}`` per row, as
   ``datasets`` yields them) -- the same rows, without a network;
2. the copy in lessonkit's cache, written by an earlier online run or by
   ``python -m lessonkit add-wikitext FILE`` (checked by sha256);
3. ``datasets.load_dataset("wikitext", "wikitext-2-raw-v1")`` from the Hugging Face Hub (Colab),
   which also leaves a copy in the cache for later offline runs;
4. offline with none of these: a small encyclopedia-style corpus written for this project
   (``lessonkit/data/corpus.jsonl``), with a loud notice -- the numbers then differ from the lecture's.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ._token_text import REPLACEMENT, decode_exactly, decoded_pieces, runs
from .assets import cache_dir, verify_sha256
from .models import hub_reachable, notice

WIKITEXT_ENV = "LESSONKIT_WIKITEXT"
BUNDLED_CORPUS = Path(__file__).parent / "data" / "corpus.jsonl"
WIKITEXT_TEST_SHA256 = "a26bd387e6f1d19e45ddbd7fe6fd5aef3f97f457863f0973e3327e68ac6daee8"  # 4,358 rows


def cached_wikitext(split: str = "test") -> Path:
    """Where lessonkit keeps its copy of a WikiText-2 raw split (JSON lines)."""
    return cache_dir() / f"wikitext-2-raw-v1-{split}.jsonl"


def write_jsonl_rows(rows: list[str], path: Path) -> None:
    """Write rows as JSON lines, atomically (a half-written file is never taken for the data)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=path.name, dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.writelines(json.dumps({"text": row}) + "\n" for row in rows)
    os.replace(staging, path)


def add_wikitext(path: str | Path) -> Path:
    """Copy the WikiText-2 raw test rows from ``path`` into the cache, after checking their sha256."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"No such file: {path}")
    verify_sha256(path, WIKITEXT_TEST_SHA256)
    target = cached_wikitext("test")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    return target


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
    """Which source :func:`load_wikitext_rows` will read: ``"file"``, ``"cache"``, ``"hub"`` or ``"bundled"``."""
    if os.environ.get(WIKITEXT_ENV) and split == "test":
        return "file"
    if cached_wikitext(split).is_file():
        return "cache"
    if hub_reachable():
        return "hub"
    return "bundled"


def load_wikitext_rows(split: str = "test") -> list[str]:
    """All rows of WikiText-2 raw ``split``, from the first source that has them (see module doc)."""
    source = wikitext_source(split)
    if source == "file":
        return read_jsonl_rows(os.environ[WIKITEXT_ENV])
    if source == "cache":
        return read_jsonl_rows(cached_wikitext(split))
    if source == "hub":
        rows = _load_from_hub(split)
        write_jsonl_rows(rows, cached_wikitext(split))  # for the next run without a network
        return rows
    if split != "test":
        raise RuntimeError(f"WikiText-2 split {split!r} needs the Hugging Face Hub, which cannot be reached.")
    notice(
        "FALLBACK: WikiText-2 cannot be loaded (no Hugging Face Hub, no copy in the cache, and "
        "$LESSONKIT_WIKITEXT names no file), so the text is lessonkit's own small encyclopedia-style "
        "corpus. Token counts and statistics will differ from the lecture's. "
        "(python -m lessonkit add-wikitext FILE puts a copy of the rows in the cache.)"
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


# ---------------------------------------------------------------- articles: a held-out text that is really new

ARTICLE_HEADING = re.compile(r"^ = [^=].* = \n?$")  # " = Robert Boulter = ": a new article (" = = ...": a section)


def wikitext_articles(tokenizer, *, n_rows: int = 200, min_chars: int = 50, split: str = "test") -> tuple[np.ndarray, list[str]]:
    """The article each token of :func:`load_wikitext_tokens`'s stream comes from, and the articles' titles.

    Returns ``(article, titles)``: ``article[i]`` is the number of token i's article (0, 1, ...) and
    ``titles[k]`` the heading of article k. The headings are rows the lecture's selection drops (too
    short), so they are read from the rows before it; rows before the first heading belong to article 0.
    """
    if n_rows < 1:
        raise ValueError(f"n_rows must be at least 1, got {n_rows}.")
    titles, article = ["(before the first heading)"], []
    for row in load_wikitext_rows(split)[:n_rows]:
        if ARTICLE_HEADING.match(row):
            titles.append(row.strip(" =\n"))
        if len(row) > min_chars:
            article.extend([len(titles) - 1] * len(tokenizer(row, add_special_tokens=False)["input_ids"]))
    if not article:
        raise ValueError(f"None of the first {n_rows} rows is longer than {min_chars} characters: nothing to tokenize.")
    article = np.array(article)
    if article.min() > 0:  # no text before the first heading: the articles are numbered from it
        article, titles = article - 1, titles[1:]
    return article, titles


def split_by_article(article: Any, n_train: int = 1024) -> tuple[slice, slice]:
    """``(training, held_out)`` slices of the stream: the first ``n_train`` tokens (the lecture's), and
    everything from the first article the training text does not touch.

    WikiText's articles repeat themselves (a lead paragraph retells the body), so text right after the
    training tokens, from the same article, is not new text. The rest of the last training article
    belongs to neither part.
    """
    article = np.asarray(article).ravel()
    if isinstance(n_train, bool) or not isinstance(n_train, (int, np.integer)) or not 0 < n_train < len(article):
        raise ValueError(f"n_train must be a number of tokens in 1..{len(article) - 1}, got {n_train!r}.")
    later = np.flatnonzero(article > article[:n_train].max())
    if not len(later):
        raise ValueError(f"The training text (the first {n_train:,} tokens) reaches the last article: no article "
                         "is left for a held-out text. Use fewer training tokens or more rows.")
    return slice(0, int(n_train)), slice(int(later[0]), len(article))


# ---------------------------------------------------------------- tokens as text, for display

SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def token_texts(ids, tokenizer) -> list[str]:
    """Each token's text, for heatmaps and tables: ``tokenizer.decode([id])``, made readable.

    A character of several bytes (Chinese, emoji) can be split across tokens; decoded one by one,
    each piece shows only "�". Here each piece shows the character it belongs to and its number:
    the three tokens of 杜 read "杜₁", "杜₂", "杜₃". Everything else is exactly the decoded token.
    """
    ids = np.asarray(ids.reshape(-1).tolist() if hasattr(ids, "reshape") else ids, dtype=np.int64)
    table = decoded_pieces(ids, tokenizer)  # each vocabulary entry decoded once per tokenizer
    texts = table["text"][ids].tolist()
    for first, end in runs(table["broken"][ids]):  # runs of tokens that each hold part of a character
        texts[first:end] = _name_the_pieces(ids[first:end].tolist(), texts[first:end], tokenizer)
    return texts


def _name_the_pieces(run: list[int], shown: list[str], tokenizer) -> list[str]:
    """Labels for a run of partial tokens: each finished character goes to every token it spans."""
    labels = [""] * len(run)
    done, begun_at = "", None  # text finished so far; the token where an unfinished character began
    for k in range(len(run)):
        decoded = decode_exactly(tokenizer, run[: k + 1])
        finished = decoded.rstrip(REPLACEMENT) if k < len(run) - 1 else decoded
        if not finished.startswith(done):  # a tokenizer that re-spaces on decode: leave the run as it was
            return shown
        new, done = finished[len(done):], finished
        if begun_at is not None and new:
            for piece, token in enumerate(range(begun_at, k + 1), start=1):
                labels[token] += new[0] + str(piece).translate(SUBSCRIPTS)
            new, begun_at = new[1:], None
        labels[k] += new
        if decoded.endswith(REPLACEMENT) and begun_at is None and k < len(run) - 1:
            begun_at = k
    return [label or original for label, original in zip(labels, shown)]
