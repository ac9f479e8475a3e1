"""Tests of lessonkit.tagging: the lecture's rule bit for bit, the word rule, gold labels, scores."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lessonkit import tagging
from lessonkit.tagging import (
    format_tagged,
    lecture_rule_loop,
    load_gold_labels,
    score_tagger,
    show_tagged,
    tag_proper_nouns,
)
from lessonkit.text import load_bundled_corpus, read_jsonl_rows, select_lecture_rows, tokenize_rows

DATA = Path(tagging.__file__).parent / "data"


@pytest.fixture(scope="module")
def corpus_ids(gpt2_tokenizer) -> torch.Tensor:
    return tokenize_rows(select_lecture_rows(load_bundled_corpus()), gpt2_tokenizer)


def tagged_words(text: str, tokenizer, rule: str = "word") -> list[str]:
    """The words of ``text`` (without punctuation) that have a tagged token."""
    ids = np.array(tokenizer(text, add_special_tokens=False)["input_ids"])
    tags = tag_proper_nouns(ids, tokenizer, rule=rule)
    text, owner = tagging.token_char_spans(tagging.token_bytes(ids, tokenizer))
    words = [(w.core, tagging.word_tokens(w, text, owner)) for w in tagging.split_words(text)]
    return [core for core, pieces in words if pieces and tags[pieces].any()]


# ---------------------------------------------------------------- the lecture's rule


def test_lecture_rule_counts_1240_of_11524_on_wikitext(wikitext_file, gpt2_tokenizer):
    ids = tokenize_rows(select_lecture_rows(read_jsonl_rows(wikitext_file)), gpt2_tokenizer)
    tags = tag_proper_nouns(ids, gpt2_tokenizer)
    assert ids.shape == (1, 11524)
    assert int(tags.sum()) == 1240
    np.testing.assert_array_equal(tags, lecture_rule_loop(ids, gpt2_tokenizer))


def test_lecture_rule_equals_the_loop_on_the_corpus(corpus_ids, gpt2_tokenizer):
    np.testing.assert_array_equal(
        tag_proper_nouns(corpus_ids, gpt2_tokenizer), lecture_rule_loop(corpus_ids, gpt2_tokenizer)
    )


def test_the_loop_itself_by_hand(gpt2_tokenizer):
    ids = gpt2_tokenizer("Hello. My friend Robert Boulter met Li in Paris: Rome won", add_special_tokens=False)[
        "input_ids"
    ]
    texts = [gpt2_tokenizer.decode([i]) for i in ids]
    expected = [0] * len(ids)
    for k, text in enumerate(texts):
        if k and len(text) > 2 and text.strip()[0].isupper() and texts[k - 1][-1] not in ".!?:":
            expected[k] = 1
    assert list(lecture_rule_loop(ids, gpt2_tokenizer)) == expected
    tagged = {texts[k] for k in np.flatnonzero(expected)}
    assert {" Robert", " Paris"} <= tagged  # names mid-sentence
    assert " My" not in tagged and " Rome" not in tagged  # after "." and ":"
    assert tag_proper_nouns(ids, gpt2_tokenizer)[0] == 0


def test_inputs_in_every_shape_agree(gpt2_tokenizer):
    ids = gpt2_tokenizer("The Moon and NASA. Then Paris", add_special_tokens=False)["input_ids"]
    expected = tag_proper_nouns(ids, gpt2_tokenizer)
    for form in (torch.tensor(ids), torch.tensor([ids]), np.array(ids), tuple(ids)):
        np.testing.assert_array_equal(tag_proper_nouns(form, gpt2_tokenizer), expected)
        np.testing.assert_array_equal(tag_proper_nouns(form, gpt2_tokenizer, rule="word").shape, (len(ids),))


def test_each_vocabulary_id_is_decoded_once(gpt2_tokenizer):
    class CountingTokenizer:  # a tokenizer that counts its decodes
        def __init__(self, inner):
            self.inner, self.decodes = inner, 0

        def __len__(self):
            return len(self.inner)

        def decode(self, ids):
            self.decodes += 1
            return self.inner.decode(ids)

    counting = CountingTokenizer(gpt2_tokenizer)
    ids = np.array([464, 3329, 290, 8884, 13, 3244, 6342, 290, 3329])
    first = tag_proper_nouns(ids, counting)
    assert counting.decodes == len(set(ids.tolist()))
    np.testing.assert_array_equal(tag_proper_nouns(ids, counting), first)
    assert counting.decodes == len(set(ids.tolist()))  # the second call decodes nothing


# ---------------------------------------------------------------- bad input


def test_bad_input_gets_clear_errors(gpt2_tokenizer):
    with pytest.raises(ValueError, match="empty"):
        tag_proper_nouns([], gpt2_tokenizer)
    with pytest.raises(ValueError, match="empty"):
        tag_proper_nouns(torch.zeros(1, 0, dtype=torch.long), gpt2_tokenizer)
    with pytest.raises(ValueError, match=r"\[1, n\]"):
        tag_proper_nouns(torch.zeros(2, 5, dtype=torch.long), gpt2_tokenizer)
    with pytest.raises(TypeError, match="integer"):
        tag_proper_nouns(np.array([1.5, 2.0]), gpt2_tokenizer)
    with pytest.raises(ValueError, match="another tokenizer"):
        tag_proper_nouns([5, len(gpt2_tokenizer)], gpt2_tokenizer)
    with pytest.raises(ValueError, match="Unknown rule"):
        tag_proper_nouns([5, 6], gpt2_tokenizer, rule="capitals")
    with pytest.raises(TypeError, match="tokenizer"):
        tag_proper_nouns([5, 6], "gpt2")


@pytest.fixture(scope="module")
def wordpiece_tokenizer():
    """A tiny BERT-style (WordPiece, not byte-level) tokenizer, built offline."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    words = ["[UNK]", "hello", "world", "Paris", "Hello", ",", ".", "!", ":", "Mr", "##s", "the", "The"]
    backend = Tokenizer(models.WordPiece({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    backend.decoder = decoders.WordPiece()
    return PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="[UNK]")


def test_non_byte_level_tokenizer(wordpiece_tokenizer):
    ids = wordpiece_tokenizer("hello world. The Paris", add_special_tokens=False)["input_ids"]
    # the lecture's rule only decodes, so it works on any tokenizer, and still equals its loop
    np.testing.assert_array_equal(
        tag_proper_nouns(ids, wordpiece_tokenizer), lecture_rule_loop(ids, wordpiece_tokenizer)
    )
    with pytest.raises(TypeError, match="byte-level"):
        tag_proper_nouns(ids, wordpiece_tokenizer, rule="word")
    with pytest.raises(TypeError, match="byte-level"):
        score_tagger("lecture", wordpiece_tokenizer)


def test_spacy_rule_says_what_to_install(gpt2_tokenizer):
    try:
        import spacy

        spacy.load("en_core_web_sm")
    except (ImportError, OSError):
        with pytest.raises(ImportError, match="spacy"):
            tag_proper_nouns([5, 6], gpt2_tokenizer, rule="spacy")
    else:
        assert (
            tag_proper_nouns(
                gpt2_tokenizer("I met Anna in Oslo.")["input_ids"], gpt2_tokenizer, rule="spacy"
            ).sum()
            >= 2
        )


def test_spacy_rule_maps_propn_to_tokens(gpt2_tokenizer, monkeypatch):
    """The spaCy path with a stand-in pipeline (spaCy's models are not installed here)."""
    import sys
    import types

    class FakeToken:
        def __init__(self, match):
            self.idx, self.text = match.start(), match.group()
            self.pos_ = "PROPN" if self.text in {"Boulter", "Oslo"} else "X"

    fake = types.ModuleType("spacy")
    fake.load = lambda name: lambda text: [FakeToken(m) for m in re.finditer(r"\w+|[^\w\s]", text)]
    monkeypatch.setitem(sys.modules, "spacy", fake)
    ids = gpt2_tokenizer(" Robert Boulter left Oslo .", add_special_tokens=False)["input_ids"]
    tags = tag_proper_nouns(ids, gpt2_tokenizer, rule="spacy")
    tagged = "".join(gpt2_tokenizer.decode([i]) for i, t in zip(ids, tags) if t)
    assert tagged == " Boulter Oslo"


# ---------------------------------------------------------------- the word rule


def test_word_rule_tags_every_piece_of_a_name(gpt2_tokenizer):
    ids = gpt2_tokenizer(" He met Robert Boulter in Whitstable .", add_special_tokens=False)["input_ids"]
    tags = tag_proper_nouns(ids, gpt2_tokenizer, rule="word")
    texts = [gpt2_tokenizer.decode([i]) for i in ids]
    named = "".join(t for t, tag in zip(texts, tags) if tag)
    assert named == " Robert Boulter Whitstable"
    assert tag_proper_nouns(ids, gpt2_tokenizer).sum() < tags.sum()  # the lecture's rule misses pieces


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Yesterday I met Anna in Oslo. Oslo is cold in January.", ["Anna", "Oslo", "Oslo", "January"]),
        ('She said, "Many people came." Then Dr. Smith spoke.', ["Dr", "Smith"]),
        ("He was an English actor. Later the English were beaten by France.", ["English", "France"]),
        (
            "It was painted by Leonardo da Vinci for Francis I of France.",
            ["Leonardo", "da", "Vinci", "Francis", "I", "France"],
        ),
        ("Workers at NASA and the BBC agreed. NASA was first.", ["NASA", "BBC", "NASA"]),
        (
            " = = Early life = = \n Karin Olsen was born in Bergen . The town of Bergen is wet .",
            ["Karin", "Olsen", "Bergen", "Bergen"],
        ),
        (
            " = Karin Olsen = \n Karin Olsen is a chemist . Olsen works in Bergen .",
            ["Karin", "Olsen", "Karin", "Olsen", "Olsen", "Bergen"],
        ),
    ],
)
def test_word_rule_decisions(gpt2_tokenizer, text, names):
    assert tagged_words(text, gpt2_tokenizer) == names


