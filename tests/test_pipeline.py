"""The forward pipeline replica, checked against hand-written expectations
and against the stems found in the user's stemmed seed."""

import pytest

from restore import pipeline
from restore.pipeline import STOPWORDS, content_tokens, split_sentences, stem, stem_line, stem_variants

from .conftest import ESSAY, STEMMED_SEED

pytestmark = pytest.mark.unit


def test_stopword_list_is_nltks_179_words():
    assert len(STOPWORDS) == 179
    assert {"the", "was", "his", "won", "don't", "t", "s"} <= STOPWORDS
    assert "us" not in STOPWORDS and "'s" not in STOPWORDS


def test_sentence_from_the_seed_stems_as_the_seed_has_it():
    # The seed's own words: "trotski born kherson provinc , ukrain novemb 7 , 1879"
    line = "Trotsky was born in Kherson province, Ukraine on November 7, 1879."
    assert stem_line(line) == "trotski born kherson provinc , ukrain novemb 7 , 1879 ."


def test_every_hand_stem_appears_in_the_seed():
    seed = set(STEMMED_SEED.read_text(encoding="utf-8").split())
    pairs = {"revolutionary": "revolutionari", "politician": "politician", "influential": "influenti",
             "province": "provinc", "November": "novemb", "assassinated": "assassin", "struggle": "struggl"}
    for word, expected in pairs.items():
        assert stem(word.lower()) == expected
        assert expected in seed


def test_treebank_quotes_and_clitics_survive_stopword_removal():
    tokens = content_tokens("He didn't call it \"permanent revolution\"; it was Trotsky's.")
    assert tokens == ["n't", "call", "``", "permanent", "revolution", "''", ";", "trotsky", "'s", "."]


def test_other_porter_modes_are_available_for_foreign_stems():
    assert stem("us") == "us"
    assert "u" in stem_variants("us")


def test_sentence_splitter_keeps_abbreviations_and_initials():
    text = "Dr. Smith met W. C. Fields in St. Louis. He left in 1899. Why? Nobody knows."
    assert split_sentences(text) == [
        "Dr. Smith met W. C. Fields in St. Louis.", "He left in 1899.", "Why?", "Nobody knows.",
    ]


def test_stem_text_keeps_line_structure_including_empty_lines():
    out = pipeline.stem_text("The armies marched.\n\nThey were defeated.")
    assert out.split("\n") == ["armi march .", "", "defeat ."]


def test_fast_tokenizer_matches_nltks_stock_treebank_tokenizer():
    from nltk.tokenize import TreebankWordTokenizer

    stock = TreebankWordTokenizer()
    text = ESSAY.read_text(encoding="utf-8") + "\nHe said, \"Don't--\" (and 'twas [so]) -- can't you'll we're O'Brien's?"
    sentences = [s for line in text.splitlines() for s in split_sentences(line)]
    assert len(sentences) > 300
    for sentence in sentences:
        assert pipeline.tokenize(sentence) == stock.tokenize(sentence)
