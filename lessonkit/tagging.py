"""Tagging proper nouns: the lecture's rule, a better word-aware rule, and how good each one is.

The lecture marks a token as a proper noun when

* its decoded text is longer than 2 characters (the leading space counts: `` Bou`` has 4),
* its first non-space character is upper case, and
* the previous decoded token does not end in ``.``, ``!``, ``?`` or ``:``

(the first token is never tagged). :func:`lecture_rule_loop` is that loop, word for word.
:func:`tag_proper_nouns` gives the same answer without decoding every token: it asks each
distinct vocabulary entry the two questions once, keeps the answers in a table, and indexes it with numpy.

The rule looks at BPE pieces, not words: it never tags a name's later pieces, it misses
``Boulter`` altogether (GPT-2 cuts it into `` B``, ``oul``, ``ter``, and `` B`` has only 2
characters) and names after ``Dr.``, and it tags the first word of every paragraph and quotation.
``rule="word"`` reasons about whole words instead (see :func:`tag_words`).
:func:`score_tagger` measures any rule against gold labels written by hand for the bundled corpus
(``lessonkit/data/gold_labels.jsonl``; conventions in ``lessonkit/data/README.md``).
"""

from __future__ import annotations

import json
import re
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

SENTENCE_END = (".", "!", "?", ":")
RULES = ("lecture", "word", "spacy")
GOLD_LABELS = Path(__file__).parent / "data" / "gold_labels.jsonl"

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


def _check_ids(ids: np.ndarray, tokenizer: Any) -> None:
    vocab_size = len(tokenizer)
    if ids.min() < 0 or ids.max() >= vocab_size:
        raise ValueError(
            f"token ids must lie in [0, {vocab_size}) for this tokenizer, got {ids.min()}..{ids.max()}: "
            "were they made by another tokenizer?"
        )


# ---------------------------------------------------------------- the lecture's rule


def lecture_rule_loop(tokens: Any, tokenizer: Any) -> np.ndarray:
    """The lecture's rule as the lecture writes it: a loop that decodes every token (slow, clear)."""
    ids = as_token_ids(tokens).tolist()
    tags = np.zeros(len(ids), dtype=np.int8)
    for i in range(1, len(ids)):
        text = tokenizer.decode([ids[i]])
        previous = tokenizer.decode([ids[i - 1]])
        if len(text) > 2 and text.strip()[:1].isupper() and not previous.endswith(SENTENCE_END):
            tags[i] = 1
    return tags


_TABLES: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


def _cached(tokenizer: Any, key: str, build: Callable[[Any], Any]) -> Any:
    """``build(tokenizer)``, computed once per tokenizer object (forgotten with the tokenizer)."""
    try:
        tables = _TABLES.setdefault(tokenizer, {})
    except TypeError:  # not weak-referenceable: compute every time
        return build(tokenizer)
    if key not in tables or tables[key][0] != len(tokenizer):
        tables[key] = (len(tokenizer), build(tokenizer))
    return tables[key][1]


UNKNOWN, LONG_UPPER, ENDS_SENTENCE = -1, 1, 2


def _lecture_properties(ids: np.ndarray, tokenizer: Any) -> np.ndarray:
    """Per vocabulary id, the answers to the loop's two questions as bits (``LONG_UPPER``: decoded text
    longer than 2 characters with an upper-case first non-space character; ``ENDS_SENTENCE``: decoded
    text ends in . ! ? :). Each id is decoded once per tokenizer, the first time it is seen."""
    table = _cached(tokenizer, "lecture", lambda tok: np.full(len(tok), UNKNOWN, dtype=np.int8))
    unique = np.unique(ids)
    for token_id in unique[table[unique] == UNKNOWN].tolist():
        text = tokenizer.decode([token_id])
        long_upper = len(text) > 2 and text.strip()[:1].isupper()
        table[token_id] = LONG_UPPER * long_upper + ENDS_SENTENCE * text.endswith(SENTENCE_END)
    return table


