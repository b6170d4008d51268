"""The library entry points: ``restore_text`` and ``Restorer``.

Data flow: stemmed tokens -> candidates (lexicon; name rules ranked by a
character model) -> beam search with the word scorers -> words, then their
case chosen by the cased scorer; for prose, the removed stopwords put back
with the full-text scorers. :mod:`restore.formats` turns the result into
output lines. The ``Restorer`` cuts input into sentences and runs these
steps; the model parts each step needs load when the step first runs.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from . import formats, model, scorers
from .candidates import Candidate, CandidateGenerator
from .casing import Truecaser
from .gaps import Run
from .joint import JointPick, JointSearch
from .lexicon import Lexicon
from .memo import IdentityMemo
from .prose import ProseWriter
from .results import ProseWord, Restored, RestoredToken
from .search import Choice, Option, Search, confidence
from .sentences import sentence_cuts
from .settings import Settings

if TYPE_CHECKING:
    from .neural.engine import NeuralLM
    from .neural.redecide import Redecider
    from .neural.writer import Position, Writer

# Tokens the writer's KV cache holds for all the sentences it writes at once.
WRITER_CONTEXT = 16_384

@dataclass(slots=True)
class Draft:
    """One sentence decided: each token's candidates, the chosen one's index,
    the chosen words as written, and how the others compared (if scored)."""

    positions: list[list[Candidate]]
    path: list[int]
    written: list[str]
    rows: list[list[Option]]  # the options the deciding search chose among
    search: Search  # that search (scores the alternatives)
    joint: JointPick | None = None  # the joint search's own choice, whose rows hold several options per candidate
    choices: list[Choice] | None = None  # how the candidates compared, once asked
    runs: list[Run] | None = None  # the stopwords to put back before each word, where the writer chose them


class Restorer:
    """Loads a model once and restores any number of token sequences.

    >>> r = Restorer()
    >>> [t.word for t in r.restore_tokens("red armi".split())]
    ['Red', 'Army']
    """

    def __init__(self, model_dir: str | Path | None = None, settings: Settings = Settings(),
                 accurate: bool = False) -> None:
        """``accurate=True`` (or ``settings.accurate``): the neural model re-decides close calls
        (needs ``pip install 'destem[accurate]'``; see :mod:`restore.neural`)."""
        self.model = model.load(model_dir if model_dir is not None else model.default_model_dir())
        self.settings = replace(settings, accurate=True) if accurate else settings
        scorers.check(settings.scorer_uses())  # a typo fails here
        self._word_options: IdentityMemo[list[Candidate], list[Option]] = IdentityMemo(self._options_of)

    @property
    def model_dir(self) -> Path:
        return self.model.folder

    @property
    def lexicon(self) -> Lexicon:
        return self.model.lexicon

    @cached_property
    def candidates(self) -> CandidateGenerator:
        return CandidateGenerator(self.model.lexicon, self.model.rules, self.model.spelling_lm,
                                  self.settings.words.max_candidates)

    @cached_property
    def search(self) -> Search:
        return Search(scorers.make(self.settings.words.scorers, self.model, self.settings), self.settings.beam)

    @cached_property
    def joint(self) -> JointSearch | None:
        """The search that chooses words with their stopword runs, if the
        settings ask for it and the model has CMU's English model to read them."""
        s = self.settings
        if not s.joint or self.model.english_lm is None:
            return None
        search = Search(scorers.make(s.joint_search.scorers, self.model, s), s.joint_search.beam, memoize=False)
        return JointSearch(search, self.model.gaps, s)

    @cached_property
    def truecaser(self) -> Truecaser:
        case = scorers.SCORERS["case"](self.model, self.settings)
        return Truecaser(case, self.model.lexicon, self.settings.case.beam, self.settings.case.other_form)

    @cached_property
    def prose_writer(self) -> ProseWriter:
        prose = self.settings.prose
        search = Search(scorers.make(prose.scorers, self.model, self.settings), prose.beam, memoize=False)
        return ProseWriter(search, self.model.gaps, prose.insert_penalty, prose.gap_weight)

    @cached_property
    def redecider(self) -> Redecider:
        from .neural.redecide import Redecider

        n = self.settings.neural
        return Redecider(self._neural_lm(), n.weight, n.switch, n.right)

    @cached_property
    def writer(self) -> Writer:
        from .neural.writer import Writer

        n = self.settings.neural
        return Writer(self._neural_lm(WRITER_CONTEXT), self.model.gaps, n.ngram_weight, n.beam, n.first, n.second,
                      n.runs, n.word_cost)

    def _neural_lm(self, context: int | None = None) -> NeuralLM:
        """The neural model, opened in this process (each worker opens its own),
        with its share of the cores; only accurate mode imports llama.cpp."""
        from . import neural, parallel
        from .neural.engine import NeuralLM

        n = self.settings.neural
        threads = n.threads or neural.threads_for(parallel.sharing)
        path = neural.model_path(n.model)
        return NeuralLM(path, threads) if context is None else NeuralLM(path, threads, context=context)

    def preload(self, prose: bool) -> None:
        """Load every part a run will use now (before workers fork, so they
        share it). The neural model is checked, not loaded: each worker
        process opens its own."""
        for part in ("candidates", "search", "joint", "truecaser", *(("prose_writer",) if prose else ())):
            getattr(self, part)
        if self.settings.accurate:
            from . import neural

            neural.model_path(self.settings.neural.model)
            neural.runtime()

    def restore_tokens(self, tokens: Sequence[str], alternatives: bool = True) -> list[RestoredToken]:
        """Restore a token sequence; the result is aligned with the input.

        With ``alternatives=False`` the per-token scores are skipped (faster).
        """
        token_list(tokens, "restore_tokens")
        return self.restore(tokens, alternatives=alternatives, prose=False).tokens

    def restore_words(self, tokens: Sequence[str]) -> list[str]:
        """Only the restored words, one per token, in their case: what
        ``--format tokens`` writes, without the per-token records."""
        token_list(tokens, "restore_words")
        words: list[str] = []
        if self.settings.accurate:
            for draft in self._neural(tokens, list(self.sentences(tokens))):
                words += draft.written
            return words
        for start, end in self.sentences(tokens):
            words += self._words(tokens[start:end]).written
        return words

    def restore_prose(self, tokens: Sequence[str]) -> list[list[ProseWord]]:
        """Restore a token sequence as prose: one list of words per sentence.

        Every input token appears exactly once, in order, as a word whose
        ``token`` is its index; the stopwords put back have ``token=None``.

        >>> r = Restorer()
        >>> [(w.word, w.token) for w in r.restore_prose("trotski born kherson".split())[0]]
        [('Trotsky', 0), ('was', None), ('born', 1), ('in', None), ('Kherson', 2)]
        """
        token_list(tokens, "restore_prose")
        return self.restore(tokens, alternatives=False, prose=True).sentences

    def restore(self, tokens: Sequence[str], *, alternatives: bool, prose: bool) -> Restored:
        """Restore sentence by sentence: sentences end after ``.``, ``!``,
        ``?``, and every ``settings.max_sentence`` tokens, so unpunctuated
        input cannot grow the search without bound."""
        token_list(tokens, "restore")
        result = Restored([], [])
        spans = list(self.sentences(tokens))
        drafts = self._neural(tokens, spans) if self.settings.accurate else None
        for i, (start, end) in enumerate(spans):
            draft = drafts[i] if drafts else self._words(tokens[start:end])
            restored, words = self._sentence(tokens[start:end], draft, alternatives, prose, start)
            result.tokens.extend(restored)
            if prose:
                result.sentences.append(words)
        return result

    def sentences(self, tokens: Sequence[str]) -> Iterator[tuple[int, int]]:
        """(start, end) of each sentence of a token sequence (see :mod:`restore.sentences`)."""
        start = 0
        for end in sentence_cuts(tokens, self.settings.max_sentence):
            yield start, end
            start = end
        if start < len(tokens):
            yield start, len(tokens)

    def _options_of(self, cands: list[Candidate]) -> list[Option]:
        """A candidate list as search options (made once per memoised list, so
        the search's own memo finds the same row again)."""
        weight = self.settings.words.prior_weight
        return [((c.word,), weight * c.logprior) for c in cands]

    def _words(self, tokens: Sequence[str]) -> Draft:
        """One sentence decided by the n-gram search over its candidates (or
        by the joint search, with the stopword runs before them), then cased."""
        positions = [self.candidates(t) for t in tokens]
        if self.joint is not None:
            path, rows, pick = self.joint.best_path(positions)
            return Draft(positions, path, self._cased(positions, path, sentence_start=True), rows,
                         self.joint.search, pick)
        rows = [self._word_options(cands) for cands in positions]
        path = self.search.best_path(rows)
        return Draft(positions, path, self._cased(positions, path, sentence_start=True), rows, self.search)

    def _choices(self, draft: Draft) -> list[Choice]:
        """How each position's candidates compared (computed once, when first asked)."""
        if draft.choices is None:
            if draft.joint is None:
                draft.choices = draft.search.explain(draft.rows, draft.path)
            else:
                assert self.joint is not None
                draft.choices = self.joint.explain(draft.rows, draft.joint)
        return draft.choices

    def _neural(self, tokens: Sequence[str], spans: list[tuple[int, int]]) -> list[Draft]:
        """Accurate mode: the sentences written by the neural model, or their close calls re-decided."""
        return self._written(tokens, spans) if self.settings.neural.write else self._redecided(tokens, spans)

    def _written(self, tokens: Sequence[str], spans: list[tuple[int, int]]) -> list[Draft]:
        """Accurate mode: every sentence decided by the n-gram search, then
        written again by the neural model (its words and the stopwords
        between them), all sentences of ``tokens`` in one pass."""
        from .neural.writer import positions_of

        n = self.settings.neural
        drafts = [self._words(tokens[start:end]) for start, end in spans]
        inputs = [positions_of(d.written, [[c.word for c in cands] for cands in d.positions], self._choices(d),
                               n.write_candidates, n.write_margin) for d in drafts]
        for draft, positions, written in zip(drafts, inputs, self.writer.write(inputs)):
            path = [p.indices[j] for p, j in zip(positions, written.choice)]
            draft.choices = [_rescored(choice, p, scores, j)
                             for choice, p, scores, j in zip(self._choices(draft), positions, written.scores, path)]
            draft.runs = written.runs
            if path != draft.path:
                draft.path = path
                draft.written = self._cased(draft.positions, path, sentence_start=True)
        return drafts

    def _redecided(self, tokens: Sequence[str], spans: list[tuple[int, int]]) -> list[Draft]:
        """Accurate mode: every sentence decided by the n-gram search, then
        its close calls re-decided by the neural model, all sentences of
        ``tokens`` in one pass (the model reads them as one text)."""
        from .neural.redecide import apply, close_calls

        s = self.settings
        drafts = [self._words(tokens[start:end]) for start, end in spans]
        close = [close_calls(d.written, [[c.word for c in cands] for cands in d.positions],
                                    self._choices(d), s.neural.margin, s.neural.candidates) for d in drafts]
        for draft, calls, rescored in zip(drafts, close, self.redecider.rescore([d.written for d in drafts], close)):
            if rescored:
                path, draft.choices = apply(draft.path, self._choices(draft), calls, rescored)
                if path != draft.path:
                    draft.path = path
                    draft.written = self._cased(draft.positions, path, sentence_start=True)
        return drafts

    def _cased(self, positions: list[list[Candidate]], path: list[int], sentence_start: bool) -> list[str]:
        chosen = [cands[j] for cands, j in zip(positions, path)]
        return self.truecaser.write([c.word for c in chosen], [not c.known for c in chosen], sentence_start)

    def _sentence(
        self, tokens: Sequence[str], draft: Draft, alternatives: bool, prose: bool, first_token: int
    ) -> tuple[list[RestoredToken], list[ProseWord]]:
        positions, path, written = draft.positions, draft.path, draft.written
        prose_words: list[ProseWord] = []
        if prose:
            runs = draft.runs if draft.runs is not None else self.prose_writer.runs(written)
            # An inserted word now opens the sentence: case the first word as mid-sentence.
            cased = self._cased(positions, path, sentence_start=False) if runs[0] else written
            prose_words = self.prose_writer.sentence(cased, runs, first_token)
        if not alternatives:
            return [RestoredToken(t, w, float("nan"), ()) for t, w in zip(tokens, written)], prose_words
        restored = []
        for token, cands, choice, word in zip(tokens, positions, self._choices(draft), written):
            alts = choice.alternatives
            restored.append(RestoredToken(
                token, word, confidence(alts, choice.index), tuple((cands[k].word, s) for k, s in alts),
            ))
        return restored, prose_words


