"""The forward pipeline that produced the stemmed text, replicated exactly.

Everything destem learns or measures goes through this module: the language
model is trained on text that went through every step *but* stemming, and the
benchmarks make their answer keys by running original prose through every
step. If this replica drifted from the real pipeline, the model would learn a
token stream the input never contains.

The steps are: split into sentences, Treebank-tokenize (```` `` '' ````
quotes, ``'s`` and ``n't`` split off), lowercase, drop NLTK's English
stopwords, Porter-stem (NLTK ``PorterStemmer()`` in its default mode).

>>> stem_text("Trotsky was born in Kherson province, Ukraine.")
'trotski born kherson provinc , ukrain .'
>>> content_tokens("He didn't say \\"no\\" to the people's commissars.")
["n't", 'say', '``', "''", 'people', "'s", 'commissars', '.']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import regex

if TYPE_CHECKING:
    from nltk.stem.porter import PorterStemmer
    from nltk.tokenize import TreebankWordTokenizer

# NLTK's English stopword list (179 words), written here because nltk_data
# cannot be assumed. Contractions are split by the tokenizer before the list
# applies, so "n't" and "'s" survive even though "t" and "s" are listed.
STOPWORDS: frozenset[str] = frozenset(
    ["i", "me", "my", "myself", "we", "our", "ours", "ourselves", "you", "you're", "you've", "you'll", "you'd", "your", "yours", "yourself", "yourselves", "he", "him", "his", "himself", "she", "she's", "her", "hers", "herself", "it", "it's", "its", "itself", "they", "them", "their", "theirs", "themselves", "what", "which", "who", "whom", "this", "that", "that'll", "these", "those", "am", "is", "are", "was", "were", "be", "been", "being", "have", "has", "had", "having", "do", "does", "did", "doing", "a", "an", "the", "and", "but", "if", "or", "because", "as", "until", "while", "of", "at", "by", "for", "with", "about", "against", "between", "into", "through", "during", "before", "after", "above", "below", "to", "from", "up", "down", "in", "out", "on", "off", "over", "under", "again", "further", "then", "once", "here", "there", "when", "where", "why", "how", "all", "any", "both", "each", "few", "more", "most", "other", "some", "such", "no", "nor", "not", "only", "own", "same", "so", "than", "too", "very", "s", "t", "can", "will", "just", "don", "don't", "should", "should've", "now", "d", "ll", "m", "o", "re", "ve", "y", "ain", "aren", "aren't", "couldn", "couldn't", "didn", "didn't", "doesn", "doesn't", "hadn", "hadn't", "hasn", "hasn't", "haven", "haven't", "isn", "isn't", "ma", "mightn", "mightn't", "mustn", "mustn't", "needn", "needn't", "shan", "shan't", "shouldn", "shouldn't", "wasn", "wasn't", "weren", "weren't", "won", "won't", "wouldn", "wouldn't"]
)

_STDLIB_FLAGS = re.IGNORECASE | re.MULTILINE | re.DOTALL | re.VERBOSE | re.ASCII


def _recompiled(pattern: object) -> re.Pattern[str]:
    """The same pattern compiled by the stdlib engine.

    NLTK >= 3.9.3 runs every pattern through a timeout-guarded wrapper around
    the ``regex`` engine, which makes tokenizing about 3x slower. The
    Treebank patterns are fixed and linear, so the guard buys nothing here;
    ``tests/test_pipeline.py`` checks the tokens stay identical.
    """
    source = str(getattr(pattern, "pattern", pattern))
    flags: int = getattr(pattern, "flags", 0) & _STDLIB_FLAGS
    return re.compile(source, flags)


@lru_cache(maxsize=1)
def _tokenizer() -> TreebankWordTokenizer:
    """NLTK's Treebank tokenizer, its own method over stdlib-compiled rules.

    NLTK is imported when first needed: importing it loads every NLTK
    module (and scikit-learn and SciPy where they are installed), which
    restoring text often does without.
    """
    from nltk.tokenize import TreebankWordTokenizer

    tokenizer = TreebankWordTokenizer()
    for name in ("STARTING_QUOTES", "PUNCTUATION", "ENDING_QUOTES"):
        rules = [(_recompiled(rx), repl) for rx, repl in getattr(tokenizer, name)]
        setattr(tokenizer, name, rules)
    for name in ("PARENS_BRACKETS", "DOUBLE_DASHES"):
        rx, repl = getattr(tokenizer, name)
        setattr(tokenizer, name, (_recompiled(rx), repl))
    for name in ("CONTRACTIONS2", "CONTRACTIONS3"):
        setattr(tokenizer, name, [_recompiled(rx) for rx in getattr(tokenizer, name)])
    return tokenizer


# NLTK's three Porter modes; the first is ``PorterStemmer()``'s default.
_MODES = ("NLTK_EXTENSIONS", "ORIGINAL_ALGORITHM", "MARTIN_EXTENSIONS")


@lru_cache(maxsize=1)
def _stemmers() -> dict[str, PorterStemmer]:
    from nltk.stem.porter import PorterStemmer

    return {mode: PorterStemmer(mode) for mode in _MODES}

# Abbreviations whose full stop does not end a sentence. Single capital
# letters (initials such as "W. C. Fields") are handled by the pattern.
_ABBREVIATIONS = frozenset(
    ["mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "rev", "gen", "col", "lt", "sgt", "capt", "cmdr", "adm", "gov", "sen", "rep", "pres", "vs", "etc", "al", "fig", "no", "nos", "vol", "vols", "ed", "eds", "ch", "pp", "co", "corp", "inc", "ltd", "bros", "dept", "univ", "ave", "mt", "ft", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "approx", "ca", "c", "e.g", "i.e", "u.s", "u.k"]
)

# A sentence ends at . ! or ? (with any closing quotes or brackets after it)
# followed by white space and something that can start a sentence.
_BOUNDARY = regex.compile(r"""(?<=[.!?]['"’”)\]]*)\s+(?=['"‘“(\[]*[\p{Lu}\p{N}])""")
_LAST_WORD = regex.compile(r"""(\S+?)['"’”)\]]*$""")


@lru_cache(maxsize=1 << 18)
def stem(token: str, mode: str = _MODES[0]) -> str:
    """Porter-stem one lowercase token (NLTK's default mode unless told)."""
    return _stemmers()[mode].stem(token)


def stem_variants(token: str) -> set[str]:
    """The stems all three of NLTK's Porter modes give, for matching input
    that came from another Porter implementation (``us`` -> ``u``)."""
    return {stem(token, mode) for mode in _MODES}


def split_sentences(line: str) -> list[str]:
    """Split one line of prose into sentences without needing nltk_data.

    >>> split_sentences("Mr. Yale served W. C. Fields. He left in 1699. Then?")
    ['Mr. Yale served W. C. Fields.', 'He left in 1699.', 'Then?']
    """
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(line):
        before = line[start : match.start()]
        last = _LAST_WORD.search(before)
        word = last.group(1).rstrip(".").lower() if last else ""
        if before.endswith(".") and (word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())):
            continue
        sentences.append(before.strip())
        start = match.end()
    tail = line[start:].strip()
    if tail:
        sentences.append(tail)
    return [s for s in sentences if s]


