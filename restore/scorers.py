"""Knowledge sources the search consults: each scores words given a state.

The search (:mod:`restore.search`) knows nothing of language models. It asks
each scorer in use, with its weight, for the log10 score of an *option* (a
word, or a run of inserted stopwords and then a word) after a state, and
recombines hypotheses whose scorers all reached the same states. A new
knowledge source is a class with the four methods of :class:`Scorer`, an
entry in :data:`SCORERS` and a weight in the settings; the search is not
touched.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import kenlm

from .lm import lm_token
from .memo import Memo

if TYPE_CHECKING:
    from .model import Model
    from .settings import Settings

State = Hashable


class Scorer(Protocol):
    """What the search needs of a knowledge source."""

    order: int  # how many words a choice can influence, counting itself

    def prepare(self, words: tuple[str, ...]) -> tuple[Any, float]:
        """An option's words in this scorer's own terms, and the part of its
        score that does not depend on the state (done once per option, then reused)."""

    def begin(self, sentence_start: bool) -> State:
        """The state before the first word (after ``<s>`` if ``sentence_start``)."""

    def expand(self, state: State, options: Sequence[Any]) -> list[tuple[float, State]]:
        """log10 score and next state of each prepared option after ``state``."""

    def finish(self, state: State) -> float:
        """log10 score of ending the sentence in ``state``."""


@runtime_checkable
class FusedScorer(Scorer, Protocol):
    """A scorer the search may call once per (state, word) when it is the
    only scorer and every option is one word (the word and case searches):
    the hottest loop of a run, so it skips the per-option lists of
    :meth:`Scorer.expand`. The search checks for it with ``isinstance``."""

    def single_words(self, options: Sequence[Any]) -> list[str] | None:
        """The prepared options as one word each, or None if any holds more."""

    def word_step(self) -> tuple[Callable[[State, str, State], float], Callable[[], State]]:
        """The function scoring a word after a state into a new state, and
        the maker of new states."""


class KenLMScorer:
    """An n-gram model over words mapped into its vocabulary.

    ``vocabulary`` maps a word to the model's token; a token the model has
    never seen costs ``oov_penalty`` on top of what the model gives it.
    Options that are runs of several words share their prefixes (``of``,
    ``of the``), so each prefix is scored once per state.
    """

    def __init__(self, model: kenlm.Model, vocabulary: Callable[[str], str], oov_penalty: float = 0.0) -> None:
        self.model = model
        self.vocabulary = vocabulary
        self.oov_penalty = oov_penalty
        self.order = model.order
        # Memoised: prose-form rows are made afresh for every sentence, but
        # their options (a run and a word) recur.
        self._prepared: Memo[tuple[str, ...], tuple[tuple[str, ...], float]] = Memo(self._tokens)

    def prepare(self, words: tuple[str, ...]) -> tuple[tuple[str, ...], float]:
        return self._prepared[words]

    def _tokens(self, words: tuple[str, ...]) -> tuple[tuple[str, ...], float]:
        tokens = tuple(map(self.vocabulary, words))
        unknown = 0
        for token in tokens:
            unknown += token not in self.model
        return tokens, unknown * self.oov_penalty

    def begin(self, sentence_start: bool) -> kenlm.State:
        state = kenlm.State()
        if sentence_start:
            self.model.BeginSentenceWrite(state)
        else:
            self.model.NullContextWrite(state)
        return state

    def expand(self, state: kenlm.State, options: Sequence[tuple[str, ...]]) -> list[tuple[float, State]]:
        score = self.model.BaseScore
        results = []
        prefixes: dict[tuple[str, ...], tuple[float, kenlm.State]] | None = None
        for tokens in options:
            if len(tokens) == 1:
                out = kenlm.State()
                results.append((score(state, tokens[0], out), out))
            elif not tokens:  # nothing to add (an empty run at the sentence's end)
                results.append((0.0, state))
            else:
                if prefixes is None:
                    prefixes = {(): (0.0, state)}
                total, current = self._prefix(prefixes, tokens[:-1])
                out = kenlm.State()
                results.append((total + score(current, tokens[-1], out), out))
        return results

    def single_words(self, options: Sequence[tuple[str, ...]]) -> list[str] | None:
        """The options' tokens if each is one word (the word and case searches), else None."""
        return [tokens[0] for tokens in options] if all(len(tokens) == 1 for tokens in options) else None

    def word_step(self) -> tuple[Callable[[State, str, State], float], Callable[[], State]]:
        return self.model.BaseScore, kenlm.State

    def _prefix(
        self, prefixes: dict[tuple[str, ...], tuple[float, kenlm.State]], run: tuple[str, ...]
    ) -> tuple[float, kenlm.State]:
        found = prefixes.get(run)
        if found is None:
            total, state = self._prefix(prefixes, run[:-1])
            out = kenlm.State()
            total += self.model.BaseScore(state, run[-1], out)
            found = prefixes[run] = (total, out)
        return found

    def finish(self, state: kenlm.State) -> float:
        return self.model.BaseScore(state, "</s>", kenlm.State())


