"""Tests of lessonkit.beyond.word_rule and of the character -> token map it stands on (lessonkit._machinery.token_text).

The map is checked against two references that do not use lessonkit: the fast tokenizer's own
``return_offsets_mapping``, and the exact bytes of every token (GPT-2's published byte alphabet, as
``transformers`` ships it), on the whole WikiText selection, on hard strings and on random id streams.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from transformers.convert_slow_tokenizer import bytes_to_unicode

from lessonkit import tag_words
from lessonkit._machinery.token_text import text_and_owners
from lessonkit.tagging import lecture_rule_loop, tag_proper_nouns
from lessonkit.text import load_bundled_corpus, read_jsonl_rows, select_lecture_rows, tokenize_rows
from lessonkit.beyond.word_rule import is_proper_by_word, split_words, word_tokens

HARD_STRINGS = [
    " Du Fu ( 杜甫 ; 712 – 770 ) was a prominent Chinese poet .",
    "naïve café, Ørsted, Ångström, Straße",
    "🙂 👍🏽 family: 👨‍👩‍👧 flags 🇳🇴",
    "e\u0301 (e + combining acute) and é",
    "日本語のテキスト、東京タワー。 Москва",
    "a literal \ufffd replacement character �",
    "   leading spaces\n\n  and  lines \n",
    "Mr. O'Neil's «quote» — “Hi” ‘there’ @-@ @,@",
]


# ---------------------------------------------------------------- two independent references


def owners_from_offsets(text: str, tokenizer) -> tuple[list[int], np.ndarray]:
    """Token ids of ``text`` and, per character, the first token whose offsets cover it."""
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    owner = np.full(len(text), -1)
    for k, (start, end) in enumerate(encoded["offset_mapping"]):
        for c in range(start, end):
            if owner[c] == -1:
                owner[c] = k
    return encoded["input_ids"], owner


def owners_from_bytes(ids, tokenizer) -> tuple[str, np.ndarray] | None:
    """The text of ``ids`` from each token's exact bytes, and per character the token holding its
    first byte; None when the bytes are not valid UTF-8."""
    byte_of = {ch: b for b, ch in bytes_to_unicode().items()}
    special = set(tokenizer.all_special_ids)
    pieces = []
    for token_id, piece in zip(ids, tokenizer.convert_ids_to_tokens(list(ids))):
        pieces.append(piece.encode() if token_id in special else bytes(byte_of[ch] for ch in piece))
    data = b"".join(pieces)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    owner_of_byte = np.repeat(np.arange(len(pieces)), [len(p) for p in pieces])
    first_bytes = np.cumsum([0] + [len(ch.encode()) for ch in text])[:-1]
    return text, owner_of_byte[first_bytes.astype(int)]


@pytest.fixture(scope="module", params=["gpt2", "smollm2"])
def byte_level_tokenizer(request, gpt2_tokenizer):
    if request.param == "gpt2":
        return gpt2_tokenizer
    return request.getfixturevalue("smollm2")[1]


# ---------------------------------------------------------------- the map is exact


def test_the_map_is_exact_on_the_whole_wikitext_selection(wikitext_file, byte_level_tokenizer):
    rows = select_lecture_rows(read_jsonl_rows(wikitext_file))
    ids = tokenize_rows(rows, byte_level_tokenizer)[0].numpy()
    text, owner = text_and_owners(ids, byte_level_tokenizer)
    assert text == "".join(rows)
    by_offsets, start = [], 0
    for row in rows:  # the lecture tokenizes row by row: so does the reference
        row_ids, row_owner = owners_from_offsets(row, byte_level_tokenizer)
        by_offsets.append(row_owner + start)
        start += len(row_ids)
    np.testing.assert_array_equal(owner, np.concatenate(by_offsets))
    by_bytes = owners_from_bytes(ids.tolist(), byte_level_tokenizer)
    assert by_bytes is not None and by_bytes[0] == text
    np.testing.assert_array_equal(owner, by_bytes[1])
    assert "杜甫" in text  # the Du Fu article: characters cut across tokens are in the test


@pytest.mark.parametrize("text", HARD_STRINGS)
def test_the_map_is_exact_on_hard_strings(byte_level_tokenizer, text):
    ids, expected = owners_from_offsets(text, byte_level_tokenizer)
    mapped_text, owner = text_and_owners(np.array(ids), byte_level_tokenizer)
    assert mapped_text == text
    np.testing.assert_array_equal(owner, expected)
    np.testing.assert_array_equal(owner, owners_from_bytes(ids, byte_level_tokenizer)[1])


def test_a_character_cut_across_tokens_belongs_to_the_token_of_its_first_byte(gpt2_tokenizer):
    ids = gpt2_tokenizer(" ( 杜甫 ;", add_special_tokens=False)["input_ids"]
    pieces = [gpt2_tokenizer.decode([i]) for i in ids]
    assert pieces == [" (", " �", "�", "�", "�", "�", " ;"]  # 杜 = 3 tokens, 甫 = 2: none decodes alone
    text, owner = text_and_owners(np.array(ids), gpt2_tokenizer)
    assert text == " ( 杜甫 ;"
    assert owner.tolist() == [0, 0, 1, 1, 4, 6, 6]  # " (", then " " and 杜 from " �", 甫 from the 4th


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ids=st.lists(st.integers(min_value=0, max_value=50256), min_size=1, max_size=150))
def test_the_map_on_random_id_streams(gpt2_tokenizer, ids):
    text, owner = text_and_owners(np.array(ids), gpt2_tokenizer)
    assert text == gpt2_tokenizer.decode(ids)
    assert len(owner) == len(text) and np.all(np.diff(owner) >= 0)
    assert len(owner) == 0 or 0 <= owner[0] <= owner[-1] < len(ids)
    reference = owners_from_bytes(ids, gpt2_tokenizer)
    if reference is not None:  # valid UTF-8 (most streams): exactly the bytes' map
        assert reference[0] == text
        np.testing.assert_array_equal(owner, reference[1])


class CleaningTokenizer:
    """GPT-2's tokenizer as transformers 4.x decodes by default: clean_up_tokenization_spaces=True
    turns " ." into "." and " 's" into "'s" (transformers 5 no longer does this for BPE)."""

    def __init__(self, inner):
        self.inner = inner

    def __len__(self):
        return len(self.inner)

    def decode(self, ids, clean_up_tokenization_spaces=True):
        text = self.inner.decode(ids)
        if clean_up_tokenization_spaces:
            for before, after in [(" .", "."), (" ,", ","), (" 's", "'s"), (" n't", "n't"), (" 't", "'t")]:
                text = text.replace(before, after)
        return text


def test_a_tokenizer_that_cleans_up_spaces_gives_the_same_text(gpt2_tokenizer):
    cleaning = CleaningTokenizer(gpt2_tokenizer)
    text = " Leonardo 's father , Ser Piero . He isn 't here ."
    ids = gpt2_tokenizer(text, add_special_tokens=False)["input_ids"]
    assert cleaning.decode(ids) != text  # the clean-up is on
    assert text_and_owners(np.array(ids), cleaning)[0] == text
    np.testing.assert_array_equal(tag_words(ids, cleaning), tag_words(ids, gpt2_tokenizer))


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


@pytest.fixture(scope="module")
def sentencepiece_like_tokenizer():
    """A tiny tokenizer with a Metaspace decoder (``▁Paris``), as Llama 2 and T5 have, built offline."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    words = ["<unk>", "▁hello", "▁world", "▁Paris", "▁The", "."]
    backend = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Metaspace()
    backend.decoder = decoders.Metaspace()
    return PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="<unk>")