def tokenize(sentence: str) -> list[str]:
    """Treebank tokens of one sentence, case kept."""
    return _tokenizer().tokenize(sentence)


@dataclass(frozen=True, slots=True)
class Token:
    """One token that survives stopword removal: as written, and stemmed."""

    surface: str
    stem: str


def analyse_line(line: str) -> list[list[Token]]:
    """The surviving tokens of each sentence of a line, with their stems.

    This is the answer key the benchmarks score against: ``surface`` is what
    the writer wrote, ``stem`` is what the pipeline would have shipped.
    """
    return [surviving(tokens) for tokens in full_sentences(line)]


def surviving(tokens: list[str]) -> list[Token]:
    """The tokens of one sentence that stopword removal keeps, with their stems."""
    return [Token(t, stem(t.lower())) for t in tokens if t.lower() not in STOPWORDS]


def full_sentences(line: str) -> list[list[str]]:
    """All Treebank tokens (case kept) of each sentence that has a content word.

    The same sentences as :func:`analyse_line`, before stopword removal: the
    text that trains the prose model.
    """
    return [tokens for _, tokens in sentences_with_text(line)]


def sentences_with_text(line: str) -> list[tuple[str, list[str]]]:
    """Each sentence that has a content word, as written and as Treebank tokens.

    >>> sentences_with_text("He was born. It is. Was he?")
    [('He was born.', ['He', 'was', 'born', '.']), ('It is.', ['It', 'is', '.']), ('Was he?', ['Was', 'he', '?'])]
    """
    result = []
    for sentence in split_sentences(line):
        tokens = tokenize(sentence)
        if any(t.lower() not in STOPWORDS for t in tokens):
            result.append((sentence, tokens))
    return result


def content_tokens(line: str) -> list[str]:
    """Lowercased tokens of a line with stopwords removed, not stemmed."""
    return [t.surface.lower() for sentence in analyse_line(line) for t in sentence]


def stem_line(line: str) -> str:
    """One line of prose through the whole pipeline, as one line of stems."""
    return " ".join(t.stem for sentence in analyse_line(line) for t in sentence)


def stem_text(text: str) -> str:
    """Stem a text line by line; empty lines stay empty."""
    return "\n".join(stem_line(line) for line in text.split("\n"))
