"""Stem -> the words that produce it, and how each word is written.

The lexicon answers "which real words could have produced this stem?" with
log10 P(word | stem), and "how is this word usually written?". The builder
(``restore.build.lexicon``) decides what goes in; this module owns the
format and reads it.

Both tables are plain text files sorted by key (UTF-8 byte order), one key a
line, so they are searched in place with a binary search over a memory map:
opening the lexicon costs nothing, and a run touches only the pages of the
stems it meets, where parsing 300,000 stems up front took 1.7 s.
"""

from __future__ import annotations

import mmap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Entry:
    word: str
    logprob: float  # log10 P(word | stem)


class SortedTable:
    """Lines ``key<TAB>rest`` sorted by key, looked up in place.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "t.tsv")
    >>> write_table(path, [("b", "2"), ("a", "1"), ("é", "3")])
    >>> table = SortedTable(path)
    >>> table.get("a"), table.get("é"), table.get("c")
    ('1', '3', None)
    """

    def __init__(self, path: str | Path) -> None:
        with open(path, "rb") as handle:
            size = handle.seek(0, 2)
            if size == 0:
                self._map: bytes | mmap.mmap = b""
                return
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        if self._map[-1:] != b"\n" or self._map.find(b"\t", 0, self._map.find(b"\n")) < 0:
            raise ValueError(f"{Path(path).name} is not a destem table")

    def get(self, key: str) -> str | None:
        """The rest of the line whose key is ``key``, or None."""
        data, target = self._map, key.encode("utf-8")
        lo, hi = 0, len(data)
        while lo < hi:
            mid = (lo + hi) // 2
            start = data.rfind(b"\n", 0, mid) + 1  # the line holding byte ``mid``
            end = data.find(b"\n", start)
            tab = data.find(b"\t", start, end)
            found = data[start:tab]
            if found < target:
                lo = end + 1
            elif found > target:
                hi = start
            else:
                return data[tab + 1 : end].decode("utf-8")
        return None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        for line in self._map[:].decode("utf-8").splitlines():
            key, _, rest = line.partition("\t")
            yield key, rest


def write_table(path: str | Path, rows: Iterable[tuple[str, str]]) -> None:
    """Write ``(key, rest)`` rows in the order :class:`SortedTable` searches."""
    ordered = sorted(rows, key=lambda row: row[0].encode("utf-8"))
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for key, rest in ordered:
            out.write(f"{key}\t{rest}\n")


class Lexicon:
    """Candidates per stem, read in place, and the written form of each word.

    The case table is small (one line per word not written in lowercase) and
    asked about every restored word, so it becomes a dictionary on first use.
    """

    def __init__(self, stems: str | Path, cases: str | Path) -> None:
        self._stems = SortedTable(stems)
        self._cases_table = SortedTable(cases)

    @cached_property
    def _cases(self) -> dict[str, str]:
        return dict(self._cases_table)

    def lookup(self, stem: str) -> list[Entry]:
        """Candidate words for a stem, most likely first (empty if unknown)."""
        found = self._stems.get(stem)
        return _entries(found) if found else []

    def case(self, word: str, sentence_start: bool = False) -> str:
        """The usual written form of a lowercase word (at a sentence's start if asked)."""
        found = self._cases.get(word)
        if found is None:
            return word
        inner, _, first = found.partition("\t")
        if sentence_start and first:
            return first
        return inner or word

    def stems(self) -> Iterator[tuple[str, list[Entry]]]:
        """Every stem and its entries, in key order (reads the whole table)."""
        for stem, rest in self._stems:
            yield stem, _entries(rest)


def _entries(rest: str) -> list[Entry]:
    fields = rest.split("\t")
    return [Entry(fields[i], float(fields[i + 1])) for i in range(0, len(fields), 2)]


def save(
    stems: Path, cases: Path, entries: dict[str, list[Entry]], cased: dict[str, str], first_cased: dict[str, str]
) -> None:
    """Write a lexicon: each stem's entries (best first) and the case table.

    ``cased`` holds words whose usual form is not the lowercase word;
    ``first_cased`` the forms that differ from it at a sentence's start.
    """
    write_table(stems, ((s, "\t".join(f"{e.word}\t{e.logprob:.4f}" for e in es)) for s, es in entries.items()))
    words = set(cased) | set(first_cased)
    write_table(cases, ((w, f"{cased.get(w, '')}\t{first_cased.get(w, '')}") for w in words))
