"""A better proper-noun rule: decide per word, with evidence from the whole document.

The lecture's rule looks at BPE pieces: it never tags a name's later pieces, misses `` B`` + ``oul`` +
``ter`` (`` B`` is too short) and names after ``Dr.``, and tags the first word of every paragraph,
heading and quotation. This rule reads the stream's text as words (:func:`split_words`), decides for
each word in five steps (:func:`is_proper_by_word`; what it decides: :func:`tag_words`) and tags every
token that carries a letter of a proper noun. Its word lists are general English, not names from any
corpus. Characters map back to tokens exactly for byte-level tokenizers (GPT-2, SmolLM2: ``_machinery/token_text.py``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._machinery.token_text import as_token_ids, check_ids_fit, text_and_owners

SENTENCE_END = (".", "!", "?", ":")  # as in the lecture's rule
HYPHEN = {"-", "@-@", "–", "—"}  # WikiText writes "Franco @-@ Prussian"
OPENERS, CLOSERS = "\"'“‘([{«", "\"”’')]"

# ---------------------------------------------------------------- general English

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
# Adjectives before a common noun ("English actor"), proper nouns otherwise ("the English", "in English").
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

# ---------------------------------------------------------------- words and where they stand

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
        left = len(raw) - len(raw.lstrip(OPENERS))
        core = _POSSESSIVE.sub("", raw[left:]).rstrip("\"'”’)]}».,;:!?")
        start = match.start() + left
        words.append(Word(raw, match.start(), match.end(), core, start, start + len(core)))
    return words


def word_tokens(word: Word, text: str, owner: np.ndarray) -> list[int]:
    """The tokens that carry a letter or digit of the word's core (a lone ``.`` or ``'s`` does not count)."""
    return sorted({int(owner[i]) for i in range(word.core_start, word.core_end) if text[i].isalnum()})


def _is_capitalised(core: str) -> bool:
    return bool(core) and core[0].isupper()


def _is_acronym(core: str) -> bool:
    letters = [ch for ch in core if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


def _is_abbreviation(word: Word) -> bool:
    """``Dr.``, ``St.``, ``F.``: a full stop that ends a title or an initial, not a sentence."""
    return word.text.endswith(".") and (word.core in TITLES or (len(word.core) == 1 and word.core.isupper()))


def _heading_words(words: list[Word], text: str) -> np.ndarray:
    """True for the words of heading lines (WikiText's `` = = Early life = = ``): title case."""
    line_starts = np.array([0] + [m.end() for m in re.finditer("\n", text)])
    headings = np.array([line.strip().startswith("=") and line.strip().endswith("=") for line in text.split("\n")])
    lines = np.searchsorted(line_starts, [w.start for w in words], side="right") - 1
    return headings[lines] if words else np.zeros(0, dtype=bool)


def _positions(words: list[Word], text: str, in_heading: np.ndarray) -> list[str]:
    """Where each word stands: ``"start"`` (a capital letter says nothing: sentence start, line start,
    quotation start, heading) or ``"mid"`` (a capital letter here is a choice of the writer)."""
    positions = []
    quote_open = sentence_over = False
    previous: Word | None = None
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
            if ch == '"':
                quote_open = not quote_open
            elif ch in "“”":
                quote_open = ch == "“"
        previous = word
    return positions


@dataclass
class Document:
    """A text's words, where each stands, and what the whole text says about each form."""

    words: list[Word]
    positions: list[str]  # "start" or "mid", per word
    in_heading: np.ndarray  # per word: on a heading line?
    capitalised_mid: Counter[str]  # form -> how often it is capitalised mid-sentence
    lowercase: set[str]  # forms seen in lower case

    @classmethod
    def read(cls, words: list[Word], text: str) -> Document:
        in_heading = _heading_words(words, text)
        positions = _positions(words, text, in_heading)
        cores = [word.core for word in words]
        capitalised_mid = Counter(c for c, p in zip(cores, positions) if _is_capitalised(c) and p == "mid")
        lowercase = {c for c in cores if c and not _is_capitalised(c) and c[0].isalpha()}
        return cls(words, positions, in_heading, capitalised_mid, lowercase)

    def is_name_form(self, core: str) -> bool:
        """Is this form a proper noun where its position says nothing? The document's evidence."""
        if core in MONTHS_AND_DAYS or _is_acronym(core):
            return core.lower() not in self.lowercase and core not in self.lowercase
        if core.lower() in FUNCTION_WORDS or core.lower() in self.lowercase:
            return False
        return self.capitalised_mid[core] > 0

    def next_content(self, i: int) -> int | None:
        """The index of the next word after word ``i`` that is not a hyphen, or None."""
        for j in range(i + 1, len(self.words)):
            if self.words[j].text not in HYPHEN:
                return j
        return None


# ---------------------------------------------------------------- the rule, step by step


def is_proper_by_word(words: list[Word], text: str) -> np.ndarray:
    """The word rule's decision for each word of ``text`` (see :func:`tag_words`), in five steps."""
    doc = Document.read(words, text)
    proper = np.zeros(len(words), dtype=bool)
    _mark_capitalised(doc, proper)
    _mark_sentence_initial_names(doc, proper)
    for _ in range(2):
        _mark_known_name_pairs(doc, proper)
    _nationalities_and_titles(doc, proper)
    _mark_name_particles(doc, proper)
    return proper


def _mark_capitalised(doc: Document, proper: np.ndarray) -> None:
    """1. Capitalised words whose position is informative, and forms with document evidence."""
    for i, (word, position) in enumerate(zip(doc.words, doc.positions)):
        core = word.core
        if not _is_capitalised(core) or not any(ch.isalpha() for ch in core):
            continue
        if core == "I" and not (i and proper[i - 1]):
            continue  # the pronoun; after a name it is a numeral ("Francis I")
        if core.lower() in FUNCTION_WORDS and core not in MONTHS_AND_DAYS and core != "I":
            continue  # "The" of "The Last Supper", "A" of "A Doll's House"
        proper[i] = position == "mid" or doc.is_name_form(core)


def _mark_sentence_initial_names(doc: Document, proper: np.ndarray) -> None:
    """2. A sentence-initial word that begins a name continued mid-sentence ("Robert Boulter is")."""
    words = doc.words
    for i, (word, position) in enumerate(zip(words, doc.positions)):
        if proper[i] or position != "start" or not _is_capitalised(word.core):
            continue
        if word.core.lower() in FUNCTION_WORDS or word.core.lower() in doc.lowercase or doc.in_heading[i]:
            continue
        j = doc.next_content(i)
        if j is None:
            continue
        if words[j].core in NAME_PARTICLES and j + 1 < len(words):
            j += 1  # "Leonardo da Vinci"
        proper[i] = bool(proper[j]) and doc.positions[j] == "mid" and word.text == word.core


def _mark_known_name_pairs(doc: Document, proper: np.ndarray) -> None:
    """3. A capitalised word at a "start" (heading, sentence start) whose pair with a neighbour is part
    of a name elsewhere in the document: "= Great Storm of 1987 =" after "the Great Storm hit"."""
    cores = [w.core for w in doc.words]
    with_next = {(cores[k], cores[k + 1]) for k in range(len(cores) - 1) if proper[k]}
    with_previous = {(cores[k - 1], cores[k]) for k in range(1, len(cores)) if proper[k]}
    for i, core in enumerate(cores):
        if proper[i] or doc.positions[i] != "start" or not _is_capitalised(core) or core.lower() in FUNCTION_WORDS:
            continue
        after = cores[i + 1] if i + 1 < len(cores) else None
        before = cores[i - 1] if i else None
        proper[i] = (core, after) in with_next or (before, core) in with_previous


def _nationalities_and_titles(doc: Document, proper: np.ndarray) -> None:
    """4. A nationality before a common noun is an adjective ("English actor", "Franco-Prussian war");
    a title before a name is part of it ("Dr. Lindqvist")."""
    words = doc.words
    for i, word in enumerate(words):
        nationality, title = bool(proper[i]) and word.core in NATIONALITIES, word.core in TITLES
        j = doc.next_content(i) if nationality or title else None
        if j is None:
            continue
        after = words[j].core
        if nationality and after[:1].islower() and after.lower() not in FUNCTION_WORDS:
            proper[i] = False
            k = i
            while k >= 2 and words[k - 1].text in HYPHEN:  # the parts before a hyphen share its fate
                k -= 2
                proper[k] = False
        if title and _is_capitalised(after) and proper[j]:
            proper[i] = True


def _mark_name_particles(doc: Document, proper: np.ndarray) -> None:
    """5. Lowercase particles inside personal names ("Leonardo da Vinci")."""
    words, n = doc.words, len(doc.words)
    for i, word in enumerate(words):
        inside = i + 1 < n and proper[i + 1] and (i == 0 or proper[i - 1] or doc.positions[i] == "mid")
        if word.core in NAME_PARTICLES and inside:
            proper[i] = _is_capitalised(words[i + 1].core)


# ---------------------------------------------------------------- from words back to tokens


def tag_words(tokens: Any, tokenizer: Any) -> np.ndarray:
    """The word-aware rule: 0/1 per token, 1 for every token that carries a letter of a proper noun.

    A capitalised word is a proper noun when its capital letter is the writer's choice (mid-sentence,
    not a function word like the "The" of a title), or, at the start of a sentence, line, quotation or
    heading, when the document shows the same form capitalised mid-sentence and never in lower case.
    Also: months and days, acronyms, a title before a name ("Dr. Lindqvist"), a Roman numeral after a
    name ("Francis I"), particles inside names ("da Vinci"), a sentence-initial word that starts a name
    ("Robert Boulter"); not proper nouns: the pronoun "I", nationalities before a common noun ("English
    actor", but "the English"). Needs a byte-level tokenizer (GPT-2, SmolLM2): a clear error otherwise.
    """
    ids = as_token_ids(tokens)
    check_ids_fit(ids, tokenizer)
    text, owner = text_and_owners(ids, tokenizer)
    words = split_words(text)
    tags = np.zeros(len(ids), dtype=np.int8)
    for word, proper in zip(words, is_proper_by_word(words, text)):
        if proper:
            tags[word_tokens(word, text, owner)] = 1
    return tags
