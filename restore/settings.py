"""Every tunable of a restore run, in one frozen object.

The command line maps its options onto a ``Settings``; the library takes one;
``--jobs`` workers and Dask tasks receive the whole object, so a setting can
never be lost on its way to a worker. The switches a user chooses (``beam``,
``accurate``, ``joint``) sit at the top; the values each search was tuned to
sit in a group of their own (``words``, ``case``, ``prose``, ``joint_search``,
``neural``). How each value was measured is in ``docs/tuning.md``.
``dataclasses.replace`` makes variants.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# A scorer in use: its name (see ``restore.scorers.SCORERS``) and its weight.
ScorerUse = tuple[str, float]


@dataclass(frozen=True)
class Words:
    """How the words are chosen."""

    prior_weight: float = 0.5  # how much the lexicon's P(word | stem) counts beside the language models
    oov_penalty: float = -3.0  # log10 cost of a word the word model never saw: higher lets more rare words in
    max_candidates: int = 6  # words tried per stem; more is slower and never chose better here
    # The models that read the words, with their weights (``english`` only where the model has it).
    scorers: tuple[ScorerUse, ...] = (("words", 1.0), ("english", 0.8))


@dataclass(frozen=True)
class Case:
    """How the chosen words are written (``Red Army``, ``red flag``)."""

    beam: int = 4  # case variants kept per position
    other_form: float = -0.3  # log10 cost of a form other than the word's usual one


@dataclass(frozen=True)
class Prose:
    """How ``--format text`` puts the removed stopwords back."""

    beam: int = 4  # insertions kept per position
    insert_penalty: float = -0.45  # log10 per inserted word: lower inserts fewer, more of them right
    gap_weight: float = 0.5  # how much the counts of runs seen in each gap count
    scorers: tuple[ScorerUse, ...] = (("prose", 1.0), ("english", 1.0))  # the models that read the prose


@dataclass(frozen=True)
class JointSearch:
    """How ``joint`` chooses each word with the stopword run before it."""

    runs: int = 4  # stopword runs tried before each candidate (beside none): fewer is faster, less accurate
    beam: int = 8  # hypotheses kept per position
    gap_weight: float = 0.5  # how much the counts of runs seen in each gap count
    scorers: tuple[ScorerUse, ...] = (("content", 1.0), ("english", 0.8))  # word model on the word; CMU's on both


@dataclass(frozen=True)
class Neural:
    """How ``accurate`` lets the neural model write the sentences back."""

    model: str = ""  # a llama.cpp GGUF file to use instead of SmolLM2-135M (--neural-model)
    write: bool = True  # the model writes each sentence, stopwords and forms together (False: re-decides close calls)
    ngram_weight: float = 1.0  # how much the n-gram search's score counts beside the model's (writer)
    beam: int = 3  # hypotheses the writer keeps per input token: wider is slower
    first: int = 3  # stopwords tried as the first of a gap's inserted words (writer)
    second: int = 1  # stopwords tried after each of those (writer; 0: at most one per gap)
    runs: int = 0  # only the gap statistics' best runs may be inserted (writer; 0: any they have seen there)
    word_cost: float = 0.0  # nats a word after an inserted stopword is taken to cost at least: higher is faster (writer)
    write_candidates: int = 5  # best candidates the writer tries per token
    write_margin: float = 4.0  # log10: candidates further below the n-gram search's choice are not tried
    margin: float = 2.0  # log10: words whose runners-up came this close are re-decided (re-decision)
    candidates: int = 3  # best candidates the model reads per close call (re-decision)
    weight: float = 1.0  # how much the model's log10 difference counts beside the n-gram search's (re-decision)
    switch: float = 0.1  # log10 cost of overruling the n-gram search (re-decision)
    right: int = 1  # sub-word tokens of right context the model reads after each candidate (re-decision)
    threads: int = 0  # llama.cpp threads per process; 0 shares the cores among the workers
    batch_chars: int = 4_000  # characters of input per batch for --jobs and Dask (the work per character is ~150x)


@dataclass(frozen=True)
class Settings:
    """One restore run's settings; the defaults are what the benchmark measures."""

    beam: int = 8  # hypotheses the word search keeps per position: wider is slower, 4 to 16 chose the same here
    accurate: bool = False  # the neural model re-decides close calls (pip install 'destem[accurate]')
    joint: bool = False  # each word chosen with the stopword run before it: more accurate, ~1/8 of the speed
    max_sentence: int = 256  # tokens after which an unpunctuated sentence is cut, so no search grows unbounded
    batch_chars: int = 200_000  # characters of input per batch for --jobs and Dask (output does not depend on it)
    words: Words = field(default_factory=Words)
    case: Case = field(default_factory=Case)
    prose: Prose = field(default_factory=Prose)
    joint_search: JointSearch = field(default_factory=JointSearch)
    neural: Neural = field(default_factory=Neural)

    @property
    def batch(self) -> int:
        """Characters of input per batch sent to a worker, for the mode in use."""
        return self.neural.batch_chars if self.accurate else self.batch_chars

    def scorer_uses(self) -> tuple[ScorerUse, ...]:
        """Every scorer any search of these settings may use (checked for typos at start)."""
        return self.words.scorers + self.prose.scorers + self.joint_search.scorers
