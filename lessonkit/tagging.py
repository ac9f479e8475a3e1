"""The lecture's proper-noun rule, and the one door to every rule: :func:`tag_proper_nouns`.

The lecture tags a token as a proper noun when

* its decoded text is longer than 2 characters (the leading space counts: `` Bou`` has 4),
* its first non-space character is upper case, and
* the token before it does not end in ``.``, ``!``, ``?`` or ``:`` (a capital there starts a sentence);

the first token is never tagged. :func:`lecture_rule_loop` is that loop, as the lecture writes it.

The rooms around it: ``tag_proper_nouns(tokens, tokenizer, rule=...)`` is what the notebooks call.
``rule="lecture"`` gives the loop's tags bit for bit, from a table that decodes each vocabulary id
once (``_machinery/tagging_fast.py``); ``rule="word"`` is a better, word-aware rule (``beyond/word_rule.py``);
``rule="spacy"`` asks spaCy. How good each one is, against hand-made labels: ``beyond/gold.py``.
:func:`show_tagged` prints the lecture's two display cells: tagged examples, then one of them in its context.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._machinery.tagging_fast import tag_lecture_fast
from ._machinery.token_text import as_token_ids, check_ids_fit, text_and_owners
from .beyond.word_rule import tag_words

SENTENCE_END = (".", "!", "?", ":")
RULES = ("lecture", "word", "spacy")

# ---------------------------------------------------------------- the lecture's rule


def lecture_rule_loop(tokens: Any, tokenizer: Any) -> np.ndarray:
    """The lecture's rule, token by token: decode, look, tag (clear, and slow: two decodes a token)."""
    ids = as_token_ids(tokens).tolist()
    tags = np.zeros(len(ids), dtype=np.int8)
    for i in range(1, len(ids)):  # the first token has no token before it: never tagged
        text = tokenizer.decode([ids[i]])
        previous = tokenizer.decode([ids[i - 1]])
        long_enough = len(text) > 2  # " Bou" has 4 characters: the space counts
        capitalised = text.strip()[:1].isupper()  # [:1], not [0]: a token of spaces has no first letter
        after_sentence_end = previous.endswith(SENTENCE_END)
        if long_enough and capitalised and not after_sentence_end:
            tags[i] = 1
    return tags


def lecture_questions(text: str) -> tuple[bool, bool]:
    """What the rule asks of one decoded token: could it be a name (longer than 2 characters,
    capitalised), and does it end a sentence? The fast path asks each vocabulary entry once."""
    return len(text) > 2 and text.strip()[:1].isupper(), text.endswith(SENTENCE_END)


# ---------------------------------------------------------------- the door to every rule


def tag_proper_nouns(tokens: Any, tokenizer: Any, *, rule: str = "lecture") -> np.ndarray:
    """0/1 per token: is it (part of) a proper noun? ``rule``: ``"lecture"``, ``"word"`` or ``"spacy"``.

    ``tokens``: a 1-D or ``[1, n]`` tensor, array or list of token ids of ``tokenizer``.
    ``"lecture"`` is bit for bit :func:`lecture_rule_loop`, only faster;
    ``"word"`` is the better word-aware rule (``lessonkit.word_rule.tag_words``; byte-level tokenizers);
    ``"spacy"`` uses spaCy's part-of-speech tagger if it is installed.
    """
    if rule not in RULES:
        raise ValueError(f"Unknown rule {rule!r}: choose one of {RULES}.")
    ids = as_token_ids(tokens)
    check_ids_fit(ids, tokenizer)
    if rule == "lecture":
        return tag_lecture_fast(ids, tokenizer, lecture_questions)
    if rule == "word":
        return tag_words(ids, tokenizer)
    return tag_spacy(ids, tokenizer)


def tag_spacy(tokens: Any, tokenizer: Any, model: str = "en_core_web_sm") -> np.ndarray:
    """spaCy's PROPN tags, carried over to every token that holds a letter or digit of them."""
    try:
        import spacy
    except ImportError as error:
        raise ImportError(
            "rule='spacy' needs spaCy: pip install spacy && python -m spacy download en_core_web_sm"
        ) from error
    try:
        nlp = spacy.load(model)
    except OSError as error:
        raise ImportError(f"rule='spacy' needs spaCy's English model: python -m spacy download {model}") from error
    ids = as_token_ids(tokens)
    text, owner = text_and_owners(ids, tokenizer)
    tags = np.zeros(len(ids), dtype=np.int8)
    for token in nlp(text):
        if token.pos_ == "PROPN":
            span = range(token.idx, token.idx + len(token.text))
            tags[sorted({int(owner[i]) for i in span if text[i].isalnum()})] = 1
    return tags


# ---------------------------------------------------------------- the lecture's two display cells


def format_tagged(
    tokens: Any, tags: Any, tokenizer: Any, *, n_examples: int = 40, index: int | None = None, window: int = 15
) -> str:
    """The text of :func:`show_tagged`: tagged tokens as examples, then one of them in context."""
    ids = as_token_ids(tokens)
    tags = np.asarray(tags).reshape(-1)
    if tags.shape[0] != ids.shape[0]:
        raise ValueError(
            f"tags has {tags.shape[0]} entries but tokens has {ids.shape[0]}: one tag per token, please."
        )
    check_ids_fit(ids, tokenizer)
    tagged = np.flatnonzero(tags)
    examples = [repr(tokenizer.decode([i])) for i in ids[tagged[:n_examples]].tolist()]
    lines = [f"{len(tagged)} of {len(ids)} tokens tagged. Examples: " + ", ".join(examples)]
    if index is None:
        if not len(tagged):
            return lines[0]
        index = int(tagged[0])
    if not 0 <= index < len(ids):
        raise ValueError(f"index must be in [0, {len(ids)}), got {index}.")
    before = tokenizer.decode(ids[max(0, index - window) : index].tolist())
    after = tokenizer.decode(ids[index + 1 : index + 1 + window].tolist())
    mark = "tagged" if tags[index] else "not tagged"
    lines.append(
        f"In context (token {index}, {mark}): ...{before}[[{tokenizer.decode([int(ids[index])])}]]{after}..."
    )
    return "\n".join(lines)


def show_tagged(
    tokens: Any, tags: Any, tokenizer: Any, *, n_examples: int = 40, index: int | None = None, window: int = 15
) -> None:
    """Print the lecture's "examples" and "in context" cells: tagged tokens, then a window of text
    around token ``index`` (default: the first tagged one), the token itself in ``[[...]]``."""
    print(format_tagged(tokens, tags, tokenizer, n_examples=n_examples, index=index, window=window))
