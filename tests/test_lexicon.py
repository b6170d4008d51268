"""Lexicon and candidate generation: junk stays out, no token is dropped."""

from collections import Counter

from restore import lexicon
from restore.candidates import CandidateGenerator
from restore.pipeline import stem


def _small_lexicon() -> lexicon.Lexicon:
    counts = Counter({"revolution": 30, "revolutions": 5, "revolutionary": 12, "army": 20, "armies": 4})
    cases = lexicon.CaseStats()
    cases.add_sentence(["Red", "Army", "Ukraine", "army"])
    cases.add_sentence(["However", "army"])
    word_list = ["Ukraine", "revolution", "revolutions", "army", "armies", "Trotsky", "Kinzer's", "us"]
    # wordfreq-style frequencies, with the kind of junk wordfreq really holds
    freqs = {"ukrain": 3e-8, "ukraine": 2e-5, "trotsky": 7e-7, "novemb": 1e-8, "us": 1e-3}
    return lexicon.build(counts, cases, word_list, freqs)


def test_wordfreq_junk_is_not_proposed_and_real_words_are():
    lex = _small_lexicon()
    assert [e.word for e in lex.lookup("ukrain")] == ["ukraine"]
    assert lex.lookup("novemb") == []  # only wordfreq vouched for it


def test_priors_follow_frequency_and_sum_to_one():
    entries = _small_lexicon().lookup("revolut")
    assert [e.word for e in entries][:2] == ["revolution", "revolutions"]
    assert abs(sum(10**e.logprob for e in entries) - 1) < 1e-3


def test_case_comes_from_prose_then_word_list():
    lex = _small_lexicon()
    assert lex.case("ukraine") == "Ukraine"  # seen in prose
    assert lex.case("trotsky") == "Trotsky"  # word list only
    assert lex.case("army") == "army"  # lowercase is the usual form mid-sentence


def test_words_are_indexed_under_other_porter_modes_too():
    lex = _small_lexicon()
    assert "us" in [e.word for e in lex.lookup("u")]


def test_possessives_from_the_word_list_are_not_words():
    assert not lexicon.is_wordlike("kinzer's")
    assert lexicon.is_wordlike("o'brien") and lexicon.is_wordlike("term-end")


def test_rule_of_describes_the_tail_change():
    assert lexicon.rule_of("trotski", "trotsky") == "i>y"
    assert lexicon.rule_of("provinc", "province") == ">e"
    assert lexicon.rule_of("kamenev", "kamenev") == ">"


def test_candidates_never_drop_a_token(default_restorer):
    gen = default_restorer.candidates
    assert [c.word for c in gen(",")] == [","]
    assert [c.word for c in gen("1879")] == ["1879"]
    assert [c.word for c in gen("троцкий")] == ["троцкий"]
    for unknown in ("vatseti", "rakovski", "zzqxv"):
        words = [c.word for c in gen(unknown)]
        assert unknown in words
        assert all(stem(w) == unknown for w in words)


def test_known_stems_offer_real_words_first(default_restorer):
    words = [c.word for c in default_restorer.candidates("revolutionari")]
    assert words[0] in {"revolutionary", "revolutionaries"}
    assert {"revolutionary", "revolutionaries"} <= set(words)
    assert "trotsky" in [c.word for c in default_restorer.candidates("trotski")]


def test_generator_on_small_lexicon_ranks_rule_guesses(essay_model):
    from restore import Restorer

    gen: CandidateGenerator = Restorer(essay_model).candidates
    guesses = [c.word for c in gen("sokolnikov")]
    assert guesses[0] == "sokolnikov"


def test_words_glued_to_typographic_punctuation(default_restorer):
    gen = default_restorer.candidates
    assert gen("trotsky’")[0].word == "trotsky’s"  # Porter's remains of a possessive
    assert gen("“perman")[0].word == "“permanent"
    assert gen("“the")[0].word == "“the"  # a glued stopword was never removed
    assert gen("“…wa")[0].word == "“…was"
    assert len({c.word for c in gen("“the")}) == len(gen("“the"))