def tag_lecture(ids: np.ndarray, tokenizer: Any) -> np.ndarray:
    """The lecture's rule, vectorised: two table look-ups per token instead of two decodes."""
    properties = _lecture_properties(ids, tokenizer)[ids]
    tags = np.zeros(len(ids), dtype=np.int8)
    tags[1:] = ((properties[1:] & LONG_UPPER) > 0) & ((properties[:-1] & ENDS_SENTENCE) == 0)
    return tags


# ---------------------------------------------------------------- bytes, text and words


@lru_cache(maxsize=1)
def _byte_alphabet() -> dict[str, int]:
    """GPT-2's byte-level alphabet: the printable character that stands for each of the 256 bytes."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
    printable += list(range(ord("®"), ord("ÿ") + 1))
    chars, extra = {}, 0
    for byte in range(256):
        if byte in printable:
            chars[chr(byte)] = byte
        else:
            chars[chr(256 + extra)] = byte
            extra += 1
    return chars


def _token_bytes_table(tokenizer: Any) -> list[bytes]:
    """The exact bytes of every vocabulary entry; a TypeError for tokenizers that are not byte-level."""
    if not hasattr(tokenizer, "convert_ids_to_tokens"):
        raise TypeError(f"{type(tokenizer).__name__} is not a Hugging Face tokenizer (no convert_ids_to_tokens).")
    alphabet = _byte_alphabet()
    special = set(getattr(tokenizer, "all_special_ids", []) or [])
    pieces = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
    table, foreign = [], 0
    for token_id, piece in enumerate(pieces):
        piece = piece or ""
        if token_id not in special and all(ch in alphabet for ch in piece):
            table.append(bytes(alphabet[ch] for ch in piece))
        else:  # special or added tokens stand for their own text
            foreign += token_id not in special
            table.append(piece.encode("utf-8"))
    probe = "Hello, Mr. Ørsted: naïve café!"
    probe_ids = tokenizer(probe, add_special_tokens=False)["input_ids"]
    round_trip = b"".join(table[i] for i in probe_ids)
    if foreign > 0.01 * len(pieces) or round_trip != probe.encode("utf-8"):
        raise TypeError(
            f"{type(tokenizer).__name__} does not use byte-level BPE (like GPT-2's), so its tokens cannot "
            "be mapped to words exactly. Use rule='lecture', or a byte-level tokenizer (GPT-2, SmolLM2, Pythia)."
        )
    return table


def token_bytes(ids: np.ndarray, tokenizer: Any) -> list[bytes]:
    """The bytes each token stands for; joined, they give back the text exactly."""
    table = _cached(tokenizer, "bytes", _token_bytes_table)
    return [table[i] for i in ids.tolist()]


def token_char_spans(pieces: Sequence[bytes]) -> tuple[str, np.ndarray]:
    """The text of ``pieces`` and, per character, the index of the token it came from.

    Bytes that are not valid UTF-8 (a character split across tokens at the edge of a stream)
    become one character each, so the mapping never breaks.
    """
    data = b"".join(pieces)
    text = data.decode("utf-8", "surrogateescape")
    owner_of_byte = np.repeat(np.arange(len(pieces)), [len(p) for p in pieces])
    char_lengths = [len(ch.encode("utf-8", "surrogateescape")) for ch in text]
    char_starts = np.concatenate([[0], np.cumsum(char_lengths)[:-1]]).astype(np.int64)
    return text, owner_of_byte[char_starts] if text else np.zeros(0, dtype=np.int64)


_WORD = re.compile(r"\S+")
_POSSESSIVE = re.compile(r"['’][sS]$")


@dataclass
class Word:
    """One whitespace-separated word; ``core`` is it without surrounding punctuation or ``'s``."""

    text: str
    start: int  # character offsets of the whole word
    end: int
    core: str
    core_start: int
    core_end: int


def split_words(text: str) -> list[Word]:
    """Whitespace-separated words, each with its core: ``"(Paris's"`` -> core ``Paris``."""
    words = []
    for match in _WORD.finditer(text):
        raw = match.group()
        left = len(raw) - len(raw.lstrip("\"'“‘([{«"))
        core = _POSSESSIVE.sub("", raw[left:]).rstrip("\"'”’)]}».,;:!?")
        words.append(
            Word(raw, match.start(), match.end(), core, match.start() + left, match.start() + left + len(core))
        )
    return words


