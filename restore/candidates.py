"""Stemmed token -> the surface words it may have come from.

Known stems get the lexicon's words. Every token also keeps itself as a
candidate, and stems the lexicon has never seen (mostly names: ``vatseti``,
``rakovski``) get guesses made by running Porter's rules backwards: each rule
learned from the names in the lexicon (``i>y``, ``>e``, ...) is applied, and
a guess survives only if it stems back to the token. No token is ever
dropped: a token without letters (punctuation, numbers) is its own only
candidate.
"""

from __future__ import annotations

from dataclasses import dataclass

from .lexicon import Lexicon
from .pipeline import stem_variants

# log10 prior of the token itself when the lexicon knows other words for
# the stem but not the token as a word: possible, but a last resort.
IDENTITY_FALLBACK = -4.0


@dataclass(frozen=True, slots=True)
class Candidate:
    word: str
    logprior: float  # log10 P(word | stem)
    known: bool  # in the lexicon for this stem (not a guess)


class CandidateGenerator:
    """Makes the candidate list for each token; stateless after construction."""

    def __init__(self, lexicon: Lexicon, rules: dict[str, float], max_candidates: int = 12) -> None:
        self.lexicon = lexicon
        self.rules = sorted(rules.items(), key=lambda kv: -kv[1])
        self.max_candidates = max_candidates

    def __call__(self, token: str) -> list[Candidate]:
        lowered = token.lower()
        if not any(c.isalpha() for c in lowered):
            return [Candidate(token, 0.0, True)]
        known = [Candidate(e.word, e.logprob, True) for e in self.lexicon.lookup(lowered)]
        known = known[: self.max_candidates]
        if any(c.word == lowered for c in known):
            return known
        if known:
            return known + [Candidate(lowered, IDENTITY_FALLBACK, False)]
        return self.guesses(lowered)

    def guesses(self, stem_: str) -> list[Candidate]:
        """Words that Porter would have stemmed to ``stem_``, by learned rules."""
        found: dict[str, float] = {}
        for rule, logp in self.rules:
            tail, replacement = rule.split(">", 1)
            if not stem_.endswith(tail):
                continue
            word = stem_[: len(stem_) - len(tail)] + replacement
            if word not in found and (word == stem_ or stem_ in stem_variants(word)):
                found[word] = logp
        found.setdefault(stem_, min(found.values(), default=0.0))
        ranked = sorted(found.items(), key=lambda kv: -kv[1])[: self.max_candidates]
        return [Candidate(w, p, False) for w, p in ranked]
