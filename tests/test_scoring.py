"""The benchmark's arithmetic, on hand-made cases."""

from benchmarks.scoring import Prevalent, score
from restore.pipeline import Token


def test_three_of_four_is_75_percent():
    pairs = [("Trotsky", "Trotsky"), ("born", "born"), ("province", "provinces"), ("Ukraine", "ukraine")]
    assert score(pairs).percent == 75.0
    assert score(pairs, cased=True).percent == 50.0


def test_empty_score_is_not_a_number():
    assert score([]).percent != score([]).percent


def test_prevalent_picks_the_most_frequent_prefix_match(default_restorer):
    freqs = {"provincial": 1e-5, "province": 5e-5, "provinces": 2e-5}
    prevalent = Prevalent(default_restorer, freqs)
    assert prevalent(["provinc", ",", "1879"]) == ["province", ",", "1879"]


def test_evaluate_counts_only_words(default_restorer):
    from benchmarks.scoring import evaluate

    sentence = [Token("Trotsky", "trotski"), Token(",", ","), Token("born", "born"), Token("1879", "1879")]
    report = evaluate([sentence], lambda stems: ["Trotsky", ",", "borne", "1879"], default_restorer)
    assert (report.words.correct, report.words.total) == (1, 2)
    assert report.errors == {("born", "borne", "born"): 1}