def test_tokenizers_that_are_not_byte_level_get_a_clear_error(wordpiece_tokenizer, sentencepiece_like_tokenizer):
    for tokenizer in (wordpiece_tokenizer, sentencepiece_like_tokenizer):
        ids = tokenizer("hello world The Paris", add_special_tokens=False)["input_ids"]
        assert len(ids) == 4 and 0 not in ids
        # the lecture's rule only decodes, so it works on any tokenizer, and still equals its loop
        np.testing.assert_array_equal(tag_proper_nouns(ids, tokenizer), lecture_rule_loop(ids, tokenizer))
        with pytest.raises(TypeError, match="byte-level"):
            tag_proper_nouns(ids, tokenizer, rule="word")


# ---------------------------------------------------------------- the word rule's decisions


def tagged_words(text: str, tokenizer, rule: str = "word") -> list[str]:
    """The words of ``text`` (without punctuation) that have a tagged token."""
    ids = np.array(tokenizer(text, add_special_tokens=False)["input_ids"])
    tags = tag_proper_nouns(ids, tokenizer, rule=rule)
    text, owner = text_and_owners(ids, tokenizer)
    words = [(w.core, word_tokens(w, text, owner)) for w in split_words(text)]
    return [core for core, pieces in words if pieces and tags[pieces].any()]


