"""One speed run: ``python -m benchmarks.speed MODEL INPUT BEAM`` -> JSON.

Runs in its own process so ``ru_maxrss`` is this run's peak. The reference
in the same run is KenLM itself: ``Model.score`` over the restored text, so
the ratio shows how far the search is from raw LM speed on this machine now.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from restore import Restorer, Settings
from restore.lm import lm_token


def main(model: str, text: str, beam: int) -> dict:
    began = time.perf_counter()
    restorer = Restorer(Path(model), Settings(beam=beam))
    load_seconds = time.perf_counter() - began
    lines = Path(text).read_text(encoding="utf-8").splitlines()
    tokens = sum(len(line.split()) for line in lines)

    began = time.process_time()
    restored = [restorer.restore_line(line) for line in lines]
    restore_seconds = time.process_time() - began

    lm_lines = [" ".join(lm_token(w.lower()) for w in line.split()) for line in restored]
    model_ = restorer.decoder.model
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
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2], int(sys.argv[3]))))