def word_tokens(word: Word, text: str, owner: np.ndarray) -> list[int]:
    """The tokens that carry a letter or digit of the word's core (a lone ``.`` or ``'s`` does not count)."""
    return sorted({int(owner[i]) for i in range(word.core_start, word.core_end) if text[i].isalnum()})


# ---------------------------------------------------------------- the word-aware rule

# General English knowledge, not a list of this corpus's names.
FUNCTION_WORDS = frozenset(
    """a an the this that these those his her its their our my your some any each every no all both
    few many most several such other another one two three four five
    he she it they we you i me him them us who whom whose which what where when while why how
    in on at by for from with without of to into onto upon over under after before during since
    until till about above below between among amongst across against along around behind beside
    besides beyond despite except inside outside near through throughout towards toward via within
    and or but nor yet so because although though if unless whereas whether as than like once
    then there here also only even still however instead meanwhile moreover furthermore thus
    therefore later today yesterday tomorrow now perhaps not never always often sometimes
    is was are were be been being has had have do does did will would can could shall should may
    might must""".split()
)
MONTHS_AND_DAYS = frozenset(
    """January February March April May June July August September October November December
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday""".split()
)
TITLES = frozenset(
    """Dr Mr Mrs Ms Miss Mx Prof Professor Sir Dame Lord Lady King Queen Prince Princess Emperor Empress
    President Chancellor Senator Governor Mayor General Gen Colonel Col Captain Capt Admiral
    Lieutenant Lt Sergeant Sgt Pope Saint St Ser Rev Reverend Bishop Archbishop Judge Justice Sheikh""".split()
)
NAME_PARTICLES = frozenset(
    "da de del della delle dei di du der den des van von ter ten bin ibn al el la le dos das".split()
)
# Nationalities and languages: adjectives before a common noun ("English actor"), proper nouns
# otherwise ("the English", "in English").
NATIONALITIES = frozenset(
    """Afghan Albanian Algerian American Andorran Angolan Arab Arabic Argentine Argentinian Armenian
    Australian Austrian Azerbaijani Bangladeshi Basque Belarusian Belgian Bengali Bolivian Bosnian
    Brazilian British Breton Bulgarian Burmese Cambodian Cameroonian Canadian Catalan Chilean Chinese
    Colombian Congolese Croatian Cuban Cypriot Czech Danish Dutch Ecuadorian Egyptian English Eritrean
    Estonian Ethiopian Fijian Filipino Finnish Flemish French Gaelic Georgian German Ghanaian Greek
    Guatemalan Haitian Hawaiian Hebrew Hindi Honduran Hungarian Icelandic Indian Indonesian Iranian
    Iraqi Irish Israeli Italian Jamaican Japanese Jordanian Kazakh Kenyan Korean Kurdish Kuwaiti
    Latin Latvian Lebanese Libyan Lithuanian Luxembourgish Macedonian Malagasy Malay Malaysian
    Maltese Mexican Moldovan Mongolian Moroccan Nepalese Nepali Nigerian Norwegian Pakistani
    Palestinian Panamanian Paraguayan Persian Peruvian Polish Portuguese Prussian Romanian Russian
    Rwandan Samoan Saudi Scottish Senegalese Serbian Sicilian Slovak Slovenian Somali Soviet Spanish
    Sudanese Swedish Swiss Syrian Taiwanese Tamil Thai Tibetan Tunisian Turkish Ukrainian Uruguayan
    Uzbek Venezuelan Vietnamese Welsh Yemeni Zambian Zimbabwean African Asian European Arctic
    Antarctic Nordic Scandinavian Baltic Balkan Caribbean Mediterranean Latino Anglo Franco
    Christian Muslim Jewish Catholic Protestant Buddhist Hindu Roman Greco""".split()
)
HYPHEN = {"-", "@-@", "–", "—"}


