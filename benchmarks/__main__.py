"""``python -m benchmarks``: accuracy against baselines, prose quality, speed, memory -> docs/results.md.

Builds the models it needs once (cached in ``models/``), scores every set,
writes ``benchmarks/results/latest.json`` and rewrites the results page
block. Nothing in that block is typed by hand.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import wordfreq

from restore import ModelError, Restorer, Settings, formats
from restore.build import build_model
from restore.build.sources import DEFAULT_SOURCES

from . import accurate, evalsets, levers, prose, report, scale, scoring, startup, terms

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
RESULTS = Path(__file__).resolve().parent / "results"
RESULTS_PAGE = ROOT / "docs" / "results.md"
BEAMS = (2, 8, 32)
SCALE_MB = (2.0, 8.0)
# Many small files against the same lines as one: the cost of each file.
SCALE_FILES, SCALE_LINES_PER_FILE = 2_000, 5
SAMPLE_FROM, SAMPLE_TOKENS = 151, 100  # "childhood famili ( 1879-1896 ) ..." in the seed


def ensure_model(name: str, source_names: Sequence[str] = tuple(DEFAULT_SOURCES), corpora: Sequence[Path] = ()) -> Path:
    """The model ``name`` under ``models/``, built unless one from the same
    registry sources is there already (so adding a source rebuilds them all)."""
    path = MODELS / name
    manifest = path / "manifest.json"
    if manifest.is_file():
        built = {s for s in json.loads(manifest.read_text(encoding="utf-8"))["sources"] if not s.startswith("corpus:")}
        if built == set(source_names):
            return path
    print(f"benchmark: building model {name}", file=sys.stderr, flush=True)
    build_model(path, corpora=corpora, source_names=source_names)
    return path


def accuracy(models: dict[str, Path], sets: list[evalsets.EvalSet]) -> list[dict]:
    rows = []
    freqs = wordfreq.get_frequency_dict("en", "large")
    restorers = {name: Restorer(path) for name, path in models.items()}
    for evalset in sets:
        for model_name in (evalset.model, "wiki") if evalset.name == "wikipedia" else (evalset.model,):
            if model_name not in restorers:
                continue
            restorer = restorers[model_name]
            started = time.monotonic()
            methods = {
                "identity": scoring.identity,
                "prevalent (tm)": scoring.Prevalent(restorer, freqs),
                "most frequent": scoring.MostFrequent(restorer),
                "destem": scoring.destem(restorer),
            }
            results = {name: scoring.evaluate(evalset.sentences, fn, restorer).as_dict()
                       for name, fn in methods.items()}
            results["coverage ceiling"] = scoring.evaluate(
                evalset.sentences, scoring.identity, restorer, ceiling=True).as_dict(top_errors=0)
            row = {"set": evalset.name, "model": model_name, "tokens": evalset.tokens,
                   "seconds": round(time.monotonic() - started, 1), "results": results}
            row["prose"] = prose.evaluate(evalset, restorer)
            rows.append(row)
            d = results["destem"]["words"]["percent"]
            m = results["most frequent"]["words"]["percent"]
            c = row["prose"]["systems"]["destem"]["chrf"]
            print(f"benchmark: {evalset.name} [{model_name}]: destem {d}% most-frequent {m}%, prose chrF {c}",
                  file=sys.stderr, flush=True)
    return rows


def speed(model: Path, text: Path, answers: Path, beams: tuple[int, ...]) -> list[dict]:
    """Each beam width in its own process, so peak memory is its own."""
    rows = []
    for beam in beams:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.speed", str(model), str(text), str(answers), str(beam)],
            capture_output=True, text=True, check=True,
        )
        rows.append(json.loads(done.stdout))
    return rows


def measure_scale(model: Path, sets: list) -> list[dict]:
    """The Large-input table: the Wikipedia set's stems (else the first set's) at each size and way of running."""
    speed_set = next((s for s in sets if s.name == "wikipedia"), sets[0])
    lines = [" ".join(t.stem for t in s) for s in speed_set.sentences]
    RESULTS.mkdir(parents=True, exist_ok=True)
    return (scale.run(model, lines, RESULTS, SCALE_MB, ("1", "2", "dask:local:2", "one-line"))
            + scale.many_files(model, lines, RESULTS, SCALE_FILES, SCALE_LINES_PER_FILE))


def before_after(model: Path, sets: list) -> dict:
    """The README's Before and after: a held-out paragraph of the first set in each mode."""
    evalset = sets[0]
    first, end = accurate.sample(evalset)[3]
    stems = [t.stem for i in range(first, end) for t in evalset.sentences[i]]
    prose = {}
    for mode, settings in (("prose", Settings()), ("accurate", Settings(accurate=True))):
        try:
            prose[mode] = formats.join_sentences(Restorer(model, settings).restore_prose(stems))
        except ModelError as exc:  # accurate mode not installed
            print(f"benchmark: {mode} skipped in the sample ({exc})", file=sys.stderr)
    return {"set": evalset.name, "original": " ".join(evalset.references[i] for i in range(first, end)),
            "stemmed": " ".join(stems), **prose}