def test_word_rule_does_not_depend_on_where_a_row_is_cut(gpt2_tokenizer):
    """Tagging a stream or its rows one by one gives the same tags when rows are whole paragraphs."""
    rows = select_lecture_rows(load_bundled_corpus())[:6]
    whole = tag_proper_nouns(tokenize_rows(rows, gpt2_tokenizer), gpt2_tokenizer, rule="word")
    parts = np.concatenate(
        [
            tag_proper_nouns(tokenize_rows(rows[:3], gpt2_tokenizer), gpt2_tokenizer, rule="word"),
            tag_proper_nouns(tokenize_rows(rows[3:], gpt2_tokenizer), gpt2_tokenizer, rule="word"),
        ]
    )
    assert (whole != parts).mean() < 0.01  # only document-level evidence can differ


# ---------------------------------------------------------------- property tests

token_streams = st.lists(st.integers(min_value=0, max_value=50256), min_size=1, max_size=120)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ids=token_streams)
def test_any_token_stream_is_tagged_without_crashing(gpt2_tokenizer, ids):
    for rule in ("lecture", "word"):
        tags = tag_proper_nouns(ids, gpt2_tokenizer, rule=rule)
        assert tags.shape == (len(ids),)
        assert set(np.unique(tags).tolist()) <= {0, 1}
        assert tags[0] == 0 or rule == "word"
    np.testing.assert_array_equal(tag_proper_nouns(ids, gpt2_tokenizer), lecture_rule_loop(ids, gpt2_tokenizer))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.lists(
        st.sampled_from(list("aAbBzZ .,:!?\"'\n=-ÅéØ") + ["Mr.", "Dr.", "I", "The", "the", "May"]),
        min_size=1,
        max_size=60,
    ).map("".join)
)
def test_any_text_is_tagged_word_by_word(gpt2_tokenizer, text):
    ids = gpt2_tokenizer(text, add_special_tokens=False)["input_ids"]
    if not ids:
        return
    tags = tag_proper_nouns(ids, gpt2_tokenizer, rule="word")
    assert tags.shape == (len(ids),)
    text_back, owner = tagging.token_char_spans(tagging.token_bytes(np.array(ids), gpt2_tokenizer))
    assert text_back == text
    owners_of_letters = {int(owner[i]) for i, ch in enumerate(text_back) if ch.isalnum()}
    assert set(np.flatnonzero(tags).tolist()) <= owners_of_letters  # only tokens that carry a letter


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
    gold = load_gold_labels()
    assert all(gold_row.text == rows[gold_row.row] for gold_row in gold)
    assert all(len(g.words) == len(g.labels) == len(g.text.split()) for g in gold)