class LastWord:
    """A scorer that reads only the last word of each option: the word
    model (which knows no stopwords) inside a search whose options are a
    stopword run and then a word."""

    def __init__(self, inner: KenLMScorer) -> None:
        self.inner = inner
        self.order = inner.order

    def prepare(self, words: tuple[str, ...]) -> tuple[Any, float]:
        return self.inner.prepare(words[-1:])

    def begin(self, sentence_start: bool) -> State:
        return self.inner.begin(sentence_start)

    def expand(self, state: State, options: Sequence[Any]) -> list[tuple[float, State]]:
        return self.inner.expand(state, options)

    def finish(self, state: State) -> float:
        return self.inner.finish(state)


def english_token(word: str) -> str:
    """Words as CMU's English model knows them: lowercased (it has no
    punctuation or digits; those read as its unknown word)."""
    return word.lower()


def rare_class(word: str) -> str:
    """The prose model's token for a word too rare to have its own.

    >>> rare_class("Bronstein"), rare_class("russification")
    ('<cap>', '<rare>')
    """
    return "<cap>" if word[:1].isupper() else "<rare>"


def prose_vocabulary(model: kenlm.Model) -> Callable[[str], str]:
    """Words as the full-text model knows them: lowercased, and a word it
    never saw as the class the build put in place of rare words, so a
    capitalized unknown word is treated as a name."""

    def token(word: str) -> str:
        lowered = lm_token(word.lower())
        return lowered if lowered in model or not lowered.isalpha() else rare_class(word)

    return token


# name -> how to make the scorer from a loaded model and the settings.
SCORERS: dict[str, Callable[[Model, Settings], Scorer]] = {
    "words": lambda model, settings: KenLMScorer(model.lm, lm_token, settings.words.oov_penalty),
    "case": lambda model, settings: KenLMScorer(model.case_lm, lm_token),
    "prose": lambda model, settings: KenLMScorer(model.prose_lm, prose_vocabulary(model.prose_lm)),
    "english": lambda model, settings: KenLMScorer(model.english_lm, english_token),
    "content": lambda model, settings: LastWord(KenLMScorer(model.lm, lm_token, settings.words.oov_penalty)),
}


def check(uses: Sequence[tuple[str, float]]) -> None:
    """Refuse a scorer name that is not in :data:`SCORERS`."""
    unknown = [name for name, _ in uses if name not in SCORERS]
    if unknown:
        raise ValueError(f"unknown scorer {unknown[0]!r}; known: {', '.join(sorted(SCORERS))}")


# Scorers over an optional part of the model, and that part's name.
OPTIONAL = {"english": "english_lm"}


def make(uses: Sequence[tuple[str, float]], model: Model, settings: Settings) -> list[tuple[Scorer, float]]:
    """The scorers named in the settings, each with its weight; a scorer over
    an optional part the model was built without is left out."""
    check(uses)
    return [(SCORERS[name](model, settings), weight) for name, weight in uses
            if name not in OPTIONAL or getattr(model, OPTIONAL[name]) is not None]