def _is_capitalised(core: str) -> bool:
    return bool(core) and core[0].isupper()


def _is_acronym(core: str) -> bool:
    letters = [ch for ch in core if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


def _is_abbreviation(word: Word) -> bool:
    """``Dr.``, ``St.``, ``F.``: a full stop that ends a title or an initial, not a sentence."""
    return word.text.endswith(".") and (word.core in TITLES or (len(word.core) == 1 and word.core.isupper()))


CLOSERS = "\"”’')]"


def _positions(words: list[Word], text: str) -> list[str]:
    """Where each word stands: ``"start"`` (a capital letter says nothing: sentence start, line start,
    quotation start, heading) or ``"mid"`` (a capital letter here is a choice of the writer)."""
    positions = []
    quote_open = sentence_over = False
    previous: Word | None = None
    in_heading = _heading_words(words, text)
    for k, word in enumerate(words):
        new_line = previous is None or "\n" in text[previous.end : word.start]
        if new_line:
            quote_open = False
        opens_quote = (previous is not None and previous.text in {'"', "“"} and quote_open) or (
            word.text[:1] in {'"', "“"} and not quote_open
        )
        start = new_line or sentence_over or opens_quote or bool(in_heading[k])
        positions.append("start" if start else "mid")
        if word.text.strip(CLOSERS):  # a lone closing quote keeps the sentence's state: '... . " Then'
            sentence_over = word.text.rstrip(CLOSERS).endswith(SENTENCE_END) and not _is_abbreviation(word)
        for ch in word.text:
            quote_open = (
                (not quote_open) if ch == '"' else (True if ch == "“" else (False if ch == "”" else quote_open))
            )
        previous = word
    return positions


def _document_evidence(words: list[Word], positions: list[str]) -> tuple[dict[str, int], set[str]]:
    """How often each word form is capitalised mid-sentence, and which forms occur in lower case."""
    capitalised_mid: dict[str, int] = {}
    lowercase = set()
    for word, position in zip(words, positions):
        if not word.core:
            continue
        if _is_capitalised(word.core):
            if position == "mid":
                capitalised_mid[word.core] = capitalised_mid.get(word.core, 0) + 1
        elif word.core[0].isalpha():
            lowercase.add(word.core)
    return capitalised_mid, lowercase


def _next_content(words: list[Word], i: int) -> int | None:
    """The index of the next word after ``words[i]`` that is not a hyphen, or None."""
    for j in range(i + 1, len(words)):
        if words[j].text not in HYPHEN:
            return j
    return None


def is_proper_by_word(words: list[Word], text: str) -> np.ndarray:
    """The word rule's decision for each word (see :func:`tag_words`)."""
    positions = _positions(words, text)
    in_heading = _heading_words(words, text)
    capitalised_mid, lowercase = _document_evidence(words, positions)
    proper = np.zeros(len(words), dtype=bool)

    def proper_noun_form(core: str) -> bool:  # is this form a proper noun when its position says nothing?
        if core in MONTHS_AND_DAYS or _is_acronym(core):
            return core.lower() not in lowercase and core not in lowercase
        if core.lower() in FUNCTION_WORDS or core.lower() in lowercase:
            return False
        return capitalised_mid.get(core, 0) > 0

    # 1. capitalised words whose position is informative, and forms with document evidence
    for i, (word, position) in enumerate(zip(words, positions)):
        core = word.core
        if not _is_capitalised(core) or not any(ch.isalpha() for ch in core):
            continue
        if core == "I" and not (i and proper[i - 1]):
            continue  # the pronoun; after a name it is a numeral ("Francis I")
        if core.lower() in FUNCTION_WORDS and core not in MONTHS_AND_DAYS and core != "I":
            continue  # "The" of "The Last Supper", "A" of "A Doll's House"
        proper[i] = position == "mid" or proper_noun_form(core)
    # 2. a sentence-initial word that begins a name continued mid-sentence ("Robert Boulter is")
    for i, (word, position) in enumerate(zip(words, positions)):
        j = _next_content(words, i)
        if proper[i] or position != "start" or not _is_capitalised(word.core) or j is None:
            continue
        if word.core.lower() in FUNCTION_WORDS or word.core.lower() in lowercase or in_heading[i]:
            continue
        if words[j].core in NAME_PARTICLES and j + 1 < len(words):
            j += 1  # "Leonardo da Vinci"
        proper[i] = bool(proper[j]) and positions[j] == "mid" and word.text == word.core
    # 3. a title-case run (heading, sentence start) that is a name seen elsewhere: "= Great Storm of 1987 ="
    for _ in range(2):
        _mark_known_name_pairs(words, positions, proper)
    # 4. nationalities before a common noun are adjectives; titles before a name are part of it
    for i, word in enumerate(words):
        j = _next_content(words, i)
        if j is None:
            continue
        after = words[j].core
        if (
            proper[i]
            and word.core in NATIONALITIES
            and after[:1].islower()
            and after.lower() not in FUNCTION_WORDS
        ):
            proper[i] = False
            _unmark_hyphen_compound(words, proper, i)
        if word.core in TITLES and _is_capitalised(after) and proper[j]:
            proper[i] = True
    # 5. lowercase particles inside personal names ("Leonardo da Vinci")
    for i, word in enumerate(words):
        if (
            word.core in NAME_PARTICLES
            and i + 1 < len(words)
            and proper[i + 1]
            and (i == 0 or proper[i - 1] or positions[i] == "mid")
        ):
            proper[i] = _is_capitalised(words[i + 1].core)
    return proper


def _mark_known_name_pairs(words: list[Word], positions: list[str], proper: np.ndarray) -> None:
    """Mark a capitalised word at a "start" position when the same pair of words (it and its
    neighbour) is part of a name elsewhere in the document."""
    cores = [w.core for w in words]
    with_next = {(cores[k], cores[k + 1]) for k in range(len(words) - 1) if proper[k]}
    with_previous = {(cores[k - 1], cores[k]) for k in range(1, len(words)) if proper[k]}
    for i, core in enumerate(cores):
        if proper[i] or positions[i] != "start" or not _is_capitalised(core) or core.lower() in FUNCTION_WORDS:
            continue
        after = cores[i + 1] if i + 1 < len(cores) else None
        before = cores[i - 1] if i else None
        proper[i] = (core, after) in with_next or (before, core) in with_previous


def _heading_words(words: list[Word], text: str) -> np.ndarray:
    """True for the words of heading lines (WikiText's `` = = Early life = = ``): title case."""
    line_starts = np.array([0] + [m.end() for m in re.finditer("\n", text)])
    headings = np.array([line.strip().startswith("=") and line.strip().endswith("=") for line in text.split("\n")])
    lines = np.searchsorted(line_starts, [w.start for w in words], side="right") - 1
    return headings[lines] if words else np.zeros(0, dtype=bool)


def _unmark_hyphen_compound(words: list[Word], proper: np.ndarray, i: int) -> None:
    """``Franco-Prussian war``: the parts before a hyphen share the adjective's fate."""
    while i >= 2 and words[i - 1].text in HYPHEN:
        i -= 2
        proper[i] = False


def tag_words(ids: np.ndarray, tokenizer: Any) -> np.ndarray:
    """The word-aware rule: decide per word, then tag every token that carries a letter of it.

    A capitalised word is a proper noun when its capital letter is the writer's choice (mid-sentence,
    not a function word like the "The" of a title), or, at the start of a sentence, line, quotation or
    heading, when the document shows the same form capitalised mid-sentence and never in lower case.
    Also: months and days, acronyms, a title before a name ("Dr. Lindqvist"), a Roman numeral after a
    name ("Francis I"), particles inside names ("da Vinci"), a sentence-initial word that starts a name
    ("Robert Boulter"); not proper nouns: the pronoun "I", nationalities before a common noun ("English
    actor", but "the English").
    """
    text, owner = token_char_spans(token_bytes(ids, tokenizer))
    words = split_words(text)
    tags = np.zeros(len(ids), dtype=np.int8)
    for word, proper in zip(words, is_proper_by_word(words, text)):
        if proper:
            tags[word_tokens(word, text, owner)] = 1
    return tags


# ---------------------------------------------------------------- spaCy (optional)


def tag_spacy(ids: np.ndarray, tokenizer: Any, model: str = "en_core_web_sm") -> np.ndarray:
    """spaCy's PROPN tags, carried over to every token that shares a character with them."""
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
    text, owner = token_char_spans(token_bytes(ids, tokenizer))
    tags = np.zeros(len(ids), dtype=np.int8)
    for token in nlp(text):
        if token.pos_ == "PROPN":
            span = range(token.idx, token.idx + len(token.text))
            tags[sorted({int(owner[i]) for i in span if text[i].isalnum()})] = 1
    return tags


# ---------------------------------------------------------------- one entry point


def tag_proper_nouns(tokens: Any, tokenizer: Any, *, rule: str = "lecture") -> np.ndarray:
    """0/1 per token: is it (part of) a proper noun? ``rule``: ``"lecture"``, ``"word"`` or ``"spacy"``.

    ``tokens``: a 1-D or ``[1, n]`` tensor, array or list of token ids of ``tokenizer``.
    ``"lecture"`` is bit for bit the lecture's loop (:func:`lecture_rule_loop`), only faster;
    ``"word"`` is the better word-aware rule (:func:`tag_words`, needs a byte-level tokenizer);
    ``"spacy"`` uses spaCy's part-of-speech tagger if it is installed.
    """
    ids = as_token_ids(tokens)
    if not hasattr(tokenizer, "decode"):
        raise TypeError(f"tokenizer must be a Hugging Face tokenizer, got {type(tokenizer).__name__}.")
    _check_ids(ids, tokenizer)
    if rule == "lecture":
        return tag_lecture(ids, tokenizer)
    if rule == "word":
        return tag_words(ids, tokenizer)
    if rule == "spacy":
        return tag_spacy(ids, tokenizer)
    raise ValueError(f"Unknown rule {rule!r}: choose one of {RULES}.")


# ---------------------------------------------------------------- gold labels and scores


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


COUNT_WORD_IF = ("any", "all", "first")


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
    ``rule`` (a name for :func:`tag_proper_nouns`, or a function ``(tokens, tokenizer) -> 0/1``)
    tags the whole stream. A word's tokens are those that carry one of its letters or digits;
    the word counts as tagged when ``count_word_if`` of them are tagged: ``"any"`` (default: the
    lecture's rule usually tags only the first piece of a name), ``"all"``, or ``"first"``.
    Only words with a letter are scored. Mistakes come back as ``row 8: ... word «here» word ...``.
    """
    if count_word_if not in COUNT_WORD_IF:
        raise ValueError(f"count_word_if must be one of {COUNT_WORD_IF}, got {count_word_if!r}.")
    gold = load_gold_labels() if gold is None else gold
    if not gold:
        raise ValueError("gold is empty: pass load_gold_labels() or leave it out.")
    row_ids = [
        np.array(tokenizer(row.text, add_special_tokens=False)["input_ids"], dtype=np.int64) for row in gold
    ]
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
                in_context = _in_context(row, k, context)
                (false_positives if predicted else false_negatives).append(in_context)
    precision = true_positives / (true_positives + len(false_positives)) if true_positives else 0.0
    recall = true_positives / (true_positives + len(false_negatives)) if true_positives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if true_positives else 0.0
    name = rule if isinstance(rule, str) else getattr(rule, "__name__", "custom")
    return TaggerScore(name, precision, recall, f1, true_positives, false_positives, false_negatives, n_words)


def _gold_words(row: GoldRow, ids: np.ndarray, tokenizer: Any) -> list[tuple[int, list[int]]]:
    """(word index, its tokens within the row) for every word of the row that has a letter."""
    text, owner = token_char_spans(token_bytes(ids, tokenizer))
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
    _check_ids(ids, tokenizer)
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
