"""Tests of lessonkit.tagging: the lecture's rule as a loop, its fast twin bit for bit, the one door
``tag_proper_nouns`` (every input shape, every bad input) and the lecture's display cells.
(The word rule: test_word_rule.py; gold labels and scores: test_gold.py.)"""

from __future__ import annotations

import inspect
import json
import re
import sys
import types

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lessonkit
from lessonkit import _token_text, tagging
from lessonkit.tagging import format_tagged, lecture_rule_loop, show_tagged, tag_proper_nouns
from lessonkit.text import load_bundled_corpus, read_jsonl_rows, select_lecture_rows, tokenize_rows


def lecture_loop_written_out(ids, tokenizer) -> list[int]:
    """The lecture's rule as the lecture's notebook writes it, independent of lessonkit."""
    decoded = [tokenizer.decode([t]) for t in ids]
    tags = [0] * len(ids)
    for i in range(1, len(ids)):
        if len(decoded[i]) > 2 and decoded[i].strip()[:1].isupper() and not decoded[i - 1].endswith((".", "!", "?", ":")):
            tags[i] = 1
    return tags


@pytest.fixture(scope="module")
def corpus_ids(gpt2_tokenizer) -> torch.Tensor:
    return tokenize_rows(select_lecture_rows(load_bundled_corpus()), gpt2_tokenizer)


# ---------------------------------------------------------------- the lecture's rule


def test_lecture_rule_counts_1240_of_11524_on_wikitext(wikitext_file, gpt2_tokenizer):
    ids = tokenize_rows(select_lecture_rows(read_jsonl_rows(wikitext_file)), gpt2_tokenizer)
    tags = tag_proper_nouns(ids, gpt2_tokenizer)
    assert ids.shape == (1, 11524)
    assert int(tags.sum()) == 1240
    np.testing.assert_array_equal(tags, lecture_rule_loop(ids, gpt2_tokenizer))
    assert tags.tolist() == lecture_loop_written_out(ids[0].tolist(), gpt2_tokenizer)


@pytest.mark.slow
def test_lecture_rule_with_smollm2_is_the_lectures_cells_written_out(wikitext_file, smollm2):
    """Another tokenizer, the lecture's own steps written out: the WikiText rows read with json, the
    first 200 kept when longer than 50 characters, each encoded on its own and joined, then the loop."""
    _, tokenizer = smollm2
    with open(wikitext_file, encoding="utf-8") as handle:
        rows = [json.loads(line)["text"] for line in handle if line.strip()]
    ids = [i for row in rows[:200] if len(row) > 50 for i in tokenizer.encode(row, add_special_tokens=False)]
    expected = lecture_loop_written_out(ids, tokenizer)
    stream = tokenize_rows(select_lecture_rows(read_jsonl_rows(wikitext_file)), tokenizer)
    assert stream[0].tolist() == ids
    assert tag_proper_nouns(stream, tokenizer).tolist() == expected
    assert 1000 < sum(expected) < 1500  # near the lecture's 1,240 with GPT-2's tokens


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
    assert lecture_rule_loop(ids, gpt2_tokenizer).dtype == tag_proper_nouns(ids, gpt2_tokenizer).dtype == np.int8
    tagged = {texts[k] for k in np.flatnonzero(expected)}
    assert {" Robert", " Paris"} <= tagged  # names mid-sentence
    assert " My" not in tagged and " Rome" not in tagged  # after "." and ":"
    assert tag_proper_nouns(ids, gpt2_tokenizer)[0] == 0


def test_the_loop_can_be_shown_in_class():
    """The lecture notebook shows the rule with inspect.getsource: it must fit on a slide."""
    source = inspect.getsource(lecture_rule_loop)
    assert len(source.splitlines()) < 30
    for words_of_the_rule in ("tokenizer.decode", "len(text) > 2", ".isupper()", "SENTENCE_END", "range(1,"):
        assert words_of_the_rule in source
    assert tagging.SENTENCE_END == (".", "!", "?", ":")


def test_inputs_in_every_shape_agree(gpt2_tokenizer):
    ids = gpt2_tokenizer("The Moon and NASA. Then Paris", add_special_tokens=False)["input_ids"]
    expected = tag_proper_nouns(ids, gpt2_tokenizer)
    for form in (torch.tensor(ids), torch.tensor([ids]), np.array(ids), tuple(ids), np.array(ids, dtype=np.int32)):
        np.testing.assert_array_equal(tag_proper_nouns(form, gpt2_tokenizer), expected)
        np.testing.assert_array_equal(lecture_rule_loop(form, gpt2_tokenizer), expected)
        np.testing.assert_array_equal(tag_proper_nouns(form, gpt2_tokenizer, rule="word").shape, (len(ids),))