def test_gold_labels_are_big_enough_and_follow_the_conventions():
    gold = load_gold_labels()
    labelled = [(w, label) for g in gold for w, label in zip(g.words, g.labels)]
    capitalised = [(w, label) for w, label in labelled if w[0].isupper()]
    assert len(capitalised) >= 600
    assert {w for w, label in labelled if label and w.islower()} >= {"da", "del", "von", "van"}
    assert {w for w, label in labelled if not label and w.islower() and w in {"of", "upon"}} == {"of", "upon"}
    labels_of = lambda word: {label for w, label in labelled if w == word}  # noqa: E731
    roman_i = [
        g.labels[k] for g in gold for k in range(1, len(g.words)) if g.words[k - 1 : k + 1] == ["Francis", "I"]
    ]
    assert roman_i == [1] and labels_of("I") == {0, 1}  # "Francis I"; every other "I" is the pronoun
    assert sum(label for w, label in labelled if w == "I") == 1
    assert labels_of("July") == {1} and labels_of("Monday") == {1}
    assert labels_of("English") == {0, 1}  # "English actor" vs "the English"
    assert labels_of("Dr.") == {1}  # a title before a name is part of it
    assert labels_of("The") == {0} and labels_of("ATP") == {0}


def test_parse_marked_reads_spans():
    text, words, labels = tagging.parse_marked(" [Leonardo da Vinci] of [Vinci] , not [Paris] 's . \n")
    assert text == " Leonardo da Vinci of Vinci , not Paris 's . \n"
    assert labels == [1, 1, 1, 0, 1, 0, 0, 1, 0, 0]
    with pytest.raises(ValueError, match="Unclosed"):
        tagging.parse_marked(" [Leonardo da Vinci was")


