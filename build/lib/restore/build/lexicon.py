"""Build the lexicon: which words may have produced each stem, and how likely.

Words come from three places: the training prose (real usage, counted), wordfreq's
large English list (frequencies from a web-scale mix, but with junk such as
``ukrain``), and a real word list (Debian ``wamerican-insane``). A wordfreq
entry counts as a word only if the word list or the training prose vouches
for it, which keeps stems from being proposed as words.

Every word is indexed under the stem of each of NLTK's three Porter modes, so
input from other Porter implementations still finds it (``u`` for ``us``).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import regex

from .. import lexicon
from ..lexicon import Entry
from ..model import ModelFiles
from ..pipeline import STOPWORDS, stem, stem_variants

_WORDLIKE = regex.compile(r"^\p{L}[\p{L}\p{M}'.\-]*$")
_CLITIC = regex.compile(r"(?i)('s|'d|'m|'ll|'re|'ve|n't|')$")

# How much of a word's prior comes from the training prose rather than
# wordfreq; and the floor that keeps dictionary-only words possible.
CORPUS_SHARE = 0.5
FLOOR = 1e-9
# A word reached only through another Porter mode's stem ("used" -> "us" in
# the original algorithm) is kept, but far behind the default mode's words.
VARIANT_SHARE = 1e-3


@dataclass
class CaseStats:
    """How each lowercase word was written, counted in cased training prose.

    ``inner`` counts forms away from the sentence start; ``first`` counts the
    forms of a sentence's first *surviving* token, which is how destem learns
    whether that token usually opened the sentence (``However``) or followed
    a removed stopword (``The Bolsheviks`` keeps its capital anyway, ``He was
    born`` leaves ``born`` lowercase).
    """

    inner: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    first: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    def add_sentence(self, tokens: list[str]) -> None:
        for i, token in enumerate(tokens):
            (self.first if i == 0 else self.inner)[token.lower()][token] += 1


@dataclass
class LexiconData:
    """The lexicon being built, whole in memory (the runtime reads it in place)."""

    entries: dict[str, list[Entry]]
    cased: dict[str, str]
    first_cased: dict[str, str]

    def save(self, files: ModelFiles) -> None:
        lexicon.save(files.stems, files.cases, self.entries, self.cased, self.first_cased)


def is_wordlike(token: str) -> bool:
    """A token the Treebank tokenizer could emit as one word.

    Possessives and contractions ("Kinzer's", "Jones'") never are: the
    tokenizer splits their endings off.
    """
    return bool(_WORDLIKE.match(token)) and not _CLITIC.search(token)


def read_word_list(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8", errors="replace").split()


def _stems(word: str) -> tuple[str, set[str]]:
    """The default-mode stem of a word and the stems of all three modes."""
    return stem(word), stem_variants(word)


def _usual_form(forms: Counter[str]) -> str:
    return forms.most_common(1)[0][0]


def build(
    counts: Counter[str],
    case_stats: CaseStats,
    word_list: Iterable[str],
    wordfreq_freqs: dict[str, float],
    max_per_stem: int = 40,
    map_fn: Callable[[Callable[[str], tuple[str, set[str]]], list[str]], Iterable[tuple[str, set[str]]]] = map,
) -> LexiconData:
    """Assemble the lexicon from corpus counts, a word list and wordfreq.

    Stemming every word three ways is most of the work, so ``map_fn`` may be
    a process pool's ``map``.
    """
    dictionary_case: dict[str, str] = {}
    for written in word_list:
        if is_wordlike(written):
            lower = written.lower()
            # Lowercase spelling wins: "polish" and "Polish" both exist.
            if lower not in dictionary_case or written == lower:
                dictionary_case[lower] = written

    total = sum(counts.values()) or 1
    # wordfreq alone never adds a word: its entries count only if the word
    # list (or the prose) vouches for them, and those are all in already.
    vocabulary = {w for w in counts if is_wordlike(w)} | set(dictionary_case)
    vocabulary -= STOPWORDS

    by_stem: dict[str, list[tuple[float, str]]] = defaultdict(list)
    ordered = sorted(vocabulary)
    for word, (main, variants) in zip(ordered, map_fn(_stems, ordered)):
        p = (1 - CORPUS_SHARE) * wordfreq_freqs.get(word, 0.0) + CORPUS_SHARE * counts.get(word, 0) / total
        for s in variants:
            by_stem[s].append((p + FLOOR if s == main else (p + FLOOR) * VARIANT_SHARE, word))

    entries: dict[str, list[Entry]] = {}
    for s, scored in by_stem.items():
        scored.sort(key=lambda pw: (-pw[0], pw[1]))
        scored = scored[:max_per_stem]
        norm = sum(p for p, _ in scored)
        entries[s] = [Entry(w, round(math.log10(p / norm), 4)) for p, w in scored]

    cased: dict[str, str] = {}
    first_cased: dict[str, str] = {}
    for word in vocabulary:
        inner = case_stats.inner.get(word)
        form = _usual_form(inner) if inner else dictionary_case.get(word, word)
        if form != word:
            cased[word] = form
        first = case_stats.first.get(word)
        if first:
            first_form = _usual_form(first)
            if first_form != form:
                first_cased[word] = first_form
    return LexiconData(entries, cased, first_cased)


def rule_of(stem_: str, word: str) -> str:
    """How a stem turns back into its word, as a reusable rule.

    ``("trotski", "trotsky")`` gives ``"i>y"``; ``("provinc", "province")``
    gives ``">e"``. The rule keeps the differing tail of both strings, so it
    applies to any stem ending the same way.
    """
    common = 0
    for a, b in zip(stem_, word):
        if a != b:
            break
        common += 1
    return f"{stem_[common:]}>{word[common:]}"


def names(lex: LexiconData) -> list[str]:
    """Lowercased words the lexicon writes capitalized, as samples of names.

    Plurals of words the lexicon has anyway ("Americans") are left out: an
    unseen stem is seldom the plural of a known name.
    """
    words = {e.word for entries in lex.entries.values() for e in entries}
    return sorted(
        w for w in words
        if lex.cased.get(w, w)[:1].isupper() and w.isalpha() and w.isascii()
        and not (w.endswith("s") and w[:-1] in words)
    )


def learn_rules(lex: LexiconData, top: int = 40) -> dict[str, float]:
    """log10 share of each stem->word rule among the lexicon's names.

    Unknown stems are mostly rare names, so these rules, applied backwards,
    propose the spellings an unseen name may have had.
    """
    rules = Counter(rule_of(stem(name), name) for name in names(lex))
    kept = rules.most_common(top)
    total = sum(n for _, n in kept) or 1
    return {rule: round(math.log10(n / total), 4) for rule, n in kept}