class CountingTokenizer:
    """A tokenizer that counts its decodes."""

    def __init__(self, inner):
        self.inner, self.decodes = inner, 0

    def __len__(self):
        return len(self.inner)

    def decode(self, ids, **kwargs):
        self.decodes += 1
        return self.inner.decode(ids, **kwargs)


def test_each_vocabulary_id_is_decoded_once(gpt2_tokenizer):
    counting = CountingTokenizer(gpt2_tokenizer)
    ids = np.array([464, 3329, 290, 8884, 13, 3244, 6342, 290, 3329])
    first = tag_proper_nouns(ids, counting)
    assert counting.decodes == len(set(ids.tolist()))
    np.testing.assert_array_equal(tag_proper_nouns(ids, counting), first)
    assert counting.decodes == len(set(ids.tolist()))  # the second call decodes nothing
    more = np.array([6342, 11, 40, 1101])  # one id seen before, three new ones
    tags = tag_proper_nouns(more, counting)
    assert counting.decodes == len(set(ids.tolist()) | set(more.tolist()))  # only the new ones decoded
    assert tags.tolist() == lecture_loop_written_out(more.tolist(), gpt2_tokenizer)


def test_a_grown_vocabulary_gets_a_new_table(gpt2_tokenizer):
    class Growing(CountingTokenizer):
        size = 100

        def __len__(self):
            return self.size

    growing = Growing(gpt2_tokenizer)
    tag_proper_nouns([5, 6, 7], growing)
    growing.size = 50257
    ids = [5, 6342, 12366, 50000]
    np.testing.assert_array_equal(tag_proper_nouns(ids, growing), lecture_loop_written_out(ids, gpt2_tokenizer))


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
    with pytest.raises(ValueError, match="another tokenizer"):
        tag_proper_nouns([-1, 5], gpt2_tokenizer, rule="word")
    with pytest.raises(ValueError, match="Unknown rule"):
        tag_proper_nouns([5, 6], gpt2_tokenizer, rule="capitals")
    with pytest.raises(TypeError, match="tokenizer"):
        tag_proper_nouns([5, 6], "gpt2")
    with pytest.raises(ValueError, match=r"\[1, n\]"):
        lecture_rule_loop(torch.zeros(2, 5, dtype=torch.long), gpt2_tokenizer)


def test_the_spacy_rule_says_what_to_install(gpt2_tokenizer, monkeypatch):
    monkeypatch.setitem(sys.modules, "spacy", None)  # as if spaCy were not installed
    with pytest.raises(ImportError, match="pip install spacy"):
        tag_proper_nouns([5, 6], gpt2_tokenizer, rule="spacy")
    no_model = types.ModuleType("spacy")

    def load(name):
        raise OSError(f"[E050] Can't find model '{name}'")

    no_model.load = load
    monkeypatch.setitem(sys.modules, "spacy", no_model)
    with pytest.raises(ImportError, match="spacy download en_core_web_sm"):
        tag_proper_nouns([5, 6], gpt2_tokenizer, rule="spacy")


def test_spacy_rule_maps_propn_to_tokens(gpt2_tokenizer, monkeypatch):
    """The spaCy path with a stand-in pipeline (spaCy's models are not installed here)."""

    class FakeToken:
        def __init__(self, match):
            self.idx, self.text = match.start(), match.group()
            self.pos_ = "PROPN" if self.text in {"Boulter", "Oslo"} else "X"

    fake, loaded = types.ModuleType("spacy"), []
    fake.load = lambda name: loaded.append(name) or (lambda text: [FakeToken(m) for m in re.finditer(r"\w+|[^\w\s]", text)])
    monkeypatch.setitem(sys.modules, "spacy", fake)
    ids = gpt2_tokenizer(" Robert Boulter left Oslo .", add_special_tokens=False)["input_ids"]
    tags = tag_proper_nouns(ids, gpt2_tokenizer, rule="spacy")
    assert loaded == ["en_core_web_sm"]  # spaCy's small English pipeline
    pieces = [gpt2_tokenizer.decode([i]) for i in ids]  # ASCII: the pieces join into the text
    ends = np.cumsum([len(p) for p in pieces])
    starts = ends - [len(p) for p in pieces]
    spans = [(m.start(), m.end()) for m in re.finditer(r"Boulter|Oslo", "".join(pieces))]
    expected = [int(any(a < stop and start < b for start, stop in spans)) for a, b in zip(starts, ends)]
    assert tags.tolist() == expected and tags.dtype == np.int8
    assert "".join(p for p, t in zip(pieces, tags) if t) == " Boulter Oslo"


