"""What a restore returns: the types the library hands out and the formats
render. They live apart from both, so that :mod:`restore.api` (which makes
them) and :mod:`restore.formats` (which writes them) need not import each
other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class RestoredToken:
    """One input token and what destem made of it."""

    stem: str
    word: str  # the chosen word, in its case
    confidence: float  # share of score mass among the candidates (NaN if not computed)
    alternatives: tuple[tuple[str, float], ...]  # (word, log10 score vs. best), best first

    def as_dict(self) -> dict[str, Any]:
        return {
            "stem": self.stem, "word": self.word, "confidence": round(self.confidence, 4),
            "alternatives": [[w, s] for w, s in self.alternatives],
        }


@dataclass(frozen=True, slots=True)
class ProseWord:
    """One word of restored prose and where it came from."""

    word: str
    token: int | None  # index of the input token it restores; None if it was inserted

    def as_dict(self) -> dict[str, Any]:
        return {"word": self.word, "token": self.token}


@dataclass(frozen=True, slots=True)
class Restored:
    """A token sequence restored: one entry per input token, and the prose
    sentences (empty unless asked for)."""

    tokens: list[RestoredToken]
    sentences: list[list[ProseWord]]
