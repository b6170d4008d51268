"""Display words for terms: from the context's restored words, or the model's prior."""

from __future__ import annotations

import json
import re

import pytest

from restore import Restorer, restore_terms
from restore.errors import InputError
from restore.terms import parse_term_line, render_term_line

from .conftest import ESSAY, ROOT, STEMMED_SEED, assert_clean_error, run

unit, model, system = pytest.mark.unit, pytest.mark.model, pytest.mark.system


@pytest.fixture(scope="module")
def essay_stemmed() -> list[str]:
    from restore.pipeline import stem_line

    return [stem_line(line) for line in ESSAY.read_text(encoding="utf-8").splitlines()]


@unit
def test_without_context_the_lexicons_most_likely_word(essay_model):
    restorer = Restorer(essay_model)
    terms = restore_terms(["armi", "peasant", "zzqxv", "1917"], restorer=restorer)
    entries = restorer.lexicon.lookup("armi")
    assert terms["armi"].word == restorer.lexicon.case(entries[0].word)
    assert terms["armi"].share == pytest.approx(10 ** entries[0].logprob)
    assert terms["armi"].known and terms["peasant"].known
    for unknown in ("zzqxv", "1917"):
        assert terms[unknown].word == unknown and not terms[unknown].known and terms[unknown].share == 0


@unit
def test_with_context_the_most_frequent_restored_word_and_shares(essay_model, essay_stemmed):
    restorer = Restorer(essay_model)
    stems = ["bolshevik", "armi", "peasant", "revolut", "zzqxv"]
    terms = restore_terms(stems, essay_stemmed, restorer=restorer)
    assert set(terms) == set(stems)
    for stem in stems[:4]:
        term = terms[stem]
        assert term.known and term.alternatives[0] == (term.word, term.share)
        assert sum(share for _, share in term.alternatives) == pytest.approx(1.0, abs=0.01)
        assert [s for _, s in term.alternatives] == sorted((s for _, s in term.alternatives), reverse=True)
    chosen = {}
    for line in essay_stemmed:  # the words the restorer chose for "bolshevik" in the essay
        for t in restorer.restore_tokens(line.split(), alternatives=False):
            if t.stem == "bolshevik":
                chosen[t.word.lower()] = chosen.get(t.word.lower(), 0) + 1
    assert terms["bolshevik"].word.lower() == max(chosen, key=chosen.get)
    assert not terms["zzqxv"].known


@unit
def test_term_lines_keep_their_count_column_and_refuse_bad_counts():
    line = parse_term_line("armi red\t12", "t.txt: line 1")
    assert line.stems == ("armi", "red") and line.rest == ("12",)
    with pytest.raises(InputError, match=r"t\.txt: line 3: the count column 'many' is not a number"):
        parse_term_line("armi\tmany", "t.txt: line 3")
    with pytest.raises(InputError):
        parse_term_line("armi\tnan", "t.txt: line 4")
    from restore.terms import Term

    terms = {"armi": Term("armi", "army", 0.9, (("army", 0.9), ("armies", 0.1)), True)}
    assert render_term_line(parse_term_line("armi\t7", ""), terms, "text") == ["army\t7"]
    assert render_term_line(parse_term_line("", ""), terms, "tsv") == []  # no row without a stem
    assert render_term_line(parse_term_line("", ""), terms, "text") == [""]
    record = json.loads(render_term_line(parse_term_line("armi\t7", ""), terms, "jsonl")[0])
    assert record == {"stem": "armi", "word": "army", "share": 0.9, "alternatives": [["army", 0.9], ["armies", 0.1]],
                      "known": True, "count": 7}


@model
def test_display_words_people_would_print(default_restorer):
    terms = restore_terms(["armi", "revolut", "countri", "trotski", "soviet"], restorer=default_restorer)
    assert [terms[s].word.lower() for s in ["armi", "revolut", "countri"]] == ["army", "revolution", "country"]
    assert [terms[s].word for s in ["trotski", "soviet"]] == ["Trotsky", "Soviet"]


@model
def test_readme_terms_examples_run():
    """The README's scikit-learn and gensim examples, run as written."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Terms", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 2
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)


@system
def test_terms_command_in_every_format(tmp_path):
    source = tmp_path / "terms.txt"
    source.write_text("armi red revolut\n\ncountri\t12\nzzqxv\t3\n", encoding="utf-8")
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "a.txt").write_text(STEMMED_SEED.read_text(encoding="utf-8"), encoding="utf-8")
    text = run("terms", str(source), "--context", str(context / "*.txt"))
    assert text.returncode == 0, text.stderr.decode()
    lines = text.stdout.decode().split("\n")
    assert lines[0].split()[2] == "revolution" and lines[1] == "" and lines[2] == "country\t12"
    assert lines[3] == "zzqxv\t3"
    tsv = run("terms", str(source), "-f", "tsv").stdout.decode().splitlines()
    assert tsv[0] == "stem\tword\tshare\talternatives\tknown\tcount"
    assert tsv[-1].split("\t") == ["zzqxv", "zzqxv", "0.0000", "", "no", "3"]
    jsonl = run("terms", "-", "-f", "jsonl", stdin=b"countri\n").stdout.decode()
    assert json.loads(jsonl)["word"] == "country"
    dask = run("terms", str(source), "--context", str(context / "a.txt"), "--dask", "local:2")
    assert dask.returncode == 0 and dask.stdout == text.stdout, dask.stderr.decode()[-500:]
    piped = run("terms", str(source), "--context", "-", stdin=STEMMED_SEED.read_bytes())
    assert piped.stdout == text.stdout


@system
def test_terms_command_bad_input(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("armi\t4\nred\tlots\n", encoding="utf-8")
    assert_clean_error(run("terms", str(bad)), 1, "line 2", "not a number")
    assert_clean_error(run("terms", str(bad), "--context", str(tmp_path / "none.txt")), 1, "no such file")
    assert_clean_error(run("terms", "-", "--context", "-"), 2, "standard input")
