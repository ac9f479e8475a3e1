"""Token ids in, text out: the machinery the tagging rooms share (private).

* :func:`as_token_ids`, :func:`check_ids_fit`: the input checks every rule starts with.
* :func:`per_tokenizer`: a table built once per tokenizer object and forgotten with it.
* :func:`decoded_pieces`: each token decoded alone, each vocabulary id once per tokenizer.
* :func:`text_and_owners`: the text of a token stream and, for every character, the token it came
  from. The word rule and spaCy read text; their decisions must go back to the tokens exactly.

How the text is mapped to tokens, with nothing but the tokenizer's own ``decode``: the stream is
decoded once, and every token alone. Where the single pieces join into the stream's text, each token
owns its own piece. Byte-level tokenizers (GPT-2, SmolLM2) also cut characters into several tokens
(`` 杜`` is the three tokens `` \\xe6``, ``\\x9d``, ``\\x9c``); alone, such a token decodes to ``�``.
Over a run of them the run's prefixes are decoded, and a character belongs to the token that holds
its first byte. The result is checked against the stream's text; a tokenizer whose pieces do not
join into its text (WordPiece, SentencePiece) gets a clear error instead of a wrong map.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

REPLACEMENT = "\ufffd"  # what a decoder writes for bytes that are not (yet) a whole character

# ---------------------------------------------------------------- input checks


def as_token_ids(tokens: Any) -> np.ndarray:
    """``tokens`` (a 1-D or ``[1, n]`` tensor, array or list of ids) as a 1-D int64 numpy array."""
    if hasattr(tokens, "detach"):  # a torch tensor, possibly on the GPU
        tokens = tokens.detach().cpu().numpy()
    ids = np.asarray(tokens)
    if ids.ndim == 2 and ids.shape[0] == 1:
        ids = ids[0]
    if ids.ndim != 1:
        raise ValueError(
            f"tokens must be 1-D or of shape [1, n], got shape {tuple(ids.shape)}; tag one stream at a time."
        )
    if ids.size == 0:
        raise ValueError("tokens is empty: there is nothing to tag. Tokenize some text first.")
    if not np.issubdtype(ids.dtype, np.integer):
        raise TypeError(f"tokens must be integer token ids, got dtype {ids.dtype}.")
    return ids.astype(np.int64)


def check_ids_fit(ids: np.ndarray, tokenizer: Any) -> None:
    """A clear error for a tokenizer that is not one, or ids it does not know."""
    if not hasattr(tokenizer, "decode"):
        raise TypeError(f"tokenizer must be a Hugging Face tokenizer, got {type(tokenizer).__name__}.")
    vocab_size = len(tokenizer)
    if ids.min() < 0 or ids.max() >= vocab_size:
        raise ValueError(
            f"token ids must lie in [0, {vocab_size}) for this tokenizer, got {ids.min()}..{ids.max()}: "
            "were they made by another tokenizer?"
        )


# ---------------------------------------------------------------- tables kept per tokenizer

_TABLES: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


def per_tokenizer(tokenizer: Any, key: str, build: Callable[[Any], Any]) -> Any:
    """``build(tokenizer)``, made once per tokenizer object (again if its vocabulary grows)."""
    try:
        tables = _TABLES.setdefault(tokenizer, {})
    except TypeError:  # not weak-referenceable: build every time
        return build(tokenizer)
    if key not in tables or tables[key][0] != len(tokenizer):
        tables[key] = (len(tokenizer), build(tokenizer))
    return tables[key][1]


def forget_tables(tokenizer: Any) -> None:
    """Drop every table kept for ``tokenizer`` (the benchmark's "first call")."""
    _TABLES.pop(tokenizer, None)


def ids_not_known(ids: np.ndarray, known: np.ndarray) -> np.ndarray:
    """The distinct ids of the stream that a table does not know yet (``np.unique`` without a sort)."""
    in_stream = np.zeros(len(known), dtype=bool)
    in_stream[ids] = True
    return np.flatnonzero(in_stream & ~known)


# ---------------------------------------------------------------- text and its tokens


def decode_exactly(tokenizer: Any, ids: list[int]) -> str:
    """The text of ``ids`` as written, without the clean-up some tokenizers apply (``" ."`` -> ``"."``)."""
    return tokenizer.decode(ids, clean_up_tokenization_spaces=False)


def _empty_pieces(tokenizer: Any) -> dict[str, np.ndarray]:
    size = len(tokenizer)
    return {
        "known": np.zeros(size, dtype=bool),
        "text": np.full(size, "", dtype=object),
        "length": np.zeros(size, dtype=np.int64),
        "broken": np.zeros(size, dtype=bool),  # holds a "�": part of a character, or a stray byte
    }


def decoded_pieces(ids: np.ndarray, tokenizer: Any) -> dict[str, np.ndarray]:
    """Per vocabulary id, its text decoded alone, that text's length, and whether it is ``broken``;
    ids not seen before are decoded now, each once per tokenizer."""
    table = per_tokenizer(tokenizer, "pieces", _empty_pieces)
    for token_id in ids_not_known(ids, table["known"]).tolist():
        piece = decode_exactly(tokenizer, [token_id])
        table["text"][token_id], table["length"][token_id] = piece, len(piece)
        table["broken"][token_id], table["known"][token_id] = REPLACEMENT in piece, True
    return table


def text_and_owners(ids: np.ndarray, tokenizer: Any) -> tuple[str, np.ndarray]:
    """The text of ``ids`` and, per character, the index of the token that holds its first byte."""
    table = decoded_pieces(ids, tokenizer)
    pieces = table["text"][ids].tolist()
    starts = table["length"][ids]  # how many characters start in each token
    for first, end in runs(table["broken"][ids]):
        run_text, run_starts = _split_characters(ids[first:end].tolist(), tokenizer)
        pieces[first:end] = [run_text] + [""] * (end - first - 1)
        starts[first:end] = run_starts
    text = "".join(pieces)
    if text != decode_exactly(tokenizer, ids.tolist()):  # the stream decoded once, as a check
        raise TypeError(
            f"{type(tokenizer).__name__}: its tokens, decoded one by one, do not join into the decoded text, "
            "so characters cannot be mapped back to tokens exactly. Use rule='lecture', or a byte-level "
            "BPE tokenizer (GPT-2, SmolLM2, Pythia)."
        )
    return text, np.repeat(np.arange(len(ids)), starts)


def runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """``(first, end)`` of every run of consecutive True values."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], flags.astype(np.int8), [0]])))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def _split_characters(run: list[int], tokenizer: Any) -> tuple[str, list[int]]:
    """The text of a run of tokens that cut characters apart, and how many characters start in each.

    Decoding ``run[window:k]`` for growing ``k`` gives the text so far plus one ``�`` for a character
    begun but not finished; a new window opens after every token that ends on a whole character.
    """
    text, starts, window, window_text = "", [], 0, ""
    for k in range(1, len(run) + 1):
        decoded = decode_exactly(tokenizer, run[window:k])
        grown = len(decoded) - len(window_text)
        if grown < 0 or not decoded.startswith(window_text.removesuffix(REPLACEMENT)):
            raise TypeError(
                f"{type(tokenizer).__name__} decodes a longer run of tokens inconsistently with its start, "
                "so characters cannot be mapped back to tokens exactly; use a byte-level BPE tokenizer."
            )
        starts.append(grown)
        window_text = decoded
        if not decoded.endswith(REPLACEMENT):  # a whole character ends here: start afresh
            text, window, window_text = text + decoded, k, ""
    return text + window_text, starts
