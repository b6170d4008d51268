"""Accurate mode against the default mode: ``python -m benchmarks.accurate``.

The neural model restores about 200 tokens a second, so it is measured on a
sample of each set: every k-th input line (a paragraph, restored whole as
the command line would), about ``SAMPLE_TOKENS`` tokens. On the Wikipedia
set the sample leaves out the articles its weights were tuned on (every
eighth, see ``restore.settings``). Each mode runs in its own process
(``python -m benchmarks.accurate run MODEL SAMPLE ANSWERS MODE``), so its
peak memory is its own; speed is wall time on the whole machine (llama.cpp
uses both cores), after the model is loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from restore import Restorer, Settings, formats
from restore.settings import Words

from .evalsets import EvalSet
from .scoring import is_word, score
from .speed import _peak_rss_mb, _reset_peak

SAMPLE_TOKENS = 12_000
TUNED_ON = 8  # Wikipedia articles whose index is a multiple of this were the tuning split
# Each mode with and without CMU's English model (the large n-gram model) scoring the words.
WORDS_ALONE = (("words", 1.0),)
MODES = {"default": Settings(), "accurate": Settings(accurate=True),
         "default, no English model": Settings(words=Words(scorers=WORDS_ALONE)),
         "accurate, no English model": Settings(accurate=True, words=Words(scorers=WORDS_ALONE))}


def sample(evalset: EvalSet, tokens: int = SAMPLE_TOKENS) -> list[list]:
    """Every k-th line of the set (as lists of pipeline tokens), about ``tokens`` in all."""
    lines = [(doc, first, end) for doc, first, end in evalset.lines
             if evalset.name != "wikipedia" or doc % TUNED_ON != 0]
    size = sum(len(evalset.sentences[i]) for _, first, end in lines for i in range(first, end))
    step = max(1, round(size / tokens))
    return [[t for i in range(first, end) for t in evalset.sentences[i]] for _, first, end in lines[::step]]


def run(model: str, text: str, answers: str, mode: str) -> dict:
    _reset_peak()
    restorer = Restorer(Path(model), MODES[mode])
    restore_line = formats.line_handler(restorer, "tokens")
    restore_line("trotski born kherson .")  # every part loaded before the clock starts
    lines = Path(text).read_text(encoding="utf-8").splitlines()
    began = time.perf_counter()
    restored = [restore_line(line) for line in lines]
    seconds = time.perf_counter() - began
    expected = Path(answers).read_text(encoding="utf-8").split()
    got = " ".join(restored).split()
    assert len(got) == len(expected), "restored text misaligned"
    pairs = [(e, g) for e, g in zip(expected, got) if is_word(e)]
    return {
        "mode": mode, "tokens": len(got), "seconds": round(seconds, 1),
        "tokens_per_second": round(len(got) / seconds),
        "words": round(score(pairs).percent, 2), "cased": round(score(pairs, cased=True).percent, 2),
        "peak_rss_mb": round(_peak_rss_mb()),
    }


def compare(models: dict[str, Path], sets: list[EvalSet], workdir: Path) -> list[dict]:
    """Default and accurate mode on a sample of every set, each mode in its own process."""
    rows = []
    text, answers = workdir / "accurate-input.txt", workdir / "accurate-answers.txt"
    for evalset in sets:
        lines = sample(evalset)
        text.write_text("\n".join(" ".join(t.stem for t in line) for line in lines) + "\n", encoding="utf-8")
        answers.write_text("\n".join(" ".join(t.surface for t in line) for line in lines) + "\n", encoding="utf-8")
        for mode in MODES:
            done = subprocess.run([sys.executable, "-m", "benchmarks.accurate", "run", str(models[evalset.model]),
                                   str(text), str(answers), mode], capture_output=True, text=True)
            if done.returncode != 0:
                print(f"benchmark: accurate mode skipped ({done.stderr.strip().splitlines()[-1:]})", file=sys.stderr)
                return rows
            row = {"set": evalset.name, "model": evalset.model, **json.loads(done.stdout)}
            print(f"benchmark: {evalset.name} {mode}: {row['words']}% words, {row['tokens_per_second']} tokens/s",
                  file=sys.stderr, flush=True)
            rows.append(row)
    text.unlink(missing_ok=True)
    answers.unlink(missing_ok=True)
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["run"]:
        print(json.dumps(run(*sys.argv[2:6])))
