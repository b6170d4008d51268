"""The alignment invariant: every input token gets exactly one output token."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from restore import restore_text

from .conftest import STEMMED_SEED

SEED_TOKENS = sorted(set(STEMMED_SEED.read_text(encoding="utf-8").split()))
token = st.one_of(
    st.sampled_from(SEED_TOKENS),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), min_size=1, max_size=30),
    st.sampled_from([".", "!", "?", "``", "''", "'s", "n't", "троцкий", "ʦ", "🙂", "x" * 300]),
)
line = st.lists(token, max_size=60).map(" ".join)
pytestmark = pytest.mark.model


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(line, min_size=1, max_size=5))
def test_every_line_and_token_is_kept(default_restorer, lines):
    text = "\n".join(lines)
    out = restore_text(text)
    out_lines = out.split("\n")
    assert len(out_lines) == len(lines)
    for before, after in zip(lines, out_lines):
        assert len(after.split()) == len(before.split())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(token, max_size=80))
def test_restore_tokens_is_aligned_with_stems(default_restorer, tokens):
    restored = default_restorer.restore_tokens(tokens)
    assert [t.stem for t in restored] == tokens
    assert all(t.word and not any(c.isspace() for c in t.word) for t in restored)