# ---------------------------------------------------------------- scores


def test_scores_against_hand_computed_counts(gpt2_tokenizer):
    gold = load_gold_labels()[:12]
    n_words = sum(1 for g in gold for w in g.words if any(ch.isalpha() for ch in w))
    n_proper = sum(label for g in gold for w, label in zip(g.words, g.labels) if any(ch.isalpha() for ch in w))

    def everything(ids, tokenizer):
        return np.ones(len(ids), dtype=np.int8)

    def nothing(ids, tokenizer):
        return np.zeros(len(ids), dtype=np.int8)

    all_tags = score_tagger(everything, gpt2_tokenizer, gold=gold)
    assert all_tags.n_words == n_words
    assert all_tags.true_positives == n_proper and all_tags.recall == 1.0
    assert all_tags.precision == pytest.approx(n_proper / n_words)
    assert all_tags.f1 == pytest.approx(2 * all_tags.precision / (all_tags.precision + 1))
    none = score_tagger(nothing, gpt2_tokenizer, gold=gold)
    assert none.recall == 0.0 and none.f1 == 0.0 and len(none.false_negatives) == n_proper


def test_gold_tags_score_perfectly(gpt2_tokenizer):
    """A rule that tags exactly the gold words' tokens scores 1: the token -> word mapping is right."""
    gold = load_gold_labels()[:30]

    def oracle(ids, tokenizer):
        tags, offset = np.zeros(len(ids), dtype=np.int8), 0
        for g in gold:
            row_ids = np.array(tokenizer(g.text, add_special_tokens=False)["input_ids"])
            text, owner = tagging.token_char_spans(tagging.token_bytes(row_ids, tokenizer))
            for word, label in zip(tagging.split_words(text), g.labels):
                if label:
                    tags[offset + np.array(tagging.word_tokens(word, text, owner), dtype=int)] = 1
            offset += len(row_ids)
        return tags

    score = score_tagger(oracle, gpt2_tokenizer, gold=gold, count_word_if="all")
    assert (score.precision, score.recall, score.f1) == (1.0, 1.0, 1.0)


def test_word_rule_beats_the_lecture_rule_on_gold_labels(gpt2_tokenizer):
    lecture = score_tagger("lecture", gpt2_tokenizer)
    word = score_tagger("word", gpt2_tokenizer)
    assert word.f1 >= 0.92
    assert 0.7 < lecture.f1 < word.f1
    assert score_tagger("lecture", gpt2_tokenizer, count_word_if="all").recall < lecture.recall  # missed pieces
    assert any("«Early»" in fp for fp in lecture.false_positives)  # a heading word
    assert "F1" in str(word)


def test_score_tagger_bad_input(gpt2_tokenizer):
    with pytest.raises(ValueError, match="count_word_if"):
        score_tagger("lecture", gpt2_tokenizer, count_word_if="most")
    with pytest.raises(ValueError, match="one per token"):
        score_tagger(lambda ids, tok: np.zeros(3), gpt2_tokenizer)
    with pytest.raises(ValueError, match="empty"):
        score_tagger("lecture", gpt2_tokenizer, gold=[])


# ---------------------------------------------------------------- the lecture's display cells


def test_show_tagged(gpt2_tokenizer, capsys):
    ids = gpt2_tokenizer(" He met Robert Boulter in London on Tuesday .", add_special_tokens=False)["input_ids"]
    tags = tag_proper_nouns(ids, gpt2_tokenizer)
    show_tagged(ids, tags, gpt2_tokenizer, window=3)
    out = capsys.readouterr().out
    assert out.startswith(f"{int(tags.sum())} of {len(ids)} tokens tagged")
    assert "' Robert'" in out and "[[ Robert]]" in out and "tagged" in out
    assert "[[ met]]" in format_tagged(ids, tags, gpt2_tokenizer, index=1)
    assert "not tagged" in format_tagged(ids, tags, gpt2_tokenizer, index=1)
    with pytest.raises(ValueError, match="one tag per token"):
        show_tagged(ids, tags[:-1], gpt2_tokenizer)
    with pytest.raises(ValueError, match="index"):
        show_tagged(ids, tags, gpt2_tokenizer, index=len(ids))


# ---------------------------------------------------------------- another byte-level tokenizer


@pytest.mark.slow
def test_word_decisions_are_the_same_with_smollm2(smollm2, gpt2_tokenizer):
    _, smol_tokenizer = smollm2
    for tokenizer in (gpt2_tokenizer, smol_tokenizer):
        score = score_tagger("word", tokenizer, count_word_if="all")
        assert score.f1 >= 0.92
    assert (
        score_tagger("word", smol_tokenizer).false_positives
        == score_tagger("word", gpt2_tokenizer).false_positives
    )
