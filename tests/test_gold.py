"""Tests of lessonkit.gold: the hand-made labels, and scores checked against counts made by hand."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

import lessonkit
from lessonkit import gold
from lessonkit.gold import load_gold_labels, parse_marked, score_tagger
from lessonkit.text import load_bundled_corpus, select_lecture_rows, tokenize_rows

DATA = Path(lessonkit.__file__).parent / "data"


def gold_tags_by_offsets(gold_rows, tokenizer) -> np.ndarray:
    """1 for every token whose offsets touch a letter or digit of a gold proper-noun word (the
    tokenizer's own offsets, no lessonkit), over the rows tokenized one by one and joined."""
    tags = []
    for row in gold_rows:
        encoded = tokenizer(row.text, add_special_tokens=False, return_offsets_mapping=True)
        proper_chars = np.zeros(len(row.text), dtype=bool)
        for match, label in zip(re.finditer(r"\S+", row.text), row.labels):
            if label:
                proper_chars[match.start() : match.end()] = [ch.isalnum() for ch in match.group()]
        tags += [int(proper_chars[start:end].any()) for start, end in encoded["offset_mapping"]]
    return np.array(tags, dtype=np.int8)


# ---------------------------------------------------------------- the corpus and its gold labels


def test_corpus_rows_have_wikitext_format(gpt2_tokenizer):
    rows = load_bundled_corpus()
    assert rows[0] == ""
    for row in rows:
        assert row == "" or (row.startswith(" ") and row.endswith(" \n") and "\n" not in row[:-1])
    headings = [r for r in rows if r.startswith(" =")]
    assert all(re.fullmatch(r" (=( =)*) \S.* \1 \n", h) for h in headings)
    words = [w for r in rows for w in r.split() if any(ch.isalpha() for ch in w)]
    assert len(words) >= 4500
    selected = select_lecture_rows(rows)
    assert tokenize_rows(selected, gpt2_tokenizer).shape[1] >= 2100  # two 1,024-token batches


def test_gold_labels_are_the_corpus_with_brackets():
    rows = load_bundled_corpus()
    for line in (DATA / "gold_labels.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        assert entry["marked"].replace("[", "").replace("]", "") == rows[entry["row"]]
    labels = load_gold_labels()
    assert all(gold_row.text == rows[gold_row.row] for gold_row in labels)
    assert all(len(g.words) == len(g.labels) == len(g.text.split()) for g in labels)
    assert isinstance(labels[0], lessonkit.GoldRow)


def test_gold_labels_are_big_enough_and_follow_the_conventions():
    labelled = [(w, label) for g in load_gold_labels() for w, label in zip(g.words, g.labels)]
    capitalised = [(w, label) for w, label in labelled if w[0].isupper()]
    assert len(capitalised) >= 600
    assert {w for w, label in labelled if label and w.islower()} >= {"da", "del", "von", "van"}
    assert {w for w, label in labelled if not label and w.islower() and w in {"of", "upon"}} == {"of", "upon"}
    labels_of = lambda word: {label for w, label in labelled if w == word}  # noqa: E731
    roman_i = [
        g.labels[k]
        for g in load_gold_labels()
        for k in range(1, len(g.words))
        if g.words[k - 1 : k + 1] == ["Francis", "I"]
    ]
    assert roman_i == [1] and labels_of("I") == {0, 1}  # "Francis I"; every other "I" is the pronoun
    assert sum(label for w, label in labelled if w == "I") == 1
    assert labels_of("July") == {1} and labels_of("Monday") == {1}
    assert labels_of("English") == {0, 1}  # "English actor" vs "the English"
    assert labels_of("Dr.") == {1}  # a title before a name is part of it
    assert labels_of("The") == {0} and labels_of("ATP") == {0}


def test_parse_marked_reads_spans():
    text, words, labels = parse_marked(" [Leonardo da Vinci] of [Vinci] , not [Paris] 's . \n")
    assert text == " Leonardo da Vinci of Vinci , not Paris 's . \n"
    assert labels == [1, 1, 1, 0, 1, 0, 0, 1, 0, 0]
    with pytest.raises(ValueError, match="Unclosed"):
        parse_marked(" [Leonardo da Vinci was")


# ---------------------------------------------------------------- scores


def test_scores_against_hand_computed_counts(gpt2_tokenizer):
    rows = load_gold_labels()[:12]
    n_words = sum(1 for g in rows for w in g.words if any(ch.isalpha() for ch in w))
    n_proper = sum(label for g in rows for w, label in zip(g.words, g.labels) if any(ch.isalpha() for ch in w))

    def everything(ids, tokenizer):
        return np.ones(len(ids), dtype=np.int8)

    def nothing(ids, tokenizer):
        return np.zeros(len(ids), dtype=np.int8)

    all_tags = score_tagger(everything, gpt2_tokenizer, gold=rows)
    assert all_tags.n_words == n_words
    assert all_tags.true_positives == n_proper and all_tags.recall == 1.0
    assert all_tags.precision == pytest.approx(n_proper / n_words)
    assert all_tags.f1 == pytest.approx(2 * all_tags.precision / (all_tags.precision + 1))
    none = score_tagger(nothing, gpt2_tokenizer, gold=rows)
    assert none.recall == 0.0 and none.f1 == 0.0 and len(none.false_negatives) == n_proper
    assert isinstance(none, lessonkit.TaggerScore)


def test_gold_tags_score_perfectly(gpt2_tokenizer):
    """A rule that tags exactly the gold words' tokens (found with the tokenizer's own offsets, not
    lessonkit's map) scores 1 with every way of counting: the token -> word mapping is right."""
    rows = load_gold_labels()

    def oracle(ids, tokenizer):
        return gold_tags_by_offsets(rows, tokenizer)

    for count_word_if in gold.COUNT_WORD_IF:
        score = score_tagger(oracle, gpt2_tokenizer, gold=rows, count_word_if=count_word_if)
        assert (score.precision, score.recall, score.f1) == (1.0, 1.0, 1.0)


def test_scores_by_hand_for_a_rule_that_tags_capitals(gpt2_tokenizer):
    """Tag every token whose offsets start a capitalised word; count the words by hand."""
    rows = load_gold_labels()[:40]

    def capitals(ids, tokenizer):
        tags = []
        for row in rows:
            encoded = tokenizer(row.text, add_special_tokens=False, return_offsets_mapping=True)
            tags += [int(row.text[start:end].strip()[:1].isupper()) for start, end in encoded["offset_mapping"]]
        return np.array(tags)

    scored = [(w, label) for g in rows for w, label in zip(g.words, g.labels) if any(ch.isalpha() for ch in w)]
    predicted = [w.lstrip("\"'“‘([{«")[:1].isupper() for w, _ in scored]
    true_positives = sum(p and label for p, (_, label) in zip(predicted, scored))
    precision = true_positives / sum(predicted)
    recall = true_positives / sum(label for _, label in scored)
    score = score_tagger(capitals, gpt2_tokenizer, gold=rows)
    assert score.true_positives == true_positives
    assert (score.precision, score.recall) == (pytest.approx(precision), pytest.approx(recall))


# The figures the lecture notebook and the README quote; unchanged since the word rule was written.
FIGURES = {  # (rule, rows) -> (precision, recall, F1), rounded to 3 places
    ("lecture", "all"): (0.781, 0.910, 0.840),
    ("word", "all"): (0.988, 0.997, 0.992),
    ("lecture", "held-out"): (0.716, 0.869, 0.785),
    ("word", "held-out"): (0.983, 0.967, 0.975),
}


@pytest.mark.parametrize(("rule", "rows"), list(FIGURES))
def test_the_published_figures(gpt2_tokenizer, rule, rows):
    labels = load_gold_labels()
    labels = labels if rows == "all" else [g for g in labels if g.row >= 196]
    score = score_tagger(rule, gpt2_tokenizer, gold=labels)
    assert tuple(round(x, 3) for x in (score.precision, score.recall, score.f1)) == FIGURES[rule, rows]


def test_word_rule_beats_the_lecture_rule_on_gold_labels(gpt2_tokenizer):
    lecture = score_tagger("lecture", gpt2_tokenizer)
    word = score_tagger("word", gpt2_tokenizer)
    assert 0.7 < lecture.f1 < word.f1
    assert score_tagger("lecture", gpt2_tokenizer, count_word_if="all").recall < lecture.recall  # missed pieces
    assert any("«Early»" in fp for fp in lecture.false_positives)  # a heading word
    assert "F1" in str(word) and str(word).count("\n  FP") == min(10, len(word.false_positives))


def test_score_tagger_bad_input(gpt2_tokenizer):
    with pytest.raises(ValueError, match="count_word_if"):
        score_tagger("lecture", gpt2_tokenizer, count_word_if="most")
    with pytest.raises(ValueError, match="one per token"):
        score_tagger(lambda ids, tok: np.zeros(3), gpt2_tokenizer)
    with pytest.raises(ValueError, match="empty"):
        score_tagger("lecture", gpt2_tokenizer, gold=[])
    with pytest.raises(ValueError, match="Unknown rule"):
        score_tagger("capitals", gpt2_tokenizer)


def test_scoring_needs_a_byte_level_tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    backend = Tokenizer(models.WordPiece({"[UNK]": 0, "the": 1, ".": 2}, unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    backend.decoder = decoders.WordPiece()
    wordpiece = PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="[UNK]")
    with pytest.raises(TypeError, match="byte-level"):
        score_tagger("lecture", wordpiece)


# ---------------------------------------------------------------- another byte-level tokenizer


def lecture_rule_written_out(ids, tokenizer) -> list[int]:
    decoded = [tokenizer.decode([i]) for i in ids]
    return [int(i > 0 and len(t) > 2 and t.strip()[:1].isupper() and not decoded[i - 1].endswith((".", "!", "?", ":")))
            for i, t in enumerate(decoded)]


def word_scores_by_offsets(rows, tokenizer, tag) -> tuple[float, float, float]:
    """Precision, recall and F1 counted by hand: the rows tokenized one by one and joined, tagged by
    ``tag(ids)``; a word counts as tagged when a token whose offsets hold one of its letters is."""
    encoded = [tokenizer(row.text, add_special_tokens=False, return_offsets_mapping=True) for row in rows]
    tags = iter(tag([i for e in encoded for i in e["input_ids"]]))
    hits = {"tp": 0, "fp": 0, "fn": 0}
    for row, e in zip(rows, encoded):
        tagged_chars = np.zeros(len(row.text), dtype=bool)
        for (start, end), token_tag in zip(e["offset_mapping"], tags):
            tagged_chars[start:end] |= bool(token_tag)
        for match, label in zip(re.finditer(r"\S+", row.text), row.labels):
            if not any(ch.isalpha() for ch in match.group()):
                continue  # only words with a letter are scored ("Apollo 11": its "11" is not)
            letters = [match.start() + k for k, ch in enumerate(match.group()) if ch.isalnum()]
            predicted = bool(tagged_chars[letters].any())
            outcome = "tp" if predicted and label else "fp" if predicted else "fn" if label else "tn"
            hits[outcome] = hits.get(outcome, 0) + 1
    precision, recall = hits["tp"] / (hits["tp"] + hits["fp"]), hits["tp"] / (hits["tp"] + hits["fn"])
    return precision, recall, 2 * precision * recall / (precision + recall)


@pytest.mark.parametrize("rows", ["all", "held-out"])
def test_the_lecture_rules_figures_are_a_count_by_hand(gpt2_tokenizer, rows):
    labels = load_gold_labels()
    labels = labels if rows == "all" else [g for g in labels if g.row >= 196]
    by_hand = word_scores_by_offsets(labels, gpt2_tokenizer, lambda ids: lecture_rule_written_out(ids, gpt2_tokenizer))
    assert tuple(round(x, 3) for x in by_hand) == FIGURES["lecture", rows]


@pytest.mark.slow
def test_the_figures_with_smollm2(smollm2, gpt2_tokenizer):
    """SmolLM2's tokenizer: the lecture rule's scores as counted by hand (its loop, the tokenizer's
    offsets); the word rule reads words, not tokens, so its figures are GPT-2's published ones."""
    _, smol_tokenizer = smollm2
    lecture = score_tagger("lecture", smol_tokenizer)
    by_hand = word_scores_by_offsets(load_gold_labels(), smol_tokenizer, lambda ids: lecture_rule_written_out(ids, smol_tokenizer))
    assert (lecture.precision, lecture.recall, lecture.f1) == pytest.approx(by_hand)
    word = score_tagger("word", smol_tokenizer)
    assert tuple(round(x, 3) for x in (word.precision, word.recall, word.f1)) == FIGURES["word", "all"]
    assert word.false_positives == score_tagger("word", gpt2_tokenizer).false_positives
    for tokenizer in (gpt2_tokenizer, smol_tokenizer):
        assert score_tagger("word", tokenizer, count_word_if="all").f1 >= 0.92
