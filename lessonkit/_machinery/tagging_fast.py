"""The lecture's rule, vectorised (private; tests check it equals ``tagging.lecture_rule_loop``).

The loop decodes two tokens at every position: ~23,000 decodes for the lecture's 11,524 tokens, and
again at every re-run. The rule's two questions depend on one token's text only, so here each
vocabulary id is decoded once per tokenizer, its two answers are kept in a table, and a whole stream
is tagged with two numpy look-ups. The questions themselves come from ``tagging`` (one place).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .token_text import ids_not_known, per_tokenizer


def _empty_answers(tokenizer: Any) -> dict[str, np.ndarray]:
    size = len(tokenizer)
    return {
        "known": np.zeros(size, dtype=bool),
        "could_be_name": np.zeros(size, dtype=bool),
        "ends_sentence": np.zeros(size, dtype=bool),
    }


def rule_answers(
    ids: np.ndarray, tokenizer: Any, questions: Callable[[str], tuple[bool, bool]]
) -> dict[str, np.ndarray]:
    """Per vocabulary id, ``questions(tokenizer.decode([id]))``; ids not seen before are decoded now."""
    table = per_tokenizer(tokenizer, "lecture answers", _empty_answers)
    new_ids = ids_not_known(ids, table["known"])
    answers = [questions(tokenizer.decode([token_id])) for token_id in new_ids.tolist()]
    answers = np.array(answers, dtype=bool).reshape(-1, 2)
    table["could_be_name"][new_ids] = answers[:, 0]
    table["ends_sentence"][new_ids] = answers[:, 1]
    table["known"][new_ids] = True
    return table


def tag_lecture_fast(
    ids: np.ndarray, tokenizer: Any, questions: Callable[[str], tuple[bool, bool]]
) -> np.ndarray:
    """0/1 per token: ``could_be_name`` here and not ``ends_sentence`` just before; never the first."""
    table = rule_answers(ids, tokenizer, questions)
    tags = np.zeros(len(ids), dtype=np.int8)
    tags[1:] = table["could_be_name"][ids[1:]] & ~table["ends_sentence"][ids[:-1]]
    return tags
