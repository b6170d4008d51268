"""The library entry points: ``restore_text`` and ``Restorer``.

Data flow: stemmed tokens -> candidates (lexicon; name rules ranked by a
character model) -> beam search over the KenLM model -> words, then their
case chosen by the cased model; for prose, the removed stopwords put back
by the full-text model and the tokens detokenized.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import lm
from .build import FORMAT_VERSION, MODEL_FILES, build_model
from .candidates import CandidateGenerator
from .casing import Truecaser
from .decode import Decoder, Settings, confidence
from .gaps import GapRuns
from .lexicon import Lexicon
from .prose import ProseWord, ProseWriter, join_sentences
from .sources import cache_dir

SENTENCE_END = frozenset({".", "!", "?"})
MAX_SENTENCE = 256  # tokens; far beyond any n-gram context


class ModelError(RuntimeError):
    """The model directory is missing or unusable; the message says what to do."""


def default_model_dir() -> Path:
    """``$DESTEM_MODEL``, else ``models/default`` of this checkout, else the cache."""
    if os.environ.get("DESTEM_MODEL"):
        return Path(os.environ["DESTEM_MODEL"])
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file():
        return checkout / "models" / "default"
    return cache_dir() / "models" / "default"


@dataclass(frozen=True, slots=True)
class RestoredToken:
    """One input token and what destem made of it."""

    stem: str
    word: str  # the chosen word, in its usual case
    confidence: float  # share of score mass among the candidates (NaN if not computed)
    alternatives: tuple[tuple[str, float], ...]  # (word, log10 score vs. best), best first

    def as_dict(self) -> dict:
        return {
            "stem": self.stem, "word": self.word, "confidence": round(self.confidence, 4),
            "alternatives": [[w, s] for w, s in self.alternatives],
        }


class Restorer:
    """Loads a model once and restores any number of token sequences.

    >>> r = Restorer()
    >>> [t.word for t in r.restore_tokens("red armi".split())]
    ['Red', 'Army']
    """

    def __init__(
        self,
        model_dir: str | Path | None = None,
        settings: Settings = Settings(),
        build_if_missing: bool = False,
    ) -> None:
        self.model_dir = Path(model_dir) if model_dir is not None else default_model_dir()
        missing = [f for f in MODEL_FILES if not (self.model_dir / f).is_file()]
        if missing and build_if_missing and not self.model_dir.exists():
            print(f"destem: no model at {self.model_dir}; building the default model once",
                  file=sys.stderr, flush=True)
            build_model(self.model_dir)
            missing = []
        if missing:
            raise ModelError(
                f"model directory {self.model_dir} lacks {', '.join(missing)}; "
                f"rebuild it with: destem build-model --out {self.model_dir}"
            )
        try:
            self.lexicon = Lexicon.load(self.model_dir / "lexicon.tsv.gz")
            rules = json.loads((self.model_dir / "rules.json").read_text(encoding="utf-8"))
            self.manifest = json.loads((self.model_dir / "manifest.json").read_text(encoding="utf-8"))
            model = lm.load(self.model_dir / "lm.bin")
            spelling_model = lm.load(self.model_dir / "spelling.bin")
            case_model = lm.load(self.model_dir / "case.bin")
        except (OSError, ValueError, EOFError) as exc:
            raise ModelError(
                f"model directory {self.model_dir} is damaged: {exc}; "
                f"rebuild it with: destem build-model --out {self.model_dir}"
            ) from exc
        if self.manifest.get("format") != FORMAT_VERSION:
            raise ModelError(
                f"model directory {self.model_dir} was built by another version of destem; "
                f"rebuild it with: destem build-model --out {self.model_dir}"
            )
        self.candidates = CandidateGenerator(self.lexicon, rules, spelling_model)
        self.decoder = Decoder(model, settings)
        self.truecaser = Truecaser(case_model, self.lexicon)
        self._prose_writer: ProseWriter | None = None

    @property
    def prose_writer(self) -> ProseWriter:
        """The full-text model and gap table, loaded on first use (only prose needs them)."""
        if self._prose_writer is None:
            try:
                model = lm.load(self.model_dir / "prose.bin")
                gaps = GapRuns.load(self.model_dir / "gaps.json.gz")
            except (OSError, ValueError, EOFError, KeyError) as exc:
                raise ModelError(
                    f"model directory {self.model_dir} is damaged: {exc}; "
                    f"rebuild it with: destem build-model --out {self.model_dir}"
                ) from exc
            self._prose_writer = ProseWriter(model, gaps)
        return self._prose_writer

    def restore_tokens(self, tokens: Sequence[str], alternatives: bool = True) -> list[RestoredToken]:
        """Restore a token sequence; the result is aligned with the input.

        Sentences (cut after ``.``, ``!``, ``?``, and every ``MAX_SENTENCE``
        tokens so unpunctuated input cannot grow the search without bound)
        are searched one at a time. With ``alternatives=False`` the per-token
        scores are skipped (faster).
        """
        return self._restore(tokens, alternatives, prose=False)[0]

    def restore_prose(self, tokens: Sequence[str]) -> list[list[ProseWord]]:
        """Restore a token sequence as prose: one list of words per sentence.

        Every input token appears exactly once, in order, as a word whose
        ``token`` is its index; the stopwords put back have ``token=None``.

        >>> r = Restorer()
        >>> [(w.word, w.token) for w in r.restore_prose("trotski born kherson".split())[0]]
        [('Trotsky', 0), ('was', None), ('born', 1), ('in', None), ('Kherson', 2)]
        """
        return self._restore(tokens, alternatives=False, prose=True)[1]

    def _restore(
        self, tokens: Sequence[str], alternatives: bool, prose: bool
    ) -> tuple[list[RestoredToken], list[list[ProseWord]]]:
        """The restored tokens and, if ``prose``, the prose sentences; both
        sentence by sentence, as ``restore_tokens`` describes."""
        result: list[RestoredToken] = []
        sentences: list[list[ProseWord]] = []
        start = 0
        for end in range(1, len(tokens) + 1):
            if end == len(tokens) or tokens[end - 1] in SENTENCE_END or end - start >= MAX_SENTENCE:
                restored, words = self._restore_sentence(tokens[start:end], alternatives, prose, start)
                result.extend(restored)
                if prose:
                    sentences.append(words)
                start = end
        return result, sentences

    def _restore_sentence(
        self, tokens: Sequence[str], alternatives: bool, prose: bool, first_token: int
    ) -> tuple[list[RestoredToken], list[ProseWord]]:
        positions = [self.candidates(t) for t in tokens]
        path = self.decoder.best_path(positions)
        choices = self.decoder.explain(positions, path) if alternatives else None
        restored = []
        chosen = [cands[j] for cands, j in zip(positions, path)]
        words, guessed = [c.word for c in chosen], [not c.known for c in chosen]
        written = self.truecaser.write(words, guessed)
        prose_words: list[ProseWord] = []
        if prose:
            runs = self.prose_writer.runs(written)
            # An inserted word now opens the sentence: case the first word as mid-sentence.
            cased = self.truecaser.write(words, guessed, sentence_start=False) if runs[0] else written
            prose_words = self.prose_writer.sentence(cased, runs, first_token)
        for i, (token, cands, j, word) in enumerate(zip(tokens, positions, path, written)):
            if choices is None:
                restored.append(RestoredToken(token, word, float("nan"), ()))
                continue
            alts = choices[i].alternatives
            restored.append(RestoredToken(
                token, word, confidence(alts, j), tuple((cands[k].word, s) for k, s in alts),
            ))
        return restored, prose_words

    def restore_line(self, line: str) -> str:
        """One line of stemmed tokens -> one line of words, token for token."""
        tokens = line.split()
        return " ".join(t.word for t in self.restore_tokens(tokens, alternatives=False))

    def restore_line_text(self, line: str) -> str:
        """One line of stemmed tokens -> one line of readable prose."""
        return join_sentences(self._restore(line.split(), alternatives=False, prose=True)[1])

    def restore_line_jsonl(self, line: str) -> str:
        """One line -> a JSON object: every token's stem, word, confidence and
        alternatives (``tokens``), the prose (``text``) and its words, each
        with the index of the token it restores or null if inserted (``words``)."""
        tokens, sentences = self._restore(line.split(), alternatives=True, prose=True)
        return json.dumps({
            "tokens": [t.as_dict() for t in tokens],
            "text": join_sentences(sentences),
            "words": [w.as_dict() for words in sentences for w in words],
        }, ensure_ascii=False)

    def line_handler(self, fmt: str) -> Callable[[str], str]:
        """The per-line function of an output format: ``tokens``, ``text`` or ``jsonl``.

        The prose model is loaded here, before any worker is forked, so
        workers share its pages instead of each loading a copy.
        """
        if fmt in ("text", "jsonl"):
            self.prose_writer  # noqa: B018 (loads it)
        return {"tokens": self.restore_line, "text": self.restore_line_text, "jsonl": self.restore_line_jsonl}[fmt]


@lru_cache(maxsize=4)
def _shared_restorer(model_dir: Path) -> Restorer:
    return Restorer(model_dir)


def restore_text(text: str, model_dir: str | Path | None = None, prose: bool = False) -> str:
    r"""Turn stemmed text back into words, line by line.

    By default the result is token for token (one word per input token):

    >>> restore_text("trotski born kherson , ukrain novemb 7 , 1879")
    'Trotsky born Kherson , Ukraine November 7 , 1879'
    >>> print(restore_text("red armi\n\ncentral committe"))
    Red Army
    <BLANKLINE>
    Central Committee

    With ``prose=True`` the removed stopwords are put back and the tokens
    joined into readable text:

    >>> restore_text("trotski born kherson , ukrain novemb 7 , 1879", prose=True)
    'Trotsky was born in Kherson, Ukraine on November 7, 1879'
    """
    if not isinstance(text, str):
        raise TypeError(f"restore_text expects str, not {type(text).__name__}; decode bytes first")
    restorer = _shared_restorer(Path(model_dir) if model_dir else default_model_dir())
    line_restorer = restorer.restore_line_text if prose else restorer.restore_line
    return "\n".join(line_restorer(line) for line in text.split("\n"))
