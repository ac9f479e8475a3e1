"""How good is a proper-noun rule? Gold labels written by hand, and a word-by-word score.

``lessonkit/data/gold_labels.jsonl`` marks every proper-noun word of the bundled corpus in square
brackets (conventions: ``lessonkit/data/README.md``; rows 196-224 were written after the word rule
was frozen, a held-out test). :func:`load_gold_labels` reads them; :func:`score_tagger` tags the
labelled rows with any rule and counts, word by word, what it got right: precision, recall, F1, and
its mistakes in context. Rules tag tokens; a word's tokens are those that hold one of its letters.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._machinery.token_text import text_and_owners
from ..tagging import tag_proper_nouns
from .word_rule import split_words, word_tokens

GOLD_LABELS = Path(__file__).parents[1] / "data" / "gold_labels.jsonl"
COUNT_WORD_IF = ("any", "all", "first")

# ---------------------------------------------------------------- the labels


@dataclass
class GoldRow:
    """One hand-labelled corpus row: its words (``text.split()``) and 1 for each proper-noun word."""

    row: int  # index of the row in corpus.jsonl
    text: str
    words: list[str]
    labels: list[int]


def parse_marked(marked: str) -> tuple[str, list[str], list[int]]:
    """``" [Leonardo da Vinci] was born"`` -> (text without brackets, words, 0/1 labels)."""
    words, labels, inside = [], [], False
    for piece in marked.split():
        if piece.startswith("["):
            inside = True
        word = piece.removeprefix("[").removesuffix("]")
        words.append(word)
        labels.append(int(inside))
        if piece.endswith("]"):
            inside = False
    if inside:
        raise ValueError(f"Unclosed bracket in gold row: {marked[:80]!r}")
    return marked.replace("[", "").replace("]", ""), words, labels


def load_gold_labels(path: str | Path = GOLD_LABELS) -> list[GoldRow]:
    """The hand-made gold labels of the bundled corpus, one :class:`GoldRow` per labelled row."""
    rows = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            entry = json.loads(line)
            text, words, labels = parse_marked(entry["marked"])
            rows.append(GoldRow(entry["row"], text, words, labels))
    return rows


# ---------------------------------------------------------------- the score


@dataclass
class TaggerScore:
    """Word-level precision, recall and F1 of a rule, with its mistakes in context."""

    rule: str
    precision: float
    recall: float
    f1: float
    true_positives: int
    false_positives: list[str] = field(repr=False)
    false_negatives: list[str] = field(repr=False)
    n_words: int = 0

    def __str__(self) -> str:
        lines = [
            f"rule={self.rule}: precision {self.precision:.3f}, recall {self.recall:.3f}, F1 {self.f1:.3f} "
            f"({self.true_positives} right, {len(self.false_positives)} false positives, "
            f"{len(self.false_negatives)} false negatives, {self.n_words} words)"
        ]
        lines += [f"  FP  {c}" for c in self.false_positives[:10]]
        lines += [f"  FN  {c}" for c in self.false_negatives[:10]]
        return "\n".join(lines)


def score_tagger(
    rule: str | Callable[[Any, Any], Any],
    tokenizer: Any,
    *,
    gold: list[GoldRow] | None = None,
    count_word_if: str = "any",
    context: int = 5,
) -> TaggerScore:
    """Score a tagging rule against the gold labels, word by word.

    The gold rows are tokenized one by one and joined, as the lecture does with WikiText, and
    ``rule`` (a name for :func:`~lessonkit.tagging.tag_proper_nouns`, or a function
    ``(tokens, tokenizer) -> 0/1``) tags the whole stream. A word's tokens are those that carry one of
    its letters or digits; the word counts as tagged when ``count_word_if`` of them are tagged:
    ``"any"`` (default: the lecture's rule usually tags only the first piece of a name), ``"all"``, or
    ``"first"``. Only words with a letter are scored. Mistakes read ``row 8: ... word «here» word ...``.
    """
    if count_word_if not in COUNT_WORD_IF:
        raise ValueError(f"count_word_if must be one of {COUNT_WORD_IF}, got {count_word_if!r}.")
    gold = load_gold_labels() if gold is None else gold
    if not gold:
        raise ValueError("gold is empty: pass load_gold_labels() or leave it out.")
    row_ids = [np.array(tokenizer(g.text, add_special_tokens=False)["input_ids"], dtype=np.int64) for g in gold]
    stream = np.concatenate(row_ids)
    if isinstance(rule, str):
        tags = tag_proper_nouns(stream, tokenizer, rule=rule)
    else:
        tags = np.asarray(rule(stream, tokenizer))
    if tags.shape != stream.shape:
        raise ValueError(f"the rule returned {tags.size} tags for {len(stream)} tokens: one per token, please.")
    decide = {"any": np.any, "all": np.all, "first": lambda t: bool(t[0])}[count_word_if]
    true_positives, false_positives, false_negatives, n_words = 0, [], [], 0
    row_starts = np.cumsum([0] + [len(ids) for ids in row_ids])
    for row, ids, start in zip(gold, row_ids, row_starts):
        for k, pieces in _gold_words(row, ids, tokenizer):
            n_words += 1
            predicted, label = bool(decide(tags[start + np.array(pieces)])), bool(row.labels[k])
            true_positives += predicted and label
            if predicted != label:
                (false_positives if predicted else false_negatives).append(_in_context(row, k, context))
    precision = true_positives / (true_positives + len(false_positives)) if true_positives else 0.0
    recall = true_positives / (true_positives + len(false_negatives)) if true_positives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if true_positives else 0.0
    name = rule if isinstance(rule, str) else getattr(rule, "__name__", "custom")
    return TaggerScore(name, precision, recall, f1, true_positives, false_positives, false_negatives, n_words)


def _gold_words(row: GoldRow, ids: np.ndarray, tokenizer: Any) -> list[tuple[int, list[int]]]:
    """(word index, its tokens within the row) for every word of the row that has a letter."""
    text, owner = text_and_owners(ids, tokenizer)
    if text != row.text:
        raise ValueError(f"row {row.row}: the tokens do not give back the text; is the tokenizer byte-level?")
    words = split_words(text)
    if [w.text for w in words] != row.words:
        raise ValueError(f"row {row.row}: the gold words do not match the words of the text.")
    scored = []
    for k, word in enumerate(words):
        pieces = word_tokens(word, text, owner)
        if pieces and any(ch.isalpha() for ch in word.core):
            scored.append((k, pieces))
    return scored


def _in_context(row: GoldRow, k: int, context: int) -> str:
    left = " ".join(row.words[max(0, k - context) : k])
    right = " ".join(row.words[k + 1 : k + 1 + context])
    return f"row {row.row}: ... {left} «{row.words[k]}» {right} ..."
