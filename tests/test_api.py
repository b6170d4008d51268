"""The library API: friendly errors, reuse, agreement between entry points."""

import pytest

from restore import ModelError, Restorer, formats, restore_text


@pytest.mark.unit
@pytest.mark.parametrize("value, hint", [(b"trotski born", "decode bytes first"), (None, "NoneType")])
def test_wrong_input_type_is_a_friendly_error(value, hint):
    with pytest.raises(TypeError, match=hint) as caught:
        restore_text(value)  # type: ignore[arg-type]
    assert value is not None or "decode" not in str(caught.value)


@pytest.mark.unit
def test_missing_model_directory(tmp_path):
    with pytest.raises(ModelError, match="build-model"):
        Restorer(tmp_path / "none")


@pytest.mark.unit
def test_every_format_gives_one_line_per_line(essay_model):
    restorer = Restorer(essay_model)
    for fmt in formats.FORMATS:
        handle = formats.line_handler(restorer, fmt)
        for line in ["", "trotski organ red armi .", "( 1879 ) ."]:
            assert "\n" not in handle(line)
    assert formats.line_handler(restorer, "tokens")("") == ""


@pytest.mark.model
def test_restorer_is_reusable_and_agrees_with_restore_text(default_restorer):
    line = "trotski expel communist parti deport soviet union ."
    handle = formats.line_handler(default_restorer, "tokens")
    first = handle(line)
    for _ in range(3):
        assert handle(line) == first
    assert restore_text(line + "\n" + line) == first + "\n" + first
    assert [t.word for t in default_restorer.restore_tokens(line.split())] == first.split()


@pytest.mark.model
def test_case_follows_the_neighbouring_word(default_restorer):
    words = [t.word for t in default_restorer.restore_tokens(["red", "armi", "central", "committe", "wave", "red", "flag"])]
    assert words[:4] == ["Red", "Army", "Central", "Committee"]
    assert words[5:] == ["red", "flag"]
