"""Lexicon and candidate generation: junk stays out, no token is dropped."""

from collections import Counter

import pytest

from restore import Restorer
from restore.build import lexicon
from restore.lexicon import Lexicon, SortedTable, write_table
from restore.model import ModelFiles
from restore.pipeline import stem

unit, model = pytest.mark.unit, pytest.mark.model


def _small_lexicon() -> lexicon.LexiconData:
    counts = Counter({"revolution": 30, "revolutions": 5, "revolutionary": 12, "army": 20, "armies": 4})
    cases = lexicon.CaseStats()
    cases.add_sentence(["Red", "Army", "Ukraine", "army"])
    cases.add_sentence(["However", "army"])
    cases.add_sentence(["Army", "revolution"])  # a sentence opening with the word
    word_list = ["Ukraine", "revolution", "revolutions", "army", "armies", "Trotsky", "Kinzer's", "us"]
    # wordfreq-style frequencies, with the kind of junk wordfreq really holds
    freqs = {"ukrain": 3e-8, "ukraine": 2e-5, "trotsky": 7e-7, "novemb": 1e-8, "us": 1e-3}
    return lexicon.build(counts, cases, word_list, freqs)


@pytest.fixture()
def saved(tmp_path) -> Lexicon:
    """The small lexicon written in the model's format and read back in place."""
    files = ModelFiles(tmp_path)
    _small_lexicon().save(files)
    return Lexicon(files.stems, files.cases)


@unit
def test_wordfreq_junk_is_not_proposed_and_real_words_are(saved):
    lex = saved
    assert [e.word for e in lex.lookup("ukrain")] == ["ukraine"]
    assert lex.lookup("novemb") == []  # only wordfreq vouched for it


@unit
def test_priors_follow_frequency_and_sum_to_one(saved):
    entries = saved.lookup("revolut")
    assert [e.word for e in entries][:2] == ["revolution", "revolutions"]
    assert abs(sum(10**e.logprob for e in entries) - 1) < 1e-3


@unit
def test_case_comes_from_prose_then_word_list(saved):
    lex = saved
    assert lex.case("ukraine") == "Ukraine"  # seen in prose
    assert lex.case("trotsky") == "Trotsky"  # word list only
    assert lex.case("army") == "army"  # lowercase is the usual form mid-sentence
    assert lex.case("army", sentence_start=True) == "Army"
    assert lex.case("unknownword") == "unknownword"


@unit
def test_words_are_indexed_under_other_porter_modes_too(saved):
    lex = saved
    assert "us" in [e.word for e in lex.lookup("u")]


@unit
def test_sorted_table_finds_every_key_and_no_other(tmp_path):
    keys = ["a", "ab", "abc", "b", "zz", "émigré", "ünter", "中", "x-y", "o'brien"]
    write_table(tmp_path / "t.tsv", [(k, f"v{i}") for i, k in enumerate(keys)])
    table = SortedTable(tmp_path / "t.tsv")
    for i, key in enumerate(keys):
        assert table.get(key) == f"v{i}"
    for absent in ("", "aa", "abcd", "c", "zzz", "émigr", "\U0010ffff"):
        assert table.get(absent) is None
    assert sorted(k for k, _ in table) == sorted(keys)


@unit
def test_a_table_that_is_not_one_is_refused(tmp_path):
    (tmp_path / "bad.tsv").write_bytes(b"no tabs here\n")
    with pytest.raises(ValueError, match="not a destem table"):
        SortedTable(tmp_path / "bad.tsv")


@unit
def test_possessives_from_the_word_list_are_not_words():
    assert not lexicon.is_wordlike("kinzer's")
    assert lexicon.is_wordlike("o'brien") and lexicon.is_wordlike("term-end")


@unit
def test_rule_of_describes_the_tail_change():
    assert lexicon.rule_of("trotski", "trotsky") == "i>y"
    assert lexicon.rule_of("provinc", "province") == ">e"
    assert lexicon.rule_of("kamenev", "kamenev") == ">"


@model
def test_candidates_never_drop_a_token(default_restorer):
    gen = default_restorer.candidates
    assert [c.word for c in gen(",")] == [","]
    assert [c.word for c in gen("1879")] == ["1879"]
    assert [c.word for c in gen("троцкий")] == ["троцкий"]
    for unknown in ("vatseti", "rakovski", "zzqxv"):
        words = [c.word for c in gen(unknown)]
        assert unknown in words
        assert all(stem(w) == unknown for w in words)


@model
def test_known_stems_offer_real_words_first(default_restorer):
    words = [c.word for c in default_restorer.candidates("revolutionari")]
    assert words[0] in {"revolutionary", "revolutionaries"}
    assert {"revolutionary", "revolutionaries"} <= set(words)
    assert "trotsky" in [c.word for c in default_restorer.candidates("trotski")]


@unit
def test_generator_on_small_lexicon_ranks_rule_guesses(essay_model):
    gen = Restorer(essay_model).candidates
    guesses = [c.word for c in gen("sokolnikov")]
    assert guesses[0] == "sokolnikov"


@model
def test_words_glued_to_typographic_punctuation(default_restorer):
    gen = default_restorer.candidates
    assert gen("trotsky’")[0].word == "trotsky’s"  # Porter's remains of a possessive
    assert gen("“perman")[0].word == "“permanent"
    assert gen("“the")[0].word == "“the"  # a glued stopword was never removed
    assert gen("“…wa")[0].word == "“…was"
    assert len({c.word for c in gen("“the")}) == len(gen("“the"))


@model
def test_words_before_a_typographic_apostrophe(default_restorer):
    """NLTK's tokenizer leaves ``it’s`` whole and Porter makes it ``it’``:
    the letters before the apostrophe are the word as written."""
    stems = ["it’", "clear", "citi’", "humans’", "right", "trotsky’", "armi", "."]
    words = [t.word for t in default_restorer.restore_tokens(stems, alternatives=False)]
    # (``It’s`` opening the sentence is the case model's choice, not the lexicon's.)
    assert words[0].lower() == "it’s" and words[2] == "city’s" and words[3] == "humans’"
    assert words[5].lower() == "trotsky’s"
    assert [c.word for c in default_restorer.candidates("city’")][:2] == ["city’s", "city’"]
