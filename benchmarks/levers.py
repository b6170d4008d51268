"""Before and after each lever that landed, measured on the same sets in the same run.

A lever is kept only if it pays; this table is how the README shows that it
does (or what it costs). Each row compares two configurations that differ
in that lever alone.
"""

from __future__ import annotations

import time
from pathlib import Path

from restore import Restorer, Settings

from . import scoring
from .evalsets import EvalSet


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


def run(models: dict[str, Path], sets: list[EvalSet]) -> list[dict]:
    """Rows of (lever, set, metric, before, after)."""
    scored = [s for s in sets if s.model == "default"]
    default = Restorer(models["default"])
    rows = []
    plain = Restorer(models["default"], Settings(reread=False))
    for evalset in scored:
        now = _accuracy(default, evalset, warm=True)
        usual = _accuracy(default, evalset, _usual_case(default))
        rows.append({"lever": "case chosen by the cased LM (before: each word's usual case)",
                     "set": evalset.name, "metric": "cased accuracy (%)", "before": usual["cased"],
                     "after": now["cased"]})
        wide = Restorer(models["default"], Settings(max_candidates=12))
        before = _accuracy(wide, evalset, warm=True)
        rows.append({"lever": "6 candidates per token (before: 12)", "set": evalset.name,
                     "metric": "word accuracy (%)", "before": before["words"], "after": now["words"]})
        rows.append({"lever": "6 candidates per token (before: 12)", "set": evalset.name,
                     "metric": "tokens/s (scoring run, one core)", "before": before["tokens_per_second"],
                     "after": now["tokens_per_second"]})
        unread = _accuracy(plain, evalset, warm=True)
        lever = "words re-read in prose form with CMU's English trigram model (`english.bin`)"
        for metric, label in (("words", "word accuracy (%)"), ("cased", "cased accuracy (%)"),
                              ("tokens_per_second", "tokens/s (scoring run, one core)")):
            rows.append({"lever": lever, "set": evalset.name, "metric": label, "before": unread[metric],
                         "after": now[metric]})
        # Dropped: the English model as a second scorer of the telegraphic words
        # (no stopwords for it to read), and re-reading with destem's own
        # prose model instead of the English one.
        for lever, settings in (
            ("dropped: CMU's English model scoring the words without stopwords (weight 0.5; before: word model alone)",
             Settings(reread=False, scorers=(("words", 1.0), ("english", 0.5)))),
            ("dropped: re-reading with destem's own prose model, not CMU's (before: no re-reading)",
             Settings(reread_scorers=(("content", 1.0), ("prose", 0.8)))),
        ):
            tried = _accuracy(Restorer(models["default"], settings), evalset)
            rows.append({"lever": lever, "set": evalset.name, "metric": "word accuracy (%)",
                         "before": unread["words"], "after": tried["words"]})
        without = _accuracy(Restorer(models["no-wiki-offline"]), evalset)
        for metric in ("words", "cased"):
            rows.append({"lever": "10,015 Wikipedia lead sections (`wiki-offline`) in the default model",
                         "set": evalset.name, "metric": f"{'word' if metric == 'words' else 'cased'} accuracy (%)",
                         "before": without[metric], "after": now[metric]})
        if "wiki" in models and evalset.name == "wikipedia":
            wiki = _accuracy(Restorer(models["wiki"]), evalset)
            for metric in ("words", "cased"):
                rows.append({"lever": "`--corpus` with the 20M-word Wikipedia sample", "set": evalset.name,
                             "metric": f"{'word' if metric == 'words' else 'cased'} accuracy (%)",
                             "before": now[metric], "after": wiki[metric]})
    return rows
