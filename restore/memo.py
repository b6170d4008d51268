"""The one memo the runtime uses, bounded, in two keyings.

Why memoise: stems, their candidate lists, case variants, gap runs and search
rows repeat heavily within a run (Zipf), and computing each again costs
lexicon lookups and language-model calls. Why bounded: a run over a large
corpus meets millions of distinct keys, and memory must stay flat. When a
memo is full it starts afresh: cheaper than LRU bookkeeping on the hot path,
and the frequent keys are back within a few lines. A hit is a plain dict
lookup.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
Obj = TypeVar("Obj")
V = TypeVar("V")

# Entries per memo: at a few hundred bytes each, tens of MB at most, and
# more than the distinct stems of a large corpus's frequent vocabulary.
SIZE = 200_000


class Memo(dict[K, V]):
    """``memo[key]`` is ``make(key)``, computed on the first lookup."""

    def __init__(self, make: Callable[[K], V], size: int = SIZE) -> None:
        super().__init__()
        self.make = make
        self.size = size

    def __missing__(self, key: K) -> V:
        if len(self) >= self.size:
            self.clear()
        value = self[key] = self.make(key)
        return value


class IdentityMemo(Generic[Obj, V]):
    """``make(obj)`` computed once per object, keyed by its identity.

    For shared objects that are not hashable by value (the candidate
    generator's memoised lists, which the search turns into rows); the object
    is kept beside its value, so its id cannot be reused by another object
    while cached.
    """

    def __init__(self, make: Callable[[Obj], V], size: int = SIZE) -> None:
        self.make = make
        self.size = size
        self._entries: dict[int, tuple[Obj, V]] = {}

    def __call__(self, obj: Obj) -> V:
        found = self._entries.get(id(obj))
        if found is not None and found[0] is obj:
            return found[1]
        if len(self._entries) >= self.size:
            self._entries.clear()
        value = self.make(obj)
        self._entries[id(obj)] = (obj, value)
        return value