def measure_speed(model: Path, sets: list) -> dict:
    """The Speed table: the Wikipedia set (else the first set) at each beam, in its own process."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    speed_set = next((s for s in sets if s.name == "wikipedia"), sets[0])
    sample = RESULTS / "speed-input.txt"
    sample.write_text("\n".join(" ".join(t.stem for t in s) for s in speed_set.sentences) + "\n",
                      encoding="utf-8")
    answers = RESULTS / "speed-answers.txt"
    answers.write_text("\n".join(" ".join(t.surface for t in s) for s in speed_set.sentences) + "\n",
                       encoding="utf-8")
    try:
        return {"input": speed_set.name, "runs": speed(model, sample, answers, BEAMS)}
    finally:
        sample.unlink()
        answers.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite docs/results.md")
    parser.add_argument("--skip-wiki-model", action="store_true",
                        help="skip the model built with the shared Wikipedia corpus")
    parser.add_argument("--render-only", action="store_true",
                        help="rewrite docs/results.md from benchmarks/results/latest.json without measuring")
    parser.add_argument("--only", choices=["accurate", "levers", "scale", "speed", "startup", "before-after"],
                        help="measure this section again into benchmarks/results/latest.json, then rewrite docs/results.md")
    args = parser.parse_args()
    if args.render_only:
        report.update_results(RESULTS_PAGE, report.render(json.loads((RESULTS / "latest.json").read_text())))
        return
    if args.only:
        results = json.loads((RESULTS / "latest.json").read_text())
        models = {name: MODELS / name for name in ("default", "no-essay", "no-wiki-offline", "no-nlp-corpus", "wiki")
                  if (MODELS / name / "manifest.json").is_file()}
        sets = evalsets.registry_sets() + evalsets.shared_sets()
        if args.only == "before-after":
            results["before_after"] = before_after(models["default"], sets)
            report.update_block(ROOT / "README.md", report.render_before_after(results["before_after"]),
                                report.SAMPLE_START, report.SAMPLE_END)
            (RESULTS / "latest.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
            return
        measure = {"scale": lambda: measure_scale(models["default"], sets),
                   "speed": lambda: measure_speed(models["default"], sets),
                   "startup": lambda: startup.run(models["default"]),
                   "accurate": lambda: accurate.compare(models, sets, RESULTS),
                   "levers": lambda: levers.run(models, sets)}
        results[args.only] = measure[args.only]()
        (RESULTS / "latest.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
        if not args.no_readme:
            report.update_results(RESULTS_PAGE, report.render(results))
        return

    began = time.monotonic()
    models = {"default": ensure_model("default"),
              "no-essay": ensure_model("no-essay", source_names=[n for n in DEFAULT_SOURCES if n != "essay"]),
              "no-wiki-offline": ensure_model("no-wiki-offline",
                                              source_names=[n for n in DEFAULT_SOURCES if n != "wiki-offline"]),
              "no-nlp-corpus": ensure_model("no-nlp-corpus",
                                            source_names=[n for n in DEFAULT_SOURCES if n != "nlp-corpus"])}
    corpus = evalsets.SHARED / "corpora" / "wikipedia-2015-sample.txt.xz"
    if corpus.is_file() and not args.skip_wiki_model:
        models["wiki"] = ensure_model("wiki", corpora=[corpus])
    sets = evalsets.registry_sets() + evalsets.shared_sets()
    if not evalsets.shared_sets():
        print(f"benchmark: {evalsets.SHARED / 'eval'} not found; skipping the Wikipedia set",
              file=sys.stderr)

    seed = (ROOT / "data" / "trotsky.stemmed.txt").read_text(encoding="utf-8").split()
    stemmed = " ".join(seed[SAMPLE_FROM:SAMPLE_FROM + SAMPLE_TOKENS])
    results = {
        "scale": measure_scale(models["default"], sets),
        "sample": {"stemmed": stemmed,
                   "restored": formats.line_handler(Restorer(models["default"]), "tokens")(stemmed),
                   "prose": formats.line_handler(Restorer(models["default"]), "text")(stemmed)},
        "accuracy": accuracy(models, sets),
        "levers": levers.run(models, sets),
        "speed": measure_speed(models["default"], sets),
        "startup": startup.run(models["default"]),
        "accurate": accurate.compare(models, sets, RESULTS),
        "before_after": before_after(models["default"], sets),
        "terms": [terms.run(Restorer(models["default"]), s, wordfreq.get_frequency_dict("en", "large"))
                  for s in sets if s.name == "wikipedia"],
        "models": {name: json.loads((path / "manifest.json").read_text()) for name, path in models.items()},
        "defaults": {"beam": Settings().beam, "prior_weight": Settings().words.prior_weight},
    }
    results["benchmark_seconds"] = round(time.monotonic() - began)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    markdown = report.render(results)
    print(markdown)
    if not args.no_readme:
        report.update_results(RESULTS_PAGE, markdown)
        report.update_block(ROOT / "README.md", report.render_before_after(results["before_after"]),
                            report.SAMPLE_START, report.SAMPLE_END)


if __name__ == "__main__":
    main()
