"""Stemmed token -> the surface words it may have come from.

Known stems get the lexicon's words. Every token also keeps itself as a
candidate, and stems the lexicon has never seen (mostly names: ``vatseti``,
``rakovski``) get guesses made by running Porter's rules backwards: each rule
learned from the names in the lexicon (``i>y``, ``>e``, ...) is applied, a
guess survives only if it stems back to the token, and a character-level
model of names ranks the survivors. No token is ever
dropped: a token without letters (punctuation, numbers) is its own only
candidate.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import kenlm
import regex

from .lexicon import Lexicon
from .lm import spelling
from .memo import Memo
from .pipeline import STOPWORDS, stem

# log10 prior of the token itself when the lexicon knows other words for
# the stem but not the token as a word: possible, but a last resort.
IDENTITY_FALLBACK = -4.0
# Longer tokens are no word (URLs, base64, garbage) and pass through as they are.
MAX_WORD = 64


# head (anything up to the last run of letters), core (that run), tail; a
# combining mark (a decomposed accent) belongs to its letter.
_ATTACHED = regex.compile(r"^(?P<head>.*?[^\p{L}\p{M}]|)(?P<core>\p{L}[\p{L}\p{M}]*)(?P<tail>[^\p{L}\p{M}]*)$")
_APOSTROPHES = frozenset({"’", "'"})
# "X’" in stemmed text is far more often a possessive "X’s" than a bare
# apostrophe, unless X ends in "s" ("humans’"); the split is a fixed
# assumption, not a measured one.
_LIKELY, _UNLIKELY = math.log10(0.9), math.log10(0.1)
# Before a typographic apostrophe NLTK's Porter changes nothing, so reading
# the letters there as a stem (input from another stemmer: "citi’") comes
# well after reading them as the word itself.
_AS_STEM = -2.0
# Behind a glued stopword, other words with the same stem stay possible.
_NOT_STOPWORD = -1.0


@lru_cache(maxsize=1)
def _stopwords_by_stem() -> dict[str, list[str]]:
    """The stopwords under their stems (``wa`` -> ``was``), made on first use."""
    found: dict[str, list[str]] = {}
    for word in sorted(STOPWORDS):
        found.setdefault(stem(word), []).append(word)
    return found


def attached(token: str) -> tuple[str, str, str] | None:
    """A word glued to punctuation as (head, last run of letters, tail), or
    None for a token that is letters alone or has none.

    >>> attached("“permanent"), attached("trotsky’"), attached("army")
    (('“', 'permanent', ''), ('', 'trotsky', '’'), None)
    """
    match = _ATTACHED.match(token)
    if match and (match["head"] or match["tail"]):
        return match["head"], match["core"], match["tail"]
    return None


@dataclass(frozen=True, slots=True)
class Candidate:
    word: str
    logprior: float  # log10 P(word | stem)
    known: bool  # in the lexicon for this stem (not a guess)


class CandidateGenerator:
    """Makes the candidate list for each token (at most ``max_candidates``,
    most likely first); lists are memoised and shared, never changed."""

    def __init__(
        self,
        lexicon: Lexicon,
        rules: dict[str, float],
        spelling_model: kenlm.Model,
        max_candidates: int,
    ) -> None:
        self.lexicon = lexicon
        self.spelling_model = spelling_model
        self.rules = sorted(rules.items(), key=lambda kv: -kv[1])
        self.max_candidates = max_candidates
        self._lists: Memo[str, list[Candidate]] = Memo(self._generate)

    def __call__(self, token: str) -> list[Candidate]:
        return self._lists[token]

    def _generate(self, token: str) -> list[Candidate]:
        # Decomposed accents (NFD: "nai\u0308v") are written composed, as the lexicon has them.
        lowered = token.lower() if token.isascii() else unicodedata.normalize("NFC", token.lower())
        if len(token) > MAX_WORD or not any(c.isalpha() for c in lowered):
            return [Candidate(token, 0.0, True)]
        known = [Candidate(e.word, e.logprob, True) for e in self.lexicon.lookup(lowered)]
        known = known[: self.max_candidates]
        if any(c.word == lowered for c in known):
            return known
        if known:
            return known + [Candidate(lowered, IDENTITY_FALLBACK, False)]
        parts = attached(lowered)
        if parts:
            return self._attached(*parts)
        if not lowered.isascii():
            return [Candidate(lowered, 0.0, False)]  # Porter only rewrites English spellings
        return self.guesses(lowered)

    def _attached(self, head: str, core: str, tail: str) -> list[Candidate]:
        """Words glued to punctuation the tokenizer did not split off.

        Typographic quotes and ellipses stay attached (``“permanent``,
        ``trotsky’s``, ``revolution…the``). Porter stemmed only the end of
        such a token, so the last run of letters is restored as a token of
        its own and the rest is kept. A stopword glued to punctuation was
        not removed (``“the``, ``“…was`` stemmed to ``“…wa``), so stopwords
        come first there.
        """
        if tail in _APOSTROPHES:
            return self._apostrophe(head, core, tail)
        out = [Candidate(head + w + tail, 0.0, True) for w in _stopwords_by_stem().get(core, ())]
        penalty = _NOT_STOPWORD if out else 0.0
        for c in self(core):
            out.append(Candidate(head + c.word + tail, c.logprior + penalty, c.known))
        return self._first_of_each(out)

    def _apostrophe(self, head: str, core: str, tail: str) -> list[Candidate]:
        """A word before a trailing apostrophe: ``city’``, ``it’``, ``humans’``.

        The tokenizer splits only the ASCII ``'s`` off, so ``city’s`` reaches
        Porter whole; it drops the final ``s`` and, with an apostrophe at the
        end, changes nothing else. The letters before the apostrophe are
        therefore the word as written, and ``’s`` follows it (``city’s``,
        ``it’s``), or the apostrophe alone after a word in ``s`` (``humans’``).
        Readings of the letters as a stem come after.
        """
        as_stem = self(core)
        if core in STOPWORDS or any(e.word == core for e in self.lexicon.lookup(stem(core))):
            readings = [Candidate(core, 0.0, True)]
            readings += [Candidate(c.word, c.logprior + _AS_STEM, c.known) for c in as_stem]
        else:  # not a word as written: another stemmer's stem ("citi’"), or a name
            readings = [*as_stem, Candidate(core, _AS_STEM, False)]
        out = []
        for c in readings:
            s_prior, bare_prior = (_UNLIKELY, _LIKELY) if c.word.endswith("s") else (_LIKELY, _UNLIKELY)
            out.append(Candidate(head + c.word + tail + "s", c.logprior + s_prior, c.known))
            out.append(Candidate(head + c.word + tail, c.logprior + bare_prior, c.known))
        return self._first_of_each(out)

    def _first_of_each(self, out: list[Candidate]) -> list[Candidate]:
        """Candidates without repeats, the first (most likely) of equal words kept."""
        unique: dict[str, Candidate] = {}
        for c in out:
            unique.setdefault(c.word, c)
        return list(unique.values())[: self.max_candidates]

    def guesses(self, stem_: str) -> list[Candidate]:
        """Spellings Porter would have stemmed to ``stem_``, most likely first.

        The learned rules propose; the character model of names decides:
        P(word | stem) is P(word) renormalised over the words that stem back,
        so ``rakovski`` becomes ``rakovsky`` while ``vatseti`` stays as it is.
        """
        proposed = {stem_}
        for rule, _ in self.rules:
            tail, replacement = rule.split(">", 1)
            if stem_.endswith(tail):
                word = stem_[: len(stem_) - len(tail)] + replacement
                if stem(word) == stem_:
                    proposed.add(word)
        scored = {w: self.spelling_model.score(spelling(w), bos=True, eos=True) for w in proposed}
        top = max(scored.values())  # subtracted first: long words underflow 10**score
        norm = top + math.log10(sum(10.0 ** (s - top) for s in scored.values()))
        ranked = sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[: self.max_candidates]
        return [Candidate(w, round(s - norm, 4), False) for w, s in ranked]