# ---------------------------------------------------------------- the fast rule is the loop


@pytest.fixture(scope="module")
def wikitext_ids(wikitext_file, gpt2_tokenizer) -> np.ndarray:
    return tokenize_rows(select_lecture_rows(read_jsonl_rows(wikitext_file)), gpt2_tokenizer)[0].numpy()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ids=st.lists(st.integers(min_value=0, max_value=50256), min_size=1, max_size=120))
def test_random_id_streams_give_the_loops_tags(gpt2_tokenizer, ids):
    tags = tag_proper_nouns(ids, gpt2_tokenizer)
    assert tags.tolist() == lecture_loop_written_out(ids, gpt2_tokenizer)
    assert tags.dtype == np.int8 and tags[0] == 0


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.integers(min_value=0, max_value=11_000), size=st.integers(min_value=1, max_value=500))
def test_any_slice_of_wikitext_gives_the_loops_tags(gpt2_tokenizer, wikitext_ids, start, size):
    ids = wikitext_ids[start : start + size]
    assert tag_proper_nouns(ids, gpt2_tokenizer).tolist() == lecture_loop_written_out(ids.tolist(), gpt2_tokenizer)


@pytest.mark.slow
def test_random_id_streams_give_the_loops_tags_with_smollm2(smollm2):
    _, tokenizer = smollm2
    rng = np.random.default_rng(11)
    _token_text.forget_tables(tokenizer)
    for _ in range(40):
        ids = rng.integers(0, len(tokenizer), int(rng.integers(1, 300)))
        assert tag_proper_nouns(ids, tokenizer).tolist() == lecture_loop_written_out(ids.tolist(), tokenizer)


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


def display_written_out(ids, tags, tokenizer, n_examples, index, window) -> str:
    """The two display cells as the lecture builds them: the tagged tokens decoded one by one, then
    the text around one token, decoded from the ids on either side (cut at the stream's ends)."""
    tagged = [k for k, tag in enumerate(tags) if tag]
    examples = ", ".join(repr(tokenizer.decode([ids[k]])) for k in tagged[:n_examples])
    before = tokenizer.decode(ids[max(index - window, 0) : index])
    after = tokenizer.decode(ids[index + 1 : index + 1 + window])
    mark = "tagged" if tags[index] else "not tagged"
    return (f"{len(tagged)} of {len(ids)} tokens tagged. Examples: {examples}\n"
            f"In context (token {index}, {mark}): ...{before}[[{tokenizer.decode([ids[index]])}]]{after}...")


def test_the_display_cells_as_written_out(gpt2_tokenizer, capsys):
    text = " ".join(f"{name} met {other} in {place} ." for name, other, place in
                    [("Anna", "Bob", "Oslo"), ("Carl", "Dora", "Rome"), ("Eve", "Finn", "Lima")] * 10)
    ids = gpt2_tokenizer(text, add_special_tokens=False)["input_ids"]
    tags = tag_proper_nouns(ids, gpt2_tokenizer)
    assert sum(tags) > 40 and len(ids) > 40
    first = int(np.flatnonzero(tags)[0])
    cases = [({}, (40, first, 15)), ({"n_examples": 3, "index": 2, "window": 4}, (3, 2, 4)),
             ({"index": 0, "window": 2}, (40, 0, 2)), ({"index": len(ids) - 1}, (40, len(ids) - 1, 15))]
    for options, (n_examples, index, window) in cases:
        expected = display_written_out(ids, tags.tolist(), gpt2_tokenizer, n_examples, index, window)
        assert format_tagged(ids, tags, gpt2_tokenizer, **options) == expected
        assert format_tagged(ids, tags[None, :], gpt2_tokenizer, **options) == expected  # a [1, n] row of tags
        show_tagged(ids, tags, gpt2_tokenizer, **options)
        assert capsys.readouterr().out == expected + "\n"
    untagged = np.zeros(len(ids), dtype=np.int8)
    assert format_tagged(ids, untagged, gpt2_tokenizer) == f"0 of {len(ids)} tokens tagged. Examples: "


def test_the_package_door_gives_the_rules_themselves():
    from lessonkit import gold, word_rule

    homes = {"tag_proper_nouns": tagging, "lecture_rule_loop": tagging, "show_tagged": tagging, "tag_words": word_rule,
             "score_tagger": gold, "load_gold_labels": gold, "TaggerScore": gold, "GoldRow": gold}
    for name, module in homes.items():
        assert getattr(lessonkit, name) is getattr(module, name), name
    from lessonkit.tagging import RULES, as_token_ids  # noqa: F401  (used by widgets and the atlas)
