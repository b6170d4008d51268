"""Long lines in bounded pieces: the same output as whole lines, in every
format, and memory that does not grow with a line's length."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from restore import Restorer, formats
from restore.files import Errors, read_chunks
from restore.sentences import cut_pieces, sentence_cuts

from .conftest import DESTEM, STEMMED_SEED


@pytest.mark.unit
@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_pieces_of_any_size_give_the_whole_lines_output(essay_model, tmp_path, fmt):
    tokens = STEMMED_SEED.read_text(encoding="utf-8").split()[:3000]
    unpunctuated = [t for t in tokens[:900] if t not in {".", "!", "?"}]  # cut by the 256-token rule
    source = tmp_path / "in.txt"
    source.write_text(" ".join(tokens) + "\n\n" + " ".join(unpunctuated) + "\nred armi", encoding="utf-8")
    restorer = Restorer(essay_model)
    line = formats.line_handler(restorer, fmt)
    whole = "".join(line(text) + "\n" for text in source.read_text(encoding="utf-8").split("\n"))
    handle = formats.piece_handler(restorer, fmt)
    for limit in (40, 300, 5000):
        out = io.StringIO()
        writer = formats.LineWriter(out)
        pieces = list(cut_pieces(read_chunks(str(source), Errors.strict, limit), restorer.settings.max_sentence))
        assert len(pieces) > 4
        for piece in pieces:
            writer.write(*handle(piece))
        assert out.getvalue() == whole
        assert writer.lines == 4
    if fmt == "jsonl":
        record = json.loads(whole.split("\n")[0])
        assert [w["token"] for w in record["words"] if w["token"] is not None] == list(range(len(tokens)))


@pytest.mark.unit
def test_sentence_cuts_follow_punctuation_and_the_length_limit():
    assert sentence_cuts(["a", ".", "b", "c", "!", "d"], max_sentence=256) == [2, 5]
    assert sentence_cuts(["a", "b", "c", "d", "e"], max_sentence=2, open_tokens=1) == [1, 3, 5]


def _peak_rss_mb(*args: str) -> float:
    probe = ("import resource, subprocess, sys\n"
             "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n")
    done = subprocess.run([sys.executable, "-c", probe, *DESTEM, *args], capture_output=True, text=True,
                          timeout=600, check=True)
    return float(done.stdout)


@pytest.mark.system
def test_memory_does_not_grow_with_the_length_of_a_line(tmp_path):
    sentences = STEMMED_SEED.read_text(encoding="utf-8").split(" . ")
    lines = [s + " ." for s in sentences] * 50  # about 3 MB of stems
    many, one = tmp_path / "many.txt", tmp_path / "one.txt"
    many.write_text("\n".join(lines) + "\n", encoding="utf-8")
    one.write_text(" ".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.txt"
    by_lines = _peak_rss_mb("restore", str(many), "--jobs", "1", "-o", str(out))
    single = _peak_rss_mb("restore", str(one), "--jobs", "1", "-o", str(out))
    assert out.read_text(encoding="utf-8").count("\n") == 1
    assert single < by_lines + 25, (single, by_lines)  # before pieces: +83 MB here
