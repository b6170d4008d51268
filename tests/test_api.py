"""The library API: friendly errors, reuse, agreement between entry points."""

import pytest

from restore import Restorer, restore_text
from restore.api import ModelError


def test_wrong_input_type_is_a_friendly_error():
    with pytest.raises(TypeError, match="decode bytes first"):
        restore_text(b"trotski born")  # type: ignore[arg-type]


def test_missing_model_directory(tmp_path):
    with pytest.raises(ModelError, match="build-model"):
        Restorer(tmp_path / "none")


def test_restorer_is_reusable_and_agrees_with_restore_text(default_restorer):
    line = "trotski expel communist parti deport soviet union ."
    first = default_restorer.restore_line(line)
    for _ in range(3):
        assert default_restorer.restore_line(line) == first
    assert restore_text(line + "\n" + line) == first + "\n" + first
    assert [t.word for t in default_restorer.restore_tokens(line.split())] == first.split()