def test_word_rule_tags_every_piece_of_a_name(gpt2_tokenizer):
    ids = gpt2_tokenizer(" He met Robert Boulter in Whitstable .", add_special_tokens=False)["input_ids"]
    tags = tag_proper_nouns(ids, gpt2_tokenizer, rule="word")
    texts = [gpt2_tokenizer.decode([i]) for i in ids]
    named = "".join(t for t, tag in zip(texts, tags) if tag)
    assert named == " Robert Boulter Whitstable"
    assert tag_proper_nouns(ids, gpt2_tokenizer).sum() < tags.sum()  # the lecture's rule misses pieces
    np.testing.assert_array_equal(tag_words(ids, gpt2_tokenizer), tags)
    assert tags.dtype == tag_words(ids, gpt2_tokenizer).dtype == np.int8  # as the lecture's rule
    text = " He met Robert Boulter ."
    decisions = is_proper_by_word(split_words(text), text)
    assert decisions.dtype == bool and decisions.tolist() == [False, False, True, True, False]


def test_a_text_without_words_has_no_names(gpt2_tokenizer):
    ids = gpt2_tokenizer("\n \n", add_special_tokens=False)["input_ids"]
    assert tag_proper_nouns(ids, gpt2_tokenizer, rule="word").tolist() == [0] * len(ids)


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
        ("the Franco @-@ Prussian war , and the Prussian army ; the Prussians .", ["Prussians"]),
        ("He met Dr. Smith . In May he left ; she may stay .", ["Dr", "Smith", "May"]),
        ("The poet Du Fu ( 杜甫 ) wrote for Li Bai .", ["Du", "Fu", "Li", "Bai"]),
        ("UK officials met EU staff .", ["UK", "EU"]),  # an acronym of two letters opens the text
        ("July was hot .", ["July"]),  # a month at a start, with no other evidence
        ("We may go . May is warm .", []),  # "May" at a start, "may" in lower case: the text cannot tell
        ("Bank rates rose . The bank said that the Bank of England agreed .", ["Bank", "England"]),  # only the mid one
        ("He met Francis . I think that I know .", ["Francis"]),  # "I" after a name, but at a start: the pronoun
        ("He met Francis. I think that I know.", ["Francis"]),  # ... also right after the name's full stop
        # quotation marks: the word after an opening one starts a quotation, its capital says nothing
        ('He said “Rivers flood” and left .', []),
        ('He said "Rivers flood" and left .', []),
        ('He said " Xerxes won " Rivers wrote .', ["Rivers"]),  # only quotation marks open and close quotations
        ('He said “ Rivers flood ” and left .', []),
        ('He said " Rivers flood " and left .', []),
        ('He said "rain came." Rivers rose .', []),  # a full stop inside the closing quote ends the sentence
        ("He joined NASA. Rivers rose.", ["NASA"]),  # an acronym's full stop ends a sentence ("Dr." does not)
        ("He left . Dr. Smith came .", ["Dr", "Smith"]),  # a title at a start, before a name
        ("A story by J. Smith was read .", ["J", "Smith"]),  # an initial's full stop ends no sentence
        (") Paris was cold .", ["Paris"]),  # a text cut mid-sentence: a lone closing bracket first ends nothing
        ("King penguins are tall .", []),  # a title at a start, before a common noun
        ("Lord\nThe hills are green .", []),  # ... or before a capitalised word that is no name
        # particles inside names, wherever the name stands
        ("Leonardo da Vinci painted it .", ["Leonardo", "da", "Vinci"]),
        ("Leonardo da Vinci", ["Leonardo", "da", "Vinci"]),
        ("da Vinci painted it .", ["da", "Vinci"]),
        ("He loved Vincent van Gogh", ["Vincent", "van", "Gogh"]),
        ("Anna van", []),
        ("He drove a van", []),
        # pairs of words that are a name elsewhere in the text, at its start and at its end
        (" = Great Storm = \n The great wind and a storm came with the Great Storm", ["Great", "Storm", "Great", "Storm"]),
        ("A great wind came with the Great Storm .\nGreat Storm", ["Great", "Storm", "Great", "Storm"]),
        ("Storm came . We saw Great Storm and a storm . Great", ["Great", "Storm", "Great"]),
        (" = Oslo = \n We met in Oslo .", ["Oslo", "Oslo"]),
        ("the Storm hit . A storm came .\n = the Storm = ", ["Storm", "Storm"]),  # the pair of the text's first two words
        ("We may go . In May rain fell .\nMay rain is cold .", ["May"]),  # "May" at a start: also the verb, so no pairs
        # headings: only lines that begin and end with "=", wherever the words of the next line start
        ("Robert Boulter is an actor .\n = Career = ", ["Robert", "Boulter"]),
        (" = Notes = \nRobert Boulter is an actor .", ["Robert", "Boulter"]),
        ("Anna met Bob =", ["Bob"]),
        # nationalities: an adjective before a common noun, with the parts before a hyphen
        ("English iPhone users came .", []),
        ("Many English iPhone users came .", []),
        ("Greco @-@ Roman art is old . We love El Greco .", ["El", "Greco"]),
        ("We saw Paris's museums .", ["Paris"]),  # the possessive is not part of the name
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


