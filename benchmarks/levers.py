"""Before and after each lever that landed, measured on the same sets in the same run.

A lever is kept only if it pays; this table is how docs/results.md shows that it
does (or what it costs). Each row compares two configurations that differ
in that lever alone.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

from restore import RestoredToken, Restorer, Settings, scorers
from restore.prose import ProseWriter
from restore.search import Search
from restore.settings import Words

from . import scoring
from .evalsets import EvalSet

WORDS_ALONE = Settings(words=Words(scorers=(("words", 1.0),)))


def _accuracy(restorer: Restorer, evalset: EvalSet, restore: scoring.SentenceRestorer | None = None,
              warm: bool = False) -> dict:
    """Accuracy, and speed of the scoring pass (after an untimed pass if
    ``warm``, so memoised candidates do not favour whichever runs second)."""
    if warm:
        scoring.evaluate(evalset.sentences, restore or scoring.destem(restorer), restorer)
    started = time.process_time()
    report = scoring.evaluate(evalset.sentences, restore or scoring.destem(restorer), restorer)
    seconds = time.process_time() - started
    return {"words": round(report.words.percent, 2), "cased": round(report.cased.percent, 2),
            "tokens_per_second": round(evalset.tokens / seconds)}


def _usual_case(restorer: Restorer) -> scoring.SentenceRestorer:
    """destem's words, each in its usual case (the lexicon's), capitalized where
    such a word usually opens a sentence: the casing before the cased LM."""
    def restore(stems: list[str]) -> list[str]:
        words = [t.word.lower() for t in restorer.restore_tokens(stems, alternatives=False)]
        return [restorer.lexicon.case(w, sentence_start=i == 0) for i, w in enumerate(words)]
    return restore


def _reread(model: Path) -> tuple[Restorer, scoring.SentenceRestorer]:
    """Dropped lever: the word model's words re-read in prose form. A quick
    prose search (beam 2) puts a stopword run before each chosen word; each
    word is then chosen again among its candidates, the word model reading
    the word alone and the English model (weight 0.8) the run and the word."""
    plain = Restorer(model, WORDS_ALONE)
    s = plain.settings
    writer = ProseWriter(Search(scorers.make(s.prose.scorers, plain.model, s), 2, memoize=False),
                         plain.model.gaps, s.prose.insert_penalty, s.prose.gap_weight)
    search = Search(scorers.make((("content", 1.0), ("english", 0.8)), plain.model, s), 4, memoize=False)

    def restore(stems: list[str]) -> list[str]:
        out: list[str] = []
        for start, end in plain.sentences(stems):
            draft = plain._words(stems[start:end])
            runs = writer.runs(draft.written)
            rows = [[(run + option, bonus) for option, bonus in row] for run, row in zip(runs, draft.rows)]
            out += plain._cased(draft.positions, search.best_path(rows), sentence_start=True)
        return out

    return plain, restore


def _document_cache(restorer: Restorer, margin: float = 1.0, bonus: float = 0.6) -> scoring.SentenceRestorer:
    """Dropped lever: each paragraph restored, then every word chosen again
    with ``bonus`` (log10) for a form of its stem that was chosen elsewhere in
    the paragraph by at least ``margin`` over its runner-up (on development
    splits margins 0.5-2 and bonuses 0.3-1 moved accuracy by -0.1 to +0.05)."""
    def clear(token: Any) -> bool:
        return len(token.alternatives) < 2 or -token.alternatives[1][1] >= margin

    def restore(stems: list[str]) -> list[str]:
        tokens = restorer.restore_tokens(stems)
        sure = Counter((t.stem, t.word.lower()) for t in tokens if clear(t))
        out = []
        for t in tokens:
            def score(alternative: tuple[str, float], t: RestoredToken = t) -> float:
                word, delta = alternative
                seen = sure[(t.stem, word.lower())] - (clear(t) and word.lower() == t.word.lower())
                return delta + bonus * (seen > 0)
            best = max(t.alternatives, key=score)[0] if t.alternatives else t.word
            out.append(t.word if best.lower() == t.word.lower() else best)
        return out

    return restore


def _paragraphs(evalset: EvalSet) -> EvalSet:
    """The set with each input line (a paragraph) as one sequence, as the command line restores it."""
    lines = [[t for i in range(first, end) for t in evalset.sentences[i]] for _, first, end in evalset.lines]
    return EvalSet(evalset.name, lines, evalset.model)


def run(models: dict[str, Path], sets: list[EvalSet]) -> list[dict]:
    """Rows of (lever, set, metric, before, after)."""
    scored = [s for s in sets if s.model == "default"]
    default = Restorer(models["default"])
    rows = []
    plain = Restorer(models["default"], WORDS_ALONE)
    cached = _document_cache(default)
    reread_restorer, reread = _reread(models["default"])
    joint_restorer = Restorer(models["default"], Settings(joint=True))
    for evalset in scored:
        now = _accuracy(default, evalset, warm=True)
        usual = _accuracy(default, evalset, _usual_case(default))
        rows.append({"lever": "case chosen by the cased LM (before: each word's usual case)",
                     "set": evalset.name, "metric": "cased accuracy (%)", "before": usual["cased"],
                     "after": now["cased"]})
        wide = Restorer(models["default"], Settings(words=Words(max_candidates=12)))
        before = _accuracy(wide, evalset, warm=True)
        rows.append({"lever": "6 candidates per token (before: 12)", "set": evalset.name,
                     "metric": "word accuracy (%)", "before": before["words"], "after": now["words"]})
        rows.append({"lever": "6 candidates per token (before: 12)", "set": evalset.name,
                     "metric": "tokens/s (scoring run, one core)", "before": before["tokens_per_second"],
                     "after": now["tokens_per_second"]})
        for lever, before, after in (
            ("CMU's English trigram model (`english.bin`) scoring the words beside the word model (before: word model alone)",
             _accuracy(plain, evalset, warm=True), now),
            ("opt-in (`--joint`): each word chosen together with the stopword run before it (before: default)",
             now, _accuracy(joint_restorer, evalset, warm=True)),
        ):
            for metric, label in (("words", "word accuracy (%)"), ("cased", "cased accuracy (%)"),
                                  ("tokens_per_second", "tokens/s (scoring run, one core)")):
                rows.append({"lever": lever, "set": evalset.name, "metric": label, "before": before[metric],
                             "after": after[metric]})
        # Dropped: the word model's words re-read in prose form by the English
        # model, and a cache of the forms chosen clearly elsewhere in the paragraph.
        tried = _accuracy(reread_restorer, evalset, reread)
        lever = "dropped: the words re-read in prose form by the English model instead (before: English model scoring the words)"
        for metric, label in (("words", "word accuracy (%)"), ("tokens_per_second", "tokens/s (scoring run, one core)")):
            rows.append({"lever": lever, "set": evalset.name, "metric": label, "before": now[metric],
                         "after": tried[metric]})
        paragraphs = _paragraphs(evalset)
        whole = _accuracy(default, paragraphs)
        tried = _accuracy(default, paragraphs, cached)
        rows.append({"lever": "dropped: a cache of the forms chosen clearly elsewhere in the paragraph (before: none)",
                     "set": evalset.name, "metric": "word accuracy (%)", "before": whole["words"],
                     "after": tried["words"]})
        for lever, model in (("10,015 Wikipedia lead sections (`wiki-offline`) in the default model", "no-wiki-offline"),
                             ("98,538 sentences of mixed web English (`nlp-corpus`) in the default model",
                              "no-nlp-corpus")):
            without = _accuracy(Restorer(models[model]), evalset)
            for metric in ("words", "cased"):
                rows.append({"lever": lever, "set": evalset.name,
                             "metric": f"{'word' if metric == 'words' else 'cased'} accuracy (%)",
                             "before": without[metric], "after": now[metric]})
        if "wiki" in models and evalset.name == "wikipedia":
            wiki = _accuracy(Restorer(models["wiki"]), evalset)
            for metric in ("words", "cased"):
                rows.append({"lever": "`--corpus` with the 20M-word Wikipedia sample", "set": evalset.name,
                             "metric": f"{'word' if metric == 'words' else 'cased'} accuracy (%)",
                             "before": now[metric], "after": wiki[metric]})
    return rows
