"""One speed run: ``python -m benchmarks.speed MODEL INPUT ANSWERS BEAM`` -> JSON.

Runs in its own process so ``ru_maxrss`` is this run's peak. The reference
in the same run is KenLM itself: ``Model.score`` over the restored text, so
the ratio shows how far the search is from raw LM speed on this machine now.
"""

from __future__ import annotations

import contextlib
import json
import resource
import sys
import time
from pathlib import Path

from restore import Restorer, Settings, formats
from restore.lm import lm_token
from restore.pipeline import stem

from .scoring import is_word, score


def _reset_peak() -> None:
    """Forget the RSS high-water mark inherited from the forking parent.

    A process forked from the (large) benchmark process starts with that
    process's peak; Linux resets it on writing 5 to ``clear_refs``.
    """
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(model: str, text: str, answers: str, beam: int) -> dict:
    _reset_peak()
    began = time.perf_counter()
    restorer = Restorer(Path(model), Settings(beam=beam))
    restore_line = formats.line_handler(restorer, "tokens")
    lines = Path(text).read_text(encoding="utf-8").splitlines()
    # Parts of the model, and NLTK (which the first unknown stem needs), load
    # when first needed: "load" lasts until they are loaded and the first
    # line is restored; that line is not timed again.
    stem("loading")
    restored = [restore_line(lines[0])]
    load_seconds = time.perf_counter() - began
    tokens = sum(len(line.split()) for line in lines[1:])

    began = time.process_time()
    restored += [restore_line(line) for line in lines[1:]]
    restore_seconds = time.process_time() - began

    expected = Path(answers).read_text(encoding="utf-8").split()
    got = " ".join(restored).split()
    words = score((e, g) for e, g in zip(expected, got) if is_word(e))
    lm_lines = [" ".join(lm_token(w.lower()) for w in line.split()) for line in restored]
    model_ = restorer.model.lm
    began = time.process_time()
    for _ in range(5):
        for line in lm_lines:
            model_.score(line)
    kenlm_seconds = (time.process_time() - began) / 5
    return {
        "beam": beam,
        "tokens": tokens,
        "tokens_per_second": round(tokens / restore_seconds),
        "kenlm_score_tokens_per_second": round(tokens / kenlm_seconds),
        "ratio_to_kenlm": round(kenlm_seconds / restore_seconds, 5),
        "load_seconds": round(load_seconds, 2),
        "peak_rss_mb": round(_peak_rss_mb()),
        "word_accuracy": round(words.percent, 2),
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))))