def _rescored(choice: Choice, position: Position, scores: list[float], chosen: int) -> Choice:
    """A token's choice with the writer's scores (log10 against the best it
    tried); candidates it did not try keep their n-gram scores, below all it tried."""
    tried = {k: s for k, s in zip(position.indices, scores) if math.isfinite(s)}
    floor = min(tried.values())
    own = dict(choice.alternatives).get(choice.index, 0.0)
    ranked = {k: floor + d - own for k, d in choice.alternatives if k not in tried}
    ranked.update(tried)
    return Choice(chosen, tuple(sorted(((k, round(s, 4)) for k, s in ranked.items()), key=lambda ks: -ks[1])))


def token_list(tokens: object, where: str) -> None:
    """Refuse a bare string where a list of tokens belongs: it is a sequence
    too, and would be restored one character at a time."""
    if isinstance(tokens, (str, bytes, bytearray)):
        raise TypeError(f"{where} expects a list of tokens, not {type(tokens).__name__}; "
                        "split the text first (text.split()), or call restore_text")


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

    >>> restore_text("trotski join bolshevik parti juli 1917 .", prose=True)
    'Trotsky joined the Bolshevik Party in July 1917.'
    """
    if not isinstance(text, str):  # the type says str; callers may pass bytes all the same
        hint = "; decode bytes first" if isinstance(text, (bytes, bytearray)) else ""  # type: ignore[unreachable]
        raise TypeError(f"restore_text expects str, not {type(text).__name__}{hint}")
    restorer = _shared_restorer(Path(model_dir) if model_dir else model.default_model_dir())
    handle = formats.line_handler(restorer, "text" if prose else "tokens")
    return "\n".join(handle(line) for line in text.split("\n"))