def test_word_rule_counts_on_wikitext_are_those_before_the_split(wikitext_file, byte_level_tokenizer):
    """Issue 11 moved the word rule into its own module: it tags the lecture's WikiText selection as
    before (1,678 of 11,524 GPT-2 tokens, 1,745 of 12,471 SmolLM2 tokens; every tag was compared)."""
    ids = tokenize_rows(select_lecture_rows(read_jsonl_rows(wikitext_file)), byte_level_tokenizer)
    expected = {11_524: 1_678, 12_471: 1_745}
    assert int(tag_words(ids, byte_level_tokenizer).sum()) == expected[ids.shape[1]]


# ---------------------------------------------------------------- property tests


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ids=st.lists(st.integers(min_value=0, max_value=50256), min_size=1, max_size=120))
def test_any_token_stream_is_tagged_without_crashing(gpt2_tokenizer, ids):
    tags = tag_proper_nouns(ids, gpt2_tokenizer, rule="word")
    assert tags.shape == (len(ids),)
    assert set(np.unique(tags).tolist()) <= {0, 1}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.lists(
        st.sampled_from(list("aAbBzZ .,:!?\"'\n=-ÅéØ杜") + ["Mr.", "Dr.", "I", "The", "the", "May", "🙂"]),
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
    text_back, owner = text_and_owners(np.array(ids), gpt2_tokenizer)
    assert text_back == text
    np.testing.assert_array_equal(owner, owners_from_offsets(text, gpt2_tokenizer)[1])
    owners_of_letters = {int(owner[i]) for i, ch in enumerate(text_back) if ch.isalnum()}
    assert set(np.flatnonzero(tags).tolist()) <= owners_of_letters  # only tokens that carry a letter
